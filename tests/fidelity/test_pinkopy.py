"""pinkopy 2.1.2, unmodified, against the emulator: job lists, JobDetails (JSON with "@"-keys, XML fallback), logout."""

from __future__ import annotations

import pinkopy.base_session
import pytest
import requests
from pinkopy import CommvaultSession
from pinkopy.jobs import JobSession

from conftest import cv_job, cv_user, scenario_with

DB01, VCENTER01 = "22", "23"


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    """pinkopy waits 5 s before it logs in again after a 401 (base_session.py:144-146); the tests need not."""
    monkeypatch.setattr(pinkopy.base_session.time, "sleep", lambda seconds: None)


def open_session(emu):
    # Keywords only: the sub-sessions take their first positional argument as cache_methods (commvault.py:22-24).
    user, password = cv_user()
    return CommvaultSession(service=emu.url + "/commandcenter/api/", user=user, pw=password)


@pytest.fixture(scope="module")
def commserve(emulator_process):
    return emulator_process()


def summaries(jobs):
    """{jobId: (status, jobStartTime)} of a job list, whichever way the Web Server wrote its keys."""
    found = {}
    for job in jobs:
        summary = job["jobSummary"]
        plain = {key.lstrip("@"): value for key, value in summary.items()}
        found[int(plain["jobId"])] = (plain["status"], int(plain["jobStartTime"]))
    return found


def expected(emu, *job_ids, status_key="result"):
    return {job_id: (cv_job(job_id).get(status_key) or cv_job(job_id)["status_running"], emu.unix(cv_job(job_id)["start"]))
            for job_id in job_ids}


def test_a_clients_job_list_holds_its_backup_jobs_and_a_filter_its_restores(commserve):
    session = open_session(commserve)
    jobs = session.get_jobs(DB01)
    # Without jobFilter the Web Server lists backup jobs only: restore 3005 is left out.
    assert summaries(jobs) == {**expected(commserve, 3003, 3007), 3006: ("Waiting", commserve.unix(cv_job(3006)["start"]))}
    assert [job["jobSummary"]["subclient"]["subclientName"] for job in jobs] == ["archive", "default", "default"]
    assert summaries(session.get_jobs(DB01, job_filter="Restore")) == expected(commserve, 3005)
    by_subclient = session.get_subclient_jobs(jobs, subclient_name="default")
    assert [job["jobSummary"]["jobId"] for job in by_subclient] == [3007, 3003]


def test_job_details_sent_with_an_attribute_key_read_as_the_scenario_has_it(commserve):
    session = open_session(commserve)
    commserve.clear_log()
    detail = session.get_job_details(3004)
    scenario = cv_job(3004)
    assert detail["generalInfo"]["jobId"] == 3004 and detail["generalInfo"]["subclient"]["clientName"] == scenario["client"]
    assert detail["detailInfo"]["startTime"] == commserve.unix(scenario["start"])
    assert detail["detailInfo"]["endTime"] == commserve.unix(scenario["start"] + scenario["duration"])
    assert int(detail["detailInfo"]["sizeOfApplication"]) == scenario["size_bytes"]
    vms = [(vm["vmName"], int(vm["Status"])) for vm in session.get_job_vmstatus(detail)]
    assert vms == [(vm["name"], vm["status"]) for vm in scenario["vms"]]
    # One JSON request was enough: the "@jobId" body was read as the attribute it stands for.
    assert commserve.calls() == [("JobDetails", 200)]


def test_an_old_server_that_answers_json_with_an_empty_job_is_asked_again_in_xml(emulator_process):
    emu = emulator_process(scenario_with(commvault={"json_job_details": "empty"}))
    session = open_session(emu)
    emu.clear_log()
    detail = session.get_job_details(3003)
    assert detail["generalInfo"]["jobId"] == 3003 and detail["progressInfo"]["state"] == "Failed"
    assert detail["detailInfo"]["endTime"] == emu.unix(cv_job(3003)["start"] + cv_job(3003)["duration"])
    assert emu.calls() == [("JobDetails", 200), ("JobDetails", 200)]
    xml_request = emu.control("GET", "log")[-1]
    assert xml_request["body"] == '<JobManager_JobDetailRequest jobId="3003"/>'


def test_json_written_from_xml_by_an_older_server_reads_the_same(emulator_process):
    emu = emulator_process(scenario_with(commvault={"json_style": "xml_converted"}))
    session = open_session(emu)
    jobs = session.get_jobs(DB01)
    assert summaries(jobs) == {**expected(emu, 3003, 3007), 3006: ("Waiting", emu.unix(cv_job(3006)["start"]))}
    assert [job["jobSummary"]["subclient"]["@subclientName"] for job in jobs] == ["archive", "default", "default"]
    detail = session.get_job_details(3004)
    assert detail["generalInfo"]["@jobId"] == "3004" and detail["detailInfo"]["@endTime"] == str(
        emu.unix(cv_job(3004)["start"] + cv_job(3004)["duration"]))


def test_a_token_is_refused_after_logout(commserve):
    session = open_session(commserve)
    token = session.headers["Authtoken"]
    assert summaries(session.get_jobs(VCENTER01)) == expected(commserve, 3004)
    session.logout()
    commserve.clear_log()
    # The old token, and a password that cannot log in again: the 401 is what it reports.
    with pytest.raises(requests.HTTPError) as refused:
        JobSession(service=commserve.url + "/commandcenter/api/", user="admin", pw="not-the-password", token=token).get_jobs(VCENTER01)
    assert refused.value.response.status_code == 401
    assert commserve.calls() == [("Job", 401), ("Login", 200)]
