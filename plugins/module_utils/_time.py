# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Times as both vendors send them, and as the record and the gate show them: all UTC.

Private to the backupops.jobs collection: not a public API, it may change at any time.
NAKIVO sends ISO 8601 with Z, +hh:mm, +hhmm or no zone; Commvault sends Unix seconds.
"""

from __future__ import annotations

import datetime
import functools
import re

from ansible_collections.backupops.jobs.plugins.module_utils._record import to_number

_EPOCH = datetime.datetime(1970, 1, 1)
_UTC = datetime.timezone.utc
_DATE_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?"
    r"[ ]?(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?\Z"
)


def _format(moment, millis):
    """'YYYY-MM-DDTHH:MM:SS[.fff]Z' from a naive UTC datetime and milliseconds."""
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    if millis:
        return "%s.%03dZ" % (text, millis)
    return text + "Z"


@functools.lru_cache(maxsize=4096)
def _iso_moment_str(value):
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
    return moment, _format(moment, millis)


def iso_moment(value):
    """(naive UTC datetime, ISO text) for an ISO 8601 string, or None."""
    if isinstance(value, str) and len(value) < 64:
        return _iso_moment_str(value)
    return None


def iso_utc(value) -> str | None:
    """A NAKIVO date string ('...Z', '...+07:00', '...+0700', with or without fractions) in UTC.

    Returns 'YYYY-MM-DDTHH:MM:SS[.fff]Z' (milliseconds only when not zero), or None for
    null and anything unparsable. A string without an offset is taken as UTC.
    """
    parsed = iso_moment(value)
    return parsed[1] if parsed else None


def unix_moment(value):
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
    return moment, _format(moment, millis)


def unix_to_iso(value) -> str | None:
    """Unix seconds (int, float or numeric string) to 'YYYY-MM-DDTHH:MM:SS[.fff]Z'.

    0, '0', None, negatives, out-of-range values and junk give None.
    """
    parsed = unix_moment(value)
    return parsed[1] if parsed else None


def seconds_between(start, end):
    """Seconds from one parsed time to another (int when whole), None when unusable."""
    if start is None or end is None or end[0] < start[0]:
        return None
    delta = end[0] - start[0]
    if delta.microseconds:
        return delta.total_seconds()
    return delta.days * 86400 + delta.seconds


def utc_datetime(value):
    """An aware UTC datetime from an ISO 8601 string or a datetime (naive = UTC), or None."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_UTC)
    parsed = iso_moment(value)
    return parsed[0].replace(tzinfo=_UTC) if parsed else None


def show_time(value):
    """'2026-12-01 19:40 UTC' for the operator, or the value as it came when it is not a time."""
    moment = utc_datetime(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else str(value)
