# -*- coding: utf-8 -*-
"""The shared wait loop, on a fake clock: no real sleeping."""

from __future__ import annotations

from ansible_collections.backupops.jobs.plugins.module_utils._wait import check_wait_options, timeout_message, wait_until_idle


class Clock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def job(active, state="running", progress=50, name="Backup web", job_id=1):
    return dict(active=active, state=state, progress=progress, name=name, id=job_id)


def test_returns_at_once_when_idle():
    clock = Clock()
    polls = []
    records, waited, timed_out = wait_until_idle(lambda: polls.append(1) or [job(False, "succeeded")], 60, 10, clock, clock.sleep)
    assert (len(polls), waited, timed_out, clock.sleeps) == (1, 0, False, [])
    assert records[0]["state"] == "succeeded"


def test_polls_until_the_job_finishes():
    clock = Clock()
    answers = [[job(True)], [job(True)], [job(False, "succeeded")]]
    records, waited, timed_out = wait_until_idle(lambda: answers.pop(0), 60, 10, clock, clock.sleep)
    assert (waited, timed_out, clock.sleeps) == (20, False, [10, 10])
    assert records[0]["state"] == "succeeded"


def test_times_out_with_the_last_records_and_never_sleeps_past_the_timeout():
    clock = Clock()
    seen = []

    def poll():
        seen.append(clock.now)
        return [job(True, progress=len(seen))]

    records, waited, timed_out = wait_until_idle(poll, 25, 10, clock, clock.sleep)
    assert timed_out is True
    assert waited == 25
    assert clock.sleeps == [10, 10, 5]
    assert records[0]["progress"] == 4          # the last poll's, not the first
    assert seen[-1] == 125                      # polled once more at the deadline


def test_zero_timeout_polls_once():
    clock = Clock()
    records, waited, timed_out = wait_until_idle(lambda: [job(True)], 0, 10, clock, clock.sleep)
    assert (waited, timed_out, clock.sleeps, len(records)) == (0, True, [], 1)


def test_timeout_message_names_each_active_job_with_state_and_progress():
    message = timeout_message([job(True, "running", 45, "Backup web", 3), job(False, "failed", None, "Old", 4),
                               job(True, "queued", None, "Replicate db", 7)], 60.4)
    assert message == ("Timed out after 60s waiting for 2 job(s) to finish: 'Backup web' (id 3) running 45%, "
                       "'Replicate db' (id 7) queued.")


def test_wait_options_are_checked():
    assert check_wait_options(dict(wait_timeout=-1, wait_sleep=1)).startswith("wait_timeout must be")
    assert check_wait_options(dict(wait_timeout=10, wait_sleep=0)).startswith("wait_sleep must be")
    assert check_wait_options(dict(wait_timeout=0, wait_sleep=0.5)) is None
