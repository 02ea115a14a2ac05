"""Private to the backupops.jobs collection: vendor job records to the common job record.

Pure functions, standard library only, no I/O. The record shape is described in
job-record.md (one dict per job: platform, id, name, type, state, active,
vendor_state, progress, next_run_at, started_at, finished_at, duration_s,
bytes_transferred, bytes_protected, objects, hosts, enabled, series, raw).
Not a public API.
"""

from __future__ import annotations

import datetime
import functools
import math
import re

STATES = ("running", "queued", "paused", "stopping", "succeeded", "warning", "partial",
          "failed", "stopped", "never_run", "unknown")
ACTIVE_STATES = frozenset(("running", "queued", "paused", "stopping"))
OBJECT_STATES = STATES + ("skipped",)

RECORD_KEYS = ("platform", "id", "name", "type", "state", "active", "vendor_state", "progress",
               "next_run_at", "started_at", "finished_at", "duration_s", "bytes_transferred",
               "bytes_protected", "objects", "hosts", "enabled", "series", "raw")

# The job kinds that protect what they name: their last run decides whether a host's backup succeeded.
PROTECTING_TYPES = {
    "nakivo": frozenset(("backup", "replication", "backup_copy")),
    "commvault": frozenset(("backup", "synthetic_full", "snap_backup", "snapbackup")),
}
# Commvault jobs that copy or check what a storage policy holds: they neither protect nor hold a client.
STORAGE_POLICY_TYPES = frozenset(("aux_copy", "data_verification"))

_COMPLETE_STATES = frozenset(("succeeded", "warning", "partial"))
_STATE_SET = frozenset(STATES)

# Numbers beyond this are treated as unusable (and could not even be turned into text
# by json on Python 3.11+ when they are huge).
_NUM_LIMIT = 2 ** 63

_EPOCH = datetime.datetime(1970, 1, 1)

_DATE_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?"
    r"[ ]?(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?\Z"
)
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")

# ---------------------------------------------------------------------------
# Small converters
# ---------------------------------------------------------------------------


def to_number(value) -> int | float | None:
    """Turn an int, float or numeric string into an int or float; anything else into None.

    Integral values become ints ("4.571424E+09" -> 4571424000); booleans, NaN,
    infinities, magnitudes of 2**63 and more, and junk give None.
    """
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 64 or "_" in text:
            return None
        try:
            return to_number(int(text))
        except ValueError:
            pass
        try:
            return to_number(float(text))
        except ValueError:
            return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value) if -_NUM_LIMIT < value < _NUM_LIMIT else None
    if isinstance(value, float):
        if math.isnan(value) or not -_NUM_LIMIT < value < _NUM_LIMIT:
            return None
        if value.is_integer():
            return int(value)
        return float(value)
    return None


def _int(value):
    """to_number, then an int (rounded) or None."""
    num = to_number(value)
    if num is None or isinstance(num, int):
        return num
    return int(round(num))


def _count(value):
    """A non-negative int (bytes, sizes) or None."""
    num = _int(value)
    if num is None or num < 0:
        return None
    return num


def _percent(value):
    """A percentage as an int 0..100 (truncated; '45%' allowed), or None."""
    if isinstance(value, str) and value.endswith("%"):
        value = value[:-1]
    num = to_number(value)
    if num is None or num < 0 or num > 100:
        return None
    return int(num)


def _job_id(value):
    """A job id as an int (ids of 2**63 and beyond, fractions and junk -> None)."""
    num = to_number(value)
    if isinstance(num, int):
        return num
    return None


def _text(value):
    """A non-empty stripped string, or None."""
    if isinstance(value, str):
        value = value.strip()
        if value:
            return value
    return None


def _vendor_word(value):
    """A vendor word as received, for vendor_state: null stays 'null'."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    return "invalid"


def _dict(value):
    """A dict; the first dict of a list (xmltodict repeats); else an empty dict."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                return item
    return {}


def _dicts(value):
    """A list of dicts from a dict (xmltodict single element) or a list (non-dicts dropped)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _first(*values):
    """The first value that is not None and not an empty string."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


@functools.lru_cache(maxsize=512)
def _norm_type_str(value):
    return _NON_ALNUM_RE.sub("_", value.lower()).strip("_") or None


def _norm_type(value):
    """'BACKUP_COPY' -> 'backup_copy', 'Aux Copy' -> 'aux_copy'; non-strings -> None."""
    if isinstance(value, str):
        return _norm_type_str(value)
    return None


# ---------------------------------------------------------------------------
# Times
# ---------------------------------------------------------------------------


def _format_dt(moment, millis):
    """'YYYY-MM-DDTHH:MM:SS[.fff]Z' from a naive UTC datetime and milliseconds."""
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    if millis:
        return "%s.%03dZ" % (text, millis)
    return text + "Z"


@functools.lru_cache(maxsize=4096)
def _parse_date_str(value):
    """(naive UTC datetime with microseconds, ISO text) for a NAKIVO date string, or None."""
    match = _DATE_RE.match(value.strip())
    if match is None:
        return None
    (year, month, day, hour, minute, second, fraction,
     zulu, sign, off_hours, off_minutes) = match.groups()
    millis = int(fraction[:3].ljust(3, "0")) if fraction else 0
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute),
                                   int(second or 0), millis * 1000)
        if sign and not zulu:
            off_h = int(off_hours)
            off_m = int(off_minutes or 0)
            if off_h > 23 or off_m > 59:
                return None
            offset = datetime.timedelta(hours=off_h, minutes=off_m)
            moment = moment - offset if sign == "+" else moment + offset
    except (ValueError, OverflowError):
        return None
    return moment, _format_dt(moment, millis)


def _parse_date(value):
    if isinstance(value, str) and len(value) < 64:
        return _parse_date_str(value)
    return None


def iso_utc(value) -> str | None:
    """A NAKIVO date string ('...Z', '...+07:00', '...+0700', with or without fractions) in UTC.

    Returns 'YYYY-MM-DDTHH:MM:SS[.fff]Z' (milliseconds only when not zero), or None for
    null and anything unparsable. A string without an offset is taken as UTC.
    """
    parsed = _parse_date(value)
    return parsed[1] if parsed else None


def _unix(value):
    """(naive UTC datetime, ISO text) from Unix seconds; 0, negatives and junk -> None."""
    num = to_number(value)
    if num is None or num <= 0:
        return None
    try:
        if isinstance(num, int):
            moment = _EPOCH + datetime.timedelta(seconds=num)
            millis = 0
        else:
            whole = int(num)
            millis = int(round((num - whole) * 1000))
            if millis >= 1000:
                whole, millis = whole + 1, 0
            moment = _EPOCH + datetime.timedelta(seconds=whole, milliseconds=millis)
    except (OverflowError, ValueError):
        return None
    return moment, _format_dt(moment, millis)


def unix_to_iso(value) -> str | None:
    """Unix seconds (int, float or numeric string) to 'YYYY-MM-DDTHH:MM:SS[.fff]Z'.

    0, '0', None, negatives, out-of-range values and junk give None.
    """
    parsed = _unix(value)
    return parsed[1] if parsed else None


def _seconds_between(start, end):
    """Seconds from one parsed time to another (int when whole), None when unusable."""
    if start is None or end is None or end[0] < start[0]:
        return None
    delta = end[0] - start[0]
    if delta.microseconds:
        return delta.total_seconds()
    return delta.days * 86400 + delta.seconds


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


def protects(record) -> bool:
    """True when the record's job is of a kind that protects what it names (PROTECTING_TYPES)."""
    return record.get("type") in PROTECTING_TYPES.get(record.get("platform"), ())


def _record(platform, job_id, name, job_type, state, vendor_state, progress, next_run_at,
            started_at, finished_at, duration_s, bytes_transferred, bytes_protected, objects, hosts,
            enabled, series, raw):
    return {
        "platform": platform,
        "id": job_id,
        "name": name,
        "type": job_type,
        "state": state,
        "active": state in ACTIVE_STATES,
        "vendor_state": vendor_state,
        "progress": progress,
        "next_run_at": next_run_at,
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_s": duration_s,
        "bytes_transferred": bytes_transferred,
        "bytes_protected": bytes_protected,
        "objects": objects,
        "hosts": hosts,
        "enabled": enabled,
        "series": series,
        "raw": raw,
    }


def summarize(records: list) -> dict:
    """The `summary` dict: {total, active, by_state (every state, 0 when none), all_idle, any_failed}.

    Records whose state is not a state word count as 'unknown'.
    """
    if not isinstance(records, (list, tuple)):
        raise ValueError("summarize() expects a list of job records, got %s" % type(records).__name__)
    by_state = dict.fromkeys(STATES, 0)
    active = 0
    for record in records:
        state = record.get("state") if isinstance(record, dict) else None
        if not isinstance(state, str) or state not in _STATE_SET:
            state = "unknown"
        by_state[state] += 1
        if state in ACTIVE_STATES:
            active += 1
    return {
        "total": len(records),
        "active": active,
        "by_state": by_state,
        "all_idle": active == 0,
        "any_failed": by_state["failed"] > 0,
    }


# ---------------------------------------------------------------------------
# NAKIVO
# ---------------------------------------------------------------------------

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
    """State word from getJobInfo crState, lrState and hasLastRun (see job-record.md)."""
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
    for obj in _dicts(value):
        name = _text(obj.get("sourceName")) or _text(obj.get("sourceVid")) or _text(obj.get("vid"))
        objects.append({"name": name, "state": _nk_object_state(obj, job_active), "finished_at": None})
        hosts.extend(n for n in (name, _text(obj.get("targetName"))) if n and n not in hosts)
    _nk_this_run(objects, raw, job_active)
    return objects, hosts


def _nk_next_run(schedules):
    earliest = None
    for schedule in _dicts(schedules):
        enabled = schedule.get("enabled")
        if enabled is not True and not (isinstance(enabled, str) and enabled.strip().lower() == "true"):
            continue
        parsed = _parse_date(schedule.get("nextRun"))
        if parsed is not None and (earliest is None or parsed[0] < earliest[0]):
            earliest = parsed
    return earliest[1] if earliest else None


def nakivo_record(raw: dict) -> dict:
    """One getJobInfo `data.children[]` item -> job record (platform 'nakivo'). raw kept as given."""
    if not isinstance(raw, dict):
        raise ValueError("a NAKIVO job must be a JSON object (dict), got %s" % type(raw).__name__)
    get = raw.get
    cr_state = get("crState")
    lr_state = get("lrState")
    state = nakivo_state(cr_state, lr_state, get("hasLastRun"))
    active = state in ACTIVE_STATES

    job_id = _job_id(get("id"))
    name = _text(get("name")) or _text(get("vid"))
    if name is None and job_id is not None:
        name = "job %d" % job_id

    duration = None
    if active:
        started = _parse_date(get("crDate"))
        finished = None
        progress = _percent(get("crProgress"))
    elif state == "never_run":
        started = finished = None
        progress = None
    else:
        started = _parse_date(get("lrDate"))
        finished = _parse_date(get("lrFinishDate"))
        duration_ms = to_number(get("lrDurationMs"))
        if duration_ms is not None and duration_ms >= 0:
            duration = duration_ms // 1000 if isinstance(duration_ms, int) and duration_ms % 1000 == 0 else duration_ms / 1000.0
        else:
            duration = _seconds_between(started, finished)
        progress = 100 if state in _COMPLETE_STATES else _percent(get("crProgress"))

    bytes_transferred = None
    if state != "never_run":
        data_kb = to_number(get("lrDataKb"))
        if data_kb is not None and data_kb >= 0:
            bytes_transferred = _count(data_kb * 1024)

    next_run_at = None
    if not _falsy_flag(get("isEnabled")):
        next_run_at = _nk_next_run(get("schedules"))
    enabled = _flag(get("isEnabled"))
    objects, hosts = _nk_objects(get("objects"), active, raw)

    return _record(
        "nakivo", job_id, name, _norm_type(get("jobType")), state,
        "%s/%s" % (_vendor_word(cr_state), _vendor_word(lr_state)),
        progress, next_run_at,
        started[1] if started else None,
        finished[1] if finished else None,
        duration,
        bytes_transferred,
        _count(get("sourcesSize")),
        objects, hosts, enabled,
        "job %d" % job_id if job_id is not None else name,
        raw,
    )


# ---------------------------------------------------------------------------
# Commvault
# ---------------------------------------------------------------------------

_CV_STATUS_WORDS = {
    "running": ("Running", "Running (cannot be verified)"),
    "queued": ("Waiting", "Pending", "Queued"),
    "paused": ("Suspend Pending", "Suspend", "Suspended"),
    "stopping": ("Kill Pending", "Interrupt Pending"),
    "succeeded": ("Completed",),
    "warning": ("Completed w/ one or more warnings", "Completed with one or more warnings",
                "Completed w/ one or more warning", "Completed with warnings"),
    "partial": ("Completed w/ one or more errors", "Completed with one or more errors",
                "Completed w/ one or more error", "Completed with errors", "Committed"),
    "failed": ("Failed", "Failed to Start", "Abnormal Terminated Cleanup"),
    "stopped": ("Killed", "Interrupted"),
    "unknown": ("Web Server Error",),
}


def _cv_key(value):
    return "".join(value.lower().split())


_CV_STATUS = {}
for _state, _words in _CV_STATUS_WORDS.items():
    for _word in _words:
        _CV_STATUS[_cv_key(_word)] = _state
del _state, _words, _word

_CV_VM_CODES = {0: "succeeded", 1: "failed", 2: "partial", 3: "running"}

_CV_WRAPPERS = ("JobManager_JobDetailResponse", "job", "jobDetail")
_CV_SECTIONS = ("generalInfo", "progressInfo", "detailInfo", "clientStatusInfo", "attemptsInfo")


@functools.lru_cache(maxsize=256)
def _cv_state_str(value):
    return _CV_STATUS.get(_cv_key(value), "unknown")


def commvault_state(status: str | None) -> str:
    """State word for a Commvault job status (case and spacing ignored); anything else 'unknown'."""
    if isinstance(status, str) and len(status) < 200:
        return _cv_state_str(status)
    return "unknown"


def _short(value):
    """A short, safe text for error messages."""
    if isinstance(value, str):
        return value[:200]
    if isinstance(value, int) and not isinstance(value, bool) and -_NUM_LIMIT < value < _NUM_LIMIT:
        return str(value)
    return type(value).__name__


def _cv_error(reply):
    """Raise ValueError when a Commvault reply is an error reply."""
    error = reply.get("error")
    errors = reply.get("errList")
    if isinstance(error, dict):
        errors = error.get("errList", errors)
        if errors is None:
            errors = [error]
    elif isinstance(error, str) and error.strip():
        raise ValueError("Commvault reply is an error: %s" % _short(error))
    for item in _dicts(errors):
        message = _text(item.get("errLogMessage")) or _text(item.get("errorMessage"))
        code = item.get("errorCode")
        if message or (code not in (None, "", 0, "0")):
            raise ValueError("Commvault reply is an error (errorCode %s): %s"
                             % (_short(code), _short(message or "no message")))


def _cv_unwrap(reply):
    """The jobDetail dict inside the accepted wrappings; ValueError when there is none."""
    if not isinstance(reply, dict):
        raise ValueError("a Commvault job detail must be a JSON object (dict), got %s" % type(reply).__name__)
    current = reply
    for _depth in range(6):
        if not isinstance(current, dict):
            break
        if any(key in current for key in _CV_SECTIONS):
            return current
        _cv_error(current)
        for key in _CV_WRAPPERS:
            if key in current:
                current = current[key]
                if isinstance(current, list):
                    dicts = _dicts(current)
                    if len(dicts) != 1:
                        raise ValueError("Commvault reply holds %d jobs under %r, expected one" % (len(dicts), key))
                    current = dicts[0]
                break
        else:
            return current
    if isinstance(current, dict):
        return current
    if current is None or current == "":
        raise ValueError("Commvault reply holds no job detail (unknown job id?)")
    raise ValueError("Commvault job detail must be a JSON object (dict), got %s" % type(current).__name__)


def _cv_name(subclient, job_id):
    client = _text(subclient.get("clientName"))
    display = _text(subclient.get("displayName"))
    sub = _text(subclient.get("subclientName"))
    if sub and (client or display):
        return "%s/%s" % (client or display, sub)
    if display or client:
        return display or client
    if job_id is not None:
        return "job %d" % job_id
    return None


def _cv_series(subclient):
    """What one run backs up as a whole, so that a newer run of it replaces an older one."""
    keys = ("clientName", "appName", "instanceName", "backupsetName", "subclientName")
    parts = [_text(subclient.get(key)) or "" for key in keys]
    return "/".join(parts) if any(parts) else None


def _cv_dest_client(*sections):
    """A restore's destination client, from the listing (destClientName) or JobDetails (destClient...)."""
    for section in sections:
        for key in ("destClientName", "destinationClientName"):
            if _text(section.get(key)):
                return _text(section[key])
        for key in ("destClient", "destinationClient"):
            name = _text(_dict(section.get(key)).get("clientName"))
            if name:
                return name
    return None


def _cv_vm_this_run(vm, started):
    """A VM entry is this run's when it started or ended at or after the job's start; None when it has no times."""
    times = [t for t in (_unix(vm.get("BackupStartTime")), _unix(vm.get("BackupEndTime"))) if t is not None]
    if not times or started is None:
        return None
    return max(t[0] for t in times) >= started[0]


def _cv_objects(client_status, subclient, state, active, finished_at, started, dest_client):
    vms = _dicts(client_status.get("vmStatus")) if client_status else []
    if not vms:
        name = dest_client or _text(subclient.get("clientName")) or _text(subclient.get("displayName"))
        if name is None:
            return []
        return [{"name": name, "state": state, "finished_at": finished_at, "this_run": True}]
    objects = []
    for vm in vms:
        end = _unix(vm.get("BackupEndTime"))
        if active and end is None:
            vm_state = "running"
        else:
            code = vm.get("Status")
            num = to_number(code)
            if num is not None:
                vm_state = _CV_VM_CODES.get(num, "unknown")
            else:
                vm_state = commvault_state(code)
        objects.append({
            "name": _text(vm.get("vmName")),
            "state": vm_state,
            "finished_at": end[1] if end else None,
            "this_run": True if active else _cv_vm_this_run(vm, started),
        })
    return objects


def _cv_bytes(*sections):
    for section in sections:
        for key in ("dataXferedNetwork", "dataWritten"):
            value = _count(section.get(key))
            if value is not None:
                return value
    return None


def _cv_build(job_id, status, subclient, job_type, started, finished, elapsed, percent,
              bytes_transferred, bytes_protected, client_status, dest_client, raw):
    state = commvault_state(status) if status is not None else "unknown"
    active = state in ACTIVE_STATES
    if active:
        finished = None
        duration = to_number(elapsed)
        if duration is not None and duration < 0:
            duration = None
        progress = _percent(percent)
    else:
        duration = _seconds_between(started, finished)
        progress = 100 if state in _COMPLETE_STATES else _percent(percent)
    finished_at = finished[1] if finished else None
    client = _text(subclient.get("clientName"))
    kind = _norm_type(job_type)
    if kind in PROTECTING_TYPES["commvault"] or (dest_client and client and dest_client.lower() == client.lower()):
        dest_client = None  # a backup's destination fields name no other host; an in-place restore touches its client
    # A restore elsewhere reads the client's backup from the media, not the client: it touches only the destination.
    if dest_client:
        client = None
    objects = _cv_objects(client_status, subclient, state, active, finished_at, started, dest_client)
    hosts = []
    for name in [client, dest_client] + [obj["name"] for obj in objects]:
        if name and name not in hosts:
            hosts.append(name)
    return _record(
        "commvault", job_id, _cv_name(subclient, job_id), kind, state,
        status, progress, None,
        started[1] if started else None,
        finished_at,
        duration,
        bytes_transferred,
        bytes_protected,
        objects, hosts, None, _cv_series(subclient),
        raw,
    )


def commvault_record(job_detail: dict, summary: dict | None = None) -> dict:
    """A JobDetails `jobDetail` dict (JSON, or XML parsed by xmltodict with attr_prefix='') -> job record.

    Also accepts {'jobDetail': ...}, {'job': {'jobDetail': ...}} and
    {'JobManager_JobDetailResponse': {'job': {'jobDetail': ...}}}. `summary`, optional, is the
    same job's `GET /Job` jobSummary: its status is used when progressInfo.state is missing,
    its other fields fill gaps. Raises ValueError for error replies and non-dict input.
    """
    if isinstance(job_detail, dict) and "jobSummary" in job_detail and not any(
            key in job_detail for key in _CV_WRAPPERS + _CV_SECTIONS):
        return commvault_summary_record(job_detail)
    detail = _cv_unwrap(job_detail)
    summ = _dict(summary)
    if "jobSummary" in summ:
        summ = _dict(summ["jobSummary"])
    general = _dict(detail.get("generalInfo"))
    progress_info = _dict(detail.get("progressInfo"))
    detail_info = _dict(detail.get("detailInfo"))
    subclient = _dict(general.get("subclient")) or _dict(summ.get("subclient"))

    status = None
    for section, key in ((progress_info, "state"), (summ, "status"), (detail, "status"), (general, "status"),
                         (general, "jobStatus"), (detail_info, "status"), (detail_info, "state")):
        value = section.get(key)
        if isinstance(value, str) and value.strip():
            status = value
            break

    job_id = _job_id(_first(general.get("jobId"), detail.get("jobId"), summ.get("jobId")))
    started = (_unix(general.get("startTime")) or _unix(detail_info.get("startTime"))
               or _unix(summ.get("jobStartTime")))
    finished = _unix(detail_info.get("endTime")) or _unix(summ.get("jobEndTime"))
    return _cv_build(
        job_id, status, subclient,
        _first(_text(general.get("operationType")), _text(general.get("jobType")), _text(summ.get("jobType"))),
        started, finished,
        _first(progress_info.get("elapsedTime"), summ.get("jobElapsedTime")),
        _first(progress_info.get("percentComplete"), summ.get("percentComplete")),
        _cv_bytes(detail_info) if detail_info else _cv_bytes(summ),
        _first(_count(detail_info.get("sizeOfApplication")), _count(progress_info.get("sizeOfApplication")),
               _count(summ.get("sizeOfApplication"))),
        _dict(detail.get("clientStatusInfo")),
        _cv_dest_client(general, detail, summ),
        job_detail,
    )


def commvault_summary_record(job_summary: dict) -> dict:
    """A `GET /Job` listing `jobSummary` item (or {'jobSummary': ...}) -> job record.

    Same keys as commvault_record; the objects come from subclient.clientName.
    """
    if not isinstance(job_summary, dict):
        raise ValueError("a Commvault job summary must be a JSON object (dict), got %s" % type(job_summary).__name__)
    summ = job_summary
    if "jobSummary" in summ:
        summ = summ["jobSummary"]
        if isinstance(summ, list):
            dicts = _dicts(summ)
            summ = dicts[0] if len(dicts) == 1 else None
        if not isinstance(summ, dict):
            raise ValueError("Commvault jobSummary must be a JSON object (dict), got %s" % type(summ).__name__)
    status = summ.get("status")
    if not (isinstance(status, str) and status.strip()):
        status = None
    return _cv_build(
        _job_id(summ.get("jobId")), status, _dict(summ.get("subclient")),
        _first(_text(summ.get("jobType")), _text(summ.get("operationType"))),
        _unix(summ.get("jobStartTime")), _unix(summ.get("jobEndTime")),
        summ.get("jobElapsedTime"), summ.get("percentComplete"),
        _cv_bytes(summ), _count(summ.get("sizeOfApplication")),
        None, _cv_dest_client(summ), job_summary,
    )
