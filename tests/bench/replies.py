#!/usr/bin/env python
"""Bench figure 5, in one process: normalizing big replies, timed and with tracemalloc's peak.

Run by tests/bench/run.py as a child process with PYTHONPATH = the collections folder, so that the
collection is imported as ``ansible_collections.backupops.jobs...`` exactly as a module run does.
Prints one JSON object on stdout: per vendor, the reply size, the seconds of each repetition and
the peak of traced memory while parsing and normalizing.

The replies come from the emulator's own record builders (NakivoService.job_record and
CommvaultService.job_detail, serialized the way the emulator sends them), built before any
measurement starts, so neither their time nor their memory is counted.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc

from ansible_collections.backupops.jobs.plugins.module_utils._commvault_record import commvault_record, job_detail_of
from ansible_collections.backupops.jobs.plugins.module_utils._commvault_xml import XML_LISTS, parse_xml
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo import _records_by_id
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo_record import nakivo_record
from ansible_collections.backupops.jobs.plugins.module_utils._record import summarize
from ansible_collections.backupops.jobs.plugins.module_utils._session import Reply
from ansible_collections.backupops.jobs.tests.emulator.commvault import CommvaultService
from ansible_collections.backupops.jobs.tests.emulator.exchange import to_xml
from ansible_collections.backupops.jobs.tests.emulator.nakivo import NakivoService
from ansible_collections.backupops.jobs.tests.emulator.scenario import JobClock, load_scenario


def scenario(jobs, objects):
    """Many NAKIVO jobs with ``objects`` VMs each, as many Commvault jobs; every 10th NAKIVO job running."""
    return {
        "nakivo": {"generate": {"count": jobs, "first_id": 1, "objects": objects, "results": ["OK", "OK", "OK", "FAILED"],
                                "running_every": 10}},
        "commvault": {"generate": {"count": jobs, "first_id": 100001, "client_count": 50,
                                   "results": ["Completed", "Completed", "Completed w/ one or more warnings", "Failed"],
                                   "start": -86400, "spacing": 5, "duration": 240}},
    }


def nakivo_reply(loaded, clock):
    """The getJobInfo reply body for every job at once, as the emulator's router sends it."""
    service = NakivoService(loaded.nakivo, clock, tls=False)
    now = clock.now()
    jobs = list(loaded.nakivo.root.jobs.values())
    envelope = {"action": "JobSummaryManagement", "method": "getJobInfo", "data": [[job.id for job in jobs], 0, True],
                "type": "rpc", "tid": 2}
    # pylint: disable-next=protected-access  # the router's own envelope, so the body is byte for byte what it sends
    reply = service._rpc(envelope, {"children": [service.job_record(job, now) for job in jobs]})
    return json.dumps(reply, separators=(",", ":")).encode("utf-8")


def commvault_replies(loaded, clock):
    """One JobDetails XML body per job, as the emulator's Web Server sends them to Accept: application/xml."""
    service = CommvaultService(loaded.commvault, clock, tls=False)
    now = clock.now()
    return [to_xml("JobManager_JobDetailResponse", {"job": {"jobDetail": service.job_detail(job, now)}}).encode("utf-8")
            for job in loaded.commvault.jobs.values()]


def read_nakivo(body):
    """What job_info does with one getJobInfo reply: parse, pick the records, normalize, summarize."""
    children = _records_by_id(Reply(200, {}, body, "bench").json()["data"])
    records = [nakivo_record(raw) for raw in children.values()]
    summarize(records)
    return records


def read_commvault(bodies):
    """What job_detail does with each XML JobDetails reply: parse (refusing DTDs), unwrap, normalize; then summarize."""
    records = []
    for body in bodies:
        detail, _why = job_detail_of(parse_xml(body))
        records.append(commvault_record(detail))
    summarize(records)
    return records


def parse_nakivo(body):
    """Only the JSON parse of the reply (to tell the parser's memory from the normalizer's)."""
    return Reply(200, {}, body, "bench").json()["data"]["children"]


def parse_commvault(bodies):
    """Only xmltodict's parse of every reply with the collection's arguments, the trees kept: the floor of read_commvault."""
    import xmltodict  # pylint: disable=import-outside-toplevel

    return [xmltodict.parse(body, attr_prefix="", cdata_key="text", force_list=XML_LISTS, disable_entities=True) for body in bodies]


def traced_peak(work, argument):
    """tracemalloc's peak over one run of ``work(argument)``, its result kept until the peak is read."""
    gc.collect()
    tracemalloc.start()
    try:
        kept = work(argument)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del kept
    return peak


def measure(work, argument, repeat):
    """Seconds of each run of ``work(argument)`` (untraced), then the tracemalloc peak of one traced run."""
    seconds = []
    count = 0
    for dummy in range(repeat):
        gc.collect()
        started = time.perf_counter()
        count = len(work(argument))
        seconds.append(time.perf_counter() - started)
    return {"records": count, "seconds": seconds, "median_s": statistics.median(seconds), "peak_bytes": traced_peak(work, argument)}


def profile(work, argument, limit=18):
    """The top of a cProfile of one run, as text (only asked for with --profile)."""
    import cProfile  # pylint: disable=import-outside-toplevel
    import io  # pylint: disable=import-outside-toplevel
    import pstats  # pylint: disable=import-outside-toplevel

    profiler = cProfile.Profile()
    profiler.runcall(work, argument)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--objects", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="add a cProfile (by own time) of one run of each")
    args = parser.parse_args(argv)

    clock = JobClock()
    loaded = load_scenario(scenario(args.jobs, args.objects))
    nakivo_body = nakivo_reply(loaded, clock)
    commvault_bodies = commvault_replies(loaded, clock)
    del loaded

    result = {}
    for name, work, parse, argument, size in (
            ("nakivo", read_nakivo, parse_nakivo, nakivo_body, len(nakivo_body)),
            ("commvault", read_commvault, parse_commvault, commvault_bodies, sum(map(len, commvault_bodies)))):
        # The module's reading and the parser alone, alternated in this one run.
        figures, floor = {}, {}
        for dummy in range(args.repeat):
            for kept, function in ((figures, work), (floor, parse)):
                for key, value in measure(function, argument, 1).items():
                    kept.setdefault(key, []).append(value)
        figures = dict(records=figures["records"][0], seconds=figures["median_s"], median_s=statistics.median(figures["median_s"]),
                       peak_bytes=min(figures["peak_bytes"]))
        figures.update(reply_bytes=size, replies=1 if name == "nakivo" else len(argument),
                       parse_only_seconds=floor["median_s"], parse_only_median_s=statistics.median(floor["median_s"]),
                       parse_only_peak_bytes=min(floor["peak_bytes"]))
        if args.profile:
            figures["profile"] = profile(work, argument)
        result[name] = figures
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
