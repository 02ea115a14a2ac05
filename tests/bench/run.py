#!/usr/bin/env python
"""make bench: the performance figures of issue 7, measured against the emulator and printed as a table.

Each figure that compares two things runs them side by side in this one run, alternating (the order
reversed every other round), and compares medians. The emulator runs as a subprocess, so its CPU is
not the bench's; ansible gets a clean environment with the venv's Python pinned and its folders in
a temporary directory. Exit 1 when a target is missed (the table says which), 2 when a figure could
not be measured at all.

  task         ad-hoc job_info (login, query, logout) vs ad-hoc ping: <= 1.10x; and what the module imports (no Commvault code)
  handwritten  a job_info playbook vs the same query as three uri tasks (<= 0.7x) and vs one bare uri task (<= 1.1x)
  batching     NAKIVO 1,000 ids in one getJobInfo; Commvault 200 ids with 50 ms per JobDetails, include_raw false:
               <= 1.875 s over ping, with raw <= 1.3x that; <= 8 connections
  replies      in-process, vs the parser alone on the same bodies: 10,000 NAKIVO jobs x 10 objects (<= 2x json.loads' time,
               <= 1.1x its peak) and 10,000 Commvault XML JobDetails (<= 1.5x xmltodict.parse's time, <= 1.2x its peak)
  waiting      job_info wait: true, wait_sleep 2: the last poll at most wait_sleep + 1 s after the job finished
  role         maintenance_gate over 200 hosts vs 1 host: one login, same requests per poll; cost per extra host
               <= 1.15x ansible's floor (a role of the same shape of set_facts), alternated, >= 3 pairs
  inventory    ansible-inventory --list of backupops.jobs.nakivo over 1,000 jobs x 10 VMs vs a static YAML inventory of the
               same hosts and variables: <= 1.5x, from the plugin's cache <= 1.1x (tests/bench/inventory.py)
  events       polls of the event source backupops.jobs.job_events over 1,000 NAKIVO jobs: one getJobInfo per poll, plus
               one getGroupInfo to select by name or all, as for 10 jobs; CPU per poll <= 600 ms (tests/bench/events.py)

Run it from the collection root (ansible_collections/backupops/jobs) with ANSIBLE_COLLECTIONS_PATH set, as
`make bench` does. Options: --quick (fewer repetitions), --only NAME (repeatable), --json FILE, --forks N.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402  pylint: disable=wrong-import-position
    ROOT,
    VENV_BIN,
    BenchError,
    Emulator,
    adhoc,
    adhoc_result,
    alternate,
    ansible_env,
    collections_path,
    load_average,
    median,
    playbook,
    run,
    write_json,
)

NAKIVO_USER = {"username": "admin", "password": "Nakivo-P@ss1"}   # tests/emulator/scenarios/bulk.yml
COMMVAULT_USER = {"username": "admin", "password": "Cv-P@ss1"}
COMMVAULT_ROOT = "/webconsole/api"
LOGIN = "AuthenticationManagement.login"
GET_JOB_INFO = "JobSummaryManagement.getJobInfo"
# Repetitions per figure: (full run, --quick). A 200-host play of the role takes 40 s to 2 min on 2 cores:
# two pairs per platform keep the bench near 7 minutes (--repeat N asks for more).
REPEAT = {"task": (7, 3), "handwritten": (5, 2), "batching": (3, 2), "role": (2, 1), "replies": (3, 1), "inventory": (2, 1),
          "events": (10, 3)}
# In this order: the in-process figure before the 200-host plays, whose 50 forks leave the machine loaded for a while.
FIGURES = ("task", "handwritten", "batching", "replies", "waiting", "role", "inventory", "events")


class Row:
    """One line of the table. ``ratio`` is the measured ratio for side-by-side figures, measured/limit for the others."""

    def __init__(self, figure, measured, target, ratio, ok, **details):
        self.figure = figure
        self.measured = measured
        self.target = target
        self.ratio = ratio
        self.ok = ok
        self.details = details

    def as_dict(self):
        return dict(figure=self.figure, measured=self.measured, target=self.target, ratio=self.ratio, ok=self.ok, **self.details)


class Bench:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.rows = []
        self.notes = []

    def repeat(self, figure):
        full, quick = REPEAT[figure]
        return self.args.repeat or (quick if self.args.quick else full)

    def say(self, text):
        print(text, flush=True)

    def add(self, row):
        self.rows.append(row)
        flag = "ok" if row.ok else "MISSED"
        ratio = "%.2f" % row.ratio if isinstance(row.ratio, float) else str(row.ratio)
        self.say("   %-44s %-40s %-14s %6s  %s" % (row.figure, row.measured, row.target, ratio, flag))

    def note(self, text):
        self.notes.append(text)
        self.say("   " + text)

    def env(self, **extra):
        return ansible_env(self.workdir, **extra)

    def write(self, name, data):
        path = self.workdir / name
        path.write_text(json.dumps(data, indent=2) if not isinstance(data, str) else data)
        return path

    # ------------------------------------------------------------------ 1. per task

    def figure_task(self):
        n = self.repeat("task")
        with Emulator("bulk") as emu:
            env = self.env(NAKIVO_URL=emu.url, NAKIVO_USERNAME=NAKIVO_USER["username"], NAKIVO_PASSWORD=NAKIVO_USER["password"])
            job_info = adhoc("backupops.jobs.job_info", "job_ids=1")
            ping = adhoc("ansible.builtin.ping")
            # Warm-up (page cache, ansible's caches), and a check that the query does what the figure says.
            emu.clear()
            done = run(job_info, env)[1]
            jobs = adhoc_result(done.stdout).get("jobs") or []
            calls = [entry["call"] for entry in emu.log()]
            if [job.get("id") for job in jobs] != [1] or calls != [LOGIN, GET_JOB_INFO, "AuthenticationManagement.logoutCurrentUser"]:
                raise BenchError("job_info job_ids=1 made %s and returned %s" % (calls, [job.get("id") for job in jobs]))
            run(ping, env)
            times = alternate({"job_info": lambda: run(job_info, env)[0], "ping": lambda: run(ping, env)[0]}, n)
            imports = self.module_imports(env, "backupops.jobs.job_info", "job_ids=1")
        t_job, t_ping = median(times["job_info"]), median(times["ping"])
        ratio = t_job / t_ping
        self.add(Row("1 ad-hoc job_info / ad-hoc ping", "%.2f s / %.2f s (n=%d)" % (t_job, t_ping, n), "<= 1.10x", ratio,
                     ratio <= 1.10, times=times))
        lazy_ok = not imports["forbidden"]
        self.add(Row("1 job_info imports an XML parser, concurrent.*, Commvault code", ", ".join(imports["forbidden"]) or "neither",
                     "neither", "-", lazy_ok, imports=imports))
        self.note("module side (AnsiballZ run by hand): job_info %.0f ms vs ping %.0f ms; imports beyond ping's: %s"
                  % (imports["job_info_ms"], imports["ping_ms"], imports["summary"]))

    def module_imports(self, env, module, args):
        """The kept AnsiballZ payloads of job_info and ping, run by hand: module-side time (alternated, medians),
        and with -X importtime, what job_info imports beyond ping."""
        payloads = {}
        for name, command in (("job_info", adhoc(module, args)), ("ping", adhoc("ansible.builtin.ping"))):
            keep = self.workdir / ("keep-" + name)
            run(command, dict(env, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_REMOTE_TEMP=str(keep)))
            found = sorted(keep.glob("*/AnsiballZ_*.py"))
            if not found:
                raise BenchError("ANSIBLE_KEEP_REMOTE_FILES left no AnsiballZ payload in %s" % keep)
            payloads[name] = found[-1]

        def by_hand(name, *options):
            started = time.perf_counter()
            done = subprocess.run([str(VENV_BIN / "python")] + list(options) + [str(payloads[name])], env=env, cwd=self.workdir,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
            if '"failed": true' in done.stdout or done.returncode != 0:
                raise BenchError("the %s payload failed when run by hand: %s" % (name, (done.stdout + done.stderr)[-2000:]))
            return time.perf_counter() - started, done

        walls = alternate({name: (lambda name=name: by_hand(name)[0]) for name in payloads}, 5)
        found = {name: (parse_importtime(by_hand(name, "-X", "importtime")[1].stderr), median(walls[name])) for name in payloads}
        job_info, ping = found["job_info"][0], found["ping"][0]
        extra = {mod: cost for mod, cost in job_info.items() if mod not in ping}
        ours = sorted(((mod.rsplit(".", 1)[-1], cost["self"]) for mod, cost in extra.items()
                       if mod.startswith("ansible_collections.") and ".module_utils." in mod), key=lambda item: -item[1])
        # Third-party and standard-library imports beyond ping's, each counted once: the outermost of each chain.
        roots = sorted(((mod, cost["cumulative"]) for mod, cost in extra.items() if not mod.startswith("ansible_collections.")
                        and (cost["parent"] not in extra or cost["parent"].startswith("ansible_collections."))),
                       key=lambda item: -item[1])
        roots = [(mod, cost) for mod, cost in roots if mod != "ansible_collections" and cost >= 500]
        # A NAKIVO run carries no Commvault code and no XML parser.
        forbidden = sorted(mod for mod in job_info if mod in ("xmltodict", "pyexpat", "xml.parsers.expat", "concurrent")
                           or mod.startswith("concurrent.") or "._commvault" in mod)
        summary = "%d modules; %s; collection code (own time): %s" % (
            len(extra), ", ".join("%s %.0f ms" % (mod, cost / 1000) for mod, cost in roots[:5]),
            ", ".join("%s %.0f ms" % (mod, cost / 1000) for mod, cost in ours))
        return dict(extra=len(extra), roots=roots[:20], ours=ours, forbidden=forbidden, summary=summary,
                    job_info_ms=found["job_info"][1] * 1000, ping_ms=found["ping"][1] * 1000)

    # ------------------------------------------------------------------ 2. hand-written alternative

    def figure_handwritten(self):
        n = self.repeat("handwritten")
        with Emulator("bulk") as emu:
            variables = self.write("handwritten-vars.json", dict(nakivo_url=emu.url, nakivo_user=NAKIVO_USER["username"],
                                                                 nakivo_password=NAKIVO_USER["password"]))
            books = {name: self.write("handwritten-%s.json" % name, [dict(name=name, hosts="localhost", gather_facts=False,
                                                                          connection="local", tasks=tasks)])
                     for name, tasks in handwritten_plays().items()}
            env = self.env()
            commands = {name: playbook(path, extra=["-e", "@%s" % variables]) for name, path in books.items()}
            # Warm-up, and a check that each playbook makes the requests it stands for.
            expected = {"job_info": [LOGIN, GET_JOB_INFO, "AuthenticationManagement.logoutCurrentUser"],
                        "three_uri": [LOGIN, GET_JOB_INFO, "AuthenticationManagement.logoutCurrentUser"],
                        "one_uri": ["AuthenticationManagement.isLogged"]}
            for name, command in commands.items():
                emu.clear()
                run(command, env)
                log = emu.log()
                calls = [entry["call"] for entry in log]
                if calls != expected[name]:
                    raise BenchError("the %s playbook made %s, not %s" % (name, calls, expected[name]))
                if name == "three_uri" and not log[1]["authenticated"]:
                    raise BenchError("the three-uri playbook's getJobInfo did not carry the session cookie")
            times = alternate({name: (lambda command=command: run(command, env)[0]) for name, command in commands.items()}, n)
        medians = {name: median(values) for name, values in times.items()}
        ratio = medians["job_info"] / medians["three_uri"]
        self.add(Row("2 job_info play / three-uri play", "%.2f s / %.2f s (n=%d)" % (medians["job_info"], medians["three_uri"], n),
                     "<= 0.70x", ratio, ratio <= 0.70, times=times))
        ratio = medians["job_info"] / medians["one_uri"]
        self.add(Row("2 job_info play / one bare uri play", "%.2f s / %.2f s (n=%d)" % (medians["job_info"], medians["one_uri"], n),
                     "<= 1.10x", ratio, ratio <= 1.10, times=times))

    # ------------------------------------------------------------------ 3. batching and concurrency

    def figure_batching(self):
        n = self.repeat("batching")
        with Emulator("bulk") as emu:
            env = self.env(NAKIVO_URL=emu.url, NAKIVO_USERNAME=NAKIVO_USER["username"], NAKIVO_PASSWORD=NAKIVO_USER["password"],
                           COMMVAULT_URL=emu.url + COMMVAULT_ROOT, COMMVAULT_USERNAME=COMMVAULT_USER["username"],
                           COMMVAULT_PASSWORD=COMMVAULT_USER["password"])
            # NAKIVO: 1,000 ids, one getJobInfo.
            emu.clear()
            seconds, done = run(adhoc("backupops.jobs.job_info", "job_ids=" + ",".join(str(i) for i in range(1, 1001))), env)
            returned = len(adhoc_result(done.stdout).get("jobs") or [])
            calls = [entry["call"] for entry in emu.log()]
            info = calls.count(GET_JOB_INFO)
            others = [call for call in calls if call not in (LOGIN, GET_JOB_INFO, "AuthenticationManagement.logoutCurrentUser")]
            self.add(Row("3 NAKIVO 1,000 ids: getJobInfo requests", "%d (+%d other) in %.2f s, %d jobs" % (info, len(others), seconds, returned),
                         "1", float(info), info == 1 and not others and calls.count(LOGIN) == 1 and returned == 1000,
                         calls=calls))

            # Commvault: 200 ids, 50 ms on each JobDetails, default concurrency 8.
            ids = ",".join(str(10001 + i) for i in range(200))
            lean, ping = adhoc("backupops.jobs.job_detail", "job_ids=%s include_raw=false" % ids), adhoc("ansible.builtin.ping")
            with_raw = adhoc("backupops.jobs.job_detail", "job_ids=" + ids)
            emu.control("POST", "faults", {"kind": "latency", "ms": 50, "match": {"call": "JobDetails"}, "count": None})
            seen = []

            def detail_run(job_detail=None):
                emu.clear()
                seconds, done = run(job_detail or lean, env)
                stats = emu.control("GET", "stats")
                log = emu.log()
                details = [entry for entry in log if entry["call"] == "JobDetails"]
                if len(adhoc_result(done.stdout).get("jobs") or []) != 200 or len(details) != 200:
                    raise BenchError("job_detail of 200 ids made %d JobDetails requests" % len(details))
                if not all(entry["fault"] for entry in details):
                    raise BenchError("the latency fault did not apply to every JobDetails request")
                seen.append(dict(connections=stats["connections"], max_in_flight=stats["max_in_flight"],
                                 detail_connections=len({entry["conn"] for entry in details}), requests=len(log),
                                 http_span=log[-1]["ended"] - log[0]["started"],
                                 details_span=details[-1]["ended"] - details[0]["started"]))
                return seconds

            run(ping, env)
            detail_run()
            seen.clear()
            times = alternate({"job_detail": detail_run, "with_raw": lambda: detail_run(with_raw), "ping": lambda: run(ping, env)[0]}, n)
            emu.control("DELETE", "faults")
        over = median(times["job_detail"]) - median(times["ping"])
        limit = 1.5 * 200 * 0.05 / 8
        self.add(Row("3 Commvault 200 ids x 50 ms, include_raw false: time over ping", "%.2f s (%.2f - %.2f, n=%d)"
                     % (over, median(times["job_detail"]), median(times["ping"]), n),
                     "<= %.3f s" % limit, over / limit, over <= limit, times=times))
        raw_over = median(times["with_raw"]) - median(times["ping"])
        self.add(Row("3 Commvault 200 ids x 50 ms: with raw / without", "%.2f s / %.2f s over ping" % (raw_over, over),
                     "<= 1.30x", raw_over / over, raw_over <= 1.3 * over))
        self.note("Commvault: login to logout %.2f s, first to last JobDetails %.2f s (median); the rest of the %.2f s is ansible"
                  % (median([e["http_span"] for e in seen]), median([e["details_span"] for e in seen]), median(times["job_detail"])))
        connections = max(entry["connections"] for entry in seen)
        self.add(Row("3 Commvault 200 ids: connections", "%d (max in flight %d)" % (connections, max(e["max_in_flight"] for e in seen)),
                     "<= 8", connections / 8.0, connections <= 8, runs=seen))

    # ------------------------------------------------------------------ 4. role at scale

    def figure_role(self):
        n = self.repeat("role")
        hosts = ["gen-%d-1.example.com" % i for i in range(1, 201)]
        scenario = self.write("role-scenario.json", {
            "description": "bench: 200 hosts, one NAKIVO job and one Commvault job each, nothing active",
            "nakivo": {"users": [NAKIVO_USER], "generate": {"count": 200, "first_id": 1, "objects": 1, "results": ["OK"]}},
            "commvault": {"users": [COMMVAULT_USER], "generate": {"count": 200, "first_id": 10001, "clients": hosts,
                                                                  "results": ["Completed"], "start": -86400, "spacing": 60,
                                                                  "duration": 240}},
        })
        inventories = {count: self.write("role-hosts-%d.ini" % count, "[gate]\n%s\n\n[gate:vars]\nansible_connection=local\n"
                                         "ansible_python_interpreter=%s\n" % ("\n".join(hosts[:count]), VENV_BIN / "python"))
                       for count in (1, 200)}
        book = self.write("role-play.json", [dict(name="gate", hosts="gate", gather_facts=False,
                                                  roles=[dict(role="backupops.jobs.maintenance_gate")])])
        env = self.env()
        floor_commands = self.role_floor(inventories)
        floors = []
        with Emulator(scenario) as emu:
            for platform in ("nakivo", "commvault"):
                user = NAKIVO_USER if platform == "nakivo" else COMMVAULT_USER
                variables = self.write("role-vars-%s.json" % platform, dict(
                    maintenance_gate_platform=platform, maintenance_gate_url=emu.url + ("" if platform == "nakivo" else COMMVAULT_ROOT),
                    maintenance_gate_username=user["username"], maintenance_gate_password=user["password"],
                    maintenance_gate_wait_sleep=1, maintenance_gate_wait_timeout=120))
                commands = {count: playbook(book, inventory, ["-f", str(self.args.forks), "-e", "@%s" % variables])
                            for count, inventory in inventories.items()}
                requests = {1: [], 200: []}

                def side(count, commands=commands, requests=requests):  # pylint: disable=dangerous-default-value
                    # Bound now, not at call time: the loop rebinds both names for the next platform.
                    emu.clear()
                    seconds, done = run(commands[count], env)
                    # Hosts the gate let through: no failure in the recap (an open host's line shows only with -v).
                    opened = len(re.findall(r"^\S+\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0\b", done.stdout, re.M))
                    requests[count].append((calls_of(emu.log()), opened))
                    return seconds

                side(1)  # warm-up; a 200-host run is long enough not to need one
                run(floor_commands[1], env)
                requests[1].clear()
                times = alternate({200: lambda: side(200), 1: lambda: side(1),
                                   "floor 200": lambda: run(floor_commands[200], env)[0],
                                   "floor 1": lambda: run(floor_commands[1], env)[0]}, max(n, 3))
                t200, t1 = median(times[200]), median(times[1])
                per_host = (t200 - t1) / 199
                floor = (median(times["floor 200"]) - median(times["floor 1"])) / 199
                floors.append(floor)
                self.add(Row("4 role %s: cost per extra host / ansible's floor" % platform,
                             "%.0f ms / %.0f ms (%.1f s / %.1f s, n=%d, -f %d)"
                             % (per_host * 1000, floor * 1000, t200, t1, max(n, 3), self.args.forks), "<= 1.15x",
                             per_host / floor, per_host <= 1.15 * floor, times={str(k): v for k, v in times.items()}))
                self.add(self.role_requests(platform, requests))
        self.note("ansible's own floor: a role with the same argument spec and defaults and the same per-host and run_once "
                  "tasks, each an ansible.builtin.set_fact: %s ms per extra host" % " / ".join("%.0f" % (f * 1000) for f in floors))

    def role_floor(self, inventories):
        """The role's shape without the collection's code: what ansible itself costs per extra host on this machine.

        A role with the real argument spec and defaults (so ansible's per-host argument check is the same),
        the same per-host note, two run_once set_facts standing for the query, and one per-host set_fact
        standing for the gate task.
        """
        role = ROOT / "roles" / "maintenance_gate"
        floor_role = self.workdir / "roles" / "floor_gate"
        for folder in ("meta", "defaults", "tasks"):
            (floor_role / folder).mkdir(parents=True, exist_ok=True)
        for name in ("meta/argument_specs.yml", "defaults/main.yml"):
            (floor_role / name).write_text((role / name).read_text())
        # The role's tasks one for one: per host the note and the gate; run_once the gather and the two vendor queries
        # (one of them skipped, as the role skips the other vendor's).
        (floor_role / "tasks" / "main.yml").write_text(json.dumps([
            {"name": "Note", "ansible.builtin.set_fact": {"_objects": "{{ maintenance_gate_objects or [inventory_hostname] }}"}},
            {"name": "Gather", "ansible.builtin.set_fact": {"_queried": "{{ ansible_play_batch }}"}, "run_once": True},
            {"name": "Query once", "ansible.builtin.set_fact": {"_query": {"jobs": []}}, "run_once": True},
            {"name": "Other query", "ansible.builtin.set_fact": {"_other": {"jobs": []}}, "run_once": True, "when": False},
            {"name": "Gate", "ansible.builtin.set_fact": {"_open": "{{ maintenance_gate_require_job }}",
                                                          "_reason": "{{ maintenance_gate_objects }}"}},
        ], indent=2))
        book = self.write("role-floor.json", [dict(name="floor", hosts="gate", gather_facts=False,
                                                   roles=[dict(role=str(floor_role), maintenance_gate_platform="nakivo")])])
        return {count: playbook(book, inventory, ["-f", str(self.args.forks)]) for count, inventory in inventories.items()}

    def role_requests(self, platform, requests):
        """One login, the same requests per poll for 200 hosts as for 1 (and every host let through)."""
        login = LOGIN if platform == "nakivo" else "Login"
        poll_calls = ("JobSummaryManagement.getGroupInfo", GET_JOB_INFO) if platform == "nakivo" else ("Job",)
        summary = {}
        for count, runs in requests.items():
            calls, opened = runs[-1]
            summary[count] = dict(logins=calls.get(login, 0), polls=calls.get(poll_calls[-1], 0),
                                  per_poll=sum(calls.get(c, 0) for c in poll_calls) / max(calls.get(poll_calls[-1], 0), 1),
                                  details=calls.get("JobDetails", 0), opened=opened, calls=calls)
        one, many = summary[1], summary[200]
        ok = (one["logins"] == many["logins"] == 1 and one["per_poll"] == many["per_poll"]
              and one["opened"] == 1 and many["opened"] == 200)
        measured = "logins %d/%d, per poll %g/%g" % (many["logins"], one["logins"], many["per_poll"], one["per_poll"])
        if platform == "commvault":
            measured += ", JobDetails %d/%d" % (many["details"], one["details"])
        return Row("4 role %s: 200 hosts / 1 host requests" % platform, measured + ", open %d/%d" % (many["opened"], one["opened"]),
                   "1 login, same", "-", ok, requests={str(k): v for k, v in summary.items()})

    # ------------------------------------------------------------------ 5. big replies in-process

    def figure_replies(self):
        command = [sys.executable, str(Path(__file__).resolve().parent / "replies.py"), "--repeat", str(self.repeat("replies"))]
        if self.args.profile:
            command.append("--profile")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "PYTHON"))}
        env["PYTHONPATH"] = collections_path()
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=600, check=False)
        if done.returncode != 0:
            raise BenchError("replies.py failed: %s" % done.stderr[-3000:])
        result = json.loads(done.stdout)
        for vendor, label in (("nakivo", "10,000 NAKIVO jobs x 10 objects"), ("commvault", "10,000 Commvault XML JobDetails")):
            figures = result[vendor]
            profile = figures.pop("profile", None)
            seconds = figures["median_s"]
            measured = "%.2f s (%.1f MB, n=%d)" % (seconds, figures["reply_bytes"] / 1e6, len(figures["seconds"]))
            parser = "json.loads" if vendor == "nakivo" else "xmltodict.parse"
            time_limit, peak_limit = (2.0, 1.1) if vendor == "nakivo" else (1.5, 1.2)
            floor_s = figures["parse_only_median_s"]
            self.add(Row("5 %s: time / %s alone" % (label, parser), "%s / %.2f s" % (measured, floor_s),
                         "<= %.1fx" % time_limit, seconds / floor_s, seconds <= time_limit * floor_s, **figures))
            ratio = figures["peak_bytes"] / figures["parse_only_peak_bytes"]
            self.add(Row("5 %s: peak memory / %s's peak" % (label, parser), "%.0f MB / %.0f MB (reply %.0f MB)" % (
                figures["peak_bytes"] / 1e6, figures["parse_only_peak_bytes"] / 1e6, figures["reply_bytes"] / 1e6),
                "<= %.1fx" % peak_limit, ratio, ratio <= peak_limit))
            if profile:
                self.say(profile)

    # ------------------------------------------------------------------ 6. waiting

    def figure_waiting(self):
        sleep = 2
        scenario = self.write("wait-scenario.json", {
            "description": "bench: one NAKIVO job running until the bench advances the job clock",
            "nakivo": {"users": [NAKIVO_USER], "jobs": [{"id": 1, "name": "Bench wait job", "objects": [{"name": "wait01.example.com"}],
                                                         "runs": [{"start": -5, "duration": 300, "result": "OK"}]}]},
        })
        with Emulator(scenario) as emu:
            env = self.env(NAKIVO_URL=emu.url, NAKIVO_USERNAME=NAKIVO_USER["username"], NAKIVO_PASSWORD=NAKIVO_USER["password"])
            emu.clear()
            command = adhoc("backupops.jobs.job_info", "job_ids=1 wait=true wait_sleep=%d wait_timeout=120" % sleep)
            proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                # The job finishes right after the first poll has been answered: the worst case, a whole wait_sleep to go.
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and proc.poll() is None:
                    if any(entry["call"] == GET_JOB_INFO and entry["ended"] is not None for entry in emu.log()):
                        break
                    time.sleep(0.02)
                else:
                    raise BenchError("job_info never polled: %s" % (proc.communicate(timeout=60)[0][-2000:]))
                emu.control("POST", "advance", {"seconds": 300})
                finished = emu.mark("job-finished")["started"]
                output, errors = proc.communicate(timeout=180)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
            if proc.returncode != 0:
                raise BenchError("job_info with wait failed: %s" % (output + errors)[-2000:])
            result = adhoc_result(output)
            log = [entry for entry in emu.log() if entry["vendor"] == "nakivo"]
        polls = [entry for entry in log if entry["call"] == GET_JOB_INFO]
        last_poll = polls[-1]["started"] - finished
        exit_lag = log[-1]["ended"] - finished
        ok = last_poll <= sleep + 1 and result["summary"]["all_idle"] and len(polls) >= 2
        self.add(Row("6 wait: job finished -> last poll", "%.2f s (exit %.2f s, %d polls)" % (last_poll, exit_lag, len(polls)),
                     "<= %d s" % (sleep + 1), last_poll / (sleep + 1), ok, waited=result.get("waited"), polls=len(polls),
                     logout_lag=exit_lag))

    # ------------------------------------------------------------------ 7. inventory plugin

    def figure_inventory(self):
        import inventory  # noqa: E402  pylint: disable=import-outside-toplevel  # tests/bench/inventory.py

        inventory.figure(self, NAKIVO_USER, Row)

    # ------------------------------------------------------------------ 8. event source

    def figure_events(self):
        import events  # noqa: E402  pylint: disable=import-outside-toplevel  # tests/bench/events.py

        events.figure(self, Row)

    # ------------------------------------------------------------------ the run

    def run(self):
        for name in self.args.only or FIGURES:
            self.say("== %s (load %s)" % (name, load_average()))
            started = time.monotonic()
            try:
                getattr(self, "figure_" + name)()
            except BenchError as error:
                self.rows.append(Row(name, "not measured", "-", "-", False, error=str(error)))
                self.say("   %s: NOT MEASURED: %s" % (name, error))
            self.say("   (%.0f s)" % (time.monotonic() - started))


def parse_importtime(text):
    """``-X importtime`` lines → module name → {self, cumulative (microseconds), parent (the module that imported it)}.

    Python prints an import after everything it imported, one level of indentation deeper than its parent.
    """
    costs = {}
    waiting = []  # (depth, name) of imports whose parent has not been printed yet
    for line in text.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        name, depth = match.group(4), len(match.group(3)) // 2
        costs[name] = {"self": int(match.group(1)), "cumulative": int(match.group(2)), "parent": None}
        while waiting and waiting[-1][0] > depth:
            costs[waiting.pop()[1]]["parent"] = name
        waiting.append((depth, name))
    return costs


def calls_of(log):
    counts = {}
    for entry in log:
        if entry["vendor"]:
            counts[entry["call"]] = counts.get(entry["call"], 0) + 1
    return counts


def rpc(action, method, data, tid):
    return {"action": action, "method": method, "data": data, "type": "rpc", "tid": tid}


def handwritten_plays():
    """The same query three ways: job_info; login, getJobInfo, logout as uri tasks; one bare uri request."""
    router = "{{ nakivo_url }}/c/router"
    cookie = {"Cookie": "{{ login.cookies_string }}"}
    return {
        "job_info": [{"name": "Read job 1", "backupops.jobs.job_info": {
            "url": "{{ nakivo_url }}", "username": "{{ nakivo_user }}", "password": "{{ nakivo_password }}", "job_ids": [1]}}],
        "three_uri": [
            {"name": "Log in", "register": "login", "ansible.builtin.uri": {
                "url": router, "method": "POST", "body_format": "json",
                "body": rpc("AuthenticationManagement", "login", ["{{ nakivo_user }}", "{{ nakivo_password }}", False], 1)}},
            {"name": "Read job 1", "register": "info", "ansible.builtin.uri": {
                "url": router, "method": "POST", "body_format": "json", "headers": cookie,
                "body": rpc("JobSummaryManagement", "getJobInfo", [[1], 0, True], 2)}},
            {"name": "Log out", "ansible.builtin.uri": {
                "url": router, "method": "POST", "body_format": "json", "headers": cookie,
                "body": rpc("AuthenticationManagement", "logoutCurrentUser", None, 3)}},
        ],
        "one_uri": [{"name": "One request", "ansible.builtin.uri": {
            "url": router, "method": "POST", "body_format": "json",
            "body": rpc("AuthenticationManagement", "isLogged", None, 1)}}],
    }


def table(rows):
    headers = ("figure", "measured", "target", "ratio", "ok")
    cells = [headers] + [(r.figure, r.measured, r.target, "%.2f" % r.ratio if isinstance(r.ratio, float) else r.ratio,
                          "yes" if r.ok else "NO") for r in rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a first look, not figures to quote)")
    parser.add_argument("--only", action="append", choices=FIGURES, metavar="NAME",
                        help="measure only this figure (repeatable): " + ", ".join(FIGURES))
    parser.add_argument("--json", metavar="FILE", help="write the figures, every repetition and the load average to FILE")
    parser.add_argument("--repeat", type=int, metavar="N", help="N repetitions for every figure instead of the defaults")
    parser.add_argument("--forks", type=int, default=50, help="ansible forks for the role figure (default 50)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the in-process figure")
    args = parser.parse_args(argv)

    load_before = load_average()
    started = time.monotonic()
    print("bench: %s, collections %s, load average %s, %d CPUs" % (ROOT, collections_path(), load_before, os.cpu_count() or 0),
          flush=True)
    with tempfile.TemporaryDirectory(prefix="backupops-bench-") as tmp:
        bench = Bench(args, Path(tmp))
        bench.run()
    load_after = load_average()
    elapsed = time.monotonic() - started
    print()
    print(table(bench.rows))
    print()
    print("load average %s before, %s after; %.0f s in all" % (load_before, load_after, elapsed))
    if args.json:
        write_json(args.json, dict(rows=[row.as_dict() for row in bench.rows], notes=bench.notes, load_before=load_before,
                                   load_after=load_after, seconds=round(elapsed, 1), quick=args.quick, forks=args.forks))
    unmeasured = [row.figure for row in bench.rows if row.measured == "not measured"]
    missed = [row.figure for row in bench.rows if not row.ok and row.measured != "not measured"]
    if unmeasured:
        print("not measured: " + "; ".join(unmeasured))
    if missed:
        print("targets missed: " + "; ".join(missed))
    if unmeasured:
        return 2
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
