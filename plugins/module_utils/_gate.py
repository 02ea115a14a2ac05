# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The maintenance gate's verdict for one host: the decision table of docs/gating.md, in code.

Shared by the gate action, the gate_verdict filter, the maintenance_gate role and the playbooks.
Private to the backupops.jobs collection: not a public API, it may change at any time.
Runs on the controller only.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.backupops.jobs.plugins.module_utils._match import IP_RE, host_matches, name_matches
from ansible_collections.backupops.jobs.plugins.module_utils._record import STORAGE_POLICY_TYPES, protects
from ansible_collections.backupops.jobs.plugins.module_utils._time import show_time, utc_datetime

_WILDCARD_RE = re.compile(r"[*?\[]")
# Worst first: the state of several objects of one host in one job is the first of these found.
_SEVERITY = ("running", "queued", "paused", "stopping", "failed", "unknown", "stopped", "never_run",
             "skipped", "partial", "warning", "succeeded")
# How far a run fell short: another object of the run at least this bad explains the job's state.
_SHORTFALL = {"warning": 1, "partial": 2, "skipped": 3, "stopped": 3, "failed": 4}
# What the last run did, and what the operator does next ({job} is the job's id).
_STATE_TEXT = {
    "failed": ("failed", "fix or re-run job {job}"),
    "stopped": ("was stopped before it finished", "re-run job {job}"),
    "skipped": ("skipped this host", "find why job {job} skipped it, then re-run it"),
    "partial": ("completed with errors, so part of the data is not protected", "fix the errors and re-run job {job}"),
    "warning": ("completed with warnings", "check the warnings of job {job}, then re-run it"),
    "unknown": ("ended in a state the gate cannot read", "check job {job} on the backup server"),
    "never_run": ("has never run", "run job {job} once"),
}
# Why the job's state decided for a host whose own object reports a better one.
_JOB_DECIDES = {
    "unexplained": "for the job as a whole: none of its other objects explains it",
    "stale": "for the job as a whole: its last run did not reach this host, whose state is from an earlier run",
    "untold": "for the job as a whole: the server does not say whether its last run reached this host",
}
_STALE_SUCCESS = "the last %s succeeded but did not reach this host, whose state is from an earlier run: re-run job %s"


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return list(value)


def _worst(states):
    return min(states, key=lambda s: _SEVERITY.index(s) if s in _SEVERITY else 1)


def accepted_states(accept_warning, accept_partial):
    """The finished states that count as a success under the gate's accept_warning and accept_partial options."""
    accepted = {"succeeded"}
    if accept_warning:
        accepted.add("warning")
    if accept_partial:
        accepted.add("partial")
    return accepted


def _holds_while_active(record):
    """Every active job that touches the host holds it, except those that work on a storage policy's copies."""
    return not (record.get("platform") == "commvault" and record.get("type") in STORAGE_POLICY_TYPES)


def _kind(record):
    """'backup', 'replication', 'synthetic full'... for the operator's sentence; 'run' for other kinds."""
    return str(record.get("type")).replace("_", " ") if protects(record) else "run"


def _judged(record, patterns, fixed):
    """The record with host_objects, or None when it does not touch the host (fixed jobs touch every host)."""
    objects = [obj for obj in record.get("objects") or () if isinstance(obj, dict) and obj.get("name")]
    own = [obj for obj in objects if any(host_matches(p, obj["name"]) for p in patterns)]
    hosts = [name for name in record.get("hosts") or () if isinstance(name, str)]
    if not own and not fixed and not any(host_matches(p, name) for p in patterns for name in hosts):
        return None
    judged = dict(record)
    judged["host_objects"] = [obj["name"] for obj in own]
    judged["decides"] = False
    judged["host_state"] = record.get("state") or "unknown"
    judged["host_finished_at"] = record.get("finished_at")
    judged["host_decided_by"] = "job"
    judged["_own"] = own
    judged["_others"] = [obj for obj in objects if obj not in own]
    return judged


def _rank(state):
    return _SEVERITY.index(state) if state in _SEVERITY else 1


def _decide(judged):
    """Set host_state by the table's 'whose state decides' rows; returns why the job decided over a better own state."""
    job_state = judged.get("state") or "unknown"
    own, others = judged.pop("_own"), judged.pop("_others")
    judged["decides"] = True
    if not own:
        return None
    fresh = [obj for obj in own if obj.get("this_run") is not False]
    own_worst = _worst([obj.get("state") or "unknown" for obj in fresh]) if fresh else None
    shortfall = _SHORTFALL.get(job_state)
    explained = shortfall is not None and any(
        obj.get("this_run") is True and _SHORTFALL.get(obj.get("state"), 0) >= shortfall for obj in others)
    own_counts = len(fresh) == len(own) and (
        job_state == "succeeded" or (explained and all(obj.get("this_run") is True for obj in own)))
    if own_counts or (own_worst is not None and _rank(own_worst) <= _rank(job_state)):
        judged["host_state"] = own_worst
        judged["host_decided_by"] = "host_object"
        ends = [obj.get("finished_at") for obj in own if obj.get("finished_at")]
        judged["host_finished_at"] = min(ends) if len(ends) == len(own) else judged.get("finished_at")
        return None
    if job_state == "succeeded":
        judged["host_state"] = "unknown"
        return "stale_success"
    if len(fresh) < len(own):
        return "stale"
    return "untold" if explained else "unexplained"


def _newest_per_series(records):
    """Per series, the newest finished run (ties: the higher id); runs without a finish time cannot be superseded."""
    newest, unordered = {}, []
    for record in records:
        finished = utc_datetime(record.get("finished_at"))
        series = record.get("series")
        if finished is None or not series:
            unordered.append(record)
            continue
        key = str(series).casefold()
        rank = (finished, record.get("id") if isinstance(record.get("id"), int) else -1)
        if key not in newest or rank > newest[key][0]:
            newest[key] = (rank, record)
    return [record for _rank, record in newest.values()] + unordered


def _query_error(result):
    """The failed query's message, or None (a wait timeout is not an error: it still has the jobs)."""
    if not isinstance(result, dict):
        return "the job query gave no result (got %s)" % type(result).__name__
    if result.get("skipped"):
        return "the job query was skipped (%s)" % (result.get("skip_reason") or "no reason given")
    if result.get("unreachable"):
        return "the host that runs the job query was unreachable: %s" % result.get("msg")
    jobs = result.get("jobs")
    failed = bool(result.get("msg") or result.get("exception") or result.get("module_stderr") or result.get("failed"))
    if failed and not (isinstance(jobs, list) and any(isinstance(j, dict) and j.get("active") for j in jobs)):
        return str(result.get("msg") or result.get("module_stderr") or "the job query failed")
    if not isinstance(jobs, list):
        return "the job query returned no jobs list"
    return None


def _job_brief(record):
    """'Backup web (id 3) failed, finished 2026-...' for the operator's line."""
    state = record.get("host_state") or record.get("state")
    disabled = ", disabled" if record.get("enabled") is False else ""
    text = "%s (id %s%s) %s" % (record.get("name"), record.get("id"), disabled, state)
    if record.get("state") != state:
        text += " (job %s)" % record.get("state")
    if record.get("active"):
        if record.get("progress") is not None:
            text += " %s%%" % record["progress"]
    elif record.get("host_finished_at"):
        text += ", finished %s" % show_time(record["host_finished_at"])
    return text


def _finish(host, is_open, reason, jobs, error=False):
    for record in jobs:
        record.pop("_own", None)
        record.pop("_others", None)
    shown = [record for record in jobs if record.get("decides")]
    briefs = "; ".join(_job_brief(record) for record in shown) or "no jobs"
    return {
        "host": host,
        "open": is_open,
        "reason": reason,
        "line": "%s: %s | %s | %s" % (host, "OPEN" if is_open else "HELD", briefs, reason),
        "jobs": jobs,
        "error": error,
    }


def _run_problem(record, why, after=""):
    """'the last backup failed: fix or re-run job 2' for a deciding run whose state is not accepted."""
    state = record["host_state"]
    if why == "stale_success":
        return _STALE_SUCCESS % (_kind(record), record.get("id")) + _disabled_note(record)
    words, step = _STATE_TEXT.get(state, _STATE_TEXT["unknown"])
    if state == "unknown" and record.get("vendor_state"):
        words += " (%s)" % record["vendor_state"]
    subject = "the %s" % _kind(record) if state == "never_run" else "the last %s" % _kind(record)
    text = "%s %s" % (subject, words)
    if why:
        text += " (%s)" % _JOB_DECIDES[why]
    return "%s%s: %s%s" % (text, after, step.format(job=record.get("id")), _disabled_note(record))


def _disabled_note(record):
    return " (job %s is disabled, so no scheduled run will follow)" % record.get("id") if record.get("enabled") is False else ""


def _age_problem(record, accepted, why, moment, max_age):
    """Why the deciding run is not a successful backup within max_age hours, or None."""
    if record["host_state"] not in accepted:
        return _run_problem(record, why, ", so no successful %s within the %g h allowed is known" % (_kind(record), max_age))
    finished = utc_datetime(record.get("host_finished_at"))
    if finished is None:
        return "job %s reports no finish time, so the age of its last %s cannot be checked: check job %s on the " \
               "backup server" % (record.get("id"), _kind(record), record.get("id"))
    age = (moment - finished).total_seconds() / 3600.0
    if age <= max_age:
        return None
    return "the last successful %s (job %s) finished %s, %.1f h ago, more than the %g h allowed: run job %s again%s" % (
        _kind(record), record.get("id"), show_time(record.get("host_finished_at")), age, max_age, record.get("id"),
        _disabled_note(record))


def _active_reason(active, waited):
    first = active[0]
    progress = " (%s%% done)" % first["progress"] if first.get("progress") is not None else ""
    kind = "%s job" % str(first.get("type")).replace("_", " ") if first.get("type") else "job"
    reason = "%s %s is still %s%s%s" % (kind, first.get("id"), first.get("state"), progress,
                                        " after %d s of waiting" % int(waited) if waited else "")
    if len(active) > 1:
        reason += ", and %d more of its jobs are active" % (len(active) - 1)
    return reason + ": wait until it has finished, then run the gate again"


def _open_reason(deciding):
    notes = ["job %s %s" % (j.get("id"), _STATE_TEXT[j["host_state"]][0]) for j in deciding if j["host_state"] != "succeeded"]
    notes += ["job %s is disabled, so no scheduled run will follow" % j.get("id") for j in deciding if j.get("enabled") is False]
    if len(deciding) == 1:
        text = "the last %s succeeded" % _kind(deciding[0])
    else:
        text = "the last runs of its %d protecting jobs succeeded" % len(deciding)
    return text + (" (%s)" % "; ".join(notes) if notes else "")


class JobIndex:
    """The records of one query by the names of the hosts they touch, so that judging many hosts is not hosts x jobs."""

    def __init__(self, records):
        self.records = [record for record in records if isinstance(record, dict)]
        self._by_name = {}
        for position, record in enumerate(self.records):
            names = [obj.get("name") for obj in record.get("objects") or () if isinstance(obj, dict)]
            names += list(record.get("hosts") or ())
            for key in {key for name in names if isinstance(name, str) and name for key in _name_keys(name)}:
                self._by_name.setdefault(key, []).append(position)

    def candidates(self, patterns):
        """Every record that may touch a host of these names (host_matches decides); all of them for a wildcard."""
        if any(_WILDCARD_RE.search(pattern) for pattern in patterns):
            return self.records
        positions = {position for pattern in patterns for key in _name_keys(pattern) for position in self._by_name.get(key, ())}
        return [self.records[position] for position in sorted(positions)]


def _name_keys(name):
    """The forms host_matches compares: the whole name, and the short name of a dotted host name (not an IP)."""
    name = name.casefold()
    if "." in name and not IP_RE.search(name):
        return (name, name.split(".", 1)[0])
    return (name,)


def host_state(judged):
    """The state that decides for the host of one verdict: while a job that holds it is active, that job's state;
    else the worst of its deciding runs' host states; None when no protecting job touches the host."""
    jobs = judged.get("jobs") or []
    active = [job for job in jobs if job.get("active") and job.get("decides")]
    if active:
        return active[0].get("state")
    states = [job.get("host_state") or "unknown" for job in jobs if job.get("decides") and protects(job)]
    return _worst(states) if states else None


def verdicts(result, hosts, **options):
    """{host: verdict} for many hosts of one query result; ``hosts`` maps each host to its objects (None: its name)."""
    jobs = result.get("jobs") if isinstance(result, dict) else None
    index = JobIndex(jobs if isinstance(jobs, list) else [])
    return {host: verdict(result, host, objects=objects, index=index, **options) for host, objects in hosts.items()}


def verdict(result, host, objects=None, job_ids=None, job_names=None, require_job=True, require_success=True,
            accept_warning=True, accept_partial=False, max_age=None, quiet_minutes=0, now=None, index=None):
    """The verdict for ``host`` from one job query result: a dict with open, reason, line, jobs, error.

    ``index``, a JobIndex of the result's jobs, spares judging many hosts every job. Raises ValueError for
    arguments that cannot be understood; a failed query is a verdict, not an error.
    """
    if not isinstance(host, str) or not host:
        raise ValueError("host must be a non-empty string, got %r" % (host,))
    patterns = [str(p) for p in _as_list(objects) if p not in (None, "")] or [host]
    try:
        job_ids = [int(i) for i in _as_list(job_ids)]
    except (TypeError, ValueError):
        raise ValueError("job_ids must be whole numbers, got %r" % (job_ids,))
    job_names = [str(n) for n in _as_list(job_names)]
    fixed = bool(job_ids or job_names)
    try:
        # "None": what ansible-core before 2.19 makes of a null variable passed as a task argument.
        max_age = float(max_age) if max_age not in (None, "", "None") else 0.0
        quiet_minutes = float(quiet_minutes or 0)
    except (TypeError, ValueError) as e:
        raise ValueError("max_age and quiet_minutes must be numbers: %s" % e)
    moment = utc_datetime(now) if now is not None else datetime.datetime.now(datetime.timezone.utc)
    if moment is None:
        raise ValueError("now must be an ISO 8601 time, got %r" % (now,))

    error = _query_error(result)
    if error:
        return _finish(host, False, "the backup job query failed: %s" % error, [], error=True)

    if fixed or index is None:
        records = [r for r in result["jobs"] if isinstance(r, dict)]
    else:
        records = index.candidates(patterns)
    if fixed:
        records = [r for r in records if r.get("id") in job_ids or any(name_matches(n, r.get("name") or "") for n in job_names)]
        missing = ["id %s" % i for i in job_ids if not any(r.get("id") == i for r in records)]
        missing += ["'%s'" % n for n in job_names if not any(name_matches(n, r.get("name") or "") for r in records)]
        if missing:
            return _finish(host, False, "no job was found for %s on the backup server: check the job ids and names" % (
                ", ".join(missing)), [])
    jobs = [j for j in (_judged(r, patterns, fixed) for r in records) if j is not None]

    active = [j for j in jobs if j.get("active") and _holds_while_active(j)]
    for record in active:
        record.update(decides=True, host_state=record.get("state"))
    if active:
        return _finish(host, False, _active_reason(active, result.get("waited") or 0), jobs)

    deciding = _newest_per_series([j for j in jobs if protects(j) and not j.get("active")])
    whys = {id(record): _decide(record) for record in deciding}
    if not deciding and require_job:
        others = ", ".join("%s job %s" % (str(j.get("type")).replace("_", " "), j.get("id")) for j in jobs)
        return _finish(host, False, "no backup job protects %s (looked for %s%s): check that a backup job protects it "
                                    "under the name the backup server knows" % (
                                        host, ", ".join(patterns),
                                        "; only jobs that do not protect it touch it: %s" % others if others else ""), jobs)
    accepted = accepted_states(accept_warning, accept_partial)
    problems = []
    for record in deciding:
        if require_success and record["host_state"] not in accepted:
            problems.append(_run_problem(record, whys[id(record)]))
        elif max_age > 0:
            problems.append(_age_problem(record, accepted, whys[id(record)], moment, max_age))
    if quiet_minutes > 0:
        for record in jobs:
            start = utc_datetime(record.get("next_run_at"))
            if start is not None and (start - moment).total_seconds() <= quiet_minutes * 60:
                record["decides"] = True
                problems.append("job %s is scheduled to start at %s, within the %g quiet minutes: wait until it has run" % (
                    record.get("id"), show_time(record.get("next_run_at")), quiet_minutes))
    problems = [p for p in problems if p]
    if problems:
        return _finish(host, False, "; ".join(problems), jobs)
    if not deciding:
        return _finish(host, True, "no backup job protects it, and require_job is off", jobs)
    return _finish(host, True, _open_reason(deciding), jobs)
