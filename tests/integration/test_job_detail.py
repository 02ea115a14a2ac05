# -*- coding: utf-8 -*-
"""backupops.jobs.job_detail through real ansible-playbook and ansible runs against the emulator."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.backupops.jobs.tests.integration.conftest import calls, credentials_env, run_module_task

PASSWORD = "Cv-s3cret-Pa55!"
PRESET = "QSDK 0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978"


def cv_job(job_id, client, result="Completed", start=-7200, duration=600, **extra):
    return dict(id=job_id, client=client, subclient=extra.pop("subclient", "default"), backupset="defaultBackupSet",
                app=extra.pop("app", "Windows File System"), type=extra.pop("type", "Backup"), backup_type="Incremental",
                start=start, duration=duration, status_running=extra.pop("status_running", "Running"), result=result,
                size_bytes=45633966, **extra)


def scenario(json_job_details="ok", unknown_job="errlist", token_idle_timeout=1800, extra_jobs=()):
    return dict(commvault=dict(
        users=[dict(username="admin", password=PASSWORD), dict(username="jdoe", password=PASSWORD, domain="CORP")],
        preset_tokens=[PRESET],
        token_idle_timeout=token_idle_timeout,
        unknown_job=unknown_job,
        json_job_details=json_job_details,
        clients=[dict(name="db01.example.com", id=11), dict(name="web01.example.com", id=12),
                 dict(name="vsa6", id=13), dict(name="app01.example.com", id=14)],
        jobs=[
            cv_job(1001, "db01.example.com", "Completed w/ one or more warnings", start=-90000),
            cv_job(1002, "db01.example.com", "Completed", start=-7200),
            cv_job(1003, "web01.example.com", "Failed", start=-3600),
            # Run until a test moves the job clock: 1004 for 1000 s, 1007 appears at 500 s and runs 100 s.
            cv_job(1004, "app01.example.com", "Completed", start=0, duration=1000),
            cv_job(1005, "vsa6", "Completed", app="Virtual Server", subclient="VMowner2", start=-5000,
                   vms=[dict(name="vm-a", status=0), dict(name="vm-b", status=1, failure_reason="Snapshot failed")]),
            cv_job(1006, "web01.example.com", "Completed", type="Restore", start=0, duration=None),
            cv_job(1007, "app01.example.com", "Completed", start=500, duration=100, appears_at=500, subclient="logs"),
        ] + list(extra_jobs),
    ))


@pytest.fixture
def commserve(emulator_factory):
    return emulator_factory(scenario())


def env_for(emu, root="/webconsole/api", **extra):
    return credentials_env("COMMVAULT", emu.url + root, PASSWORD, **extra)


def run_task(ansible, write_playbook, emu, args, *cli, env=None):
    return run_module_task(ansible, write_playbook, "backupops.jobs.job_detail", args, *cli,
                           env=env if env is not None else env_for(emu))


def normalized(job):
    return {key: value for key, value in job.items() if key != "raw"}


@pytest.mark.parametrize("root", ["/webconsole/api", "/commandcenter/api", "/SearchSvc/CVWebService.svc"])
def test_job_ids_in_the_order_asked_on_every_web_service_root(ansible, write_playbook, commserve, root):
    run, result = run_task(ansible, write_playbook, commserve, dict(job_ids=[1003, 1001, 1002]), env=env_for(commserve, root))
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [1003, 1001, 1002]
    assert [j["state"] for j in result["jobs"]] == ["failed", "warning", "succeeded"]
    assert result["jobs"][1]["name"] == "db01.example.com/default"
    assert result["jobs"][1]["vendor_state"] == "Completed w/ one or more warnings"
    assert len(calls(commserve, "Login")) == 1 and len(calls(commserve, "Logout")) == 1
    assert {e["path"] for e in calls(commserve, "JobDetails")} == {root + "/JobDetails"}
    assert all(e["headers"]["Authtoken"].startswith("QSDK ") for e in calls(commserve, "JobDetails"))


def test_json_and_xml_give_the_same_normalized_record(ansible, write_playbook, commserve):
    as_json = run_task(ansible, write_playbook, commserve, dict(job_ids=[1005, 1001], api_format="json"))[1]
    as_xml = run_task(ansible, write_playbook, commserve, dict(job_ids=[1005, 1001], api_format="xml"))[1]
    assert [normalized(j) for j in as_json["jobs"]] == [normalized(j) for j in as_xml["jobs"]]
    assert [(o["name"], o["state"]) for o in as_xml["jobs"][0]["objects"]] == [("vm-a", "succeeded"), ("vm-b", "failed")]
    assert all(isinstance(v, str) for v in as_xml["jobs"][0]["raw"]["generalInfo"].values() if not isinstance(v, (dict, list)))
    xml_calls = [e for e in calls(commserve, "JobDetails") if e["headers"].get("Accept") == "application/xml"]
    assert xml_calls and all(e["body"].startswith("<JobManager_JobDetailRequest") for e in xml_calls)


@pytest.mark.parametrize("broken", ["root_error", "empty"])
def test_auto_falls_back_to_xml_on_a_server_that_breaks_on_json(ansible, write_playbook, emulator_factory, broken):
    emu = emulator_factory(scenario(json_job_details=broken))
    run, result = run_task(ansible, write_playbook, emu, dict(job_ids=[1001, 1002, 1003], concurrency=1))
    assert run.rc == 0, run
    assert [j["state"] for j in result["jobs"]] == ["warning", "succeeded", "failed"]
    formats = [e["headers"].get("Accept") for e in calls(emu, "JobDetails")]
    # One JSON try, then XML for the rest of the run.
    assert formats == ["application/json", "application/xml", "application/xml", "application/xml"]


def test_json_only_reports_the_broken_server(ansible, write_playbook, emulator_factory):
    emu = emulator_factory(scenario(json_job_details="root_error"))
    # Two properties in the body: the old server's root-object error, quoted.
    run, result = run_task(ansible, write_playbook, emu, dict(job_ids=[1001], api_format="json", commcell_id=2))
    assert run.rc != 0
    assert "JSON root object has multiple properties" in result["msg"]
    # One property: an empty job, which the message explains.
    run, result = run_task(ansible, write_playbook, emu, dict(job_ids=[1001], api_format="json"))
    assert run.rc != 0
    assert "cannot read JSON requests (api_format auto or xml reads those)" in result["msg"]


def test_given_token_is_used_and_never_logged_out(ansible, write_playbook, commserve):
    env = dict(COMMVAULT_URL=commserve.url + "/webconsole/api", COMMVAULT_AUTH_TOKEN=PRESET.split(" ", 1)[1])
    run, result = run_task(ansible, write_playbook, commserve, dict(job_ids=[1002]), "-vvvv", env=env)
    assert run.rc == 0, run
    assert result["jobs"][0]["state"] == "succeeded"
    assert not calls(commserve, "Login") and not calls(commserve, "Logout")
    assert calls(commserve, "JobDetails")[0]["headers"]["Authtoken"] == PRESET
    assert PRESET.split(" ", 1)[1] not in run.output


def test_directory_user_with_domain(ansible, write_playbook, commserve):
    run, result = run_task(ansible, write_playbook, commserve, dict(job_ids=[1002], username="jdoe", domain="CORP"))
    assert run.rc == 0, run
    assert '"domain": "CORP"' in calls(commserve, "Login")[0]["body"]


def test_token_expiring_during_a_wait_logs_in_again(ansible, write_playbook, commserve, advance_after):
    commserve.add_fault(kind="expire_session", match=dict(call="JobDetails"), after=1, count=1)
    advance_after(commserve, "JobDetails", 3, 1100)
    run, result = run_task(ansible, write_playbook, commserve, dict(job_ids=[1004], wait=True, wait_sleep=0.5, wait_timeout=60))
    assert run.rc == 0, run
    assert result["jobs"][0]["state"] == "succeeded"
    assert len(calls(commserve, "Login")) == 2
    assert [e["status"] for e in calls(commserve, "JobDetails")].count(401) == 1


def test_expired_given_token_without_credentials_is_a_clear_error(ansible, write_playbook, commserve):
    commserve.add_fault(kind="expire_session", match=dict(call="JobDetails"), count=1)
    env = dict(COMMVAULT_URL=commserve.url + "/webconsole/api", COMMVAULT_AUTH_TOKEN=PRESET)
    run, result = run_task(ansible, write_playbook, commserve, dict(job_ids=[1002]), env=env)
    assert run.rc != 0
    assert "rejected the token (HTTP 401)" in result["msg"] and "fresh auth_token" in result["msg"]


@pytest.mark.parametrize("unknown_job", ["errlist", "empty"])
def test_unknown_job_is_named_with_the_servers_words(ansible, write_playbook, emulator_factory, unknown_job):
    emu = emulator_factory(scenario(unknown_job=unknown_job))
    run, result = run_task(ansible, write_playbook, emu, dict(job_ids=[1002, 99999]))
    assert run.rc != 0
    assert "99999" in result["msg"] and "allow_missing" in result["msg"]
    assert result["missing"] == dict(job_ids=[99999], clients=[])
    run, result = run_task(ansible, write_playbook, emu, dict(job_ids=[1002, 99999], allow_missing=True))
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [1002]


def test_clients_select_active_jobs_and_the_latest_finished_per_subclient(ansible, write_playbook, commserve):
    run, result = run_task(ansible, write_playbook, commserve, dict(clients=["DB01", "web01.example.com", "vsa6.corp.example.com"]))
    assert run.rc == 0, run
    ids = [j["id"] for j in result["jobs"]]
    assert 1002 in ids and 1001 not in ids      # the latest finished job of db01/default only
    assert 1006 in ids and 1003 in ids          # a running restore holds web01 too
    assert 1005 in ids
    assert len(calls(commserve, "Job")) == 1
    listing = calls(commserve, "Job")[0]
    assert "Restore" in listing["query"]["jobFilter"]


def test_clients_keep_the_newest_backup_per_subclient_whatever_ran_after_it(ansible, write_playbook, emulator):
    """basic.yml: db01's backup 1249 failed after backup 1248 succeeded; restore 1253 ran later still, into web01."""
    env = dict(COMMVAULT_URL=emulator.url + "/webconsole/api", COMMVAULT_USERNAME="admin", COMMVAULT_PASSWORD="Cv-P@ss1")
    run, result = run_task(ansible, write_playbook, emulator, dict(clients=["db01"]), env=env)
    assert run.rc == 0, run
    by_id = {j["id"]: j for j in result["jobs"]}
    assert by_id[1249]["state"] == "failed" and by_id[1249]["type"] == "backup", "the failed backup is not hidden"
    assert 1248 not in by_id, "superseded by the newer backup 1249 of the same subclient"
    assert 1253 not in by_id, "restore 1253 of db01's backup went to web01: it touches web01, not db01"
    assert by_id[1249]["series"] == "db01.example.com/Windows File System/DefaultInstanceName/defaultBackupSet/default"
    run, result = run_task(ansible, write_playbook, emulator, dict(clients=["web01"]), env=env)
    restore = next(j for j in result["jobs"] if j["id"] == 1253)
    assert restore["type"] == "restore" and restore["hosts"] == ["web01.example.com"]
    assert [obj["name"] for obj in restore["objects"]] == ["web01.example.com"]


def test_clients_listing_longer_than_one_page(ansible, write_playbook, emulator_factory):
    many = [cv_job(5000 + n, "big01", "Completed", start=-100000 + n * 10, subclient="sc%03d" % n) for n in range(620)]
    emu = emulator_factory(scenario(extra_jobs=many))
    run, result = run_task(ansible, write_playbook, emu, dict(clients=["big01"]))
    assert run.rc == 0, run
    assert len(result["jobs"]) == 620
    pages = calls(emu, "Job")
    assert len(pages) == 2 and [p["headers"].get("offset") for p in pages] == ["0", "500"]


def test_a_job_that_starts_during_the_wait_is_waited_for(ansible, write_playbook, commserve, advance_after):
    # After the first listing, job 1007 appears and runs; after the third, everything is done.
    advance_after(commserve, "Job", 1, 550)
    advance_after(commserve, "Job", 3, 600)
    run, result = run_task(ansible, write_playbook, commserve, dict(clients=["app01"], wait=True, wait_sleep=0.5, wait_timeout=60))
    assert run.rc == 0, run
    by_id = {j["id"]: j for j in result["jobs"]}
    assert by_id[1004]["state"] == "succeeded" and by_id[1007]["state"] == "succeeded"
    assert len(calls(commserve, "Job")) >= 4


def test_missing_client_is_named(ansible, write_playbook, commserve):
    run, result = run_task(ansible, write_playbook, commserve, dict(clients=["db01", "web05"]))
    assert run.rc != 0
    assert "'web05'" in result["msg"]
    assert result["missing"] == dict(job_ids=[], clients=["web05"])


def test_many_ids_run_concurrently_on_few_connections(ansible, write_playbook, emulator_factory):
    many = [cv_job(7000 + n, "db01.example.com", "Completed", start=-3000 - n) for n in range(40)]
    emu = emulator_factory(scenario(extra_jobs=many))
    emu.add_fault(kind="latency", ms=50, match=dict(call="JobDetails"), count=None)
    run, result = run_task(ansible, write_playbook, emu, dict(job_ids=[7000 + n for n in range(40)]))
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [7000 + n for n in range(40)]
    details = calls(emu, "JobDetails")
    assert len({e["conn"] for e in details}) <= 8
    overlapping = max(sum(1 for o in details if o["started"] < e["ended"] and e["started"] < o["ended"]) for e in details)
    assert overlapping >= 4


def test_adhoc_with_credentials_only_in_the_environment(ansible, commserve):
    run = ansible("adhoc", "-m", "backupops.jobs.job_detail", "-a", "job_ids=1001,1003", env=env_for(commserve))
    assert run.rc == 0, run
    assert [j["state"] for j in run.result()["jobs"]] == ["warning", "failed"]
    assert PASSWORD not in run.output


def test_neither_ids_nor_clients_is_a_clear_error(ansible, write_playbook, commserve):
    run, result = run_task(ansible, write_playbook, commserve, dict(wait=True))
    assert run.rc != 0
    assert "one of the following is required: job_ids, clients" in result["msg"]


def test_secrets_and_token_never_in_output_at_vvvv(ansible, write_playbook, commserve, advance_after):
    advance_after(commserve, "JobDetails", 2, 1100)
    run, result = run_task(ansible, write_playbook, commserve, dict(job_ids=[1004], wait=True, wait_sleep=0.5), "-vvvv")
    assert run.rc == 0, run
    tokens = {e["headers"]["Authtoken"] for e in commserve.log if e["headers"].get("Authtoken")}
    assert tokens
    for secret in [PASSWORD, base64.b64encode(PASSWORD.encode()).decode()] + [t.split(" ", 1)[1] for t in tokens]:
        assert secret not in run.output
        assert secret not in str(run.entries)
