"""Unit tests for plugins/filter/gate_verdict.py: every verdict branch of the maintenance gate."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.backupops.jobs.plugins.filter.gate_verdict import FilterModule, gate_verdict

NOW = "2026-11-22T12:00:00Z"
ACTIVE = ("running", "queued", "paused", "stopping")


def job(job_id=1, name="Backup web", state="succeeded", objects=None, platform="nakivo", finished_at="2026-11-22T02:00:00Z",
        next_run_at=None, progress=None, job_type="backup", raw=None):
    active = state in ACTIVE
    return {
        "platform": platform, "id": job_id, "name": name, "type": job_type, "state": state, "active": active,
        "vendor_state": "X/Y", "progress": progress if progress is not None else (None if active else 100),
        "next_run_at": next_run_at, "started_at": "2026-11-22T01:00:00Z",
        "finished_at": None if active else finished_at, "duration_s": 3600,
        "bytes_transferred": 1, "bytes_protected": 2,
        "objects": [{"name": n, "state": s} for n, s in (objects or {}).items()], "raw": raw or {},
    }


def result(*jobs, **extra):
    out = {"changed": False, "jobs": list(jobs), "summary": {}, "waited": 0, "missing": {}, "failed": False}
    out.update(extra)
    return out


def verdict(res, host="web01", **options):
    options.setdefault("now", NOW)
    return gate_verdict(res, host, **options)


def test_registered_as_a_filter():
    assert FilterModule().filters()["gate_verdict"] is gate_verdict


def test_open_when_the_host_object_succeeded():
    v = verdict(result(job(objects={"web01.example.com": "succeeded"})))
    assert v["open"] is True and v["error"] is False
    assert v["reason"] == ("web01 may proceed: job 'Backup web' (id 1) succeeded, finished 2026-11-22 02:00:00 UTC.")
    assert v["line"].startswith("web01: OPEN | Backup web (id 1) succeeded, finished 2026-11-22 02:00:00 UTC | ")
    assert [j["id"] for j in v["jobs"]] == [1]
    assert v["jobs"][0]["host_state"] == "succeeded" and v["jobs"][0]["host_objects"] == ["web01.example.com"]


def test_other_hosts_jobs_are_ignored():
    v = verdict(result(job(1, objects={"web01": "succeeded"}), job(2, "Backup db", "failed", objects={"db01": "failed"})))
    assert v["open"] and [j["id"] for j in v["jobs"]] == [1]


def test_matching_is_case_insensitive_and_short_to_fqdn_either_way():
    assert verdict(result(job(objects={"WEB01.Example.COM": "succeeded"})))["open"]
    v = verdict(result(job(objects={"web01": "failed"})), host="web01.example.com")
    assert not v["open"] and v["jobs"][0]["host_objects"] == ["web01"]


def test_objects_override_the_host_name_and_take_wildcards():
    res = result(job(objects={"VM-web01-prod": "succeeded"}))
    assert not verdict(res)["open"]
    assert verdict(res, objects=["vm-web01-*"])["open"]
    assert verdict(res, objects="VM-web01-prod")["open"]


def test_neighbour_vm_failed_does_not_hold_this_host():
    v = verdict(result(job(state="failed", objects={"web01": "succeeded", "web02": "failed"})))
    assert v["open"], v["reason"]
    assert v["jobs"][0]["host_state"] == "succeeded"
    assert "Backup web (id 1) succeeded (job failed), finished" in v["line"]


def test_own_vm_failed_holds_the_host_with_job_state_and_time():
    v = verdict(result(job(state="failed", objects={"web01": "failed", "web02": "succeeded"})))
    assert not v["open"] and not v["error"]
    assert v["reason"] == ("web01 is held: its last run in job 'Backup web' (id 1) failed for web01, "
                           "finished 2026-11-22 02:00:00 UTC.")
    assert v["line"].startswith("web01: HELD | Backup web (id 1) failed, finished")


def test_several_objects_of_one_host_the_worst_decides():
    v = verdict(result(job(objects={"web01-a": "succeeded", "web01-b": "skipped"})), objects=["web01-*"])
    assert not v["open"] and "skipped it" in v["reason"]


@pytest.mark.parametrize("state, words", [
    ("never_run", "has never run for web01"),
    ("stopped", "was stopped"),
    ("skipped", "skipped it"),
    ("unknown", "ended in an unknown state (X/Y)"),
    ("partial", "completed with errors (partial)"),
])
def test_states_that_are_not_a_success(state, words):
    v = verdict(result(job(state=state, objects={"web01": state})))
    assert not v["open"] and words in v["reason"]


def test_warning_accepted_by_default_and_refusable():
    res = result(job(state="warning", objects={"web01": "warning"}))
    assert verdict(res)["open"]
    v = verdict(res, accept_warning=False)
    assert not v["open"] and "completed with warnings" in v["reason"]


def test_partial_refused_by_default_and_acceptable():
    res = result(job(state="partial", objects={"web01": "partial"}))
    assert not verdict(res)["open"]
    assert verdict(res, accept_partial=True)["open"]


def test_every_protecting_job_must_succeed():
    res = result(job(1, objects={"web01": "succeeded"}), job(2, "Replicate web", objects={"web01": "failed"}))
    v = verdict(res)
    assert not v["open"] and "'Replicate web' (id 2) failed" in v["reason"]
    assert verdict(res, require_success=False)["open"]


def test_problems_beyond_the_first_are_counted():
    res = result(job(1, objects={"web01": "failed"}), job(2, "B", objects={"web01": "failed"}))
    assert verdict(res)["reason"].endswith("(and 1 more problem(s)).")


def test_active_job_holds_even_a_neighbour_and_names_progress_and_wait():
    res = result(job(state="running", progress=45, objects={"web01": "succeeded", "web02": "running"}),
                 waited=12.5, msg="Timed out after 12s waiting for 1 job(s) to finish")
    v = verdict(res)
    assert not v["open"] and not v["error"]
    assert v["reason"] == "web01 is held: job 'Backup web' (id 1) is still running (45% done) after 12 s of waiting."
    assert "Backup web (id 1) running 45%" in v["line"]


def test_active_restore_holds_and_more_active_jobs_are_counted():
    res = result(job(1, "Restore web", "queued", objects={"web01": "queued"}, job_type="restore"),
                 job(2, state="running", objects={"web01": "running"}))
    v = verdict(res)
    assert not v["open"] and "is still queued" in v["reason"] and "and 1 more job(s)" in v["reason"]


def test_timeout_on_another_host_does_not_hold_this_one():
    res = result(job(1, objects={"web01": "succeeded"}), job(2, state="running", objects={"web02": "running"}),
                 waited=30, msg="Timed out after 30s waiting for 1 job(s) to finish")
    assert verdict(res)["open"]
    assert not verdict(res, host="web02")["open"]


def test_no_job_held_with_require_job_open_without():
    res = result(job(objects={"web02": "succeeded"}))
    v = verdict(res, host="web05")
    assert not v["open"] and v["reason"] == "web05 is held: no backup job protects web05 (looked for web05)."
    assert v["line"] == "web05: HELD | no jobs | " + v["reason"]
    v = verdict(res, host="web05", require_job=False)
    assert v["open"] and "require_job is off" in v["reason"]


def test_a_finished_restore_is_not_protection():
    res = result(job(objects={"web01": "succeeded"}, job_type="restore"))
    v = verdict(res)
    assert not v["open"] and "no backup job protects" in v["reason"]
    assert [j["id"] for j in v["jobs"]] == [1]


def test_max_age_within_and_beyond():
    res = result(job(objects={"web01": "succeeded"}, finished_at="2026-11-22T02:00:00Z"))
    assert verdict(res, max_age=24)["open"]
    v = verdict(res, max_age=6)
    assert not v["open"]
    assert v["reason"] == ("web01 is held: the last successful run of job 'Backup web' (id 1) finished "
                           "2026-11-22 02:00:00 UTC, 10.0 h ago, more than the 6 h allowed.")
    assert verdict(res, max_age=0)["open"] and verdict(res, max_age="")["open"]


def test_max_age_prefers_the_objects_own_finish_time():
    record = job(objects={"web01": "succeeded"}, finished_at="2026-11-22T11:00:00Z")
    record["objects"][0]["finished_at"] = "2026-11-21T01:00:00Z"
    assert not verdict(result(record), max_age=24)["open"]


def test_max_age_with_a_failed_run_or_no_finish_time():
    v = verdict(result(job(objects={"web01": "failed"})), max_age=24, require_success=False)
    assert not v["open"] and "no successful run within 24 h is known" in v["reason"]
    v = verdict(result(job(objects={"web01": "succeeded"}, finished_at=None)), max_age=24)
    assert not v["open"] and "no finish time" in v["reason"]


def test_quiet_minutes():
    res = result(job(objects={"web01": "succeeded"}, next_run_at="2026-11-22T12:20:00Z"))
    assert verdict(res)["open"]
    assert verdict(res, quiet_minutes=10)["open"]
    v = verdict(res, quiet_minutes=30)
    assert not v["open"]
    assert v["reason"] == ("web01 is held: job 'Backup web' (id 1) is scheduled to start at 2026-11-22 12:20:00 UTC, "
                           "within the 30 quiet minutes.")
    overdue = result(job(objects={"web01": "succeeded"}, next_run_at="2026-11-22T11:59:00+00:00"))
    assert not verdict(overdue, quiet_minutes=5)["open"]


def test_dates_with_offsets_and_fractions():
    res = result(job(objects={"web01": "succeeded"}, finished_at="2026-11-22T09:00:00.123+0700"))
    v = verdict(res, max_age=10)
    assert v["open"] and "2026-11-22 02:00:00 UTC" in v["reason"]


def test_fixed_job_ids_judge_every_host_on_them():
    res = result(job(7, "Nightly", objects={"other-vm": "succeeded"}), job(8, "Other", "failed"))
    v = verdict(res, host="app01", job_ids=[7])
    assert v["open"] and [j["id"] for j in v["jobs"]] == [7] and v["jobs"][0]["host_state"] == "succeeded"
    v = verdict(result(job(7, "Nightly", "failed", objects={"app01": "succeeded", "x": "failed"})), host="app01", job_ids=[7])
    assert v["open"], "the host's own object decides in a fixed job too"


def test_fixed_job_names_and_missing_fixed_jobs():
    res = result(job(3, "db01.example.com/default", platform="commvault"), job(4, "db01.example.com/logs", "failed", platform="commvault"))
    assert verdict(res, job_names=["db01.example.com/default"])["open"]
    assert not verdict(res, job_names=["db01.example.com/*"])["open"]
    v = verdict(res, job_ids=[99], job_names=["nope*"])
    assert not v["open"] and v["reason"] == "web01 is held: no job was found for id 99, 'nope*' on the backup server."


def test_commvault_client_name_counts_for_vm_level_jobs():
    res = result(job(5, "vcenter01/web-vms", objects={"web01": "succeeded"}, platform="commvault"),
                 job(6, "hv02/other", objects={"x": "failed"}, platform="commvault"))
    v = verdict(res, host="hv02")
    assert [j["id"] for j in v["jobs"]] == [6] and v["jobs"][0]["host_state"] == "succeeded"
    assert v["open"], "no object of hv02 failed: the job's client matched, the job's own state decides"


def test_commvault_restore_destination_client_holds_while_running():
    raw = {"jobSummary": {"destClientName": "web01.example.com"}}
    res = result(job(9, "fs01/default", "running", platform="commvault", job_type="restore", raw=raw, objects={"fs01": "running"}))
    v = verdict(res)
    assert not v["open"] and "is still running" in v["reason"]


@pytest.mark.parametrize("res, words", [
    (result(msg="Login refused for 'admin': bad password", jobs=[]), "Login refused for 'admin'"),
    ({"failed": True, "msg": "MODULE FAILURE", "module_stderr": "Traceback"}, "MODULE FAILURE"),
    ({"skipped": True, "skip_reason": "Conditional result was False"}, "was skipped"),
    ({"unreachable": True, "msg": "ssh: no route"}, "unreachable: ssh: no route"),
    ({"changed": False}, "returned no jobs list"),
    ("not a dict", "gave no result"),
])
def test_a_failed_query_holds_every_host_as_an_error(res, words):
    v = verdict(res, require_job=False, require_success=False)
    assert not v["open"] and v["error"] is True and v["jobs"] == []
    assert v["reason"].startswith("web01 is held: the backup job query failed: ") and words in v["reason"]


def test_a_wait_timeout_is_not_an_error():
    res = result(job(state="running", objects={"web01": "running"}), msg="Timed out after 5s", waited=5)
    v = verdict(res)
    assert v["error"] is False and not v["open"]


def test_default_now_is_the_clock():
    v = gate_verdict(result(job(objects={"web01": "succeeded"}, finished_at="2000-01-01T00:00:00Z")), "web01", max_age=1)
    assert not v["open"]


@pytest.mark.parametrize("kwargs", [dict(now="yesterday"), dict(max_age="old"), dict(quiet_minutes=[1])])
def test_bad_options_raise(kwargs):
    with pytest.raises(AnsibleFilterError):
        verdict(result(), **kwargs)


def test_bad_host_raises():
    with pytest.raises(AnsibleFilterError):
        gate_verdict(result(), "")
