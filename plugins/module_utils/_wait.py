# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting until selected jobs are idle, shared by job_info and job_detail.

Private to the backupops.jobs collection: not a public API, it may change at any time.
"""

from __future__ import annotations

import time

WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="float", default=3600),
    wait_sleep=dict(type="float", default=10),
)


def wait_until_idle(poll, timeout, sleep, clock=time.monotonic, sleeper=time.sleep, records=None):
    """Call ``poll()`` (→ job records) until no record is active or ``timeout`` seconds have passed.

    Returns ``(records, waited_seconds, timed_out)`` with the records as last seen. ``records``, the
    records just read, stand for the first poll; without them the first poll happens at once. The
    last poll is never later than the timeout.
    """
    started = clock()
    records = poll() if records is None else records
    while any(record["active"] for record in records):
        remaining = timeout - (clock() - started)
        if remaining <= 0:
            return records, round(clock() - started, 3), True
        sleeper(min(sleep, remaining))
        records = poll()
    return records, round(clock() - started, 3), False


def check_wait_options(params):
    """An error message for wait options that cannot work, or None."""
    if params["wait_timeout"] < 0:
        return "wait_timeout must be 0 or more seconds, got %s." % params["wait_timeout"]
    if params["wait_sleep"] <= 0:
        return "wait_sleep must be more than 0 seconds, got %s." % params["wait_sleep"]
    return None


def timeout_message(records, waited):
    """One sentence naming every job still active, its state and progress."""
    active = [record for record in records if record["active"]]
    described = ", ".join("%r (id %s) %s%s" % (record["name"], record["id"], record["state"],
                                               " %s%%" % record["progress"] if record.get("progress") is not None else "")
                          for record in active)
    return "Timed out after %ss waiting for %d job(s) to finish: %s." % (int(waited), len(active), described)
