"""Unit tests for plugins/filter/gate_verdict.py: every row of the decision table in docs/gating.md."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.backupops.jobs.plugins.filter.gate_verdict import FilterModule, gate_verdict

NOW = "2026-11-22T12:00:00Z"
ACTIVE = ("running", "queued", "paused", "stopping")


def job(job_id=1, name="Backup web", state="succeeded", objects=None, platform="nakivo", finished_at="2026-11-22T02:00:00Z",
        next_run_at=None, progress=None, job_type="backup", this_run=True, hosts=None, series=None, enabled=True):
    """A record as the normalizer makes it; ``objects`` maps names to states, or to (state, this_run)."""
    active = state in ACTIVE
    objects = [{"name": n, "state": s[0] if isinstance(s, tuple) else s, "finished_at": None,
                "this_run": s[1] if isinstance(s, tuple) else this_run} for n, s in (objects or {}).items()]
    return {
        "platform": platform, "id": job_id, "name": name, "type": job_type, "state": state, "active": active,
        "vendor_state": "X/Y", "progress": progress if progress is not None else (None if active else 100),
        "next_run_at": next_run_at, "started_at": "2026-11-22T01:00:00Z",
        "finished_at": None if active else finished_at, "duration_s": 3600,
        "bytes_transferred": 1, "bytes_protected": 2, "objects": objects,
        "hosts": hosts if hosts is not None else [o["name"] for o in objects],
        "enabled": enabled if platform == "nakivo" else None,
        "series": series or ("job %d" % job_id if platform == "nakivo" else "%s/File System/inst/set/default" % name.split("/")[0]),
        "raw": {},
    }


def cv(job_id, client="db01", state="succeeded", finished_at="2026-11-22T02:00:00Z", job_type="backup", subclient="default",
       dest=None, **kwargs):
    """A Commvault record of a client-level job: the client is its one object."""
    record = job(job_id, "%s/%s" % (client, subclient), state, {client: state}, "commvault", finished_at, job_type=job_type,
                 series="%s/File System/inst/set/%s" % (client, subclient), **kwargs)
    if dest:  # as the normalizer: a restore to another client touches that client, not its own
        record["hosts"], record["objects"][0]["name"] = [dest], dest
    return record


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
    assert v["reason"] == "the last backup succeeded"
    assert v["line"] == "web01: OPEN | Backup web (id 1) succeeded, finished 2026-11-22 02:00 UTC | the last backup succeeded"
    assert [j["id"] for j in v["jobs"]] == [1]
    assert v["jobs"][0]["host_state"] == "succeeded" and v["jobs"][0]["host_objects"] == ["web01.example.com"]
    assert v["jobs"][0]["host_decided_by"] == "host_object" and v["jobs"][0]["decides"] is True


def test_other_hosts_jobs_are_ignored():
    v = verdict(result(job(1, objects={"web01": "succeeded"}), job(2, "Backup db", "failed", objects={"db01": "failed"})))
    assert v["open"] and [j["id"] for j in v["jobs"]] == [1]


def test_matching_is_case_insensitive_and_short_to_fqdn_either_way():
    assert verdict(result(job(objects={"WEB01.Example.COM": "succeeded"})))["open"]
    v = verdict(result(job(state="failed", objects={"web01": "failed"})), host="web01.example.com")
    assert not v["open"] and v["jobs"][0]["host_objects"] == ["web01"]


def test_objects_override_the_host_name_and_take_wildcards():
    res = result(job(objects={"VM-web01-prod": "succeeded"}))
    assert not verdict(res)["open"]
    assert verdict(res, objects=["vm-web01-*"])["open"]
    assert verdict(res, objects="VM-web01-prod")["open"]


def test_neighbour_vm_failed_does_not_hold_this_host():
    v = verdict(result(job(state="failed", objects={"web01": "succeeded", "web02": "failed"})))
    assert v["open"], v["reason"]
    assert v["jobs"][0]["host_state"] == "succeeded" and v["jobs"][0]["host_decided_by"] == "host_object"
    assert "Backup web (id 1) succeeded (job failed), finished" in v["line"]
    assert not verdict(result(job(state="failed", objects={"web01": "succeeded", "web02": "failed"})), host="web02")["open"]


def test_a_job_that_failed_as_a_whole_holds_a_host_whose_object_succeeded():
    v = verdict(result(job(state="failed", objects={"web01": "succeeded", "web02": "succeeded"})))
    assert not v["open"]
    assert v["reason"] == ("the last backup failed (for the job as a whole: none of its other objects explains it): "
                           "fix or re-run job 1")
    assert v["jobs"][0]["host_state"] == "failed" and v["jobs"][0]["host_decided_by"] == "job"
    assert not verdict(result(job(state="failed", objects={"web01": "succeeded"})))["open"], "the job's only object"


@pytest.mark.parametrize("job_state, other, opens", [
    ("failed", "failed", True),
    ("failed", "stopped", False),
    ("failed", "skipped", False),
    ("failed", "partial", False),
    ("stopped", "stopped", True),
    ("stopped", "failed", True),
    ("partial", "failed", True),
    ("partial", "partial", True),
    ("partial", "warning", False),
    ("warning", "warning", True),
    ("unknown", "failed", False),
    ("failed", "unknown", False),
    ("failed", "never_run", False),
])
def test_another_object_explains_the_job_only_when_it_fell_as_short(job_state, other, opens):
    v = verdict(result(job(state=job_state, objects={"web01": "succeeded", "web02": other})))
    assert v["open"] is opens, v["reason"]


def test_an_explaining_object_must_be_of_this_run():
    stale_other = job(state="failed", objects={"web01": "succeeded", "web02": ("failed", False)})
    assert not verdict(result(stale_other))["open"]
    untold_other = job(state="failed", objects={"web01": "succeeded", "web02": ("failed", None)})
    assert not verdict(result(untold_other))["open"]


def test_a_stale_own_state_is_not_this_runs_result():
    v = verdict(result(job(state="failed", objects={"web01": ("succeeded", False), "web02": "failed"})))
    assert not v["open"]
    assert "its last run did not reach this host, whose state is from an earlier run" in v["reason"]
    v = verdict(result(job(state="failed", objects={"web01": ("succeeded", None), "web02": "failed"})))
    assert not v["open"] and "the server does not say whether its last run reached this host" in v["reason"]
    v = verdict(result(job(state="succeeded", objects={"web01": ("succeeded", False), "web02": "succeeded"})))
    assert not v["open"]
    assert v["reason"] == ("the last backup succeeded but did not reach this host, whose state is from an earlier run: "
                           "re-run job 1")


def test_a_stale_own_state_worse_than_the_job_still_holds():
    v = verdict(result(job(state="succeeded", objects={"web01": ("failed", False)})))
    assert not v["open"]


def test_own_vm_failed_holds_the_host_with_job_state_and_time():
    v = verdict(result(job(state="failed", objects={"web01": "failed", "web02": "succeeded"})))
    assert not v["open"] and not v["error"]
    assert v["reason"] == "the last backup failed: fix or re-run job 1"
    assert v["line"] == "web01: HELD | Backup web (id 1) failed, finished 2026-11-22 02:00 UTC | " + v["reason"]


def test_own_object_worse_than_a_successful_job_decides():
    v = verdict(result(job(state="succeeded", objects={"web01": "skipped", "web02": "succeeded"})))
    assert not v["open"] and v["reason"] == "the last backup skipped this host: find why job 1 skipped it, then re-run it"


def test_several_objects_of_one_host_the_worst_decides():
    v = verdict(result(job(objects={"web01-a": "succeeded", "web01-b": "skipped"})), objects=["web01-*"])
    assert not v["open"] and "skipped this host" in v["reason"]


@pytest.mark.parametrize("state, words", [
    ("never_run", "the backup has never run: run job 1 once"),
    ("stopped", "the last backup was stopped before it finished: re-run job 1"),
    ("skipped", "the last backup skipped this host"),
    ("unknown", "the last backup ended in a state the gate cannot read (X/Y): check job 1 on the backup server"),
    ("partial", "the last backup completed with errors, so part of the data is not protected: fix the errors"),
    ("failed", "the last backup failed: fix or re-run job 1"),
])
def test_states_that_are_not_a_success(state, words):
    v = verdict(result(job(state=state, objects={"web01": state})))
    assert not v["open"] and v["reason"].startswith(words), v["reason"]
    assert "accept_" not in v["reason"] and "require_" not in v["reason"], "never suggest turning a check off"


def test_warning_accepted_by_default_and_refusable():
    res = result(job(state="warning", objects={"web01": "warning"}))
    v = verdict(res)
    assert v["open"] and v["reason"] == "the last backup succeeded (job 1 completed with warnings)"
    v = verdict(res, accept_warning=False)
    assert not v["open"] and "completed with warnings" in v["reason"]


def test_partial_refused_by_default_and_acceptable():
    res = result(job(state="partial", objects={"web01": "partial"}))
    assert not verdict(res)["open"]
    assert verdict(res, accept_partial=True)["open"]


def test_every_protecting_job_must_succeed():
    replication = job(2, "Replicate web", "failed", objects={"web01": "failed"}, job_type="replication")
    res = result(job(1, objects={"web01": "succeeded"}), replication)
    v = verdict(res)
    assert not v["open"] and v["reason"] == "the last replication failed: fix or re-run job 2"
    assert verdict(res, require_success=False)["open"]


def test_each_problem_is_named():
    res = result(job(1, state="failed", objects={"web01": "failed"}), job(2, "B", "stopped", objects={"web01": "stopped"}))
    assert verdict(res)["reason"] == "the last backup failed: fix or re-run job 1; the last backup was stopped before " \
                                     "it finished: re-run job 2"


@pytest.mark.parametrize("job_type", ["backup", "replication", "backup_copy"])
def test_nakivo_protecting_kinds(job_type):
    assert verdict(result(job(objects={"web01": "succeeded"}, job_type=job_type)))["open"]


@pytest.mark.parametrize("job_type", ["recovery_vms", "recovery_files", "flash_boot", "replica_failover", "site_recovery",
                                      None, "something_new"])
def test_other_nakivo_kinds_never_decide_success(job_type):
    v = verdict(result(job(objects={"web01": "succeeded"}, job_type=job_type)))
    assert not v["open"] and v["reason"].startswith("no backup job protects web01 (looked for web01; only jobs that do not "
                                                    "protect it touch it: ")


def test_disabled_job_decides_by_its_last_run_and_says_so():
    res = result(job(7, "Backup lab", objects={"web01": "succeeded"}, enabled=False, finished_at="2026-11-19T12:00:00Z"))
    v = verdict(res)
    assert v["open"] and v["reason"] == "the last backup succeeded (job 7 is disabled, so no scheduled run will follow)"
    assert "Backup lab (id 7, disabled) succeeded" in v["line"]
    v = verdict(res, max_age=26)
    assert not v["open"] and "72.0 h ago, more than the 26 h allowed: run job 7 again (job 7 is disabled" in v["reason"]
    failed = result(job(7, "Backup lab", "stopped", objects={"web01": "stopped"}, enabled=False))
    assert verdict(failed)["reason"] == ("the last backup was stopped before it finished: re-run job 7 (job 7 is disabled, "
                                         "so no scheduled run will follow)")


def test_active_job_holds_even_a_neighbour_and_names_progress_and_wait():
    res = result(job(state="running", progress=45, objects={"web01": "succeeded", "web02": "running"}),
                 waited=12.5, msg="Timed out after 12s waiting for 1 job(s) to finish")
    v = verdict(res)
    assert not v["open"] and not v["error"]
    assert v["reason"] == ("backup job 1 is still running (45% done) after 12 s of waiting: wait until it has finished, "
                           "then run the gate again")
    assert "Backup web (id 1) running 45%" in v["line"]


def test_active_restore_holds_and_more_active_jobs_are_counted():
    res = result(job(1, "Restore web", "queued", objects={"web01": "queued"}, job_type="recovery_vms"),
                 job(2, state="running", objects={"web01": "running"}))
    v = verdict(res)
    assert not v["open"] and "recovery vms job 1 is still queued" in v["reason"] and "and 1 more of its jobs" in v["reason"]


def test_timeout_on_another_host_does_not_hold_this_one():
    res = result(job(1, objects={"web01": "succeeded"}), job(2, state="running", objects={"web02": "running"}),
                 waited=30, msg="Timed out after 30s waiting for 1 job(s) to finish")
    assert verdict(res)["open"]
    assert not verdict(res, host="web02")["open"]


def test_no_job_held_with_require_job_open_without():
    res = result(job(objects={"web02": "succeeded"}))
    v = verdict(res, host="web05")
    assert not v["open"] and v["reason"] == ("no backup job protects web05 (looked for web05): check that a backup job "
                                             "protects it under the name the backup server knows")
    assert v["line"] == "web05: HELD | no jobs | " + v["reason"]
    v = verdict(res, host="web05", require_job=False)
    assert v["open"] and "require_job is off" in v["reason"]


def test_a_finished_restore_is_not_protection():
    res = result(job(objects={"web01": "succeeded"}, job_type="restore", platform="commvault"))
    v = verdict(res)
    assert not v["open"] and "only jobs that do not protect it touch it: restore job 1" in v["reason"]
    assert [j["id"] for j in v["jobs"]] == [1]


# Commvault: per client and subclient, the newest finished job of a protecting kind decides.

def test_commvault_a_later_restore_does_not_hide_a_failed_backup():
    res = result(cv(1249, state="failed"), cv(1253, finished_at="2026-11-22T03:00:00Z", job_type="restore"))
    v = verdict(res, host="db01")
    assert not v["open"] and v["reason"] == "the last backup failed: fix or re-run job 1249"
    assert [j["id"] for j in v["jobs"] if j["decides"]] == [1249]


@pytest.mark.parametrize("job_type", ["aux_copy", "data_verification"])
def test_commvault_storage_policy_jobs_neither_protect_nor_hold(job_type):
    res = result(cv(1301, state="failed"), cv(1302, finished_at="2026-11-22T03:00:00Z", job_type=job_type))
    assert not verdict(res, host="db01")["open"]
    res = result(cv(1301), cv(1302, state="running", finished_at=None, job_type=job_type))
    assert verdict(res, host="db01")["open"], "an aux copy or data verification that runs does not hold the client"


def test_commvault_a_newer_success_supersedes_an_older_failure_of_the_same_subclient():
    res = result(cv(1, state="failed", finished_at="2026-11-21T02:00:00Z"), cv(2, finished_at="2026-11-22T02:00:00Z"))
    v = verdict(res, host="db01")
    assert v["open"] and [j["id"] for j in v["jobs"] if j["decides"]] == [2]
    res = result(cv(1, finished_at="2026-11-21T02:00:00Z"), cv(2, state="failed", finished_at="2026-11-22T02:00:00Z"))
    assert not verdict(res, host="db01")["open"], "a failed incremental after a successful full"


def test_commvault_synthetic_full_and_snap_backup_protect():
    res = result(cv(1, state="failed", finished_at="2026-11-21T02:00:00Z"),
                 cv(2, finished_at="2026-11-22T02:00:00Z", job_type="synthetic_full"))
    assert verdict(res, host="db01")["open"]
    assert verdict(result(cv(3, job_type="snap_backup")), host="db01")["open"]


def test_commvault_each_subclient_decides_on_its_own():
    res = result(cv(1), cv(2, state="failed", subclient="logs"))
    v = verdict(res, host="db01")
    assert not v["open"] and "job 2" in v["reason"]


def test_commvault_fractional_finish_times_order_correctly():
    res = result(cv(1, state="failed", finished_at="2026-11-22T02:00:00.500Z"), cv(2, finished_at="2026-11-22T02:00:00Z"))
    assert not verdict(res, host="db01")["open"], "the failure finished half a second later"


def test_runs_without_a_finish_time_are_never_superseded():
    res = result(cv(1, state="failed", finished_at=None), cv(2, finished_at="2026-11-22T02:00:00Z"))
    assert not verdict(res, host="db01")["open"]


def test_commvault_restore_into_the_host_holds_while_it_runs():
    restore = cv(9, client="fs01", state="running", finished_at=None, job_type="restore", dest="web01.example.com")
    res = result(cv(10, client="web01"), restore)
    v = verdict(res)
    assert not v["open"] and v["reason"].startswith("restore job 9 is still running")
    assert verdict(result(cv(11, client="fs01"), res["jobs"][1]), host="fs01")["open"], "its source goes on"


def test_commvault_client_name_counts_for_vm_level_jobs():
    res = result(job(5, "vcenter01/web-vms", objects={"web01": "succeeded"}, platform="commvault"),
                 job(6, "hv02/other", objects={"x": "failed"}, platform="commvault", hosts=["hv02", "x"]))
    v = verdict(res, host="hv02")
    assert [j["id"] for j in v["jobs"]] == [6] and v["jobs"][0]["host_state"] == "succeeded"
    assert v["open"], "no object of hv02 failed: the job's client matched, the job's own state decides"


def test_max_age_within_and_beyond():
    res = result(job(objects={"web01": "succeeded"}, finished_at="2026-11-22T02:00:00Z"))
    assert verdict(res, max_age=24)["open"]
    v = verdict(res, max_age=6)
    assert not v["open"]
    assert v["reason"] == ("the last successful backup (job 1) finished 2026-11-22 02:00 UTC, 10.0 h ago, more than the "
                           "6 h allowed: run job 1 again")
    assert verdict(res, max_age=0)["open"] and verdict(res, max_age="")["open"]


def test_max_age_prefers_the_objects_own_finish_time():
    record = job(objects={"web01": "succeeded"}, finished_at="2026-11-22T11:00:00Z")
    record["objects"][0]["finished_at"] = "2026-11-21T01:00:00Z"
    assert not verdict(result(record), max_age=24)["open"]


def test_max_age_with_a_failed_run_or_no_finish_time():
    v = verdict(result(job(state="failed", objects={"web01": "failed"})), max_age=24, require_success=False)
    assert not v["open"] and v["reason"] == ("the last backup failed, so no successful backup within the 24 h allowed is "
                                             "known: fix or re-run job 1")
    v = verdict(result(job(objects={"web01": "succeeded"}, finished_at=None)), max_age=24)
    assert not v["open"] and "no finish time" in v["reason"]


def test_quiet_minutes():
    res = result(job(objects={"web01": "succeeded"}, next_run_at="2026-11-22T12:20:00Z"))
    assert verdict(res)["open"]
    assert verdict(res, quiet_minutes=10)["open"]
    v = verdict(res, quiet_minutes=30)
    assert not v["open"]
    assert v["reason"] == ("job 1 is scheduled to start at 2026-11-22 12:20 UTC, within the 30 quiet minutes: wait until "
                           "it has run")
    overdue = result(job(objects={"web01": "succeeded"}, next_run_at="2026-11-22T11:59:00+00:00"))
    assert not verdict(overdue, quiet_minutes=5)["open"]


def test_dates_with_offsets_and_fractions():
    res = result(job(objects={"web01": "succeeded"}, finished_at="2026-11-22T09:00:00.123+0700"))
    v = verdict(res, max_age=10)
    assert v["open"] and "2026-11-22 02:00 UTC" in v["line"]


def test_fixed_job_ids_judge_every_host_on_them():
    res = result(job(7, "Nightly", objects={"other-vm": "succeeded"}), job(8, "Other", "failed"))
    v = verdict(res, host="app01", job_ids=[7])
    assert v["open"] and [j["id"] for j in v["jobs"]] == [7] and v["jobs"][0]["host_state"] == "succeeded"
    v = verdict(result(job(7, "Nightly", "failed", objects={"app01": "succeeded", "x": "failed"})), host="app01", job_ids=[7])
    assert v["open"], "the host's own object decides in a fixed job too"


def test_fixed_job_names_and_missing_fixed_jobs():
    res = result(cv(3, client="db01.example.com"), cv(4, client="db01.example.com", subclient="logs", state="failed"))
    assert verdict(res, job_names=["db01.example.com/default"])["open"]
    assert not verdict(res, job_names=["db01.example.com/*"])["open"]
    v = verdict(res, job_ids=[99], job_names=["nope*"])
    assert not v["open"] and v["reason"] == "no job was found for id 99, 'nope*' on the backup server: check the job ids and names"


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
    assert v["reason"].startswith("the backup job query failed: ") and words in v["reason"]


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
