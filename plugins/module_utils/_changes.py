# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed between two polls of the same job selection, for any vendor: runs started and runs finished.

Private to the backupops.jobs collection: not a public API, it may change at any time.
Used by the event source ``backupops.jobs.job_events``; knows nothing of HTTP, vendors' replies or ansible.
Works on job records (docs/job-record.md): ``id``, ``state``, ``active``, ``started_at``, ``finished_at``, ``hosts``.
"""

from __future__ import annotations

import datetime

from ansible_collections.backupops.jobs.plugins.module_utils._time import utc_datetime

STARTED = "started"
FINISHED = "finished"


class Change:
    """One event to emit: ``kind`` (started or finished), the state seen before it (None at start), the record now."""

    __slots__ = ("kind", "previous_state", "record")

    def __init__(self, kind, previous_state, record):
        self.kind = kind
        self.previous_state = previous_state
        self.record = record

    def __repr__(self):
        return "Change(%s, job %s, %s -> %s)" % (self.kind, self.record.get("id"), self.previous_state, self.record.get("state"))


class _Seen:
    """What one job looked like at the last poll, and which of its runs have had their event."""

    __slots__ = ("active", "state", "run", "started_run", "finished_run")

    def __init__(self, record, run):
        self.active = bool(record.get("active"))
        self.state = record.get("state")
        self.run = run
        self.started_run = self.run if self.active else None
        self.finished_run = None if self.active else self.run


def run_of(record):
    """Which run a record shows: its start, or its finish where the vendor gives no start; None when it never ran."""
    return record.get("started_at") or record.get("finished_at") or None


def _has_run(record, run):
    return record.get("state") != "never_run" and run is not None


class JobChanges:
    """Compares each poll's records with the last: ``changes(records)`` is the list of Change to emit, in order.

    The first call is the start: with ``emit_initial`` every job found active gives ``started`` and every job
    that has run gives ``finished``; with ``lookback`` (seconds) a run that finished within that long gives
    ``finished``; otherwise the start gives nothing. After that: a job that becomes active gives ``started``;
    a run that ends gives ``finished``, also one that started and ended between two polls (its start or finish
    changed). A run's finish is never reported twice. ``ids_are_runs`` (Commvault: each run has its own id):
    a new id that is already finished is a run missed between polls and gives ``finished``; otherwise a job
    first seen idle gives ``finished`` only when its run ended after the previous poll.
    """

    def __init__(self, emit_initial=False, lookback=0, ids_are_runs=False, now=None):
        self.emit_initial = emit_initial
        self.lookback = lookback
        self.ids_are_runs = ids_are_runs
        self._now = now or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self._seen = None
        self._last_poll = None

    @property
    def tracked(self):
        """How many jobs the last poll showed."""
        return len(self._seen or {})

    def changes(self, records):
        """The changes since the last call (the start's events on the first), in the order of ``records``."""
        now = self._now()
        records = [record for record in records if record.get("id") is not None]
        if self._seen is None:
            found = self._start(records, now)
        else:
            found = self._compare(records)
        self._last_poll = now
        return found

    def _start(self, records, now):
        self._seen = {}
        found = []
        since = now - datetime.timedelta(seconds=self.lookback) if self.lookback else None
        for record in records:
            seen = self._seen[record["id"]] = _Seen(record, self._run(record))
            if seen.active:
                if self.emit_initial:
                    found.append(Change(STARTED, None, record))
            elif _has_run(record, seen.run) and (self.emit_initial or _finished_since(record, since)):
                found.append(Change(FINISHED, None, record))
        return found

    def _compare(self, records):
        found = []
        current = {}
        for record in records:
            job_id = record["id"]
            seen = self._seen.get(job_id)
            current[job_id] = now_seen = _Seen(record, self._run(record))
            if seen is None:
                found.extend(self._first_seen(record, now_seen))
                continue
            now_seen.started_run, now_seen.finished_run = seen.started_run, seen.finished_run
            run = now_seen.run
            if now_seen.active and (not seen.active or run != seen.run) and run != seen.started_run:
                found.append(Change(STARTED, seen.state, record))
                now_seen.started_run = run
            elif not now_seen.active and _has_run(record, run) and (seen.active or run != seen.run) and run != seen.finished_run:
                found.append(Change(FINISHED, seen.state, record))
                now_seen.finished_run = run
        # A job no longer selected (deleted, or a finished run out of the listing's window) is forgotten.
        self._seen = current
        return found

    def _run(self, record):
        # Where each run has its own id, the id is the run, whether or not its start is known yet.
        return record["id"] if self.ids_are_runs else run_of(record)

    def _first_seen(self, record, now_seen):
        if now_seen.active:
            return [Change(STARTED, None, record)]
        if _has_run(record, now_seen.run) and (self.ids_are_runs or _finished_since(record, self._last_poll)):
            return [Change(FINISHED, None, record)]
        return []


def _finished_since(record, since):
    if since is None:
        return False
    finished = utc_datetime(record.get("finished_at"))
    return finished is not None and finished >= since


def job_event(platform, change):
    """The event of one change: ``{"backupops": {platform, change, previous_state, job}, "meta": {"hosts": [...]}}``.

    ``job`` is the record without ``raw``; ``meta.hosts`` the hosts the job touches, which ansible-rulebook's
    run_playbook uses as its host limit.
    """
    job = {key: value for key, value in change.record.items() if key != "raw"}
    return {
        "backupops": {"platform": platform, "change": change.kind, "previous_state": change.previous_state, "job": job},
        "meta": {"hosts": list(job.get("hosts") or [])},
    }
