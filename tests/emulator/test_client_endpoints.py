"""Self-tests of what the emulator serves for third-party clients (tests/fidelity): roots, POST Jobs, CommServ,
WhoAmI, renewal after a 401, "@"-keys, JSON written from XML, the webconsole redirect, the licence, --shell-env."""

import json
import os
import signal
import stat

import pytest

from . import Emulator, ScenarioError, load_scenario
# The fixtures of the emulator's other tests serve here too: basic_emulator, emu (reset) and client.
from .test_emulator import Client, basic_emulator, cli, client, emu, scenario  # pylint: disable=unused-import

ROOTS = ("/SearchSvc/CVWebService.svc", "/webconsole/api", "/commandcenter/api")


def test_the_web_ui_and_every_service_root_answer_200_without_a_session(emu, client):
    status, headers, body = client.request("GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and body.startswith(b"<!DOCTYPE html>")
    for root in ROOTS:
        assert client.request("GET", root + "/")[0] == 200
        assert client.request("GET", root)[0] == 200
    assert client.request("POST", "/commandcenter/api/")[0] == 405
    assert [(entry["call"], entry["vendor"]) for entry in emu.log][:2] == [("WebUI", None), ("Root", "commvault")]
    assert client.request("GET", "/nothing/here")[0] == 404


def jobs_post(client, **body):
    status, _headers, reply = client.cv("POST", "Jobs", body)
    assert status == 200, reply
    reply = json.loads(reply)
    return [job["jobSummary"]["jobId"] for job in reply["jobs"]], reply["totalRecordsWithoutPaging"]


def test_post_jobs_filters_by_category_lookup_client_and_kind_and_pages_by_job_id(emu, client):
    emu.advance(10)  # 1251 (0 to 3 s) and 1256 (2 to 5 s) are done
    client.login_cv()
    assert jobs_post(client, category=1) == ([1255, 1254], 2)
    everything = [1257, 1256, 1255, 1254, 1253, 1252, 1251, 1250, 1249, 1248]
    assert jobs_post(client) == (everything, 10)
    assert jobs_post(client, category=2, pagingConfig=dict(sortDirection=0)) == (sorted(set(everything) - {1254, 1255}), 8)
    assert jobs_post(client, category=2, jobFilter=dict(completedJobLookupTime=1000)) == ([1256, 1253, 1251], 3)
    assert jobs_post(client, category=2, jobFilter=dict(jobTypeList=["Restore"])) == ([1253], 1)
    assert jobs_post(client, category=2, jobFilter=dict(clientList=[{"clientId": 13}])) == ([1252], 1)
    assert jobs_post(client, category=2, pagingConfig=dict(offset=1, limit=2)) == ([1256, 1253], 8)
    assert client.cv("POST", "Jobs", "not json")[0] == 400


def test_commserv_and_who_am_i_need_a_token_and_answer_what_the_scenario_says():
    custom = dict(commserv=dict(name="cs9", hostname="cs9.example.com", version="11.32.4", time_zone="(UTC+01:00) Paris"))
    with Emulator(scenario(commvault=custom)) as other:
        client = Client(other)
        assert client.cv("GET", "CommServ")[0] == 401 and client.cv("POST", "WhoAmI")[0] == 401
        client.login_cv(username="svc_backup", domain="CORP", password="Svc-P@ss1")
        commserv = json.loads(client.cv("GET", "CommServ")[2])
        assert commserv["commcell"]["commCellName"] == "cs9" and commserv["hostName"] == "cs9.example.com"
        assert (commserv["csVersionInfo"], commserv["currentSPVersion"]) == ("11.32.4", 32)
        assert commserv["csTimeZone"]["TimeZoneName"] == "(UTC+01:00) Paris" and commserv["timeZone"].endswith("(UTC+01:00) Paris")
        assert json.loads(client.cv("POST", "WhoAmI")[2])["user"] == {"userName": "svc_backup", "userId": 2}
        client.close()


def renew(client, token):
    status, _headers, body = client.cv("POST", "RenewLoginToken", {"sessionId": token})
    return status, json.loads(body)["token"] if status == 200 else None


def test_renew_login_token_renews_an_idle_token_but_never_a_logged_out_one(emu, client):
    client.login_cv()
    idle = client.token
    emu.advance(1801)
    assert client.cv("GET", "Job")[0] == 401
    status, fresh = renew(client, idle)
    assert status == 200 and fresh != idle
    client.token = fresh
    assert client.cv("GET", "Job")[0] == 200
    assert client.cv("POST", "Logout")[2] == b"User logged out"
    assert renew(client, fresh) == (401, None) and client.cv("GET", "Job")[0] == 401
    client.token = "QSDK not-a-token"
    assert renew(client, "QSDK not-a-token") == (401, None)


def test_without_renew_expired_token_only_a_live_token_is_renewed():
    with Emulator(scenario(commvault=dict(renew_expired_token=False))) as emu:
        client = Client(emu)
        client.login_cv()
        assert renew(client, client.token)[0] == 200
        emu.expire_sessions("commvault")
        assert renew(client, client.token) == (401, None)
        client.close()


def test_a_json_job_details_body_with_attribute_keys_is_read_as_the_attribute(client):
    client.login_cv()
    status, _headers, body = client.cv("POST", "JobDetails", {"JobManager_JobDetailRequest": {"@jobId": "1252"}})
    assert status == 200 and json.loads(body)["job"]["jobDetail"]["generalInfo"]["jobId"] == 1252


def test_json_written_from_xml_has_attribute_keys_text_values_and_a_single_item_unlisted():
    with Emulator(scenario(commvault=dict(json_style="xml_converted"))) as emu:
        client = Client(emu)
        client.login_cv()
        listing = json.loads(client.cv("GET", "Job?clientId=13")[2])["JobManager_JobListResponse"]
        assert listing["@totalRecordsWithoutPaging"] == "1" and listing["jobs"]["jobSummary"]["@jobId"] == "1252"
        assert listing["jobs"]["jobSummary"]["subclient"]["@clientName"] == "vcenter01.example.com"
        detail = json.loads(client.cv("POST", "JobDetails", {"jobId": 1252})[2])["JobManager_JobDetailResponse"]["job"]["jobDetail"]
        assert detail["generalInfo"]["@jobId"] == "1252"
        assert [vm["@vmName"] for vm in detail["clientStatusInfo"]["vmStatus"]] == ["vm-a.example.com", "vm-b.example.com"]
        # XML replies and the login are not affected.
        assert client.cv("POST", "JobDetails", '<JobManager_JobDetailRequest jobId="1252"/>', xml=True)[2].startswith(b"<?xml")
        client.close()


@pytest.mark.parametrize("status, host", [(308, None), (301, None), (307, "localhost")])
def test_webconsole_redirect_names_the_same_path_and_query_under_commandcenter(status, host):
    with Emulator(scenario(commvault=dict(webconsole_redirect=dict(status=status, host=host)))) as emu:
        client = Client(emu)
        answer, headers, _body = client.cv("GET", "Job?jobCategory=Active&jobFilter=")
        assert answer == status
        assert headers["Location"] == "http://%s:%d/commandcenter/api/Job?jobCategory=Active&jobFilter=" % (host or "127.0.0.1", emu.port)
        # The new root itself is served, not redirected.
        assert client.cv("GET", "Job", root="/commandcenter/api")[0] == 401
        client.close()


def test_get_license_info_reports_the_scenario_and_the_protected_objects(emu, client):
    assert client.nakivo("LicensingManagement", "getLicenseInfo", None)["type"] == "exception"
    client.login_nakivo()
    emu.advance(100)
    data = client.nakivo("LicensingManagement", "getLicenseInfo", None)["data"]
    # basic: 11 distinct objects on the Director and 2 on its tenant.
    assert (data["installed"], data["client"], data["usedVms"], data["usedSockets"]) == (True, "Example Corp", 13, 0)
    assert 365 * 86400 * 1000 - 102000 <= data["expiresIn"] <= 365 * 86400 * 1000 - 100000


def test_cli_shell_env_prints_exports_and_keeps_passwords_in_private_files(tmp_path):
    with cli("--tls", "--cert-dir", str(tmp_path / "tls"), "--shell-env", str(tmp_path / "env"), scenario_name="demo") as process:
        lines = [process.stdout.readline().rstrip("\n") for _line in range(10)]
        url, ca_path = lines[0], lines[1][len("ca="):]
        nakivo_password = tmp_path / "env" / "nakivo-password"
        assert lines[2:] == [
            "export NAKIVO_URL=" + url, "export NAKIVO_USERNAME=admin", 'export NAKIVO_PASSWORD="$(cat %s)"' % nakivo_password,
            "export NAKIVO_CA_PATH=" + ca_path, "export COMMVAULT_URL=%s/commandcenter/api" % url, "export COMMVAULT_USERNAME=admin",
            'export COMMVAULT_PASSWORD="$(cat %s)"' % (tmp_path / "env" / "commvault-password"), "export COMMVAULT_CA_PATH=" + ca_path]
        assert nakivo_password.read_text() == "Demo-P@ss1" and stat.S_IMODE(os.stat(nakivo_password).st_mode) == 0o600
        assert "Demo-P@ss1" not in "\n".join(lines)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0


@pytest.mark.parametrize("commvault, words", [
    (dict(webconsole_redirect=dict(status=200)), "commvault.webconsole_redirect.status: a redirect status"),
    (dict(webconsole_redirect=dict(status=308, port=1)), "commvault.webconsole_redirect: unknown key(s) port"),
    (dict(commserv=dict(version="eleven")), "commvault.commserv.version: expected release.feature.maintenance"),
    (dict(json_style="yaml"), "commvault.json_style: must be one of native, xml_converted"),
])
def test_the_new_switches_are_validated(commvault, words):
    with pytest.raises(ScenarioError) as refused:
        load_scenario(scenario(commvault=commvault))
    assert str(refused.value).startswith(words)


def test_a_licence_switch_is_validated():
    with pytest.raises(ScenarioError) as refused:
        load_scenario(scenario(nakivo=dict(license=dict(sockets=-1))))
    assert str(refused.value).startswith("nakivo.license.sockets: must be >= 0")
