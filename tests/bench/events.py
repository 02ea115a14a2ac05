#!/usr/bin/env python
"""Bench figure "events", in one process: polls of the event source backupops.jobs.job_events over many NAKIVO jobs.

Run by tests/bench/run.py as a child process with PYTHONPATH = the collections folder, against an emulator the
parent started (scenario ``bulk``: 1,000 jobs). The source is loaded from its file as ansible-rulebook loads it;
its poll (the blocking part that main() runs in a worker thread) is called ``--polls`` times after the first one,
which logs in and takes in the start. Prints one JSON object: per poll, CPU seconds of this process (every thread)
and wall seconds, and the events seen. The parent counts the requests of each poll in the emulator's log.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import statistics
import subprocess
import sys
import time
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "extensions" / "eda" / "plugins" / "event_source" / "job_events.py"
PASSWORD = "Nakivo-P@ss1"   # tests/emulator/scenarios/bulk.yml
CALLS = ("AuthenticationManagement.login", "JobSummaryManagement.getJobInfo", "JobSummaryManagement.getGroupInfo",
         "AuthenticationManagement.logoutCurrentUser")
# (label, the source's selection, getJobInfo and getGroupInfo expected per poll): the same for 10 jobs as for 1,000.
SELECTIONS = (
    ("1,000 job ids", {"job_ids": list(range(1, 1001))}, 1, 0),
    ("10 job ids", {"job_ids": list(range(1, 11))}, 1, 0),
    ("names 'Bulk job *' (1,000)", {"names": ["Bulk job *"]}, 1, 1),
    ("names 'Bulk job 000?' (9)", {"names": ["Bulk job 000?"]}, 1, 1),
    ("every job (1,000)", {}, 1, 1),
)


def figure(bench, row):
    """The rows of the figure for tests/bench/run.py: ``bench`` is its Bench, ``row`` its Row class."""
    from harness import BenchError, Emulator, collections_path  # pylint: disable=import-outside-toplevel

    with Emulator("bulk") as emu:
        try:
            found = measure(emu, bench.repeat("events"), collections_path())
        except RuntimeError as error:
            raise BenchError(str(error)) from None
    for figures in found:
        infos, groups = figures["expected"]
        ok = (figures["job_info"], figures["group_info"], figures["logins"], figures["other"]) == (infos, groups, 1, [])
        bench.add(row("8 events %s: getJobInfo + getGroupInfo per poll" % figures["label"], "%g + %g (%d jobs, %d polls)" % (
            figures["job_info"], figures["group_info"], figures["jobs"], figures["polls"]), "%d + %d" % (infos, groups), "-", ok,
            **figures))
        cpu = figures["cpu_median_s"]
        bench.add(row("8 events %s: CPU per poll" % figures["label"], "%.0f ms (wall %.0f ms)" % (
            cpu * 1000, figures["wall_median_s"] * 1000), "<= 600 ms", cpu / 0.6, cpu <= 0.6))


def measure(emulator, polls, pythonpath):
    """Per selection: jobs, getJobInfo and getGroupInfo per poll, other requests, CPU and wall per poll, from one child
    run each against ``emulator`` (the bench's emulator subprocess, scenario bulk)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "PYTHON", "NAKIVO_"))}
    env["PYTHONPATH"] = pythonpath
    found = []
    for label, selection, infos, groups in SELECTIONS:
        emulator.clear()
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--url", emulator.url, "--password", PASSWORD,
                               "--polls", str(polls), "--selection", json.dumps(selection)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise RuntimeError("events.py failed for %s: %s" % (label, done.stderr[-3000:]))
        figures = json.loads(done.stdout)
        calls = [entry["call"] for entry in emulator.log() if entry["vendor"]]
        figures.update(label=label, expected=(infos, groups), other=[call for call in calls if call not in CALLS],
                       logins=calls.count(CALLS[0]), job_info=calls.count(CALLS[1]) / figures["polls"],
                       group_info=calls.count(CALLS[2]) / figures["polls"])
        found.append(figures)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--polls", type=int, default=5)
    parser.add_argument("--selection", required=True, help="JSON of the source's selection arguments")
    args = parser.parse_args(argv)

    source_module = runpy.run_path(str(PLUGIN))
    config = source_module["read_config"](dict(platform="nakivo", url=args.url, username="admin", password=args.password,
                                               retries=0, **json.loads(args.selection)))
    source = source_module["JobEventSource"](config)
    events = len(source.poll())
    cpu, wall = [], []
    for _poll in range(args.polls):
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        events += len(source.poll())
        cpu.append(time.process_time() - cpu_before)
        wall.append(time.perf_counter() - wall_before)
    source.close()
    json.dump(dict(polls=args.polls + 1, events=events, cpu_s=cpu, wall_s=wall, cpu_median_s=statistics.median(cpu),
                   wall_median_s=statistics.median(wall), jobs=source.changes.tracked), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
