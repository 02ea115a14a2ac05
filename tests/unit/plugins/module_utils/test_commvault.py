# -*- coding: utf-8 -*-
"""The Commvault client over real HTTP against the emulator: tokens, 401, JSON and XML, errors."""

from __future__ import annotations

import base64
import threading

import pytest

from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultClient
from ansible_collections.backupops.jobs.plugins.module_utils._commvault_record import error_message
from ansible_collections.backupops.jobs.plugins.module_utils._commvault_xml import parse_xml
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError, ApiSession
from ansible_collections.backupops.jobs.tests.emulator import Emulator

PASSWORD = "Cv-pa55word"
PRESET = "QSDK 11112222333344445555666677778888aaaabbbbccccdddd"


def scenario(**commvault):
    base = dict(
        users=[dict(username="admin", password=PASSWORD), dict(username="jdoe", password=PASSWORD, domain="CORP")],
        preset_tokens=[PRESET],
        clients=[dict(name="db01", id=11)],
        jobs=[dict(id=1248, client="db01", subclient="default", backupset="defaultBackupSet", app="Windows File System",
                   type="Backup", backup_type="Full", start=-3600, duration=300, result="Completed", size_bytes=45633966)],
    )
    base.update(commvault)
    return dict(commvault=base)


def client(emu, root="/webconsole/api", told=None, **credentials):
    http = ApiSession(emu.url + root, sleep=lambda seconds: None, on_secret=(told.append if told is not None else None))
    if not credentials:
        credentials = dict(username="admin", password=PASSWORD)
    return CommvaultClient(http, **credentials)


def calls(emu, name):
    return [entry for entry in emu.log if entry["call"] == name]


def test_login_sends_base64_password_and_uses_the_token():
    told = []
    with Emulator(scenario()) as emu:
        with client(emu, told=told) as cv:
            detail, reason = cv.job_detail(1248, "json")
        assert reason is None and detail["generalInfo"]["jobId"] in (1248, "1248")
        login = calls(emu, "Login")[0]
        assert base64.b64encode(PASSWORD.encode()).decode() in login["body"] and PASSWORD not in login["body"]
        token = calls(emu, "JobDetails")[0]["headers"]["Authtoken"]
        assert token.startswith("QSDK ") and token in told
        assert calls(emu, "Logout")[0]["headers"]["Authtoken"] == token


def test_bad_credentials_quote_the_server_and_are_not_retried():
    with Emulator(scenario()) as emu:
        with pytest.raises(ApiError) as failure:
            with client(emu, username="admin", password="wrong"):
                pass
        assert "refused the login for 'admin'" in str(failure.value) and "errorCode" in str(failure.value)
        assert len(calls(emu, "Login")) == 1


def test_domain_user_logs_in():
    with Emulator(scenario()) as emu:
        with client(emu, username="jdoe", password=PASSWORD, domain="CORP") as cv:
            assert cv.job_detail(1248, "json")[0] is not None


@pytest.mark.parametrize("given", [PRESET, PRESET.split(" ", 1)[1]])
def test_a_given_token_is_sent_prefixed_and_never_logged_out(given):
    with Emulator(scenario()) as emu:
        with client(emu, auth_token=given) as cv:
            assert cv.job_detail(1248, "xml")[0] is not None
        assert calls(emu, "JobDetails")[0]["headers"]["Authtoken"] == PRESET
        assert not calls(emu, "Login") and not calls(emu, "Logout")


def test_expired_token_is_renewed_once_for_many_concurrent_requests():
    with Emulator(scenario()) as emu:
        with client(emu) as cv:
            emu.expire_sessions()
            barrier = threading.Barrier(6)
            answers = []

            def read():
                barrier.wait()
                answers.append(cv.job_detail(1248, "json")[0] is not None)

            threads = [threading.Thread(target=read) for dummy in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert answers == [True] * 6
        assert len(calls(emu, "Login")) == 2


def test_given_token_that_expired_without_credentials_is_explained():
    with Emulator(scenario()) as emu:
        emu.expire_sessions()
        with client(emu, auth_token=PRESET) as cv:
            with pytest.raises(ApiError) as failure:
                cv.job_detail(1248, "json")
        assert "rejected the token (HTTP 401)" in str(failure.value)


@pytest.mark.parametrize("unknown_job, fmt, reason", [
    ("errlist", "json", "errorCode"),
    ("errlist", "xml", "errorCode"),
    ("errlist", "auto", "errorCode"),
    ("empty", "json", "an empty job: no such id, or a Web Server that cannot read JSON requests"),
    ("empty", "xml", None),
    ("empty", "auto", None),
])
def test_unknown_job_gives_the_servers_reason(unknown_job, fmt, reason):
    with Emulator(scenario(unknown_job=unknown_job)) as emu:
        with client(emu) as cv:
            detail, why = cv.job_detail(4242, fmt)
            assert detail is None
            assert why is None if reason is None else reason in why
            # An unknown id is no reason to give up JSON for the rest of the run.
            assert cv.json_works is True


def test_wrapped_reply_is_unwrapped():
    with Emulator(scenario(wrap_job_detail=True)) as emu:
        with client(emu) as cv:
            assert cv.job_detail(1248, "json")[0]["generalInfo"]["subclient"]["clientName"] == "db01"


@pytest.mark.parametrize("body, words", [
    ("html", "an HTML page"),
    ("truncated_json", "neither JSON nor XML"),
    ("xml_doctype", "DOCTYPE"),
    ("xml_billion_laughs", "DOCTYPE"),
    ("xml_external_entity", "DOCTYPE"),
])
def test_bad_bodies_are_refused_clearly(body, words):
    with Emulator(scenario()) as emu:
        emu.add_fault(kind="body", body=body, match=dict(call="JobDetails"))
        with client(emu) as cv:
            with pytest.raises(ApiError) as failure:
                cv.job_detail(1248, "xml" if body.startswith("xml") else "json")
        assert words in str(failure.value)


def test_listing_reads_every_page_by_headers():
    jobs = [dict(id=3000 + n, client="db01", subclient="sc%d" % n, type="Backup", start=-5000 + n, duration=10, result="Completed")
            for n in range(1203)]
    with Emulator(scenario(jobs=jobs)) as emu:
        with client(emu) as cv:
            summaries = cv.list_jobs()
        assert len(summaries) == 1203 and len({s["jobId"] for s in summaries}) == 1203
        assert [e["headers"]["offset"] for e in calls(emu, "Job")] == ["0", "500", "1000"]


def test_parse_xml_makes_single_elements_lists_and_keeps_strings():
    doc = parse_xml(b'<r><jobs><jobSummary jobId="5" status="Running"/></jobs><errList errorCode="0"/></r>')
    assert doc == {"r": {"jobs": [{"jobSummary": {"jobId": "5", "status": "Running"}}], "errList": [{"errorCode": "0"}]}}


def test_parse_xml_refuses_entities_even_late_in_a_big_reply():
    body = b"<r>" + b" " * 70000 + b"<!ENTITY x 'y'></r>"
    with pytest.raises(ValueError):
        parse_xml(body)


@pytest.mark.parametrize("body", [
    b"<!DOCTYPE r><r/>",
    b"<!doctype r><r/>",
    b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.com/r.dtd"><r/>',
    b'<!DOCTYPE r [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><r>&b;</r>',
    b'<r><!ENTITY x "y"></r>',
    # In UTF-16: refused before parsing too, the check reads the reply's own encoding.
    '<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'.encode("utf-16"),
    '<!DOCTYPE r SYSTEM "http://example.com/r.dtd"><r/>'.encode("utf-16"),
], ids=["doctype", "lower-case", "external", "entity-bomb", "entity", "utf-16-entity", "utf-16-external"])
def test_parse_xml_refuses_any_dtd(body):
    with pytest.raises(ValueError, match="DOCTYPE or entities"):
        parse_xml(body)


@pytest.mark.parametrize("body", [
    b"", b"text", b"<a>", b"<a></b>", b"<a/><b/>", b"<a>&nbsp;</a>", b'<a x="1" x="2"/>', b"<a>&#0;</a>", b"<a>\xff</a>",
    b"\xff\xfe<", b'<?xml version="1.0" encoding="no-such-codec"?><a/>',
], ids=repr)
def test_parse_xml_malformed_is_a_value_error(body):
    with pytest.raises(ValueError, match="^malformed XML: "):
        parse_xml(body)


def test_parse_xml_deep_nesting_is_no_recursion():
    depth = 50000
    doc = parse_xml(b"<a>" * depth + b"x" + b"</a>" * depth)
    for dummy in range(depth - 1):
        doc = doc["a"]
    assert doc == {"a": "x"}


# The vendor's own XML replies in the JobDetails documentation (the seed), verbatim: fragments whose generalInfo is never closed.
SEED_RUNNING = b"""<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<generalInfo jobId="71" backupType="Incremental" priority="166" totalNumOfFiles="0" startTime="1409775518" jobStartedBy="admin" \
jobStartedFrom="Interactive" systemState="No" softwareCompression="Off">
<subclient subclientName="default" clientName="fall" instanceName="DefaultInstanceName" backupsetName="defaultBackupSet" \
appName="Windows File System" />
<mediaAgent mediaAgentName="fall" />
<storagePolicy storagePolicyName="Protection_SP_001" />
<progressInfo currentPhase="Scan" state="Running" elapsedTime="18" numOfFilesTransferred="0" sizeOfApplication="0" transferTime="0" \
estimatedCompletionTime="0" lastJobUpdateTime="1409775518" percentComplete="0" currentAttemptThroughput="0" averageThroughput="0" \
failures="0 Folders, 0 Files" />
"""
SEED_VM = b"""<?xml version="1.0" encoding="utf-8" ?>
<generalInfo priority="-999" backupType="Full" totalNumOfFiles="-999" jobId="41727" softwareCompression="Storage Policy" systemState="No" \
jobStartedFrom="Interactive" startTime="1453132086" jobStartedBy="Admin">
<subclient clientName="vsa6" instanceName="VMware" appName="Virtual Server" backupsetName="defaultBackupSet" subclientName="VMowner2" />
<detailInfo sizeOfApplication="4571424148" failures="0 Folders, 0 Files" transferTime="262" unCompressedBytes="4.571424E+09" \
dataWritten="3753892644" dataXferedNetwork="1248933901" numOfStreams="1" numOfObjects="4391" savingsPercent="0" startTime="1453132086" \
endTime="1453132426" compressedBytes="3.741148E+09" />
<vmStatus OperatingSystem="Microsoft Windows Server 2012 (64-bit)" Size="5396461258" UsedSpace="4570742784" ArchivedByCurrentJob="0" \
CBTStatus="Used" BackupType="2" GuestSize="5218408448" Status="0" Agent="VSA_cn" vmName="kvm3" ToolsVersion="Out of date" clientId="4007" \
GUID="5036e64d-897f-f1e9-229d-c05df054d58a" Host="" HardwareVersion="vmx-07" StubStatus="0" BackupEndTime="1453132375" FailureReason="" \
BackupStartTime="1453132139" TransportMode="hotadd" PoweredOffByCurrentJob="0" PoweredOffSince="0" />
"""


def test_parse_xml_seed_replies_read_as_documented():
    running = parse_xml(SEED_RUNNING + b"</generalInfo>")["generalInfo"]
    assert running["jobId"] == "71" and running["progressInfo"]["state"] == "Running" and running["subclient"]["clientName"] == "fall"
    vm = parse_xml(SEED_VM + b"</generalInfo>")["generalInfo"]
    assert len(vm["vmStatus"]) == 1 and vm["vmStatus"][0]["vmName"] == "kvm3" and vm["vmStatus"][0]["Host"] == ""


@pytest.mark.parametrize("doc, expected", [
    ({"errList": [{"errorCode": 2, "errLogMessage": "Job not found"}]}, "Job not found (errorCode 2)"),
    ({"error": {"errList": [{"errorCode": "5", "errLogMessage": "x"}]}}, "x (errorCode 5)"),
    ({"errorCode": -1, "errorMessage": "JSON root object has multiple properties"}, "JSON root object has multiple properties (errorCode -1)"),
    ({"errList": [], "token": "QSDK x"}, None),
    ({"errorCode": 0}, None),
    ("text", None),
])
def test_error_message_reads_every_error_shape(doc, expected):
    assert error_message(doc) == expected
