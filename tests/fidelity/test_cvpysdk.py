"""cvpysdk 11.44 (Commvault's own SDK), unmodified, over HTTPS against the emulator: what it reports is the scenario."""

from __future__ import annotations

import pytest
from cvpysdk.commcell import Commcell
from cvpysdk.exception import SDKException
from cvpysdk.job import Job

from conftest import SCENARIO, cv_job, cv_user, scenario_with

ROOT = "/commandcenter/api"
PRESET = SCENARIO["commvault"]["preset_tokens"][0]


@pytest.fixture(scope="module")
def commserve(emulator_process):
    return emulator_process(tls=True)


def connect(emu, **options):
    """Commcell as a user points it at a Web Server root, verifying its certificate with the CA file."""
    host = emu.url.split("://", 1)[1]
    if "authtoken" not in options:
        options["commcell_username"], options["commcell_password"] = cv_user()
    return Commcell(host, web_service_url=emu.url + ROOT, certificate_path=emu.ca_path, **options)


@pytest.fixture(scope="module")
def commcell(commserve):
    return connect(commserve)


def test_it_accepts_the_service_root_logs_in_and_reads_commserv(commserve, commcell):
    # The first request is GET <root>/ (cvpysdk.py:122-147); without a 200 there it never logs in.
    expected = SCENARIO["commvault"]["commserv"]
    assert commcell.commcell_username == "admin"
    assert (commcell.commserv_name, commcell.commserv_hostname) == (expected["name"], expected["hostname"])
    assert commcell.version == expected["version"] and commcell.commserv_version == int(expected["version"].split(".")[1])
    assert commcell.commserv_timezone == expected["time_zone"]
    assert [call for call, _status in commserve.calls()][:2] == ["Root", "Login"]


def test_a_finished_virtual_server_job_reads_as_the_scenario_has_it(commserve, commcell):
    scenario = cv_job(3004)
    job = Job(commcell, 3004)
    assert job.is_finished and job.status == scenario["result"] and job.state == scenario["result"]
    assert (job.client_name, job.subclient_name, job.backupset_name) == (scenario["client"], scenario["subclient"], "defaultBackupSet")
    assert (job.agent_name, job.instance_name, job.job_type, job.backup_level) == ("Virtual Server", "VMware", "Backup", "Full")
    assert job.start_timestamp == commserve.unix(scenario["start"])
    assert job.end_timestamp == job.job_end_time == commserve.unix(scenario["start"] + scenario["duration"])
    assert job.size_of_application == scenario["size_bytes"] and job.num_of_objects == scenario["files"]
    assert job.summary["percentComplete"] == 100 and job.pending_reason is None
    vms = [(vm["vmName"], int(vm["Status"]), vm["FailureReason"]) for vm in job.get_vm_list()]
    assert vms == [(vm["name"], vm["status"], vm.get("failure_reason", "")) for vm in scenario["vms"]]
    assert [attempt["phaseName"] for attempt in job.attempts] == ["Scan", "Backup", "Archive Index"]
    assert job.attempts[-1]["status"] == scenario["result"]


def test_running_waiting_and_failed_jobs_read_as_the_scenario_has_them(commserve, commcell):
    running = Job(commcell, 3002)
    elapsed = commserve.clock() - cv_job(3002)["start"]
    assert not running.is_finished and running.status == "Running" and running.end_timestamp == 0
    assert running.phase == "Backup" and running.start_timestamp == commserve.unix(cv_job(3002)["start"])
    assert abs(running.summary["percentComplete"] - int(elapsed / cv_job(3002)["duration"] * 100)) <= 1
    waiting = Job(commcell, 3006)
    assert not waiting.is_finished and waiting.status == "Waiting"
    assert waiting.delay_reason == waiting.pending_reason == cv_job(3006)["pending_reason"]
    failed = Job(commcell, 3003)
    assert failed.is_finished and failed.status == "Failed" and failed.pending_reason == cv_job(3003)["pending_reason"]
    assert failed.summary["percentComplete"] == 40


def test_job_controller_listings_hold_the_scenarios_job_sets(commcell):
    controller = commcell.job_controller
    active = controller.active_jobs()
    assert set(active) == {3002, 3006}
    assert {job_id: info["status"] for job_id, info in active.items()} == {3002: "Running", 3006: "Waiting"}
    finished = controller.finished_jobs()
    assert set(finished) == {3001, 3003, 3004, 3005, 3007}
    assert finished[3004]["client_name"] == "vcenter01.example.com" and finished[3004]["percent_complete"] == 100
    assert finished[3005]["job_type"] == "Restore" and finished[3003]["status"] == "Failed"
    # all_jobs looks back 5 hours by default: the active jobs and those finished since then.
    assert set(controller.all_jobs()) == {3002, 3003, 3004, 3005, 3006}
    assert set(controller.finished_jobs(job_filter="Restore")) == {3005}
    assert list(controller.finished_jobs(limit=2)) == [3007, 3005]


def test_a_token_login_names_its_user(commserve):
    assert connect(commserve, authtoken=PRESET).commcell_username == "admin"
    assert ("WhoAmI", 200) in commserve.calls()


def test_a_token_that_idled_out_is_renewed_after_its_401(emulator_process):
    emu = emulator_process()
    commcell = connect(emu)
    emu.control("POST", "advance", {"seconds": 1801})
    emu.clear_log()
    assert Job(commcell, 3001).status == cv_job(3001)["result"]
    assert emu.calls()[:3] == [("Job", 401), ("RenewLoginToken", 200), ("Job", 200)]


def test_without_renewal_of_idle_tokens_it_gives_up_after_its_three_attempts(emulator_process):
    emu = emulator_process(scenario_with(commvault={"renew_expired_token": False}))
    commcell = connect(emu)
    emu.control("POST", "advance", {"seconds": 1801})
    emu.clear_log()
    with pytest.raises(SDKException) as refused:
        Job(commcell, 3001)
    assert (refused.value.exception_module, refused.value.exception_id) == ("CVPySDK", "103")
    assert emu.calls() == [("Job", 401)] + [("RenewLoginToken", 401)] * 3


def test_a_token_is_refused_after_logout(commserve):
    commcell = connect(commserve)
    token = commcell._headers["Authtoken"]  # pylint: disable=protected-access  # the token it logged out
    assert commcell.logout() == "User logged out"
    commserve.clear_log()
    with pytest.raises(SDKException):
        connect(commserve, authtoken=token)
    calls = commserve.calls()
    assert calls[1:3] == [("WhoAmI", 401), ("RenewLoginToken", 401)] and all(status == 401 for _call, status in calls[1:])
