# -*- coding: utf-8 -*-
"""backupops.jobs.job_info through real ansible-playbook and ansible runs against the emulator."""

from __future__ import annotations

import pytest

from ansible_collections.backupops.jobs.tests.integration.conftest import calls, credentials_env, run_module_task

PASSWORD = "Nk-s3cret-Pa55!"
TENANT = "3a0b6c9e-5d7f-4e2a-9c1b-8f6e4d2a7b10"


def job(job_id, name, objects, runs, job_type="BACKUP", schedules=None):
    return dict(id=job_id, name=name, type=job_type, objects=[dict(name=o) for o in objects], runs=runs, schedules=schedules or [])


def scenario(lost_session="exception", unknown_job="omit", extra_jobs=()):
    return dict(nakivo=dict(
        users=[dict(username="admin", password=PASSWORD)],
        lost_session=lost_session,
        unknown_job=unknown_job,
        date_format="offset",
        utc_offset="+07:00",
        jobs=[
            job(1, "Backup web tier", ["web01.example.com", "web02.example.com"],
                [dict(start=-7200, duration=600, result="OK", data_kb=1024)],
                schedules=[dict(type="DAILY", next_run_in=3600)]),
            job(2, "Backup db", ["DB01"], [dict(start=-7200, duration=600, result="FAILED")]),
            # Runs until a test moves the job clock past 30 s.
            job(3, "Replicate app", ["app01.example.com"], [dict(start=0, duration=30, result="OK")], job_type="REPLICATION"),
            job(4, "Never ran", ["new01"], []),
            job(5, "Runs forever", ["slow01"], [dict(start=0, duration=None)]),
        ] + list(extra_jobs),
        tenants=[dict(uuid=TENANT, name="acme", jobs=[job(101, "Acme backup", ["acme-web"], [dict(start=-600, duration=60, result="OK")])])],
    ))


@pytest.fixture
def director(emulator_factory):
    return emulator_factory(scenario())


def env_for(emu, **extra):
    return credentials_env("NAKIVO", emu.url, PASSWORD, **extra)


def run_task(ansible, write_playbook, emu, args, *cli, env=None):
    """One job_info task with ``args``, credentials from the environment; returns (run, result)."""
    return run_module_task(ansible, write_playbook, "backupops.jobs.job_info", args, *cli,
                           env=env if env is not None else env_for(emu))


def test_job_ids_in_one_call_with_states_and_one_login(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(job_ids=[2, 1]))
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [2, 1]
    by_id = {j["id"]: j for j in result["jobs"]}
    assert by_id[1]["state"] == "succeeded" and by_id[1]["platform"] == "nakivo"
    assert by_id[1]["bytes_transferred"] == 1024 * 1024
    assert by_id[1]["next_run_at"].endswith("Z")
    assert by_id[2]["state"] == "failed"
    assert result["summary"]["by_state"]["failed"] == 1 and result["summary"]["any_failed"] is True
    assert result["changed"] is False and result["waited"] == 0
    assert result["missing"] == dict(job_ids=[], names=[], protected_objects=[])
    info_calls = calls(director, "JobSummaryManagement.getJobInfo")
    assert len(info_calls) == 1
    assert len(calls(director, "AuthenticationManagement.login")) == 1
    assert len(calls(director, "AuthenticationManagement.logoutCurrentUser")) == 1


def test_names_with_wildcards_and_case(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(names=["backup *"]))
    assert run.rc == 0, run
    assert sorted(j["name"] for j in result["jobs"]) == ["Backup db", "Backup web tier"]
    assert len(calls(director, "JobSummaryManagement.getGroupInfo")) == 1


def test_protected_objects_match_short_and_qualified_names(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(protected_objects=["WEB02", "db01.example.com"]))
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [1, 2]


def test_selectors_combine_as_a_union_without_duplicates(ansible, write_playbook, director):
    args = dict(job_ids=[1], names=["Backup web tier", "Backup db"], protected_objects=["web01"])
    run, result = run_task(ansible, write_playbook, director, args)
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [1, 2]


def test_no_selector_returns_every_job(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, {})
    assert run.rc == 0, run
    assert sorted(j["id"] for j in result["jobs"]) == [1, 2, 3, 4, 5]
    states = {j["id"]: j["state"] for j in result["jobs"]}
    assert states[4] == "never_run" and states[5] == "running"


def test_tenant_jobs_on_the_tenant_path_with_the_root_login(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(tenant=TENANT))
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [101]
    login = calls(director, "AuthenticationManagement.login")[0]
    assert login["path"] == "/c/router"
    assert {e["path"] for e in calls(director, "JobSummaryManagement.getJobInfo")} == {"/t/%s/c/router" % TENANT}


def test_tenant_by_name(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(tenant="ACME", names=["acme*"]))
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [101]


def test_wait_until_a_running_job_finishes(ansible, write_playbook, director, advance_after):
    advance_after(director, "JobSummaryManagement.getJobInfo", 2, 60)
    run, result = run_task(ansible, write_playbook, director, dict(job_ids=[3, 1], wait=True, wait_sleep=0.5, wait_timeout=60))
    assert run.rc == 0, run
    assert result["jobs"][0]["state"] == "succeeded"
    assert result["summary"]["all_idle"] is True
    assert result["waited"] > 0
    assert len(calls(director, "JobSummaryManagement.getJobInfo")) >= 3
    assert len(calls(director, "AuthenticationManagement.login")) == 1


def test_wait_timeout_names_the_active_job_and_returns_the_jobs(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(job_ids=[5, 1], wait=True, wait_sleep=0.5, wait_timeout=1.5))
    assert run.rc != 0
    assert "Timed out after" in result["msg"] and "'Runs forever' (id 5) running" in result["msg"]
    assert [j["id"] for j in result["jobs"]] == [5, 1]
    assert result["waited"] >= 1.5


@pytest.mark.parametrize("form", ["exception", "http401"])
def test_session_lost_during_a_wait_logs_in_again(ansible, write_playbook, emulator_factory, advance_after, form):
    emu = emulator_factory(scenario(lost_session=form))
    # The session is gone at the second poll, as after a long idle wait; the job finishes after the repeated call.
    emu.add_fault(kind="expire_session", match=dict(call="JobSummaryManagement.getJobInfo"), after=1, count=1)
    advance_after(emu, "JobSummaryManagement.getJobInfo", 3, 60)
    run, result = run_task(ansible, write_playbook, emu, dict(job_ids=[3], wait=True, wait_sleep=0.5, wait_timeout=60))
    assert run.rc == 0, run
    assert result["jobs"][0]["state"] == "succeeded"
    assert len(calls(emu, "AuthenticationManagement.login")) == 2
    refused = [e for e in calls(emu, "JobSummaryManagement.getJobInfo") if not e["authenticated"]]
    assert len(refused) == 1


@pytest.mark.parametrize("unknown_job", ["omit", "exception", "null"])
def test_missing_ids_names_and_objects_fail_by_name(ansible, write_playbook, emulator_factory, unknown_job):
    emu = emulator_factory(scenario(unknown_job=unknown_job))
    run, result = run_task(ansible, write_playbook, emu, dict(job_ids=[1, 77], names=["nightly-*"], protected_objects=["web05"]))
    assert run.rc != 0
    assert "77" in result["msg"] and "'nightly-*'" in result["msg"] and "'web05'" in result["msg"]
    assert "allow_missing" in result["msg"]
    assert result["missing"] == dict(job_ids=[77], names=["nightly-*"], protected_objects=["web05"])


def test_allow_missing_returns_what_was_found_at_once(ansible, write_playbook, director):
    args = dict(job_ids=[1, 77], protected_objects=["web05"], allow_missing=True, wait=True, wait_sleep=0.5, wait_timeout=30)
    run, result = run_task(ansible, write_playbook, director, args)
    assert run.rc == 0, run
    assert [j["id"] for j in result["jobs"]] == [1]
    assert result["missing"] == dict(job_ids=[77], names=[], protected_objects=["web05"])
    assert result["waited"] == 0


def test_check_mode_runs_the_query(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(job_ids=[1]), "--check")
    assert run.rc == 0, run
    assert result["jobs"][0]["id"] == 1 and result["changed"] is False


def test_task_options_win_over_the_environment(ansible, write_playbook, director):
    env = env_for(director, NAKIVO_USERNAME="nobody", NAKIVO_PASSWORD="wrong")
    run, result = run_task(ansible, write_playbook, director, dict(job_ids=[1], username="admin", password=PASSWORD), env=env)
    assert run.rc == 0, run
    assert result["jobs"][0]["id"] == 1


def test_adhoc_with_credentials_only_in_the_environment(ansible, director):
    run = ansible("adhoc", "-m", "backupops.jobs.job_info", "-a", "job_ids=1,2", env=env_for(director))
    assert run.rc == 0, run
    result = run.result()
    assert sorted(j["id"] for j in result["jobs"]) == [1, 2]
    assert PASSWORD not in run.output


def test_missing_url_is_a_clear_error(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(job_ids=[1]), env=dict(NAKIVO_USERNAME="admin", NAKIVO_PASSWORD=PASSWORD))
    assert run.rc != 0
    assert result["msg"] == "url is required: set it on the task, in module_defaults, or in NAKIVO_URL."
    assert "Traceback" not in run.output


def test_module_defaults_group_sets_the_connection(ansible, tmp_path, director):
    playbook = tmp_path / "group.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/backupops.jobs.nakivo:
      url: %s
      username: admin
      password: %s
  tasks:
    - name: query
      backupops.jobs.job_info:
        job_ids: [2]
""" % (director.url, PASSWORD))
    run = ansible("playbook", str(playbook))
    assert run.rc == 0, run
    assert run.result("query")["jobs"][0]["state"] == "failed"


def test_wrong_password_is_tried_once_and_never_shown(ansible, write_playbook, director):
    run, result = run_task(ansible, write_playbook, director, dict(job_ids=[1]), "-vvvv",
                           env=env_for(director, NAKIVO_PASSWORD="Wr0ng-P4ss!"))
    assert run.rc != 0
    assert "refused the login for 'admin'" in result["msg"]
    assert len(calls(director, "AuthenticationManagement.login")) == 1
    assert "Wr0ng-P4ss!" not in run.output


def test_secrets_and_cookie_never_in_output_at_vvvv(ansible, write_playbook, director, advance_after):
    advance_after(director, "JobSummaryManagement.getJobInfo", 2, 60)
    run, result = run_task(ansible, write_playbook, director, dict(job_ids=[3], wait=True, wait_sleep=0.5), "-vvvv")
    assert run.rc == 0, run
    cookies = {entry["headers"].get("Cookie", "").split("=", 1)[-1] for entry in director.log if entry["headers"].get("Cookie")}
    assert cookies
    for secret in [PASSWORD] + sorted(cookies):
        assert secret not in run.output
        assert secret not in str(run.entries)


def test_include_raw_false_leaves_the_vendors_record_out(ansible, write_playbook, director):
    run, full = run_task(ansible, write_playbook, director, dict(job_ids=[1]))
    run, lean = run_task(ansible, write_playbook, director, dict(job_ids=[1], include_raw=False))
    assert run.rc == 0, run
    assert "raw" in full["jobs"][0] and "raw" not in lean["jobs"][0]
    assert lean["jobs"][0] == {key: value for key, value in full["jobs"][0].items() if key != "raw"}
