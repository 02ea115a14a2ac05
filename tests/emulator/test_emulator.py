"""Self-tests of the emulator over real HTTP (http.client only), fast enough to run before every other suite."""

import base64
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from . import Emulator, ScenarioError, load_scenario

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TENANT = "5b0c3a3e-8d2f-4b4e-9c1a-3f6e2d7a9b10"
NAKIVO_PASSWORD = "Nakivo-P@ss1"
CV_PASSWORD = "Cv-P@ss1"
CV_ROOT = "/webconsole/api"

# Every top-level field of data.children[] in NAKIVO's "Get Job Info" page.
GET_JOB_INFO_FIELDS = """
name id vid hvType hvTypeBackupCount fromBackup lrSiteRecoveryRunType lrRecoveryTimeObjectiveType lrRecoveryTimeObjective
lrFailoverType lrActionFailed lrActionSkipped lrActionSucceed lrActionStopped postScriptPath powerSourceVmsOff sqlLogTruncationMode
fullBackupRunSettingsType fullBackupMode recoveryTimeObjectiveType recoveryTimeObjective crSiteRecoveryRunType
crRecoveryTimeObjectiveType crRecoveryTimeObjective crFailoverType actions crActionExecutions lrActionExecutions
hvTypeBackupHasRootDiskCount status jobType added updated vmCount diskCount sourcesSize isEnabled isLicensed isEdited isLocked
isRemoved averageDurationMs averageDurationSampleCount crState crDate crDateRelative crVmPlanned crVmOk crVmFailed crVmStopped
crProgress crAdhoc hasLastRun lrState lrDate lrFinishDate lrSpeed lrDurationMs lrDataKb lrVmOk lrVmFailed lrVmStopped lrAdhoc
lrCompressionRatio differentialTrackingMode preScriptExecutionMode preScriptBehavior preScriptErrorMode preScriptPath
postScriptExecutionMode postScriptBehavior postScriptErrorMode thinDiskMode ebsVolumeMode temporaryVolumeType
networkAccelerationMode encryptionMode applicationAwareMode retentionPolicy powerVmsOn generateMac recoveryType transporterMode
exchangelogTruncationMode screenshotVerificationMode objects transporters storages schedules lockReasons
""".split()
RETENTION_FIELDS = "retentionMode maxCount keepDayCount keepWeekCount keepMonthCount keepYearCount".split()
OBJECT_FIELDS = """
vid lrState lrSpeed lrDataTransferredUncompressed lrDuration crState crProgress sourceVid sourceName sourcePowerState sourceSubType
targetVid targetName targetPowerState targetSubType verificationState screenshotName flashBootState lrBandwidthLimit
lrTransporterModes crTransporterModes screenshotPath crSpeed crDataTransferredUncompressed crDuration crBandwidthLimit
""".split()
TRANSPORTER_FIELDS = "isAuto usedAsSource usedAsTarget maxLoadFactor currentTotalLoad vid name state".split()
STORAGE_FIELDS = "vid name size free used state online infiniteSize type".split()
SCHEDULE_FIELDS = """
enabled type position startTime endTime timezone on everyType every monthlyEveryType dayOfMonth dayOfWeek month triggerItem
triggerRunType triggerEvents nextRun effectiveDate triggerItemName triggerItemTypeName timezoneOffsetMs nextRunRelative
""".split()
VM_STATUS_FIELDS = """
OperatingSystem Size UsedSpace ArchivedByCurrentJob CBTStatus BackupType GuestSize Status Agent vmName ToolsVersion clientId GUID
Host HardwareVersion StubStatus BackupEndTime FailureReason BackupStartTime TransportMode PoweredOffByCurrentJob PoweredOffSince
""".split()


class Client:
    """A keep-alive HTTP(S) client on one connection, with a NAKIVO cookie and a Commvault token."""

    def __init__(self, emu, timeout=5, context=None):
        parts = urlsplit(emu.url)
        if parts.scheme == "https":
            context = context or ssl.create_default_context(cafile=emu.ca_path)
            self.conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=context)
        else:
            self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.cookie = None
        self.token = None

    def close(self):
        self.conn.close()

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body bytes) of one request."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        return response.status, response.headers, response.read()

    def rpc(self, action, method, data, tenant=None, tid=1):
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        path = f"/t/{tenant}/c/router" if tenant else "/c/router"
        envelope = {"action": action, "method": method, "data": data, "type": "rpc", "tid": tid}
        status, reply_headers, body = self.request("POST", path, envelope, headers)
        if reply_headers.get("Set-Cookie"):
            self.cookie = reply_headers["Set-Cookie"].split(";")[0]
        return status, reply_headers, body

    def nakivo(self, action, method, data, tenant=None):
        status, _headers, body = self.rpc(action, method, data, tenant)
        assert status == 200, body
        return json.loads(body)

    def login_nakivo(self, username="admin", password=NAKIVO_PASSWORD):
        return self.nakivo("AuthenticationManagement", "login", [username, password, False])

    def job_info(self, ids, tenant=None):
        reply = self.nakivo("JobSummaryManagement", "getJobInfo", [ids, 0], tenant)
        assert reply["type"] == "rpc", reply
        return reply["data"]["children"]

    def cv(self, method, endpoint, body=None, *, xml=False, headers=None, root=CV_ROOT):
        sent = {"Accept": "application/xml" if xml else "application/json"}
        if self.token:
            sent["Authtoken"] = self.token
        if body is not None:
            sent["Content-Type"] = "application/xml" if isinstance(body, str) and body.startswith("<") else "application/json"
        sent.update(headers or {})
        return self.request(method, f"{root}/{endpoint}", body, sent)

    def login_cv(self, username="admin", password=CV_PASSWORD, xml=False, **extra):
        encoded = base64.b64encode(password.encode("utf-8")).decode("ascii")
        if xml:
            body = f'<DM2ContentIndexing_CheckCredentialReq username="{username}" password="{encoded}"/>'
        else:
            body = dict({"username": username, "password": encoded}, **extra)
        status, headers, reply = self.cv("POST", "Login", body, xml=xml)
        assert status == 200
        if xml:
            token = ET.fromstring(reply).get("token")
        else:
            token = json.loads(reply).get("token")
        self.token = token or self.token
        return headers, reply


@pytest.fixture(scope="module")
def basic_emulator():
    with Emulator("basic") as emu:
        yield emu


@pytest.fixture
def emu(basic_emulator):
    basic_emulator.reset()
    return basic_emulator


@pytest.fixture
def client(emu):
    one = Client(emu)
    yield one
    one.close()


def scenario(**sections):
    """The basic scenario with some keys of its nakivo/commvault sections replaced."""
    raw = load_scenario("basic").raw
    for vendor, changes in sections.items():
        raw[vendor] = dict(raw[vendor], **changes)
    return raw


# ---------------------------------------------------------------- NAKIVO authentication

def test_nakivo_login_ok_sets_session_cookie(client):
    reply = client.login_nakivo()
    assert reply["type"] == "rpc" and reply["tid"] == "1"
    assert reply["message"] is None and reply["where"] is None and reply["cause"] is None
    assert reply["data"]["result"] == "OK" and reply["data"]["userInfo"]["name"] == "admin"
    assert client.cookie.startswith("JSESSIONID=")
    assert client.nakivo("AuthenticationManagement", "isLogged", [])["data"] is True


def test_nakivo_cookie_attributes_without_tls(emu):
    client = Client(emu)
    status, headers, _body = client.rpc("AuthenticationManagement", "login", ["admin", NAKIVO_PASSWORD, False])
    assert status == 200
    assert "HttpOnly" in headers["Set-Cookie"] and "Path=/" in headers["Set-Cookie"] and "Secure" not in headers["Set-Cookie"]


def test_nakivo_wrong_password_then_lockout(client):
    for attempt in range(1, 6):
        data = client.login_nakivo(password="wrong")["data"]
        assert data["result"] == "FAIL_OTHER" and data["canTry"]["failedAttempts"] == attempt and data["reason"]
    data = client.login_nakivo()["data"]
    assert data["result"] == "FAIL_BLOCKED_WAIT" and data["canTry"]["waitTimeLeft"] > 0
    assert client.cookie is None


def test_nakivo_user_blocked_by_scenario(client):
    data = client.login_nakivo("locked", "Locked-P@ss1")["data"]
    assert data["result"] == "FAIL_BLOCKED_WAIT" and 0 < data["canTry"]["waitTimeLeft"] <= 600000


def test_nakivo_logout_and_is_logged_without_session(client):
    assert client.nakivo("AuthenticationManagement", "isLogged", [])["data"] is False
    client.login_nakivo()
    assert client.nakivo("AuthenticationManagement", "logoutCurrentUser", None)["data"] is None
    assert client.nakivo("AuthenticationManagement", "isLogged", [])["data"] is False


def test_nakivo_cookie_works_on_tenant_path_and_tenants_are_separate(emu, client):
    client.login_nakivo()
    tenant_jobs = client.job_info([1, 2], tenant=TENANT)
    assert [job["name"] for job in tenant_jobs] == ["Acme web backup", "Acme DB backup"]
    assert client.job_info([1])[0]["name"] == "Backup web tier"
    assert client.nakivo("MultitenancyManagement", "getTenants", [])["data"]["children"] == [
        {"uuid": TENANT, "name": "Acme Corp", "id": 1, "enabled": True, "jobCount": 2}]
    assert [entry["tenant"] for entry in emu.log][-3:] == [TENANT, None, None]


def test_nakivo_tenant_login_and_unknown_tenant_are_exceptions(client):
    reply = client.nakivo("AuthenticationManagement", "login", ["admin", NAKIVO_PASSWORD, False], tenant=TENANT)
    assert reply["type"] == "exception" and reply["data"] is None and reply["message"]
    client.login_nakivo()
    reply = client.nakivo("JobSummaryManagement", "getJobInfo", [[1], 0], tenant="00000000-0000-0000-0000-000000000000")
    assert reply["type"] == "exception" and reply["message"] == "Tenant not found"


@pytest.mark.parametrize("how", ["expire", "idle"])
def test_nakivo_lost_session_exception(emu, client, how):
    client.login_nakivo()
    if how == "expire":
        emu.expire_sessions("nakivo")
    else:
        emu.advance(601)
    reply = client.nakivo("JobSummaryManagement", "getJobInfo", [[1], 0])
    assert reply["type"] == "exception" and "Session expired" in reply["message"] and reply["where"] and reply["cause"]
    assert emu.log[-1]["authenticated"] is False


def test_nakivo_lost_session_http401():
    with Emulator(scenario(nakivo={"lost_session": "http401"})) as emu:
        client = Client(emu)
        status, headers, _body = client.rpc("JobSummaryManagement", "getJobInfo", [[1], 0])
        assert status == 401 and headers["Content-Type"].startswith("text/html")
        assert client.login_nakivo()["data"]["result"] == "OK"
        assert client.rpc("JobSummaryManagement", "getJobInfo", [[1], 0])[0] == 200
        emu.expire_sessions()
        assert client.rpc("JobSummaryManagement", "getJobInfo", [[1], 0])[0] == 401


# ---------------------------------------------------------------- NAKIVO job records

def test_get_job_info_has_every_documented_field(client):
    client.login_nakivo()
    jobs = client.job_info([1, 2, 3, 4, 5, 6, 7])
    assert [job["id"] for job in jobs] == [1, 2, 3, 4, 5, 6, 7]
    for job in jobs:
        assert set(GET_JOB_INFO_FIELDS) <= set(job), set(GET_JOB_INFO_FIELDS) - set(job)
        assert set(RETENTION_FIELDS) <= set(job["retentionPolicy"])
        assert job["vid"] == f"JOB-{job['id']}" and job["status"] in ("GREEN", "YELLOW", "RED", "GRAY")
        for obj in job["objects"]:
            assert set(OBJECT_FIELDS) <= set(obj)
        for transporter in job["transporters"]:
            assert set(TRANSPORTER_FIELDS) <= set(transporter)
        for storage in job["storages"]:
            assert set(STORAGE_FIELDS) <= set(storage)
        for schedule in job["schedules"]:
            assert set(SCHEDULE_FIELDS) <= set(schedule)
            assert schedule["startTime"][-2:] in ("AM", "PM") and schedule["nextRunRelative"] > 0
    by_id = {job["id"]: job for job in jobs}
    assert (by_id[1]["crState"], by_id[1]["lrState"], by_id[1]["crDate"]) == ("WAITING_SCHEDULE", "OK", None)
    assert by_id[1]["lrDataKb"] == 524288 and by_id[1]["lrDurationMs"] == 600000
    assert (by_id[2]["crState"], by_id[2]["lrState"], by_id[2]["status"]) == ("WAITING_SCHEDULE", "FAILED", "RED")
    assert [(obj["sourceName"], obj["lrState"]) for obj in by_id[3]["objects"]] == [
        ("app01.example.com", "SUCCEEDED"), ("app02.example.com", "FAILED")]
    assert (by_id[3]["lrVmOk"], by_id[3]["lrVmFailed"]) == (1, 1)
    assert by_id[4]["crState"] == "RUNNING" and by_id[4]["crDate"] is not None
    never = by_id[5]
    assert (never["crState"], never["lrState"], never["hasLastRun"], never["lrDate"]) == ("WAITING_DEMAND", None, False, None)
    assert never["objects"][0]["lrState"] is None
    assert by_id[6]["crState"] == "RUNNING" and [obj["crState"] for obj in by_id[6]["objects"]].count("RUNNING") == 1
    assert (by_id[7]["isEnabled"], by_id[7]["lrState"], by_id[7]["status"]) == (False, "STOPPED", "GRAY")


def test_job_moves_running_to_ok_when_the_clock_advances(emu, client):
    client.login_nakivo()
    running = client.job_info([4])[0]
    assert running["crState"] == "RUNNING" and running["crVmPlanned"] == 1 and running["objects"][0]["crState"] == "RUNNING"
    first_lr_date = running["lrDate"]
    emu.advance(1.5)
    assert 40 <= client.job_info([4])[0]["crProgress"] <= 99
    emu.advance(2)
    done = client.job_info([4])[0]
    assert (done["crState"], done["lrState"], done["crDate"], done["hasLastRun"]) == ("WAITING_DEMAND", "OK", None, True)
    assert done["lrDate"] != first_lr_date and done["lrDurationMs"] == 3000
    assert done["objects"][0]["lrState"] == "SUCCEEDED" and done["averageDurationSampleCount"] == 2


def test_job_management_run_starts_a_run(emu, client):
    client.login_nakivo()
    emu.advance(10)
    assert client.nakivo("JobManagement", "run", [{"jobIds": [4], "runType": "ALL"}])["data"] is None
    job = client.job_info([4])[0]
    assert job["crState"] == "RUNNING" and job["crAdhoc"] is True
    emu.advance(4)
    assert client.job_info([4])[0]["crState"] == "WAITING_DEMAND"


@pytest.mark.parametrize("mode,expected", [("omit", [1]), ("null", [1, None]), ("exception", "exception")])
def test_unknown_job_modes(mode, expected):
    with Emulator(scenario(nakivo={"unknown_job": mode})) as emu:
        client = Client(emu)
        client.login_nakivo()
        reply = client.nakivo("JobSummaryManagement", "getJobInfo", [[1, 999], 0])
        if expected == "exception":
            assert reply["type"] == "exception" and "999" in reply["message"]
        else:
            assert [child and child["id"] for child in reply["data"]["children"]] == expected
        assert client.job_info([]) == []


@pytest.mark.parametrize("date_format,pattern", [
    ("z", r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"),
    ("offset", r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00$"),
    ("offset_nocolon", r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0700$"),
])
def test_date_formats(date_format, pattern):
    with Emulator(scenario(nakivo={"date_format": date_format})) as emu:
        client = Client(emu)
        client.login_nakivo()
        job = client.job_info([1])[0]
        for value in (job["lrDate"], job["lrFinishDate"], job["schedules"][0]["nextRun"]):
            assert re.match(pattern, value), value


def test_group_info_and_short_info(client):
    client.login_nakivo()
    groups = client.nakivo("JobSummaryManagement", "getGroupInfo", [[None], 0, True])["data"]["children"]
    root = groups[0]
    assert (root["id"], root["name"], root["childJobIds"]) == (1, "Jobs", [1, 2, 3, 4, 5, 6, 7])
    assert root["immediateChildJobIds"] == [3, 4, 5, 6, 7] and root["crJobRunning"] == 2
    assert (root["lrJobOk"], root["lrJobFailed"], root["lrJobStopped"]) == (3, 2, 1)
    assert [group["name"] for group in groups[1:]] == ["Web", "Databases"]
    short = client.nakivo("JobSummaryManagement", "getJobShortInfo", [[4]])["data"]["children"][0]
    assert {"id", "name", "crState", "lrState", "crProgress", "status"} <= set(short) and short["crState"] == "RUNNING"


def test_generated_thousand_jobs():
    with Emulator("bulk") as emu:
        client = Client(emu)
        assert client.nakivo("AuthenticationManagement", "login", ["admin", NAKIVO_PASSWORD, False])["data"]["result"] == "OK"
        jobs = client.job_info(list(range(1, 1001)))
        assert [job["id"] for job in jobs] == list(range(1, 1001))
        assert sum(job["crState"] == "RUNNING" for job in jobs) == 100
        assert sum(job["lrState"] == "FAILED" for job in jobs) == 142


def _objects_by_name(job):
    return {obj["sourceName"]: obj for obj in job["objects"]}


def test_nakivo_untouched_object_keeps_its_earlier_state():
    web = ["web01.example.com", "web02.example.com"]
    jobs = [
        {"id": 1, "name": "Backup web tier", "objects": [{"name": name} for name in web], "runs": [
            {"start": -90000, "duration": 1200, "result": "OK"},
            {"start": -3600, "duration": 600, "objects": {"web02.example.com": "FAILED", "web01.example.com": "untouched"}}]},
        {"id": 2, "name": "Backup app tier", "objects": [{"name": "app01"}, {"name": "app02"}], "runs": [
            {"start": -7200, "duration": 600, "objects": {"app01": "FAILED"}},
            {"start": -3600, "duration": 600, "objects": {"app01": "UNTOUCHED"}}]},
        {"id": 3, "name": "Backup new tier", "objects": [{"name": "new01"}, {"name": "new02"}, {"name": "new03"}], "runs": [
            {"start": -3600, "duration": 600, "objects": {"new02": "UNTOUCHED", "new03": "UNTOUCHED"}}]},
    ]
    with Emulator(scenario(nakivo={"jobs": jobs})) as emu:
        client = Client(emu)
        client.login_nakivo()
        first, second, third = client.job_info([1, 2, 3])
        # The run failed on web02 and never reached web01: web01 still shows the earlier run, uncounted.
        assert (first["lrState"], first["vmCount"], first["status"]) == ("FAILED", 2, "RED")
        assert (first["lrVmOk"], first["lrVmFailed"], first["lrVmStopped"], first["lrDataKb"]) == (0, 1, 0, 0)
        objects = _objects_by_name(first)
        assert (objects["web01.example.com"]["lrState"], objects["web02.example.com"]["lrState"]) == ("SUCCEEDED", "FAILED")
        assert objects["web01.example.com"]["lrDuration"] == 600000 and objects["web02.example.com"]["lrDuration"] == 600000
        earlier_share_kb = int(2 * 40 * 1024 ** 3 * 0.05 / 1024) // 2
        assert objects["web01.example.com"]["lrDataTransferredUncompressed"] == earlier_share_kb * 1024
        assert objects["web02.example.com"]["lrDataTransferredUncompressed"] == 0
        # A stale FAILED object does not make the run fail: the default result follows the reached objects.
        assert (second["lrState"], second["lrVmOk"], second["lrVmFailed"]) == ("OK", 1, 0)
        assert _objects_by_name(second)["app01"]["lrState"] == "FAILED"
        # Objects no run reached have no last state; the data is that of the one reached object, all of it.
        assert (third["lrState"], third["lrVmOk"], third["lrVmFailed"], third["lrVmStopped"]) == ("OK", 1, 0, 0)
        objects = _objects_by_name(third)
        assert [objects[name]["lrState"] for name in ("new01", "new02", "new03")] == ["SUCCEEDED", None, None]
        assert third["lrDataKb"] == int(40 * 1024 ** 3 * 0.05 / 1024) and objects["new01"]["lrDataTransferredUncompressed"] == third["lrDataKb"] * 1024
        assert objects["new01"]["lrDuration"] == 600000 and objects["new02"]["lrDataTransferredUncompressed"] == 0
    with pytest.raises(ScenarioError, match=r"nakivo\.jobs\[0\]\.runs\[0\]\.objects: a: must be one of .*UNTOUCHED"):
        load_scenario({"nakivo": {"jobs": [{"id": 1, "name": "x", "objects": [{"name": "a"}], "runs": [{"start": -60, "objects": {"a": "UNTOCHED"}}]}]}})


def test_nakivo_untouched_object_waits_while_running_and_stays_untouched_on_stop():
    jobs = [
        {"id": 1, "name": "Nearly done", "objects": [{"name": "p"}, {"name": "q"}, {"name": "r"}], "runs": [
            {"start": -86400, "duration": 600, "result": "OK"}, {"start": -590, "duration": 600, "objects": {"p": "UNTOUCHED"}}]},
        {"id": 2, "name": "Stopped early", "objects": [{"name": "s"}, {"name": "t"}], "runs": [
            {"start": -60, "duration": None, "objects": {"t": "UNTOUCHED"}}]},
    ]
    with Emulator(scenario(nakivo={"jobs": jobs})) as emu:
        client = Client(emu)
        client.login_nakivo()
        running = client.job_info([1])[0]
        states = {name: obj["crState"] for name, obj in _objects_by_name(running).items()}
        assert running["crState"] == "RUNNING" and states == {"p": "WAITING", "q": "SUCCEEDED", "r": "RUNNING"}
        assert client.nakivo("JobManagement", "stop", [{"jobIds": [2]}])["type"] == "rpc"
        emu.advance(20)
        done, stopped = client.job_info([1, 2])
        assert (done["lrState"], done["lrVmOk"], done["lrVmFailed"]) == ("OK", 2, 0)
        assert _objects_by_name(done)["p"]["lrDuration"] == 200000, "p shows the earlier run of three objects"
        assert (stopped["lrState"], stopped["lrVmOk"], stopped["lrVmStopped"]) == ("STOPPED", 0, 1)
        assert {name: obj["lrState"] for name, obj in _objects_by_name(stopped).items()} == {"s": "STOPPED", "t": None}


# ---------------------------------------------------------------- Commvault authentication

def test_cv_login_json_and_xml(client):
    headers, body = client.login_cv()
    reply = json.loads(body)
    assert headers["Content-Type"].startswith("application/json")
    assert reply["token"].startswith("QSDK ") and len(reply["token"]) == 53 and reply["userName"] == "admin"
    assert {"aliasName", "userGUID", "loginAttempts", "remainingLockTime", "isAccountLocked", "errList"} <= set(reply)
    client.token = None
    _headers, body = client.login_cv(xml=True)
    element = ET.fromstring(body)
    assert element.tag == "DM2ContentIndexing_CheckCredentialResp" and element.get("token").startswith("QSDK ")
    assert client.cv("GET", "Job")[0] == 200


def test_cv_domain_user_and_bad_password(client):
    assert json.loads(client.login_cv("CORP\\svc_backup", "Svc-P@ss1")[1])["userName"] == "CORP\\svc_backup"
    assert json.loads(client.login_cv("svc_backup", "Svc-P@ss1", domain="CORP")[1])["token"]
    reply = json.loads(client.login_cv("admin", "wrong")[1])
    assert "token" not in reply and reply["errList"][0]["errLogMessage"] and reply["errList"][0]["errorCode"]


def test_cv_token_expiry_gives_401_and_logout(emu, client):
    client.login_cv()
    assert client.cv("GET", "Job")[0] == 200
    emu.expire_sessions("commvault")
    status, headers, body = client.cv("GET", "Job")
    assert status == 401 and headers["Content-Type"].startswith("text/plain") and body
    client.login_cv()
    emu.advance(1801)
    assert client.cv("POST", "JobDetails", {"jobId": 1248})[0] == 401
    client.login_cv()
    assert client.cv("POST", "Logout")[2] == b"User logged out"
    assert client.cv("POST", "Logout")[2] == b"Invalid authorization token provided."
    assert client.cv("GET", "Job")[0] == 401


def test_cv_preset_token_and_renew(client):
    client.token = "QSDK 0123456789abcdef0123456789abcdef0123456789abcdef"
    assert client.cv("GET", "Job")[0] == 200
    status, _headers, body = client.cv("POST", "RenewLoginToken", {"sessionId": client.token})
    assert status == 200 and json.loads(body)["token"].startswith("QSDK ")


@pytest.mark.parametrize("mode,content_type,body", [("empty", "text/plain", b""), ("json", "application/json", b'{"errorCode":401')])
def test_cv_unauthorized_body(mode, content_type, body):
    with Emulator(scenario(commvault={"unauthorized_body": mode})) as emu:
        status, headers, reply = Client(emu).cv("GET", "Job")
        assert status == 401 and headers["Content-Type"].startswith(content_type) and reply.startswith(body)


# ---------------------------------------------------------------- Commvault JobDetails

def test_cv_job_details_json_all_roots(client):
    client.login_cv()
    for root in ("/SearchSvc/CVWebService.svc", "/webconsole/api", "/commandcenter/api"):
        status, _headers, body = client.cv("POST", "JobDetails", {"jobId": 1252, "commcell": {"commCellId": 2}, "showAttempt": True}, root=root)
        assert status == 200
        detail = json.loads(body)["job"]["jobDetail"]
        assert {"generalInfo", "progressInfo", "detailInfo", "clientStatusInfo", "attemptsInfo"} <= set(detail)
    general = detail["generalInfo"]
    assert general["jobId"] == 1252 and general["subclient"]["clientName"] == "vcenter01.example.com"
    assert {"clientName", "subclientName", "backupsetName", "appName", "instanceName", "clientId", "subclientId"} <= set(general["subclient"])
    info = detail["detailInfo"]
    assert info["sizeOfApplication"] == "45633966" and info["unCompressedBytes"] == "4.563397E+07" and isinstance(info["endTime"], int)
    assert detail["progressInfo"]["state"] == "Completed w/ one or more errors"
    vms = detail["clientStatusInfo"]["vmStatus"]
    assert [(vm["vmName"], vm["Status"]) for vm in vms] == [("vm-a.example.com", "0"), ("vm-b.example.com", "1")]
    assert set(VM_STATUS_FIELDS) <= set(vms[1]) and vms[1]["FailureReason"]


def test_cv_job_details_running_then_done(emu, client):
    client.login_cv()
    detail = json.loads(client.cv("POST", "JobDetails", {"jobId": 1251})[2])["job"]["jobDetail"]
    assert "detailInfo" not in detail and detail["progressInfo"]["state"] == "Running"
    assert {"currentPhase", "percentComplete", "elapsedTime", "lastJobUpdateTime"} <= set(detail["progressInfo"])
    emu.advance(4)
    detail = json.loads(client.cv("POST", "JobDetails", {"jobId": 1251})[2])["job"]["jobDetail"]
    assert detail["progressInfo"]["state"] == "Completed" and detail["detailInfo"]["endTime"] > 0


def test_cv_job_details_xml(client):
    client.login_cv()
    body = '<JobManager_JobDetailRequest jobId="1252"><commcell commCellId="2"/></JobManager_JobDetailRequest>'
    status, headers, reply = client.cv("POST", "JobDetails", body, xml=True)
    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(reply)
    assert root.tag == "JobManager_JobDetailResponse"
    detail = root.find("job/jobDetail")
    assert detail.find("generalInfo").get("jobId") == "1252"
    assert detail.find("generalInfo/subclient").get("clientName") == "vcenter01.example.com"
    assert detail.find("detailInfo").get("sizeOfApplication") == "45633966"
    assert [vm.get("Status") for vm in detail.findall("clientStatusInfo/vmStatus")] == ["0", "1"]


def test_cv_xml_escapes_attributes():
    raw = scenario()
    raw["commvault"]["jobs"] = [{"id": 7, "client": 'a&b<"c">', "result": "Failed", "pending_reason": "x & y"}]
    with Emulator(raw) as emu:
        client = Client(emu)
        client.login_cv()
        root = ET.fromstring(client.cv("POST", "JobDetails", '<JobManager_JobDetailRequest jobId="7"/>', xml=True)[2])
        assert root.find("job/jobDetail/generalInfo/subclient").get("clientName") == 'a&b<"c">'


@pytest.mark.parametrize("options,json_reply,xml_tag", [
    ({"unknown_job": "errlist"}, {"error": {"errList": [{"errorCode": 1, "errLogMessage": "Job ID 42 does not exist or you do not have permission"}]}},
     "error"),
    ({"unknown_job": "empty"}, {"job": {}}, None),
    ({"unknown_job": "empty", "wrap_job_detail": True}, {"JobManager_JobDetailResponse": {"job": {}}}, None),
])
def test_cv_unknown_job(options, json_reply, xml_tag):
    with Emulator(scenario(commvault=options)) as emu:
        client = Client(emu)
        client.login_cv()
        assert json.loads(client.cv("POST", "JobDetails", {"jobId": 42})[2]) == json_reply
        root = ET.fromstring(client.cv("POST", "JobDetails", '<JobManager_JobDetailRequest jobId="42"/>', xml=True)[2])
        assert root.tag == "JobManager_JobDetailResponse" and [child.tag for child in root] == ([xml_tag] if xml_tag else [])


def test_cv_old_server_json_variants():
    with Emulator(scenario(commvault={"json_job_details": "root_error"})) as emu:
        client = Client(emu)
        client.login_cv()
        reply = json.loads(client.cv("POST", "JobDetails", {"jobId": 1248, "showAttempt": True})[2])
        assert reply["errorCode"] == -1 and "multiple properties" in reply["errorMessage"]
        assert "job" in json.loads(client.cv("POST", "JobDetails", {"JobManager_JobDetailRequest": {"jobId": 1248}})[2])
        assert ET.fromstring(client.cv("POST", "JobDetails", '<JobManager_JobDetailRequest jobId="1248"/>', xml=True)[2]).find("job") is not None
    with Emulator(scenario(commvault={"json_job_details": "empty"})) as emu:
        client = Client(emu)
        client.login_cv()
        assert json.loads(client.cv("POST", "JobDetails", {"jobId": 1248})[2]) == {"job": {}}


def test_cv_status_case_and_progress_state_when_done():
    with Emulator(scenario(commvault={"status_case": "spaced", "progress_state_when_done": False})) as emu:
        client = Client(emu)
        client.login_cv()
        detail = json.loads(client.cv("POST", "JobDetails", {"jobId": 1250})[2])["job"]["jobDetail"]
        assert "progressInfo" not in detail and "detailInfo" in detail
        jobs = json.loads(client.cv("GET", "Job/1250")[2])["jobs"]
        assert jobs[0]["jobSummary"]["status"] == "completed  w/ one or more  errors"


def _vm_status_json_and_xml(client, job_id):
    """(jobDetail in JSON, vmStatus entries by name in JSON, the same from the XML reply as attribute dicts)."""
    detail = json.loads(client.cv("POST", "JobDetails", {"jobId": job_id})[2])["job"]["jobDetail"]
    root = ET.fromstring(client.cv("POST", "JobDetails", f'<JobManager_JobDetailRequest jobId="{job_id}"/>', xml=True)[2])
    from_xml = {vm.get("vmName"): dict(vm.attrib) for vm in root.findall("job/jobDetail/clientStatusInfo/vmStatus")}
    return detail, {vm["vmName"]: vm for vm in detail["clientStatusInfo"]["vmStatus"]}, from_xml


def test_cv_stale_vm_entry_json_and_xml():
    vcenter = {"client": "vcenter01.example.com", "subclient": "prod-vms"}
    jobs = [
        dict(vcenter, id=2001, start=-600, duration=300, result="Completed", vms=[
            {"name": "vm-a"}, {"name": "vm-old", "backup_end": -90000}, {"name": "vm-c", "status": 2},
            {"name": "vm-gone", "status": 1, "failure_reason": "VM not found", "backup_end": -180000}]),
        dict(vcenter, id=2002, start=-100, duration=None, vms=[{"name": "vm-a"}, {"name": "vm-old", "status": 2, "backup_end": -3600}]),
    ]
    with Emulator(scenario(commvault={"jobs": jobs})) as emu:
        client = Client(emu)
        client.login_cv()
        detail, vms, from_xml = _vm_status_json_and_xml(client, 2001)
        start, end = detail["generalInfo"]["startTime"], detail["detailInfo"]["endTime"]
        assert from_xml == vms and set(VM_STATUS_FIELDS) <= set(vms["vm-old"])
        # The two VMs this job processed share its window; the stale ones show their earlier backups.
        assert (vms["vm-a"]["BackupStartTime"], vms["vm-a"]["BackupEndTime"], vms["vm-a"]["Status"]) == (str(start), str(start + 150), "0")
        assert (vms["vm-c"]["BackupStartTime"], vms["vm-c"]["BackupEndTime"], vms["vm-c"]["Status"]) == (str(start + 150), str(end), "2")
        assert (vms["vm-old"]["BackupEndTime"], vms["vm-old"]["Status"], vms["vm-old"]["FailureReason"]) == (str(start - 89400), "0", "")
        assert (vms["vm-gone"]["BackupEndTime"], vms["vm-gone"]["Status"], vms["vm-gone"]["FailureReason"]) == (str(start - 179400), "1", "VM not found")
        for name in ("vm-old", "vm-gone"):
            assert 0 < int(vms[name]["BackupEndTime"]) - int(vms[name]["BackupStartTime"]) <= 3600
        detail, vms, from_xml = _vm_status_json_and_xml(client, 2002)
        start = detail["generalInfo"]["startTime"]
        assert from_xml == vms and detail["progressInfo"]["state"] == "Running"
        assert (vms["vm-a"]["Status"], vms["vm-old"]["Status"], vms["vm-old"]["BackupEndTime"]) == ("3", "2", str(start - 3500))
    with pytest.raises(ScenarioError, match=r"commvault\.jobs\[0\]\.vms\[0\]\.backup_end: must be before the job's start"):
        load_scenario({"commvault": {"jobs": [{"id": 1, "client": "c", "start": -600, "vms": [{"name": "v", "backup_end": -600}]}]}})


# ---------------------------------------------------------------- Commvault job list

def _listing(client, query="", **headers):
    status, _headers, body = client.cv("GET", "Job" + query, headers={key: str(value) for key, value in headers.items()})
    assert status == 200
    reply = json.loads(body)
    return reply["totalRecordsWithoutPaging"], [job["jobSummary"]["jobId"] for job in reply["jobs"]]


def test_cv_job_list_filters(emu, client):
    client.login_cv()
    assert _listing(client) == (7, [1251, 1255, 1254, 1249, 1248, 1252, 1250])
    assert _listing(client, "?jobFilter=Backup,Restore")[0] == 8
    assert _listing(client, "?jobCategory=Active") == (3, [1251, 1255, 1254])
    assert _listing(client, "?jobCategory=Finished&completedJobLookupTime=3500") == (2, [1249, 1248])
    assert _listing(client, "?clientId=11") == (3, [1255, 1249, 1248])
    emu.advance(2.5)
    assert _listing(client, "?clientId=11")[1][0] == 1256
    status, _headers, body = client.cv("GET", "Job/1252")
    summary = json.loads(body)["jobs"][0]["jobSummary"]
    assert summary["status"] == "Completed w/ one or more errors" and summary["subclient"]["clientName"] == "vcenter01.example.com"
    assert {"jobId", "status", "jobType", "percentComplete", "jobStartTime", "jobEndTime", "lastUpdateTime", "pendingReason",
            "currentPhaseName", "localizedStatus", "destClientName", "sizeOfApplication"} <= set(summary)
    assert json.loads(client.cv("GET", "Job/999999")[2]) == {"totalRecordsWithoutPaging": 0, "jobs": []}


def test_cv_job_list_paging_by_headers_and_xml():
    with Emulator("bulk") as emu:
        client = Client(emu)
        client.login_cv()
        total, first = _listing(client, "?clientId=101")
        assert total == 84 and len(first) == 84
        total, page = _listing(client, "?jobCategory=Finished", limit=100, offset=0)
        assert total == 250 and len(page) == 100
        _total, second = _listing(client, "?jobCategory=Finished", limit=100, offset=100)
        _total, third = _listing(client, "?jobCategory=Finished", limit=100, offset=200)
        assert len(set(page + second + third)) == 250 and len(third) == 50
        assert _listing(client, "?limit=5")[1] == page, "paging is by headers, not query parameters"
        status, _headers, body = client.cv("GET", "Job", xml=True, headers={"limit": "2"})
        root = ET.fromstring(body)
        assert status == 200 and root.tag == "JobManager_JobListResponse" and root.get("totalRecordsWithoutPaging") == "250"
        assert len(root.findall("jobs/jobSummary")) == 2 and root.find("jobs/jobSummary/subclient").get("clientName")


def test_cv_job_kinds_in_listing_and_job_details():
    # The gate lists with this filter; reading it from the client keeps the emulator honest when it grows.
    from ansible_collections.backupops.jobs.plugins.module_utils._commvault import ALL_JOB_TYPES  # pylint: disable=import-outside-toplevel
    kinds = {3001: "Backup", 3002: "Synthetic Full", 3003: "Snap Backup", 3004: "Data Verification", 3005: "Aux Copy", 3006: "Restore"}
    levels = {3001: "Incremental", 3002: "Synthetic Full", 3003: "Incremental", 3004: "N/A", 3005: "N/A", 3006: "N/A"}
    jobs = [{"id": job_id, "client": "db01.example.com", "type": kind, "start": -4000 + job_id % 10 * 100} for job_id, kind in kinds.items()]
    jobs[-1]["dest_client"] = "web01.example.com"
    with Emulator(scenario(commvault={"jobs": jobs})) as emu:
        client = Client(emu)
        client.login_cv()
        reply = json.loads(client.cv("GET", f"Job?jobFilter={ALL_JOB_TYPES}")[2])
        summaries = {job["jobSummary"]["jobId"]: job["jobSummary"] for job in reply["jobs"]}
        assert {job_id: (summary["jobType"], summary["backupLevelName"]) for job_id, summary in summaries.items()} == {
            job_id: (kinds[job_id], levels[job_id]) for job_id in kinds}
        for name in ALL_JOB_TYPES.split(","):
            assert len(_listing(client, f"?jobFilter={name}")[1]) == 1, f"jobFilter={name} names no kind the emulator knows"
        assert sorted(_listing(client)[1]) == [3001, 3002, 3003], "without jobFilter: the backup kinds"
        assert _listing(client, "?jobFilter=")[0] == 6 and _listing(client, "?jobFilter=SYNTHFULL")[1] == [3002]
        assert summaries[3006]["destClientName"] == "web01.example.com"
        for job_id, kind in kinds.items():
            general = json.loads(client.cv("POST", "JobDetails", {"jobId": job_id})[2])["job"]["jobDetail"]["generalInfo"]
            assert (general["operationType"], general["jobType"], general["backupType"]) == (kind, kind, levels[job_id])
            expected_dest = {"clientId": 12, "clientName": "web01.example.com"} if kind == "Restore" else None
            if expected_dest or kind in ("Backup", "Synthetic Full", "Snap Backup"):
                assert general["destinationClient"] == (expected_dest or {"clientId": 0, "clientName": ""})
        root = ET.fromstring(client.cv("POST", "JobDetails", '<JobManager_JobDetailRequest jobId="3006"/>', xml=True)[2])
        assert root.find("job/jobDetail/generalInfo/destinationClient").get("clientName") == "web01.example.com"


# ---------------------------------------------------------------- faults

def test_fault_status_with_retry_after_after_and_count(emu, client):
    client.login_nakivo()
    emu.add_fault(kind="status", status=503, retry_after=2, match={"call": "getJobInfo"}, after=1, count=2)
    assert client.rpc("JobSummaryManagement", "getJobInfo", [[1], 0])[0] == 200
    for dummy in range(2):
        status, headers, body = client.rpc("JobSummaryManagement", "getJobInfo", [[1], 0])
        assert status == 503 and headers["Retry-After"] == "2" and headers["Content-Type"].startswith("text/html") and b"503" in body
    assert client.rpc("JobSummaryManagement", "getJobInfo", [[1], 0])[0] == 200
    assert [entry["fault"] for entry in emu.log[-4:]] == [None, "status", "status", None]


def test_fault_latency_keeps_connection(emu, client):
    client.login_cv()
    emu.add_fault(kind="latency", ms=150, match={"vendor": "commvault"})
    began = time.monotonic()
    assert client.cv("GET", "Job")[0] == 200
    assert time.monotonic() - began >= 0.15
    assert client.cv("GET", "Job")[0] == 200
    assert emu.connections == 1


def test_fault_slow_makes_client_time_out(emu):
    emu.add_fault(kind="slow", seconds=0.6)
    client = Client(emu, timeout=0.2)
    with pytest.raises(socket.timeout):
        client.rpc("AuthenticationManagement", "isLogged", [])
    client.close()
    _wait_idle(emu)


def _wait_idle(emu, limit=5.0):
    """Wait until no request is in flight, so that a request a client gave up on does not spill into the next test."""
    deadline = time.monotonic() + limit
    while emu.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.parametrize("when,error", [("before_reply", http.client.RemoteDisconnected), ("mid_body", http.client.IncompleteRead)])
def test_fault_drop(emu, client, when, error):
    emu.add_fault(kind="drop", when=when)
    with pytest.raises(error):
        client.rpc("AuthenticationManagement", "isLogged", [])
    client.close()
    assert client.rpc("AuthenticationManagement", "isLogged", [])[0] == 200
    assert emu.log[0]["fault"] == "drop"


@pytest.mark.parametrize("body,check", [
    ("html", lambda headers, data: headers["Content-Type"].startswith("text/html") and b"<form" in data),
    ("truncated_json", lambda headers, data: headers["Content-Type"].startswith("application/json") and not _parses(data)),
    ("wrong_content_type", lambda headers, data: headers["Content-Type"].startswith("text/html") and _parses(data)),
    ("garbage", lambda headers, data: not _parses(data)),
    ("xml_doctype", lambda headers, data: b"<!DOCTYPE" in data and headers["Content-Type"].startswith("application/xml")),
    ("xml_billion_laughs", lambda headers, data: b"&lol9;" in data and b'<!ENTITY lol9 "&lol8;' in data),
    ("xml_external_entity", lambda headers, data: b'<!ENTITY xxe SYSTEM "file:///etc/passwd">' in data),
])
def test_fault_body(emu, client, body, check):
    emu.add_fault(kind="body", body=body)
    _status, headers, data = client.rpc("AuthenticationManagement", "isLogged", [])
    assert check(headers, data)
    assert client.rpc("AuthenticationManagement", "isLogged", [])[2].startswith(b"{")


def _parses(data):
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def test_fault_body_xml_on_xml_reply_and_huge(emu, client):
    client.login_cv()
    emu.add_fault(kind="body", body="xml_doctype", match={"call": "JobDetails"})
    reply = client.cv("POST", "JobDetails", '<JobManager_JobDetailRequest jobId="1248"/>', xml=True)[2]
    assert b"<!DOCTYPE JobManager_JobDetailResponse" in reply and b'jobId="1248"' in reply
    emu.add_fault(kind="body", body="huge", size_mb=1, match={"call": "JobDetails"})
    status, _headers, reply = client.cv("POST", "JobDetails", {"jobId": 1248})
    assert status == 200 and len(reply) >= 1024 * 1024 and json.loads(reply)["job"]["jobDetail"]["generalInfo"]["jobId"] == 1248


def test_fault_expire_session_and_login_blocked(emu, client):
    client.login_nakivo()
    emu.add_fault(kind="expire_session", match={"vendor": "nakivo"})
    assert client.nakivo("JobSummaryManagement", "getJobInfo", [[1], 0])["type"] == "exception"
    emu.add_fault(kind="login_blocked", wait_ms=30000)
    data = client.login_nakivo()["data"]
    assert data["result"] == "FAIL_BLOCKED_WAIT" and data["canTry"]["waitTimeLeft"] == 30000
    assert client.login_nakivo()["data"]["result"] == "OK"
    client.login_cv()
    emu.add_fault(kind="expire_session", match={"vendor": "commvault"})
    assert client.cv("GET", "Job")[0] == 401


def test_bad_fault_spec_is_refused(emu):
    with pytest.raises(ValueError):
        emu.add_fault(kind="explode")
    with pytest.raises(ValueError):
        emu.add_fault(kind="status", status=503, colour="red")


# ---------------------------------------------------------------- log, connections, control API

def test_log_fields_and_connection_counting(emu):
    first, second = Client(emu), Client(emu)
    first.login_nakivo()
    first.job_info([1])
    second.login_cv()
    entries = emu.log
    assert [entry["seq"] for entry in entries] == sorted(entry["seq"] for entry in entries)
    login = entries[0]
    assert (login["vendor"], login["call"], login["method"], login["path"], login["status"]) == (
        "nakivo", "AuthenticationManagement.login", "POST", "/c/router", 200)
    assert login["authenticated"] is False and entries[1]["authenticated"] is True and entries[1]["call"] == "JobSummaryManagement.getJobInfo"
    assert login["reply_format"] == "json" and '"login"' in login["body"] and login["headers"]["Content-Type"] == "application/json"
    assert entries[2]["call"] == "Login" and entries[2]["vendor"] == "commvault" and entries[2]["conn"] != login["conn"]
    assert all(entry["ended"] >= entry["started"] >= 0 for entry in entries)
    assert emu.connections == 2 and emu.stats()["requests"] == 3
    emu.clear_log()
    assert emu.log == [] and emu.connections == 0
    first.close()
    second.close()


def test_concurrency_is_measured(emu):
    emu.add_fault(kind="latency", ms=200, count=None)
    clients = [Client(emu) for dummy in range(4)]
    threads = [threading.Thread(target=one.rpc, args=("AuthenticationManagement", "isLogged", [])) for one in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = emu.log
    assert emu.max_in_flight == 4 and emu.connections == 4
    assert max(entry["started"] for entry in entries) < min(entry["ended"] for entry in entries)


def test_control_api(emu):
    client = Client(emu)

    def control(method, name, body=None):
        status, _headers, reply = client.request(method, f"/_emulator/{name}", body, {"Content-Type": "application/json"})
        return status, json.loads(reply)

    health = {"status": "ok", "url": emu.url, "tls": False, "ca_path": None, "clock": pytest.approx(0, abs=5),
              "epoch": pytest.approx(emu.clock.wall(0))}
    assert control("GET", "health") == (200, health)
    assert control("POST", "faults", {"kind": "status", "status": 502})[0] == 200
    assert control("POST", "faults", {"kind": "nonsense"})[0] == 400
    assert client.rpc("AuthenticationManagement", "isLogged", [])[0] == 502
    assert [entry["status"] for entry in control("GET", "log")[1]] == [502]
    assert control("GET", "stats")[1]["requests"] == 1
    assert control("DELETE", "log")[0] == 200 and control("GET", "log")[1] == []
    client.login_nakivo()
    assert control("POST", "expire", {"vendor": "nakivo"})[0] == 200
    assert client.nakivo("AuthenticationManagement", "isLogged", [])["data"] is False
    assert control("POST", "advance", {"seconds": 100})[1]["clock"] >= 100
    control("POST", "faults", {"kind": "status", "status": 500})
    assert control("DELETE", "faults")[0] == 200
    assert control("POST", "reset")[0] == 200 and control("GET", "health")[1]["clock"] < 5
    assert emu.log == []


# ---------------------------------------------------------------- CLI, TLS, scenarios

@contextlib.contextmanager
def cli(*args, scenario_name="basic"):
    """``python -m tests.emulator`` with ``args``, killed and its pipes closed however the test ends."""
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "tests.emulator", "--scenario", scenario_name, *args],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()


def test_cli_prints_url_and_stops_on_sigterm():
    with cli() as process:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        conn.request("GET", "/_emulator/health")
        assert json.loads(conn.getresponse().read())["status"] == "ok"
        conn.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0


def test_cli_tls_prints_ca_path(tmp_path):
    with cli("--tls", "--cert-dir", str(tmp_path)) as process:
        url = process.stdout.readline().strip()
        ca_line = process.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:") and ca_line == f"ca={tmp_path / 'emulator-ca.pem'}"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0


def test_tls_with_ca_file_and_secure_cookie():
    with Emulator("basic", tls=True) as emu:
        assert emu.url.startswith("https://") and os.path.exists(emu.ca_path)
        client = Client(emu)
        status, headers, _body = client.rpc("AuthenticationManagement", "login", ["admin", NAKIVO_PASSWORD, False])
        assert status == 200 and "Secure" in headers["Set-Cookie"]
        unverified = Client(emu, context=ssl.create_default_context())
        with pytest.raises(ssl.SSLCertVerificationError):
            unverified.rpc("AuthenticationManagement", "isLogged", [])
        assert client.nakivo("AuthenticationManagement", "isLogged", [])["data"] is True
    assert not os.path.exists(emu.ca_path)


def test_tls_wrong_hostname():
    with Emulator("basic", tls=True, cert_hostname="wrong.example") as emu:
        with pytest.raises(ssl.SSLCertVerificationError, match="match"):
            Client(emu).rpc("AuthenticationManagement", "isLogged", [])


def test_scenario_validation():
    with pytest.raises(ScenarioError, match=r"nakivo\.jobs\[0\]: unknown key\(s\) naem"):
        load_scenario({"nakivo": {"jobs": [{"id": 1, "name": "x", "naem": "typo"}]}})
    with pytest.raises(ScenarioError, match="lost_session"):
        load_scenario({"nakivo": {"lost_session": "maybe"}})
    with pytest.raises(ScenarioError, match="overlaps"):
        load_scenario({"nakivo": {"jobs": [{"id": 1, "name": "x", "runs": [{"start": 0, "duration": None}, {"start": 5}]}]}})
    with pytest.raises(ScenarioError, match="faults"):
        load_scenario({"faults": [{"kind": "status", "status": 1000}]})
    assert len(load_scenario("demo").nakivo.root.jobs) == 3


def test_scenario_faults_are_rearmed_on_reset():
    raw = scenario()
    raw["faults"] = [{"kind": "status", "status": 502, "match": {"vendor": "commvault"}}]
    with Emulator(raw) as emu:
        client = Client(emu)
        assert client.cv("GET", "Job")[0] == 502
        assert client.cv("GET", "Job")[0] == 401
        emu.reset()
        assert client.cv("GET", "Job")[0] == 502


def test_nakivo_batch_and_stop(emu, client):
    client.login_nakivo()
    batch = [{"action": "AuthenticationManagement", "method": "isLogged", "data": [], "type": "rpc", "tid": 7},
             {"action": "JobManagement", "method": "stop", "data": [{"jobIds": [6]}], "type": "rpc", "tid": 8}]
    status, _headers, body = client.request("POST", "/c/router", batch, {"Cookie": client.cookie})
    assert status == 200 and [(reply["tid"], reply["type"]) for reply in json.loads(body)] == [("7", "rpc"), ("8", "rpc")]
    assert emu.log[-1]["call"] == "AuthenticationManagement.isLogged,JobManagement.stop"
    job = client.job_info([6])[0]
    assert (job["crState"], job["lrState"]) == ("WAITING_SCHEDULE", "STOPPED")
