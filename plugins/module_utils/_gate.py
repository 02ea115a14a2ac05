# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The maintenance gate's verdict for one host, shared by the gate_verdict filter and the gate action.

Private to the backupops.jobs collection: not a public API, it may change at any time.
Runs on the controller only.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.backupops.jobs.plugins.module_utils._match import host_matches, name_matches

# Jobs of these types read from a backup; they hold a host while they run but do not protect it.
_NOT_PROTECTION_RE = re.compile(r"restore|recover|flash_boot|failover|failback|export")
# Worst first: the state of several objects of one host in one job is the first of these found.
_SEVERITY = ("running", "queued", "paused", "stopping", "failed", "unknown", "stopped", "never_run",
             "skipped", "partial", "warning", "succeeded")
_STATE_WORDS = {
    "succeeded": "succeeded",
    "warning": "completed with warnings",
    "partial": "completed with errors (partial)",
    "failed": "failed",
    "stopped": "was stopped",
    "skipped": "skipped it",
    "never_run": "has never run",
    "unknown": "ended in an unknown state",
}
_DATE_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$"
)
_UTC = datetime.timezone.utc


def _parse_time(value):
    """An aware datetime from an ISO 8601 string (Z, +hh:mm, +hhmm or no zone = UTC), or None."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_UTC)
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, _z, sign, off_h, off_m = match.groups()
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                                   int((fraction or "0")[:6].ljust(6, "0")), tzinfo=_UTC)
    except ValueError:
        return None
    if sign:
        offset = datetime.timedelta(hours=int(off_h), minutes=int(off_m or 0))
        moment = moment - offset if sign == "+" else moment + offset
    return moment


def _show_time(value):
    moment = _parse_time(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else str(value)


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return list(value)


def _job_label(record):
    return "job '%s' (id %s)" % (record.get("name"), record.get("id"))


def _client_names(record):
    """Commvault: the client of the job (name before '/') and a restore's destination client."""
    if record.get("platform") != "commvault":
        return []
    names = []
    if record.get("name"):
        names.append(str(record["name"]).split("/", 1)[0])
    # Only the two places a destination client is given (listing and JobDetails): a play judges every
    # host against every job, so walking the whole raw record here would cost hosts x jobs x record size.
    raw = record.get("raw") if isinstance(record.get("raw"), dict) else {}
    holders = [raw] + [raw[key] for key in ("generalInfo", "jobSummary") if isinstance(raw.get(key), dict)]
    for holder in holders:
        for key in ("destClientName", "destinationClientName"):
            if isinstance(holder.get(key), str) and holder[key]:
                names.append(holder[key])
        for key in ("destClient", "destinationClient"):
            client = holder.get(key)
            if isinstance(client, dict) and client.get("clientName"):
                names.append(str(client["clientName"]))
    return names


def _accepted_states(accept_warning, accept_partial):
    accepted = {"succeeded"}
    if accept_warning:
        accepted.add("warning")
    if accept_partial:
        accepted.add("partial")
    return accepted


def _judged(record, patterns, fixed):
    """The record with host_state and host_objects, or None when it does not touch the host."""
    matched = [obj for obj in record.get("objects") or ()
               if isinstance(obj, dict) and obj.get("name") and any(host_matches(p, obj["name"]) for p in patterns)]
    if not matched and not fixed and not any(host_matches(p, n) for p in patterns for n in _client_names(record)):
        return None
    judged = dict(record)
    judged["host_objects"] = [obj["name"] for obj in matched]
    if matched:
        states = [obj.get("state") or "unknown" for obj in matched]
        judged["host_state"] = min(states, key=lambda s: _SEVERITY.index(s) if s in _SEVERITY else 1)
        ends = [obj.get("finished_at") for obj in matched if obj.get("finished_at")]
        judged["host_finished_at"] = min(ends) if len(ends) == len(matched) else record.get("finished_at")
    else:
        judged["host_state"] = record.get("state") or "unknown"
        judged["host_finished_at"] = record.get("finished_at")
    if record.get("active"):
        judged["host_state"] = record.get("state")
    return judged


def _query_error(result):
    """The failed query's message, or None (a wait timeout is not an error: it still has the jobs)."""
    if not isinstance(result, dict):
        return "the job query gave no result (got %s)" % type(result).__name__
    if result.get("skipped"):
        return "the job query was skipped (%s)" % (result.get("skip_reason") or "no reason given")
    if result.get("unreachable"):
        return "the host that runs the job query was unreachable: %s" % result.get("msg")
    jobs = result.get("jobs")
    active = isinstance(jobs, list) and any(isinstance(j, dict) and j.get("active") for j in jobs)
    failed = bool(result.get("msg") or result.get("exception") or result.get("module_stderr") or result.get("failed"))
    if failed and not active:
        return str(result.get("msg") or result.get("module_stderr") or "the job query failed")
    if not isinstance(jobs, list):
        return "the job query returned no jobs list"
    return None


def _job_brief(record):
    """'Backup web (id 3) failed, finished 2026-...' for the operator's line."""
    state = record.get("host_state") or record.get("state")
    text = "%s (id %s) %s" % (record.get("name"), record.get("id"), state)
    if record.get("state") != state:
        text += " (job %s)" % record.get("state")
    if record.get("active"):
        if record.get("progress") is not None:
            text += " %s%%" % record["progress"]
    elif record.get("host_finished_at"):
        text += ", finished %s" % _show_time(record["host_finished_at"])
    return text


def _finish(host, is_open, reason, jobs, error=False):
    briefs = "; ".join(_job_brief(record) for record in jobs) or "no jobs"
    return {
        "host": host,
        "open": is_open,
        "reason": reason,
        "line": "%s: %s | %s | %s" % (host, "OPEN" if is_open else "HELD", briefs, reason),
        "jobs": jobs,
        "error": error,
    }


def _run_problem(record, accepted, host):
    """Why this job's last run does not count as a success for the host, or None."""
    state = record["host_state"]
    if state in accepted:
        return None
    words = _STATE_WORDS.get(state, state)
    if state == "unknown" and record.get("vendor_state"):
        words += " (%s)" % record["vendor_state"]
    if state == "never_run":
        return "%s %s for %s" % (_job_label(record), words, host)
    where = " for %s" % host if record.get("host_objects") else ""
    finished = record.get("host_finished_at")
    return "its last run in %s %s%s%s" % (_job_label(record), words, where,
                                          ", finished %s" % _show_time(finished) if finished else "")


def verdict(result, host, objects=None, job_ids=None, job_names=None, require_job=True, require_success=True,
            accept_warning=True, accept_partial=False, max_age=None, quiet_minutes=0, now=None):
    """The verdict for ``host`` from one job query result: a dict with open, reason, line, jobs, error.

    Raises ValueError for arguments that cannot be understood; a failed query is a verdict, not an error.
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
    moment = _parse_time(now) if now is not None else datetime.datetime.now(_UTC)
    if moment is None:
        raise ValueError("now must be an ISO 8601 time, got %r" % (now,))

    error = _query_error(result)
    if error:
        return _finish(host, False, "%s is held: the backup job query failed: %s" % (host, error), [], error=True)

    records = [r for r in result["jobs"] if isinstance(r, dict)]
    if fixed:
        records = [r for r in records if r.get("id") in job_ids or any(name_matches(n, r.get("name") or "") for n in job_names)]
        missing = ["id %s" % i for i in job_ids if not any(r.get("id") == i for r in records)]
        missing += ["'%s'" % n for n in job_names if not any(name_matches(n, r.get("name") or "") for r in records)]
        if missing:
            return _finish(host, False, "%s is held: no job was found for %s on the backup server." % (host, ", ".join(missing)),
                           [])
    jobs = [j for j in (_judged(r, patterns, fixed) for r in records) if j is not None]

    active = [j for j in jobs if j.get("active")]
    if active:
        first = active[0]
        progress = " (%s%% done)" % first["progress"] if first.get("progress") is not None else ""
        waited = result.get("waited") or 0
        reason = "%s is held: %s is still %s%s%s." % (
            host, _job_label(first), first.get("state"), progress,
            " after %d s of waiting" % int(waited) if waited else "")
        if len(active) > 1:
            reason = reason[:-1] + ", and %d more job(s) of it are active." % (len(active) - 1)
        return _finish(host, False, reason, jobs)

    protecting = [j for j in jobs if not _NOT_PROTECTION_RE.search(str(j.get("type") or ""))]
    problems = []
    if not protecting:
        if require_job:
            return _finish(host, False, "%s is held: no backup job protects %s (looked for %s)." % (
                host, host, ", ".join(patterns)), jobs)
    accepted = _accepted_states(accept_warning, accept_partial)
    for record in protecting:
        problem = _run_problem(record, accepted, host) if require_success else None
        if problem:
            problems.append(problem)
            continue
        if max_age > 0:
            if record["host_state"] not in accepted:
                problems.append("%s, so no successful run within %g h is known" % (_run_problem(record, accepted, host), max_age))
                continue
            finished = _parse_time(record.get("host_finished_at"))
            if finished is None:
                problems.append("%s has no finish time for its last run, so its age cannot be checked" % _job_label(record))
                continue
            age = (moment - finished).total_seconds() / 3600.0
            if age > max_age:
                problems.append("the last successful run of %s finished %s, %.1f h ago, more than the %g h allowed" % (
                    _job_label(record), _show_time(record.get("host_finished_at")), age, max_age))
    if quiet_minutes > 0:
        for record in jobs:
            start = _parse_time(record.get("next_run_at"))
            if start is not None and (start - moment).total_seconds() <= quiet_minutes * 60:
                problems.append("%s is scheduled to start at %s, within the %g quiet minutes" % (
                    _job_label(record), _show_time(record.get("next_run_at")), quiet_minutes))
    if problems:
        more = " (and %d more problem(s))" % (len(problems) - 1) if len(problems) > 1 else ""
        return _finish(host, False, "%s is held: %s%s." % (host, problems[0], more), jobs)
    if not protecting:
        return _finish(host, True, "%s may proceed: no backup job protects it, and require_job is off." % host, jobs)
    passed = ", ".join("%s %s%s" % (_job_label(j), _STATE_WORDS.get(j["host_state"], j["host_state"]),
                                    ", finished %s" % _show_time(j["host_finished_at"]) if j.get("host_finished_at") else "")
                       for j in protecting)
    return _finish(host, True, "%s may proceed: %s." % (host, passed), jobs)
