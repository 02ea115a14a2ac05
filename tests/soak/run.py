#!/usr/bin/env python
"""make soak: 1,000 module runs of job_info and job_detail against the emulator with 10% random faults.

Starts the emulator (python -m tests.emulator, a random port) on a scenario of its own, then runs
ad-hoc ``ansible`` rounds with forks over an inventory of local hosts: ROUNDS rounds per module of
HOSTS hosts each. Before each round, faults for about 10% of the round's module runs are armed
through the control API (POST /_emulator/faults) at random points of the round's request stream.
Every host result is classified:

  succeeded        the task returned ok
  failed cleanly   the task failed with a msg, no traceback
  crashed          a traceback, MODULE FAILURE, or no result at all
  leaked a secret  a password (plain or base64), a session cookie or a token in its result or output line

Prints the counts; exits 1 if anything crashed or leaked, or the run broke its bounds (time, requests).
The emulator is always stopped. Run from the collection root with ANSIBLE_COLLECTIONS_PATH set, as
`make soak` does; `--seed N` repeats a run, `--rounds N` shortens it. It takes about 8 minutes on 2
cores, bound by CPU: ansible spends about 0.7 CPU-seconds on each module run, whatever the forks.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.emulator.process import EmulatorProcess

HERE = Path(__file__).resolve().parent
ROOT = Path.cwd() if (Path.cwd() / "galaxy.yml").is_file() else HERE.parents[1]
CALLBACKS = ROOT / "tests" / "integration" / "callback_plugins"
VENV_BIN = Path(os.environ.get("BACKUPOPS_VENV_BIN") or Path(sys.executable).parent)

HOSTS = 50                 # per module and round
ROUNDS = 10                # per module: 2 x 10 x 50 = 1,000 module runs
FORKS = 25
FAULT_SHARE = 0.10
ROUND_TIMEOUT = 300        # seconds one ansible round may take before the soak gives up
DEADLINE = 1800            # seconds for the whole soak (about 8 minutes on 2 cores: ansible costs ~0.7 CPU-s a module run)
# A module run makes a handful of requests (login, a listing, details, logout, retries, a short wait).
MAX_REQUESTS_PER_RUN = 40

NK_PASSWORD = "Soak-Nk-Walrus-2026!"
CV_PASSWORD = "Soak-Cv-Marmot-2026!"
WRONG_PASSWORD = "Soak-Wrong-Heron-2026!"

MODULES = {
    "nakivo": dict(module="backupops.jobs.job_info",
                   env=lambda url: dict(NAKIVO_URL=url, NAKIVO_USERNAME="admin", NAKIVO_PASSWORD=NK_PASSWORD)),
    "commvault": dict(module="backupops.jobs.job_detail",
                      env=lambda url: dict(COMMVAULT_URL=url + "/webconsole/api", COMMVAULT_USERNAME="admin", COMMVAULT_PASSWORD=CV_PASSWORD)),
}
COMMON_ARGS = {"retries": 2, "timeout": 1, "max_response_mb": 1, "wait": "{{ soak_wait }}", "wait_sleep": 0.5, "wait_timeout": 3,
               "password": "{{ soak_password | default(omit) }}", "allow_missing": "{{ soak_allow_missing }}"}
ARGS = {
    "nakivo": dict(COMMON_ARGS, job_ids="{{ soak_ids | default(omit) }}", names="{{ soak_names | default(omit) }}"),
    "commvault": dict(COMMON_ARGS, job_ids="{{ soak_ids }}", clients="{{ soak_clients | default(omit) }}",
                      api_format="{{ soak_format }}"),
}
# (weight, fault spec without match); "login" narrows the match to the vendor's login call.
FAULTS = [
    (4, dict(kind="status", status=502)), (4, dict(kind="status", status=503)), (4, dict(kind="status", status=504)),
    (2, dict(kind="status", status=503, count=4)),
    (3, dict(kind="drop", when="before_reply")), (3, dict(kind="drop", when="mid_body")),
    (2, dict(kind="slow", seconds=2)),
    (2, dict(kind="body", body="html")), (2, dict(kind="body", body="truncated_json")),
    (2, dict(kind="body", body="wrong_content_type")), (2, dict(kind="body", body="garbage")),
    (1, dict(kind="body", body="xml_doctype")), (1, dict(kind="body", body="xml_billion_laughs")),
    (1, dict(kind="body", body="xml_external_entity")), (1, dict(kind="body", body="huge", size_mb=2)),
    (3, dict(kind="expire_session")),
    (1, dict(kind="login_blocked", wait_ms=30000, login=True)),
    (1, dict(kind="drop", when="mid_body", login=True)),
]
LOGIN_CALL = {"nakivo": "AuthenticationManagement.login", "commvault": "Login"}


def say(text=""):
    print(text, flush=True)


def scenario():
    """Both vendors: idle, failed and never-run jobs, and jobs that run for a few seconds again and again (for waits)."""
    cycles = [dict(start=start, duration=4, result="OK" if start % 60 else "FAILED") for start in range(-3600, 1200, 30)]
    nk_jobs = [dict(id=n, name="Soak job %d" % n, type="BACKUP", objects=[dict(name="vm%02d.example.com" % n)],
                    runs=[dict(start=-7200 + n, duration=600, result="FAILED" if n % 4 == 0 else "OK")]) for n in range(1, 9)]
    nk_jobs += [dict(id=n, name="Soak busy %d" % n, type="BACKUP", objects=[dict(name="busy%02d.example.com" % n)],
                     runs=cycles[n % 3::3] or cycles) for n in range(9, 13)]
    nk_jobs.append(dict(id=13, name="Soak never", type="BACKUP", objects=[dict(name="new01.example.com")], runs=[]))
    cv_base = dict(backupset="defaultBackupSet", app="Windows File System", type="Backup", backup_type="Incremental", size_bytes=4096)
    cv_jobs = [dict(cv_base, id=2000 + n, client="db%02d.example.com" % (n % 4), subclient="sc%d" % n, start=-7200 + n * 60,
                    duration=300, result="Failed" if n % 5 == 0 else "Completed") for n in range(1, 13)]
    cv_jobs += [dict(cv_base, id=3000 + n, client="db%02d.example.com" % (n % 4), subclient="busy%d" % n, start=n * 20, duration=4,
                     appears_at=-60, result="Completed") for n in range(60)]
    return dict(
        description="make soak",
        nakivo=dict(users=[dict(username="admin", password=NK_PASSWORD)], lockout_after=0, jobs=nk_jobs),
        commvault=dict(users=[dict(username="admin", password=CV_PASSWORD)],
                       clients=[dict(name="db%02d.example.com" % n, id=n + 10) for n in range(4)], jobs=cv_jobs),
    )


def inventory(rng):
    """HOSTS local hosts per vendor, each with its own selection, some waiting, a few with a wrong password."""
    groups = {}
    for vendor in MODULES:
        hosts = {}
        for n in range(HOSTS):
            host = dict(ansible_connection="local", ansible_python_interpreter=str(VENV_BIN / "python"),
                        soak_wait=rng.random() < 0.3, soak_allow_missing=rng.random() < 0.5)
            if vendor == "nakivo":
                if rng.random() < 0.8:
                    host["soak_ids"] = rng.sample(range(1, 15), rng.randint(1, 4))
                else:
                    host["soak_names"] = [rng.choice(["soak job *", "soak busy*", "Soak never", "nothing-*"])]
            else:
                host["soak_ids"] = rng.sample(list(range(2001, 2013)) + list(range(3000, 3060)) + [99999], rng.randint(1, 3))
                host["soak_format"] = rng.choice(["auto", "json", "xml"])
                if rng.random() < 0.3:
                    host["soak_clients"] = [rng.choice(["db00", "db01.example.com", "DB02", "web99"])]
            if rng.random() < 0.02:
                host["soak_password"] = WRONG_PASSWORD
            hosts["%s%03d" % (vendor[:2], n)] = host
        groups[vendor] = dict(hosts=hosts)
    return dict(all=dict(children=groups))


def arm_faults(emulator, vendor, rng):
    """Faults for about FAULT_SHARE of a round's module runs, each at a random point of the vendor's request stream."""
    weights = [weight for weight, _spec in FAULTS]
    armed = Counter()
    for _fault in range(max(1, round(HOSTS * FAULT_SHARE))):
        spec = dict(rng.choices([spec for _weight, spec in FAULTS], weights)[0])
        login = spec.pop("login", False)
        if spec["kind"] == "login_blocked" and vendor != "nakivo":
            spec = dict(kind="status", status=502)
        match = dict(vendor=vendor)
        if login or spec["kind"] == "login_blocked":
            match["call"] = LOGIN_CALL[vendor]
            after = rng.randrange(HOSTS // 2)
        else:
            after = rng.randrange(HOSTS * 2)
        emulator.control("POST", "faults", dict(spec, match=match, after=after))
        armed[spec["kind"] if spec["kind"] != "body" else "body:" + spec["body"]] += 1
    return armed


def secrets_seen(log):
    """Passwords (plain and base64) and every cookie value and token (hex part) the emulator saw."""
    found = {NK_PASSWORD, CV_PASSWORD, WRONG_PASSWORD}
    found |= {base64.b64encode(text.encode()).decode() for text in set(found)}
    for entry in log:
        headers = entry.get("headers") or {}
        for part in (headers.get("Cookie") or "").split(";"):
            value = part.split("=", 1)[1].strip() if "=" in part else ""
            if len(value) >= 8:
                found.add(value)
        token = (headers.get("Authtoken") or "").strip().split(" ", 1)[-1]
        if len(token) >= 8:
            found.add(token)
    return found


def split_output(text, hosts):
    """({host: the lines of its result block}, every other line): the minimal callback starts a block with "host | ..."."""
    blocks, rest, current = {}, [], None
    for line in text.splitlines():
        head = line.split(" | ", 1)[0] if " | " in line else None
        if head in hosts:
            current = head
        elif line.startswith(("[", "Origin:", "<")) or not line.strip():
            current = None
        if current is None:
            rest.append(line)
        else:
            blocks[current] = blocks.get(current, "") + line + "\n"
    return blocks, "\n".join(rest)


def classify(entry, line, secrets):
    """One host's verdict: (class, leaked)."""
    text = json.dumps(entry) if entry else ""
    leaked = any(secret in text or secret in line for secret in secrets)
    if entry is None:
        return "crashed", leaked
    result = entry["result"]
    msg = str(result.get("msg") or "")
    if ("Traceback" in text or "Traceback" in line or msg.startswith("MODULE FAILURE") or result.get("module_stderr")
            or entry["status"] not in ("ok", "failed")):
        return "crashed", leaked
    if entry["status"] == "ok":
        return "succeeded", leaked
    return ("failed cleanly" if msg else "crashed"), leaked


def message_kind(msg):
    """A failure message without its URL, ids and numbers, so that like failures count together."""
    words = re.sub(r"https?://\S+", "URL", msg)
    words = re.sub(r"\d+(\.\d+)?", "N", words)
    return words[:110]


def run_round(vendor, number, emulator, workdir, env_base, forks):
    results = workdir / ("results-%s-%02d.json" % (vendor, number))
    args = json.dumps(ARGS[vendor])
    command = [str(VENV_BIN / "ansible"), vendor, "-i", str(workdir / "inventory.json"), "-m", MODULES[vendor]["module"],
               "-a", args, "-f", str(forks)]
    env = dict(env_base, BACKUPOPS_RESULTS=str(results), **MODULES[vendor]["env"](emulator.url))
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=ROUND_TIMEOUT, check=False)
    entries = json.loads(results.read_text()) if results.exists() else []
    return completed, {entry["host"]: entry for entry in entries}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per module (default %d)" % ROUNDS)
    parser.add_argument("--forks", type=int, default=FORKS, help="ansible forks (default %d)" % FORKS)
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(10 ** 6)
    rng = random.Random(seed)
    started = time.monotonic()
    counts, armed, unattributed = Counter(), Counter(), Counter()
    leaked_hosts, crash_examples, messages, tracked = [], [], Counter(), set()
    requests = 0
    with tempfile.TemporaryDirectory(prefix="backupops-soak-") as tmp:
        workdir = Path(tmp)
        (workdir / "scenario.yml").write_text(json.dumps(scenario()))
        inv = inventory(rng)
        (workdir / "inventory.json").write_text(json.dumps(inv))
        env_base = {k: v for k, v in os.environ.items() if not k.startswith(("NAKIVO_", "COMMVAULT_", "ANSIBLE_"))}
        env_base.update(
            ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(ROOT.parents[2]),
            ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false", ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"), ANSIBLE_HOME=str(workdir / "home"),
            ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1", ANSIBLE_HOST_KEY_CHECKING="0", ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
            ANSIBLE_CALLBACKS_ENABLED="record_results", ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_DEPRECATION_WARNINGS="0",
            PATH=str(VENV_BIN) + os.pathsep + os.environ.get("PATH", ""),
        )
        say("soak: seed %d, %d round(s) x %d host(s) x %d module(s), forks %d" % (seed, options.rounds, HOSTS, len(MODULES), options.forks))
        emulator = EmulatorProcess(workdir / "scenario.yml")
        try:
            say("soak: emulator at %s" % emulator.url)
            for number in range(options.rounds):
                for vendor in MODULES:
                    if time.monotonic() - started > DEADLINE:
                        raise TimeoutError("the soak ran past its deadline of %d s" % DEADLINE)
                    emulator.control("DELETE", "faults")
                    emulator.control("DELETE", "log")
                    armed.update(arm_faults(emulator, vendor, rng))
                    completed, entries = run_round(vendor, number, emulator, workdir, env_base, options.forks)
                    stats = emulator.control("GET", "stats")
                    log = emulator.control("GET", "log")
                    requests += stats["requests"]
                    if stats["requests"] > HOSTS * MAX_REQUESTS_PER_RUN:
                        raise RuntimeError("round %d of %s made %d requests, more than %d"
                                           % (number, vendor, stats["requests"], HOSTS * MAX_REQUESTS_PER_RUN))
                    secrets = secrets_seen(log)
                    tracked.update(secrets)
                    hosts = inv["all"]["children"][vendor]["hosts"]
                    blocks, rest = split_output(completed.stdout + "\n" + completed.stderr, hosts)
                    verdicts = Counter()
                    for host in hosts:
                        verdict, leaked = classify(entries.get(host), blocks.get(host, ""), secrets)
                        verdicts[verdict] += 1
                        if leaked:
                            leaked_hosts.append("%s round %d" % (host, number))
                        if verdict == "failed cleanly":
                            messages[message_kind(entries[host]["result"].get("msg", ""))] += 1
                        if verdict == "crashed" and len(crash_examples) < 5:
                            crash_examples.append("%s round %d: %s" % (host, number, json.dumps(entries.get(host))[:600]))
                    counts.update(verdicts)
                    if "Traceback" in rest:
                        unattributed["traceback"] += 1
                    if any(secret in rest for secret in secrets):
                        unattributed["secret"] += 1
                    say("soak: round %d %-9s rc=%d, %4d requests, %s"
                        % (number, vendor, completed.returncode, stats["requests"], ", ".join("%s %d" % item for item in sorted(verdicts.items()))))
        finally:
            emulator.stop()
            errors = emulator.stderr().strip()
            if errors:
                say("soak: the emulator wrote to stderr (its own errors show as HTTP 500s):\n" + errors[-2000:])
    crashed = counts["crashed"] + unattributed["traceback"]
    leaked = len(leaked_hosts) + unattributed["secret"]
    say()
    say("soak: %d module runs in %.0f s, %d requests, faults armed: %d (%s)" % (
        sum(counts.values()), time.monotonic() - started, requests, sum(armed.values()),
        ", ".join("%s %d" % item for item in sorted(armed.items()))))
    say("  (secrets checked: %d passwords, base64 forms, session cookies and tokens)" % len(tracked))
    say("  succeeded       %5d" % counts["succeeded"])
    say("  failed cleanly  %5d" % counts["failed cleanly"])
    say("  crashed         %5d%s" % (crashed, " (%d outside any host's result)" % unattributed["traceback"] if unattributed["traceback"] else ""))
    say("  leaked a secret %5d%s" % (leaked, " (%d outside any host's result)" % unattributed["secret"] if unattributed["secret"] else ""))
    say("  clean failures, by message:")
    for kind, count in messages.most_common(12):
        say("    %4d  %s" % (count, kind))
    for example in crash_examples:
        say("  crash: " + example)
    for example in leaked_hosts[:5]:
        say("  leak: " + example)
    return 1 if crashed or leaked else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        print("soak: aborted: %s" % error, file=sys.stderr)
        sys.exit(1)
