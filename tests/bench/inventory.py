"""The inventory figure of make bench: backupops.jobs.nakivo over 1,000 jobs protecting 10,000 VMs, against a static YAML
inventory of the same hosts, variables and groups, in one run.

Four sides, alternated: ``ansible-inventory --list`` of the plugin reading the emulator, of the plugin served from its
jsonfile cache, of the static YAML file written from the plugin's own output, and of the same static inventory written as
JSON (which the yaml inventory plugin reads through its JSON fast path: the cheapest static form, reported beside the
target). Each side's first timed run must list the plugin's hosts, variables and groups. The plugin's requests are read
from the emulator log: one login, one getGroupInfo, one getJobInfo, one logout; none for the other sides.
"""

from __future__ import annotations

import io
import json
import pstats
import subprocess
import time

import yaml

from harness import VENV_BIN, BenchError, Emulator, alternate, median

JOBS = 1000
OBJECTS_PER_JOB = 10
LIMIT_LIVE = 1.5
LIMIT_CACHED = 1.1
LOGIN = "AuthenticationManagement.login"
EXPECTED_CALLS = [LOGIN, "JobSummaryManagement.getGroupInfo", "JobSummaryManagement.getJobInfo",
                  "AuthenticationManagement.logoutCurrentUser"]


def scenario(user):
    """1,000 NAKIVO jobs with 10 VMs each, every 7th failed, every 50th running."""
    return {
        "description": "bench: 1,000 NAKIVO jobs protecting 10,000 VMs",
        "nakivo": {"users": [user], "generate": {"count": JOBS, "first_id": 1, "objects": OBJECTS_PER_JOB,
                                                 "results": ["OK", "OK", "OK", "OK", "OK", "OK", "FAILED"],
                                                 "running_every": 50}},
    }


def plain(value):
    """ansible-inventory output with the ``{"__ansible_unsafe": text}`` markers of ansible-core 2.19+ read back as text."""
    if isinstance(value, dict):
        if len(value) == 1 and "__ansible_unsafe" in value:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def static_inventory(listing):
    """The YAML inventory of an ``ansible-inventory --list`` output: every host with its variables, every group."""
    hostvars = listing["_meta"]["hostvars"]
    groups = {name: value for name, value in listing.items() if name not in ("_meta", "all", "ungrouped")}
    children = {name: {"hosts": {host: None for host in value.get("hosts", [])}} for name, value in groups.items()}
    return {"all": {"hosts": {host: hostvars[host] for host in sorted(hostvars)}, "children": children}}


def listing_of(done):
    try:
        return plain(json.loads(done.stdout))
    except ValueError:
        raise BenchError("ansible-inventory --list printed no JSON: %s" % (done.stdout + done.stderr)[-2000:]) from None


def comparable(listing):
    """The hosts, their variables and each group's hosts: what both sides must agree on."""
    groups = {name: sorted(value.get("hosts", [])) for name, value in listing.items() if name not in ("_meta", "all")}
    return listing["_meta"]["hostvars"], {name: hosts for name, hosts in groups.items() if hosts}


def timed(command, env, timeout=1800):
    """(wall seconds, CompletedProcess) of one run that must succeed; a static YAML inventory of 10,000 hosts takes minutes."""
    started = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise BenchError("%s ran past %d s" % (" ".join(command[:4]), timeout)) from None
    if done.returncode != 0:
        raise BenchError("%s exited %d: %s" % (" ".join(command[:4]), done.returncode, (done.stdout + done.stderr)[-2000:]))
    return time.perf_counter() - started, done


def figure(bench, user, row):
    """Measure and add the rows of the figure; ``row`` is run.py's Row."""
    n = bench.repeat("inventory")
    work = bench.workdir
    scenario_path = bench.write("inventory-scenario.json", scenario(user))
    live = bench.write("live.nakivo.yml", "plugin: backupops.jobs.nakivo\n")
    cached = bench.write("cached.nakivo.yml", "plugin: backupops.jobs.nakivo\ncache: true\ncache_plugin: ansible.builtin.jsonfile\n"
                                              "cache_connection: %s\ncache_timeout: 86400\n" % (work / "inventory-cache"))
    static_yaml, static_json = work / "static.yml", work / "static.json"

    def command(path):
        return [str(VENV_BIN / "ansible-inventory"), "-i", str(path), "--list"]

    with Emulator(str(scenario_path)) as emu:
        env = bench.env(NAKIVO_URL=emu.url, NAKIVO_USERNAME=user["username"], NAKIVO_PASSWORD=user["password"])
        # Warm-up and checks: the plugin's requests, the cache's silence; the static files are written from its output.
        emu.clear()
        done = timed(command(live), env)[1]
        calls = [entry["call"] for entry in emu.log()]
        if calls != EXPECTED_CALLS:
            raise BenchError("the plugin made %s, not %s" % (calls, EXPECTED_CALLS))
        listing = listing_of(done)
        hosts = len(listing["_meta"]["hostvars"])
        if hosts != JOBS * OBJECTS_PER_JOB:
            raise BenchError("the plugin listed %d hosts, not %d" % (hosts, JOBS * OBJECTS_PER_JOB))
        data = static_inventory(listing)
        static_yaml.write_text(yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), default_flow_style=False,
                                         sort_keys=False))
        static_json.write_text(json.dumps(data))
        bench.note("inventory: %d hosts, %d groups; static YAML %.1f MB, the same as JSON %.1f MB; plugin --list output %.1f MB"
                   % (hosts, len(comparable(listing)[1]), static_yaml.stat().st_size / 1e6, static_json.stat().st_size / 1e6,
                      len(done.stdout) / 1e6))
        # The cache is filled by a read of its own: its backup_checked_at is that read's, not the live warm-up's.
        expected = {"cached": comparable(listing_of(timed(command(cached), env)[1]))}
        expected["plugin"] = expected["static YAML"] = expected["static JSON"] = comparable(listing)
        checked = set()
        requests = []

        def side(name, path, requests_expected):
            def measure():
                emu.clear()
                seconds, done = timed(command(path), env)
                made = len(emu.log())
                if made != requests_expected:
                    raise BenchError("the %s run made %d requests, not %d" % (name, made, requests_expected))
                requests.append(made)
                if name not in checked:  # each side's first timed run shows that it lists what the plugin listed
                    shown = comparable(listing_of(done))
                    # A new read of the server has a new backup_checked_at and progress: the live side shows the same hosts.
                    same = sorted(shown[0]) == sorted(expected[name][0]) if name == "plugin" else shown == expected[name]
                    if not same:
                        raise BenchError("the %s run does not list the plugin's hosts, variables and groups" % name)
                    checked.add(name)
                return seconds
            return measure

        times = alternate({"plugin": side("plugin", live, len(EXPECTED_CALLS)), "cached": side("cached", cached, 0),
                           "static_yaml": side("static YAML", static_yaml, 0), "static_json": side("static JSON", static_json, 0)}, n)
        if bench.args.profile:
            bench.say(profile(cached, env, work))
    medians = {name: median(values) for name, values in times.items()}
    for name, label, limit in (("plugin", "plugin", LIMIT_LIVE), ("cached", "cached plugin", LIMIT_CACHED)):
        ratio = medians[name] / medians["static_yaml"]
        bench.add(row("7 inventory 10,000 hosts: %s / static YAML" % label, "%.1f s / %.1f s (n=%d)"
                      % (medians[name], medians["static_yaml"], n), "<= %.1fx" % limit, ratio, ratio <= limit, times=times))
    bench.note("inventory: the same static inventory written as JSON (the yaml plugin's fast path) takes %.1f s: plugin %.2fx, "
               "cached %.2fx of it" % (medians["static_json"], medians["plugin"] / medians["static_json"],
                                       medians["cached"] / medians["static_json"]))


def profile(path, env, work):
    """A cProfile of one ``ansible-inventory --list`` run of ``path``, top 25 by cumulative time."""
    out, script = work / "inventory.prof", work / "inventory_profiled.py"
    script.write_text("import sys\nfrom ansible.cli.inventory import main\nsys.argv = ['ansible-inventory', '-i', %r, '--list']\n"
                      "main()\n" % str(path))
    subprocess.run([str(VENV_BIN / "python"), "-m", "cProfile", "-o", str(out), str(script)], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=False)
    text = io.StringIO()
    pstats.Stats(str(out), stream=text).sort_stats("cumulative").print_stats(25)
    return text.getvalue()
