"""Change detection between polls (_changes.JobChanges) and the event's shape (job_event), on plain job records."""

from __future__ import annotations

import datetime

from ansible_collections.backupops.jobs.plugins.module_utils._changes import JobChanges, job_event

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)


def at(minutes):
    return (NOW + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def job(job_id=1, state="succeeded", started=-60, finished=-50, hosts=("web01",)):
    active = state in ("running", "queued", "paused", "stopping")
    return {"id": job_id, "state": state, "active": active, "started_at": at(started) if started is not None else None,
            "finished_at": None if active or finished is None else at(finished), "hosts": list(hosts), "raw": {"x": 1}}


def kinds(changes):
    return [(c.kind, c.previous_state, c.record["id"], c.record["state"]) for c in changes]


def tracker(**options):
    return JobChanges(now=lambda: NOW, **options)


def test_the_start_gives_nothing_then_a_start_and_a_finish_give_one_event_each():
    changes = tracker()
    assert changes.changes([job()]) == []
    assert kinds(changes.changes([job(state="running", started=1)])) == [("started", "succeeded", 1, "running")]
    assert kinds(changes.changes([job(state="running", started=1)])) == []
    assert kinds(changes.changes([job(state="failed", started=1, finished=2)])) == [("finished", "running", 1, "failed")]
    assert changes.changes([job(state="failed", started=1, finished=2)]) == []


def test_a_run_between_two_polls_is_finished_once_whether_its_start_or_only_its_finish_moved():
    changes = tracker()
    changes.changes([job(), job(2, started=None, finished=-50)])
    found = changes.changes([job(state="failed", started=1, finished=2), job(2, started=None, finished=3)])
    assert kinds(found) == [("finished", "succeeded", 1, "failed"), ("finished", "succeeded", 2, "succeeded")]
    assert changes.changes([job(state="failed", started=1, finished=2), job(2, started=None, finished=3)]) == []


def test_a_run_seen_ending_twice_is_finished_once():
    """The server shows the same run idle, running, idle again: one start, one finish."""
    changes = tracker()
    changes.changes([job(state="running", started=1)])
    assert kinds(changes.changes([job(state="succeeded", started=1, finished=2)])) == [("finished", "running", 1, "succeeded")]
    assert changes.changes([job(state="running", started=1)]) == []
    assert changes.changes([job(state="succeeded", started=1, finished=3)]) == []


def test_a_job_running_at_start_reports_its_finish_but_not_its_start():
    changes = tracker()
    assert changes.changes([job(state="running", started=-1)]) == []
    assert kinds(changes.changes([job(started=-1, finished=1)])) == [("finished", "running", 1, "succeeded")]


def test_emit_initial_reports_every_active_job_and_every_job_that_has_run():
    changes = tracker(emit_initial=True)
    never_run = job(3, state="never_run", started=None, finished=None)
    found = changes.changes([job(1, state="running", started=-1), job(2, state="failed"), never_run])
    assert kinds(found) == [("started", None, 1, "running"), ("finished", None, 2, "failed")]
    assert changes.changes([job(1, state="running", started=-1), job(2, state="failed")]) == []


def test_lookback_reports_only_runs_that_finished_within_it_once():
    changes = tracker(lookback=3600)
    found = changes.changes([job(1, finished=-30), job(2, started=-200, finished=-120), job(3, state="running", started=-5)])
    assert kinds(found) == [("finished", None, 1, "succeeded")]
    assert changes.changes([job(1, finished=-30), job(2, started=-200, finished=-120)]) == []


def test_a_new_run_id_already_finished_is_a_missed_run_and_a_new_idle_job_is_not():
    runs = tracker(ids_are_runs=True)
    runs.changes([job(10)])
    found = runs.changes([job(10), job(11, state="running", started=1), job(12, state="failed", started=1, finished=2)])
    assert kinds(found) == [("started", None, 11, "running"), ("finished", None, 12, "failed")]
    jobs = tracker()
    jobs.changes([job(1)])
    assert jobs.changes([job(1), job(2, finished=-30)]) == []
    assert kinds(jobs.changes([job(1), job(2, finished=-30), job(3, started=-1, finished=1)])) == [("finished", None, 3, "succeeded")]


def test_a_run_id_whose_start_becomes_known_while_active_is_started_once():
    runs = tracker(ids_are_runs=True)
    runs.changes([])
    assert kinds(runs.changes([job(11, state="queued", started=None)])) == [("started", None, 11, "queued")]
    assert runs.changes([job(11, state="running", started=1)]) == []
    assert kinds(runs.changes([job(11, state="failed", started=1, finished=2)])) == [("finished", "running", 11, "failed")]


def test_a_job_that_leaves_the_selection_is_forgotten_and_a_never_run_job_never_finishes():
    changes = tracker()
    changes.changes([job(1), job(2, state="never_run", started=None, finished=None)])
    assert changes.changes([job(2, state="never_run", started=None, finished=None)]) == []
    assert changes.changes([job(1, state="failed", started=-7, finished=-6)]) == [], "job 1 is new again, its run ended before"


def test_the_event_carries_the_record_without_raw_and_the_hosts_in_meta():
    change = tracker(emit_initial=True).changes([job(7, state="failed", hosts=("db01", "db02"))])[0]
    event = job_event("nakivo", change)
    assert event == {"backupops": {"platform": "nakivo", "change": "finished", "previous_state": None,
                                   "job": {key: value for key, value in job(7, state="failed", hosts=("db01", "db02")).items()
                                           if key != "raw"}},
                     "meta": {"hosts": ["db01", "db02"]}}
    assert "raw" in change.record, "the record itself is left as it was"
