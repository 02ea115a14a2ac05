# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The common job record both vendors map to: its states, keys, small converters and the summary.

Private to the backupops.jobs collection: not a public API, it may change at any time.
The contract is docs/job-record.md. Pure functions, standard library only, no I/O.
"""

from __future__ import annotations

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

COMPLETE_STATES = frozenset(("succeeded", "warning", "partial"))
_STATE_SET = frozenset(STATES)

# Numbers beyond this are treated as unusable (and could not even be turned into text
# by json on Python 3.11+ when they are huge).
NUM_LIMIT = 2 ** 63


_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


class RecordError(ValueError):
    """A vendor reply that cannot be read as a job record: raised on purpose, the server's fault, not ours."""


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
        return int(value) if -NUM_LIMIT < value < NUM_LIMIT else None
    if isinstance(value, float):
        if math.isnan(value) or not -NUM_LIMIT < value < NUM_LIMIT:
            return None
        if value.is_integer():
            return int(value)
        return float(value)
    return None


def to_int(value):
    """to_number, then an int (rounded) or None."""
    num = to_number(value)
    if num is None or isinstance(num, int):
        return num
    return int(round(num))


def to_count(value):
    """A non-negative int (bytes, sizes) or None."""
    num = to_int(value)
    if num is None or num < 0:
        return None
    return num


def to_percent(value):
    """A percentage as an int 0..100 (truncated; '45%' allowed), or None."""
    if isinstance(value, str) and value.endswith("%"):
        value = value[:-1]
    num = to_number(value)
    if num is None or num < 0 or num > 100:
        return None
    return int(num)


def to_job_id(value):
    """A job id as an int (ids of 2**63 and beyond, fractions and junk -> None)."""
    num = to_number(value)
    if isinstance(num, int):
        return num
    return None


def to_text(value):
    """A non-empty stripped string, or None."""
    if isinstance(value, str):
        value = value.strip()
        if value:
            return value
    return None


def vendor_word(value):
    """A vendor word as received, for vendor_state: null stays 'null'."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    return "invalid"


def as_dict(value):
    """A dict; the first dict of a list (xmltodict repeats); else an empty dict."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                return item
    return {}


def as_dicts(value):
    """A list of dicts from a dict (xmltodict single element) or a list (non-dicts dropped)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def first_of(*values):
    """The first value that is not None and not an empty string."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


@functools.lru_cache(maxsize=512)
def _norm_type_str(value):
    return _NON_ALNUM_RE.sub("_", value.lower()).strip("_") or None


def norm_type(value):
    """'BACKUP_COPY' -> 'backup_copy', 'Aux Copy' -> 'aux_copy'; non-strings -> None."""
    if isinstance(value, str):
        return _norm_type_str(value)
    return None


def protects(record) -> bool:
    """True when the record's job is of a kind that protects what it names (PROTECTING_TYPES)."""
    return record.get("type") in PROTECTING_TYPES.get(record.get("platform"), ())


def make_record(platform, job_id, name, job_type, state, vendor_state, progress, next_run_at,
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
