#!/usr/bin/env python
"""make demo: the maintenance gate for real, against the emulator (tests/emulator/scenarios/demo.yml).

Starts the emulator as a subprocess, serving HTTPS with a throw-away test CA that the modules verify
(NAKIVO_CA_PATH / COMMVAULT_CA_PATH), then for NAKIVO and for Commvault: the shipped gate playbook
(backupops.jobs.gate) over web01, db01, app01 and app02, and while it waits an ad-hoc query with the
credentials only in the environment. web01's backup is running (the gate waits, then opens), db01's
last backup failed (held), app02's VM failed in the job that also protects app01 (app02 held, app01
let through). Just before the gate queries, the emulator is reset to the scenario's start, so that
web01's few-second backup is running whatever the machine's speed.
Exit 0 when the demo showed all of that; the emulator is always stopped.

Each command is shown as an operator would type it, followed by ansible's own output (default verbosity),
then what the demo checked. Run from the collection root (ansible_collections/backupops/jobs) with
ANSIBLE_COLLECTIONS_PATH set, as `make demo` does.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from tests.emulator.process import EmulatorProcess

HERE = Path(__file__).resolve().parent
ROOT = Path.cwd() if (Path.cwd() / "galaxy.yml").is_file() else HERE.parents[1]
SCENARIO = ROOT / "tests" / "emulator" / "scenarios" / "demo.yml"
CALLBACKS = ROOT / "tests" / "integration" / "callback_plugins"
VENV_BIN = Path(os.environ.get("BACKUPOPS_VENV_BIN") or Path(sys.executable).parent)
INVENTORY = "tests/demo/inventory.yml"

VENDORS = {
    "nakivo": dict(title="NAKIVO Backup & Replication", prefix="NAKIVO_", url_suffix="", module="job_info",
                   adhoc="job_ids=1 include_raw=false"),
    # The root the README uses; the emulator serves /webconsole/api and /SearchSvc/CVWebService.svc too.
    "commvault": dict(title="Commvault", prefix="COMMVAULT_", url_suffix="/commandcenter/api", module="job_detail",
                      adhoc="job_ids=3002 include_raw=false"),
}
# What the demo must show, per host: (open, words the reason must hold).
EXPECTED = {
    "web01": (True, "the last backup succeeded"),
    "db01": (False, "the last backup failed"),
    "app01": (True, "the last backup succeeded"),
    "app02": (False, "the last backup failed"),
}


class Emulator(EmulatorProcess):
    """``python -m tests.emulator --tls``: HTTPS with a throw-away CA (``ca_path``), the control API verified against it."""

    def __init__(self, scenario):  # pylint: disable=super-init-not-called  # the same process, with --tls
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--scenario", str(scenario), "--port", "0", "--tls"],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        self.url = self.proc.stdout.readline().strip()
        self.ca_path = self.proc.stdout.readline().strip().partition("ca=")[2]
        if not self.url.startswith("https://") or not self.ca_path:
            self.stop()
            raise RuntimeError("the emulator did not start with TLS: %s" % self.stderr()[-2000:])
        self._context = ssl.create_default_context(cafile=self.ca_path)

    def control(self, method, name, payload=None):
        data = json.dumps(payload if payload is not None else {}).encode() if method == "POST" else None
        request = urllib.request.Request(self.url + "/_emulator/" + name, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30, context=self._context) as reply:  # nosec - the local emulator only
            return json.loads(reply.read())


def say(text=""):
    print(text, flush=True)


def step(text):
    say()
    say("== " + text)


def environment(workdir, credentials):
    """A clean environment: the collection path, the recording callback, and the vendor's credentials only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NAKIVO_", "COMMVAULT_", "ANSIBLE_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(ROOT.parents[2]),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_PYTHON_INTERPRETER=str(VENV_BIN / "python"),
        ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"),
        ANSIBLE_HOME=str(workdir / "home"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
        ANSIBLE_CALLBACKS_ENABLED="record_results",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        PATH=str(VENV_BIN) + os.pathsep + env.get("PATH", ""),
    )
    env.update(credentials)
    return env


def start(command, env, results):
    """Start an ansible command; finish() it to get (rc, output, recorded task results)."""
    proc = subprocess.Popen(command, env=dict(env, BACKUPOPS_RESULTS=str(results)), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    return proc, results


def finish(started):
    """Wait for the command, show ansible's own output as the operator sees it, return (rc, output, results)."""
    proc, results = started
    output = proc.communicate(timeout=300)[0]
    for line in output.rstrip().splitlines():
        say("   " + line if line else "")
    entries = json.loads(results.read_text()) if results.exists() else []
    return proc.returncode, output, entries


def wait_for_task(started, task, count, timeout=120):
    """Wait until ``task`` has ``count`` recorded results (the callback writes after each), or the run ended."""
    proc, results = started
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            entries = json.loads(results.read_text()) if results.exists() else []
        except ValueError:  # caught mid-write
            entries = []
        if len(by_task(entries, task)) >= count:
            return
        time.sleep(0.05)


def by_task(entries, suffix):
    return {e["host"]: e for e in entries if e["task"].split(" : ")[-1].startswith(suffix)}


def demo_vendor(platform, emu, users, workdir, problems):
    vendor = VENDORS[platform]
    user = users[platform]
    credentials = {vendor["prefix"] + "URL": emu.url + vendor["url_suffix"], vendor["prefix"] + "CA_PATH": emu.ca_path,
                   vendor["prefix"] + "USERNAME": user["username"], vendor["prefix"] + "PASSWORD": str(user["password"])}
    env = environment(workdir, credentials)

    login_call = "AuthenticationManagement.login" if platform == "nakivo" else "Login"
    started = time.monotonic()
    # What the demo shows is what it runs (from the collection root, as an operator from a checkout).
    gate_args = ["backupops.jobs.gate", "-i", INVENTORY, "-e", "gate_hosts=demo", "-e", "maintenance_gate_platform=" + platform,
                 "-e", "maintenance_gate_wait_sleep=1"]
    gate = start([str(VENV_BIN / "ansible-playbook")] + gate_args, env, workdir / ("gate-%s.json" % platform))
    # Just before the gate queries, the scenario's clock goes back to 0: web01's backup starts
    # then and runs a few seconds, however long ansible took to start on this machine.
    wait_for_task(gate, "Note the backup objects of this host", len(EXPECTED))
    emu.control("POST", "reset")

    step("%s: what is running right now? (ad hoc, credentials only in the environment)" % vendor["title"])
    say("   $ export %s" % " ".join("%s=%s" % (k, "********" if k.endswith("PASSWORD") else v) for k, v in credentials.items()))
    say("   $ ansible localhost -m backupops.jobs.%s -a '%s'" % (vendor["module"], vendor["adhoc"]))
    rc, output, entries = finish(start([str(VENV_BIN / "ansible"), "localhost", "-m", "backupops.jobs." + vendor["module"],
                                        "-a", vendor["adhoc"]], env, workdir / ("adhoc-%s.json" % platform)))
    jobs = entries[-1]["result"].get("jobs", []) if entries else []
    if rc != 0 or not jobs:
        problems.append("%s ad-hoc query failed (rc %s): %s" % (platform, rc, output[-2000:]))
    if not emu.url.startswith("https://"):
        problems.append("%s: not over TLS" % platform)

    step("%s: the pre-maintenance gate over web01, db01, app01, app02 (it started before the ad-hoc query)" % vendor["title"])
    say("   (web01's backup is running: the gate waits for it to finish before judging anyone)")
    say("   $ ansible-playbook " + " ".join(gate_args))
    rc, output, entries = finish(gate)
    elapsed = time.monotonic() - started
    query = next(iter(by_task(entries, "Read the %s jobs" % vendor["title"].split()[0]).values()), {}).get("result", {})
    waited = query.get("waited") or 0
    # Since the reset: one login of the ad-hoc query, and the gate's.
    logins = sum(1 for entry in emu.control("GET", "log") if entry["call"] == login_call) - 1
    say()
    say("   -> the gate waited %.1f s for the running job to finish (the whole run took %.1f s; logins: %d)" % (waited, elapsed, logins))
    if logins != 1:
        problems.append("%s: the gate logged in %d times, not once" % (platform, logins))
    if waited <= 0:
        problems.append("%s: the gate did not wait for the running job" % platform)
    gated = by_task(entries, "Open or hold this host on its own jobs")
    held = {h: e["result"].get("msg") for h, e in gated.items() if e["status"] == "failed"}
    say("   -> exit code %s: the held hosts (%s) failed alone, the others went on to their maintenance"
        % (rc, ", ".join(sorted(held)) or "none"))
    summary = next(iter(by_task(entries, "Show the verdict of every host of the batch").values()), {}).get("result", {})
    if sorted(line.split(":")[0] for line in summary.get("msg") or []) != sorted(EXPECTED):
        problems.append("%s: the verdict summary does not list every host: %r" % (platform, summary))
    for host, (should_open, words) in EXPECTED.items():
        result = gated.get(host, {}).get("result", {})
        if result.get("open") is not should_open or words not in result.get("reason", ""):
            problems.append("%s: %s should be %s (%r), got %r" % (platform, host, "open" if should_open else "held", words, result))
        if should_open and result.get("ansible_facts", {}).get("maintenance_gate_open") is not True:
            problems.append("%s: %s has no maintenance_gate_open fact" % (platform, host))
    if sorted(held) != sorted(h for h, (o, _w) in EXPECTED.items() if not o):
        problems.append("%s: held hosts %s" % (platform, sorted(held)))


def main():
    scenario = yaml.safe_load(SCENARIO.read_text())
    users = {platform: (scenario.get(platform, {}).get("users") or [dict(username="admin", password="admin")])[0]
             for platform in VENDORS}
    problems = []
    say("backupops.jobs demo: the maintenance gate against the API emulator (%s)" % SCENARIO.relative_to(ROOT))
    emu = Emulator(SCENARIO)
    try:
        say("emulator at %s (HTTPS; its test CA: %s)" % (emu.url, emu.ca_path))
        with tempfile.TemporaryDirectory(prefix="backupops-demo-") as tmp:
            workdir = Path(tmp)
            demo_vendor("nakivo", emu, users, workdir, problems)
            demo_vendor("commvault", emu, users, workdir, problems)
    finally:
        emu.stop()
    step("result")
    if problems:
        for problem in problems:
            say("   PROBLEM: " + problem)
        return 1
    say("   The gate waited for the running backup, then opened; held the host whose last backup failed; let")
    say("   through the host whose neighbour VM failed - on NAKIVO and on Commvault, over HTTPS verified against")
    say("   the emulator's test CA (NAKIVO_CA_PATH, COMMVAULT_CA_PATH).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
