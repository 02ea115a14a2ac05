# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NAKIVO getJobInfo records to the common job record (docs/job-record.md).

Private to the backupops.jobs collection: not a public API, it may change at any time.
Pure functions, standard library only, no I/O.
"""

from __future__ import annotations

import functools

from ansible_collections.backupops.jobs.plugins.module_utils._record import ACTIVE_STATES, COMPLETE_STATES, RecordError
from ansible_collections.backupops.jobs.plugins.module_utils._record import as_dicts, make_record, norm_type, to_count, to_job_id
from ansible_collections.backupops.jobs.plugins.module_utils._record import to_number, to_percent, to_text, vendor_word
from ansible_collections.backupops.jobs.plugins.module_utils._time import iso_moment, seconds_between

_NK_JOB_CURRENT = {"RUNNING": "running", "OK": "succeeded", "FAILED": "failed", "STOPPED": "stopped"}
_NK_JOB_LAST = {"OK": "succeeded", "FAILED": "failed", "STOPPED": "stopped"}
_NK_OBJECT = {"RUNNING": "running", "WAITING": "queued", "SUCCEEDED": "succeeded", "FAILED": "failed",
              "STOPPED": "stopped", "SKIPPED": "skipped"}
_NK_DEFER = frozenset(("SCHEDULED", "DEMAND"))
_INVALID = "\0invalid"


@functools.lru_cache(maxsize=256)
def _nk_norm_str(value):
    return "_".join(value.upper().replace("_", " ").split()) or None


def _nk_word(value):
    """A NAKIVO state word, upper case with '_' (None for null/empty, a marker for non-strings)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _nk_norm_str(value)
    return _INVALID


def _falsy_flag(value):
    """True when a boolean flag is explicitly false (false, 'false', 0)."""
    if value is False:
        return True
    if isinstance(value, str):
        return value.strip().lower() in ("false", "0", "no")
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _flag(value):
    """A vendor's boolean flag (true, 'true', 1 / false, 'false', 0) as a bool, or None when it says neither."""
    if _falsy_flag(value):
        return False
    if value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes")):
        return True
    return True if isinstance(value, int) and not isinstance(value, bool) and value == 1 else None


def nakivo_state(cr_state, lr_state, has_last_run) -> str:
    """State word from getJobInfo crState, lrState and hasLastRun (see docs/job-record.md)."""
    current = _nk_word(cr_state)
    if current is None or current is _INVALID:
        return "unknown"
    state = _NK_JOB_CURRENT.get(current)
    if state is not None:
        return state
    if current.startswith("WAITING"):
        last = _nk_word(lr_state)
        if last is None or _falsy_flag(has_last_run):
            return "never_run"
        return _NK_JOB_LAST.get(last, "unknown")
    return "unknown"


def _nk_object_state(obj, job_active):
    if job_active:
        current = _nk_word(obj.get("crState"))
        state = _NK_OBJECT.get(current)
        if state is not None:
            return state
        if current is not None and current not in _NK_DEFER:
            return "unknown"
    last = _nk_word(obj.get("lrState"))
    if last is None or last in _NK_DEFER:
        return "never_run"
    return _NK_OBJECT.get(last, "unknown")


# The last run's counts per object state: an object whose state is not covered by them is from an earlier run.
_NK_RUN_COUNTS = {"succeeded": "lrVmOk", "failed": "lrVmFailed", "stopped": "lrVmStopped"}


def _nk_this_run(objects, raw, job_active):
    """Set each object's this_run: True, False (its state is from a run before the last), or None (not told).

    An object that never ran is this run's too: that it has no backup holds now.
    """
    counts = {state: to_number(raw.get(key)) for state, key in _NK_RUN_COUNTS.items()}
    shown = {state: sum(1 for obj in objects if obj["state"] == state) for state in _NK_RUN_COUNTS}
    # Every counted state matches exactly: the objects of other states (skipped) are this run's too.
    exact = all(counts[state] is not None and counts[state] == shown[state] for state in _NK_RUN_COUNTS)
    for obj in objects:
        state = obj["state"]
        if job_active or state == "never_run":
            obj["this_run"] = True
        elif state in _NK_RUN_COUNTS:
            obj["this_run"] = None if counts[state] is None else shown[state] <= counts[state]
        else:
            obj["this_run"] = True if exact else None


def _nk_objects(value, job_active, raw):
    objects, hosts = [], []
    for obj in as_dicts(value):
        name = to_text(obj.get("sourceName")) or to_text(obj.get("sourceVid")) or to_text(obj.get("vid"))
        objects.append({"name": name, "state": _nk_object_state(obj, job_active), "finished_at": None})
        hosts.extend(n for n in (name, to_text(obj.get("targetName"))) if n and n not in hosts)
    _nk_this_run(objects, raw, job_active)
    return objects, hosts


def _nk_next_run(schedules):
    earliest = None
    for schedule in as_dicts(schedules):
        enabled = schedule.get("enabled")
        if enabled is not True and not (isinstance(enabled, str) and enabled.strip().lower() == "true"):
            continue
        parsed = iso_moment(schedule.get("nextRun"))
        if parsed is not None and (earliest is None or parsed[0] < earliest[0]):
            earliest = parsed
    return earliest[1] if earliest else None


def nakivo_record(raw: dict) -> dict:
    """One getJobInfo `data.children[]` item -> job record (platform 'nakivo'). raw kept as given."""
    if not isinstance(raw, dict):
        raise RecordError("a NAKIVO job must be a JSON object (dict), got %s" % type(raw).__name__)
    get = raw.get
    cr_state = get("crState")
    lr_state = get("lrState")
    state = nakivo_state(cr_state, lr_state, get("hasLastRun"))
    active = state in ACTIVE_STATES

    job_id = to_job_id(get("id"))
    name = to_text(get("name")) or to_text(get("vid"))
    if name is None and job_id is not None:
        name = "job %d" % job_id

    duration = None
    if active:
        started = iso_moment(get("crDate"))
        finished = None
        progress = to_percent(get("crProgress"))
    elif state == "never_run":
        started = finished = None
        progress = None
    else:
        started = iso_moment(get("lrDate"))
        finished = iso_moment(get("lrFinishDate"))
        duration_ms = to_number(get("lrDurationMs"))
        if duration_ms is not None and duration_ms >= 0:
            duration = duration_ms // 1000 if isinstance(duration_ms, int) and duration_ms % 1000 == 0 else duration_ms / 1000.0
        else:
            duration = seconds_between(started, finished)
        progress = 100 if state in COMPLETE_STATES else to_percent(get("crProgress"))

    bytes_transferred = None
    if state != "never_run":
        data_kb = to_number(get("lrDataKb"))
        if data_kb is not None and data_kb >= 0:
            bytes_transferred = to_count(data_kb * 1024)

    next_run_at = None
    if not _falsy_flag(get("isEnabled")):
        next_run_at = _nk_next_run(get("schedules"))
    enabled = _flag(get("isEnabled"))
    objects, hosts = _nk_objects(get("objects"), active, raw)

    return make_record(
        "nakivo", job_id, name, norm_type(get("jobType")), state,
        "%s/%s" % (vendor_word(cr_state), vendor_word(lr_state)),
        progress, next_run_at,
        started[1] if started else None,
        finished[1] if finished else None,
        duration,
        bytes_transferred,
        to_count(get("sourcesSize")),
        objects, hosts, enabled,
        "job %d" % job_id if job_id is not None else name,
        raw,
    )
