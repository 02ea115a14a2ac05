# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commvault JobDetails and job listings to the common job record (docs/job-record.md), and the envelopes
and error replies of the Web Server, read in one place for the client and the records.

Private to the backupops.jobs collection: not a public API, it may change at any time.
Pure functions, standard library only, no I/O.
"""

from __future__ import annotations

import functools

from ansible_collections.backupops.jobs.plugins.module_utils._record import ACTIVE_STATES, COMPLETE_STATES, NUM_LIMIT, PROTECTING_TYPES, RecordError
from ansible_collections.backupops.jobs.plugins.module_utils._record import as_dict, as_dicts, first_of, make_record, norm_type
from ansible_collections.backupops.jobs.plugins.module_utils._record import to_count, to_job_id, to_number, to_percent, to_text
from ansible_collections.backupops.jobs.plugins.module_utils._time import seconds_between, unix_moment

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
    if isinstance(value, int) and not isinstance(value, bool) and -NUM_LIMIT < value < NUM_LIMIT:
        return str(value)
    return type(value).__name__


def error_message(doc):
    """The server's error words in a reply (errList, error.errList, error as text, errorCode/errorMessage), or None."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("error"), str) and doc["error"].strip():
        return _short(doc["error"])
    for holder in (doc, doc.get("error"), doc.get("response")):
        if not isinstance(holder, dict):
            continue
        for item in as_dicts(holder.get("errList")):
            message = to_text(item.get("errLogMessage")) or to_text(item.get("errorMessage"))
            if message or str(item.get("errorCode", "0")) not in ("0", ""):
                return "%s (errorCode %s)" % (_short(message or "no message"), _short(item.get("errorCode", "?")))
        code = str(holder.get("errorCode", "0"))
        if code not in ("0", "", "None") or to_text(holder.get("errorMessage")):
            message = to_text(holder.get("errorMessage")) or to_text(holder.get("errLogMessage")) or "no message"
            return "%s (errorCode %s)" % (_short(message), _short(code))
    return None


def unwrap(doc, root):
    """The dict under ``root`` where the reply wraps itself in it (XML roots, some JSON replies), else the reply."""
    return doc[root] if isinstance(doc, dict) and isinstance(doc.get(root), dict) else (doc if isinstance(doc, dict) else {})


def job_detail_of(doc):
    """(jobDetail, None) from a JobDetails reply, or (None, the server's words) when it holds no job."""
    doc = unwrap(doc, "JobManager_JobDetailResponse")
    job = doc.get("job") if isinstance(doc, dict) else None
    detail = job.get("jobDetail") if isinstance(job, dict) else None
    if isinstance(detail, dict) and detail:
        return detail, None
    return None, error_message(doc)


def _cv_error(reply):
    """Raise RecordError when a Commvault reply is an error reply."""
    why = error_message(reply)
    if why:
        raise RecordError("Commvault reply is an error: %s" % why)


def _cv_unwrap(reply):
    """The jobDetail dict inside the accepted wrappings; RecordError when there is none."""
    if not isinstance(reply, dict):
        raise RecordError("a Commvault job detail must be a JSON object (dict), got %s" % type(reply).__name__)
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
                    dicts = as_dicts(current)
                    if len(dicts) != 1:
                        raise RecordError("Commvault reply holds %d jobs under %r, expected one" % (len(dicts), key))
                    current = dicts[0]
                break
        else:
            return current
    if isinstance(current, dict):
        return current
    if current is None or current == "":
        raise RecordError("Commvault reply holds no job detail (unknown job id?)")
    raise RecordError("Commvault job detail must be a JSON object (dict), got %s" % type(current).__name__)


def _cv_name(subclient, job_id):
    client = to_text(subclient.get("clientName"))
    display = to_text(subclient.get("displayName"))
    sub = to_text(subclient.get("subclientName"))
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
    parts = [to_text(subclient.get(key)) or "" for key in keys]
    return "/".join(parts) if any(parts) else None


def _cv_dest_client(*sections):
    """A restore's destination client, from the listing (destClientName) or JobDetails (destClient...)."""
    for section in sections:
        for key in ("destClientName", "destinationClientName"):
            if to_text(section.get(key)):
                return to_text(section[key])
        for key in ("destClient", "destinationClient"):
            name = to_text(as_dict(section.get(key)).get("clientName"))
            if name:
                return name
    return None


def _cv_vm_this_run(vm, started):
    """A VM entry is this run's when it started or ended at or after the job's start; None when it has no times."""
    times = [t for t in (unix_moment(vm.get("BackupStartTime")), unix_moment(vm.get("BackupEndTime"))) if t is not None]
    if not times or started is None:
        return None
    return max(t[0] for t in times) >= started[0]


def _cv_objects(client_status, subclient, state, active, finished_at, started, dest_client):
    vms = as_dicts(client_status.get("vmStatus")) if client_status else []
    if not vms:
        name = dest_client or to_text(subclient.get("clientName")) or to_text(subclient.get("displayName"))
        if name is None:
            return []
        return [{"name": name, "state": state, "finished_at": finished_at, "this_run": True}]
    objects = []
    for vm in vms:
        end = unix_moment(vm.get("BackupEndTime"))
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
            "name": to_text(vm.get("vmName")),
            "state": vm_state,
            "finished_at": end[1] if end else None,
            "this_run": True if active else _cv_vm_this_run(vm, started),
        })
    return objects


def _cv_bytes(*sections):
    for section in sections:
        for key in ("dataXferedNetwork", "dataWritten"):
            value = to_count(section.get(key))
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
        progress = to_percent(percent)
    else:
        duration = seconds_between(started, finished)
        progress = 100 if state in COMPLETE_STATES else to_percent(percent)
    finished_at = finished[1] if finished else None
    client = to_text(subclient.get("clientName"))
    kind = norm_type(job_type)
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
    return make_record(
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
    its other fields fill gaps. Raises RecordError for error replies and non-dict input.
    """
    if isinstance(job_detail, dict) and "jobSummary" in job_detail and not any(
            key in job_detail for key in _CV_WRAPPERS + _CV_SECTIONS):
        return commvault_summary_record(job_detail)
    detail = _cv_unwrap(job_detail)
    summ = as_dict(summary)
    if "jobSummary" in summ:
        summ = as_dict(summ["jobSummary"])
    general = as_dict(detail.get("generalInfo"))
    progress_info = as_dict(detail.get("progressInfo"))
    detail_info = as_dict(detail.get("detailInfo"))
    subclient = as_dict(general.get("subclient")) or as_dict(summ.get("subclient"))

    status = None
    for section, key in ((progress_info, "state"), (summ, "status"), (detail, "status"), (general, "status"),
                         (general, "jobStatus"), (detail_info, "status"), (detail_info, "state")):
        value = section.get(key)
        if isinstance(value, str) and value.strip():
            status = value
            break

    job_id = to_job_id(first_of(general.get("jobId"), detail.get("jobId"), summ.get("jobId")))
    started = (unix_moment(general.get("startTime")) or unix_moment(detail_info.get("startTime"))
               or unix_moment(summ.get("jobStartTime")))
    finished = unix_moment(detail_info.get("endTime")) or unix_moment(summ.get("jobEndTime"))
    return _cv_build(
        job_id, status, subclient,
        first_of(to_text(general.get("operationType")), to_text(general.get("jobType")), to_text(summ.get("jobType"))),
        started, finished,
        first_of(progress_info.get("elapsedTime"), summ.get("jobElapsedTime")),
        first_of(progress_info.get("percentComplete"), summ.get("percentComplete")),
        _cv_bytes(detail_info) if detail_info else _cv_bytes(summ),
        first_of(to_count(detail_info.get("sizeOfApplication")), to_count(progress_info.get("sizeOfApplication")),
                 to_count(summ.get("sizeOfApplication"))),
        as_dict(detail.get("clientStatusInfo")),
        _cv_dest_client(general, detail, summ),
        job_detail,
    )


def commvault_summary_record(job_summary: dict) -> dict:
    """A `GET /Job` listing `jobSummary` item (or {'jobSummary': ...}) -> job record.

    Same keys as commvault_record; the objects come from subclient.clientName.
    """
    if not isinstance(job_summary, dict):
        raise RecordError("a Commvault job summary must be a JSON object (dict), got %s" % type(job_summary).__name__)
    summ = job_summary
    if "jobSummary" in summ:
        summ = summ["jobSummary"]
        if isinstance(summ, list):
            dicts = as_dicts(summ)
            summ = dicts[0] if len(dicts) == 1 else None
        if not isinstance(summ, dict):
            raise RecordError("Commvault jobSummary must be a JSON object (dict), got %s" % type(summ).__name__)
    status = summ.get("status")
    if not (isinstance(status, str) and status.strip()):
        status = None
    return _cv_build(
        to_job_id(summ.get("jobId")), status, as_dict(summ.get("subclient")),
        first_of(to_text(summ.get("jobType")), to_text(summ.get("operationType"))),
        unix_moment(summ.get("jobStartTime")), unix_moment(summ.get("jobEndTime")),
        summ.get("jobElapsedTime"), summ.get("percentComplete"),
        _cv_bytes(summ), to_count(summ.get("sizeOfApplication")),
        None, _cv_dest_client(summ), job_summary,
    )
