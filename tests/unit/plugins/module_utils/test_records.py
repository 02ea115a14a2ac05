"""Unit tests for the job record: _record.py (states, converters, summary), _time.py, _nakivo_record.py and
_commvault_record.py (vendor record -> common job record)."""

from __future__ import annotations

import copy
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.backupops.jobs.plugins.module_utils import _commvault_record as CV
from ansible_collections.backupops.jobs.plugins.module_utils import _nakivo_record as NK
from ansible_collections.backupops.jobs.plugins.module_utils import _record as R
from ansible_collections.backupops.jobs.plugins.module_utils import _time as T

RECORD_KEYS = {"platform", "id", "name", "type", "state", "active", "vendor_state", "progress", "next_run_at",
               "started_at", "finished_at", "duration_s", "bytes_transferred", "bytes_protected", "objects", "hosts",
               "enabled", "series", "raw"}


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, float) or is_int(value)


def normalized(record):
    """Everything but raw."""
    return {key: value for key, value in record.items() if key != "raw"}


# ---------------------------------------------------------------------------
# Public constants
# ---------------------------------------------------------------------------

def test_state_vocabulary():
    assert R.STATES == ("running", "queued", "paused", "stopping", "succeeded", "warning", "partial",
                        "failed", "stopped", "never_run", "unknown")
    assert R.ACTIVE_STATES == frozenset(("running", "queued", "paused", "stopping"))
    assert R.OBJECT_STATES == R.STATES + ("skipped",)


# ---------------------------------------------------------------------------
# Converters
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("45633966", 45633966),
    (45633966, 45633966),
    ("4.571424E+09", 4571424000),
    ("3.741148e+09", 3741148000),
    ("76.15", 76.15),
    (" 12 ", 12),
    ("-999", -999),
    ("0", 0),
    (0, 0),
    (2.25, 2.25),
    (4571424000.0, 4571424000),
    ("76.0", 76),
    (None, None),
    ("", None),
    ("   ", None),
    ("abc", None),
    ("12abc", None),
    ("1,234", None),
    ("1_000", None),
    ("nan", None),
    ("inf", None),
    ("-Infinity", None),
    ("1e400", None),
    (float("nan"), None),
    (float("inf"), None),
    (True, None),
    (False, None),
    ([], None),
    ({}, None),
    ([1], None),
    (2 ** 63, None),
    (-(2 ** 63), None),
    pytest.param(10 ** 5000, None, id="huge-int"),
    ("9" * 5000, None),
    (2 ** 63 - 1, 2 ** 63 - 1),
])
def test_to_number(value, expected):
    result = R.to_number(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("value, expected", [
    ("2017-08-11T01:00:01.686Z", "2017-08-11T01:00:01.686Z"),
    ("2024-05-09T15:54:54.092+07:00", "2024-05-09T08:54:54.092Z"),
    ("2024-05-09T15:54:54.092+0700", "2024-05-09T08:54:54.092Z"),
    ("2024-05-09T15:54:54+07:00", "2024-05-09T08:54:54Z"),
    ("2024-05-09T15:54:54+0700", "2024-05-09T08:54:54Z"),
    ("2024-05-09T15:54:54+07", "2024-05-09T08:54:54Z"),
    ("2024-05-09T15:54:54Z", "2024-05-09T15:54:54Z"),
    ("2024-05-09T15:54:54.000Z", "2024-05-09T15:54:54Z"),
    ("2024-05-09T15:54:54.5Z", "2024-05-09T15:54:54.500Z"),
    ("2024-05-09T15:54:54.123456789Z", "2024-05-09T15:54:54.123Z"),
    ("2024-05-09T15:54:54,25Z", "2024-05-09T15:54:54.250Z"),
    ("2024-05-09T22:30:00-05:30", "2024-05-10T04:00:00Z"),
    ("2024-05-09T22:30:00-0530", "2024-05-10T04:00:00Z"),
    ("2024-01-01T03:00:00+07:00", "2023-12-31T20:00:00Z"),
    ("2024-05-09 15:54:54Z", "2024-05-09T15:54:54Z"),
    ("2024-05-09t15:54:54z", "2024-05-09T15:54:54Z"),
    ("  2024-05-09T15:54:54Z  ", "2024-05-09T15:54:54Z"),
    ("2024-05-09T15:54Z", "2024-05-09T15:54:00Z"),
    ("2024-05-09T15:54:54", "2024-05-09T15:54:54Z"),  # no offset: taken as UTC
    (None, None),
    ("", None),
    ("garbage", None),
    ("2024-05-09", None),
    ("2024-13-09T15:54:54Z", None),
    ("2024-02-30T15:54:54Z", None),
    ("2024-05-09T25:54:54Z", None),
    ("2024-05-09T15:54:54+25:00", None),
    ("2024-05-09T15:54:54+07:99", None),
    ("2024-05-09T15:54:54Zjunk", None),
    ("0001-01-01T00:00:00+01:00", None),
    ("Thu May 09 15:54:54 ICT 2024", None),
    (1715244894, None),
    (True, None),
    ({"date": "2024-05-09T15:54:54Z"}, None),
    (["2024-05-09T15:54:54Z"], None),
])
def test_iso_utc(value, expected):
    assert T.iso_utc(value) == expected


@pytest.mark.parametrize("value, expected", [
    (1453132086, "2016-01-18T15:48:06Z"),
    ("1453132086", "2016-01-18T15:48:06Z"),
    (" 1453132086 ", "2016-01-18T15:48:06Z"),
    (1453132086.0, "2016-01-18T15:48:06Z"),
    ("1.453132086E+09", "2016-01-18T15:48:06Z"),
    (1453132086.25, "2016-01-18T15:48:06.250Z"),
    (1453132086.1, "2016-01-18T15:48:06.100Z"),
    (1453132086.9999, "2016-01-18T15:48:07Z"),
    ("1453132086.5", "2016-01-18T15:48:06.500Z"),
    (1, "1970-01-01T00:00:01Z"),
    (0, None),
    ("0", None),
    (0.0, None),
    (None, None),
    ("", None),
    (-5, None),
    ("junk", None),
    (True, None),
    ([1453132086], None),
    (10 ** 15, None),
    (2 ** 70, None),
])
def test_unix_to_iso(value, expected):
    assert T.unix_to_iso(value) == expected


# ---------------------------------------------------------------------------
# NAKIVO
# ---------------------------------------------------------------------------

NK_WORDS = ("WAITING_DEMAND", "WAITING_SCHEDULE", "RUNNING", "OK", "FAILED", "STOPPED", None, "BOGUS")


def expected_nakivo_state(cr_state, lr_state, has_last_run):
    """The job-record.md table, written out independently."""
    direct = {"RUNNING": "running", "OK": "succeeded", "FAILED": "failed", "STOPPED": "stopped"}
    if cr_state in direct:
        return direct[cr_state]
    if cr_state in ("WAITING_DEMAND", "WAITING_SCHEDULE"):
        if has_last_run is False or lr_state is None:
            return "never_run"
        return {"OK": "succeeded", "FAILED": "failed", "STOPPED": "stopped"}.get(lr_state, "unknown")
    return "unknown"


@pytest.mark.parametrize("cr_state, lr_state, has_last_run",
                         list(itertools.product(NK_WORDS, NK_WORDS, (True, False, None))))
def test_nakivo_state_every_combination(cr_state, lr_state, has_last_run):
    expected = expected_nakivo_state(cr_state, lr_state, has_last_run)
    assert NK.nakivo_state(cr_state, lr_state, has_last_run) == expected
    record = NK.nakivo_record({"id": 1, "name": "j", "crState": cr_state, "lrState": lr_state, "hasLastRun": has_last_run})
    assert record["state"] == expected
    assert record["active"] is (expected == "running")
    assert record["vendor_state"] == "%s/%s" % (cr_state if cr_state is not None else "null",
                                                lr_state if lr_state is not None else "null")


@pytest.mark.parametrize("cr_state, lr_state, expected", [
    ("WAITING_SCHEDULE", "OK", "succeeded"),
    ("WAITING_DEMAND", "FAILED", "failed"),
    ("WAITING_SCHEDULE", "STOPPED", "stopped"),
    ("waiting_schedule", "ok", "succeeded"),
    ("  Waiting_Demand ", " failed ", "failed"),
    ("running", None, "running"),
    ("Running", "OK", "running"),
    ("WAITING DEMAND", "OK", "succeeded"),
])
def test_nakivo_state_case_and_spacing(cr_state, lr_state, expected):
    assert NK.nakivo_state(cr_state, lr_state, True) == expected


def test_nakivo_state_has_last_run_false_wins():
    assert NK.nakivo_state("WAITING_SCHEDULE", "OK", False) == "never_run"
    assert NK.nakivo_state("WAITING_SCHEDULE", "OK", "false") == "never_run"
    assert NK.nakivo_state("WAITING_SCHEDULE", None, True) == "never_run"
    assert NK.nakivo_state("WAITING_SCHEDULE", "OK", None) == "succeeded"
    assert NK.nakivo_state(5, "OK", True) == "unknown"
    assert NK.nakivo_state("WAITING_SCHEDULE", ["OK"], True) == "unknown"


def nakivo_job(**fields):
    job = {
        "name": "copy to nas01", "id": 69, "vid": "JOB-69", "jobType": "BACKUP_COPY",
        "crState": "WAITING_SCHEDULE", "crDate": None, "crProgress": 0,
        "hasLastRun": True, "lrState": "OK",
        "lrDate": "2024-05-09T15:54:54.092+07:00", "lrFinishDate": "2024-05-09T16:04:54.092+0700",
        "lrDurationMs": 600000, "lrDataKb": 2048, "sourcesSize": 45633966, "isEnabled": True,
        "schedules": [], "objects": [],
    }
    job.update(fields)
    return job


def test_nakivo_idle_record():
    raw = nakivo_job()
    record = NK.nakivo_record(raw)
    assert set(record) == RECORD_KEYS
    assert record["raw"] is raw
    assert normalized(record) == {
        "platform": "nakivo", "id": 69, "name": "copy to nas01", "type": "backup_copy",
        "state": "succeeded", "active": False, "vendor_state": "WAITING_SCHEDULE/OK", "progress": 100,
        "next_run_at": None, "started_at": "2024-05-09T08:54:54.092Z", "finished_at": "2024-05-09T09:04:54.092Z",
        "duration_s": 600, "bytes_transferred": 2048 * 1024, "bytes_protected": 45633966, "objects": [],
        "hosts": [], "enabled": True, "series": "job 69",
    }


def test_nakivo_running_record():
    record = NK.nakivo_record(nakivo_job(crState="RUNNING", crDate="2024-06-01T10:00:00.5+02:00", crProgress=67))
    assert record["state"] == "running"
    assert record["active"] is True
    assert record["vendor_state"] == "RUNNING/OK"
    assert record["started_at"] == "2024-06-01T08:00:00.500Z"
    assert record["finished_at"] is None
    assert record["duration_s"] is None
    assert record["progress"] == 67
    # bytes_transferred is the last finished run's figure
    assert record["bytes_transferred"] == 2048 * 1024


def test_nakivo_failed_keeps_last_figure():
    record = NK.nakivo_record(nakivo_job(lrState="FAILED", crProgress=40, lrDurationMs=1500))
    assert record["state"] == "failed"
    assert record["progress"] == 40
    assert record["duration_s"] == 1.5
    record = NK.nakivo_record(nakivo_job(lrState="FAILED", crProgress=None))
    assert record["progress"] is None


def test_nakivo_never_run():
    record = NK.nakivo_record(nakivo_job(crState="WAITING_DEMAND", lrState=None, hasLastRun=False, lrDate=None,
                                         lrFinishDate=None, lrDurationMs=None, lrDataKb=None))
    assert record["state"] == "never_run"
    assert record["vendor_state"] == "WAITING_DEMAND/null"
    assert record["progress"] is None
    assert record["started_at"] is None and record["finished_at"] is None and record["duration_s"] is None
    assert record["bytes_transferred"] is None


def test_nakivo_duration_from_dates_when_no_duration_ms():
    record = NK.nakivo_record(nakivo_job(lrDurationMs=None))
    assert record["duration_s"] == 600


@pytest.mark.parametrize("job_type, expected", [
    ("BACKUP", "backup"), ("REPLICATION", "replication"), ("BACKUP_COPY", "backup_copy"),
    ("RECOVERY_VMS", "recovery_vms"), ("FLASH_BOOT", "flash_boot"), ("Aux Copy", "aux_copy"),
    ("  Site -- Recovery  ", "site_recovery"), ("", None), (None, None), (7, None),
])
def test_type_normalization(job_type, expected):
    assert NK.nakivo_record(nakivo_job(jobType=job_type))["type"] == expected


def test_nakivo_numbers_as_strings():
    record = NK.nakivo_record(nakivo_job(id="69", lrDataKb="2", sourcesSize="4.571424E+09", lrDurationMs="600000"))
    assert record["id"] == 69
    assert record["bytes_transferred"] == 2048
    assert record["bytes_protected"] == 4571424000
    assert record["duration_s"] == 600


@pytest.mark.parametrize("job_active, cr_state, lr_state, expected", [
    # while the job runs: the object's current state
    (True, "RUNNING", "SUCCEEDED", "running"),
    (True, "WAITING", "SUCCEEDED", "queued"),
    (True, "SUCCEEDED", "FAILED", "succeeded"),
    (True, "FAILED", "SUCCEEDED", "failed"),
    (True, "STOPPED", "SUCCEEDED", "stopped"),
    (True, "SKIPPED", "SUCCEEDED", "skipped"),
    (True, "running", None, "running"),
    (True, "SCHEDULED", "FAILED", "failed"),
    (True, "DEMAND", "SUCCEEDED", "succeeded"),
    (True, "SCHEDULED", None, "never_run"),
    (True, None, None, "never_run"),
    (True, None, "STOPPED", "stopped"),
    (True, "WHATEVER", "SUCCEEDED", "unknown"),
    # job idle: the object's last state
    (False, "SCHEDULED", "SUCCEEDED", "succeeded"),
    (False, "DEMAND", "FAILED", "failed"),
    (False, "SCHEDULED", "STOPPED", "stopped"),
    (False, "SCHEDULED", "SKIPPED", "skipped"),
    (False, "RUNNING", "SUCCEEDED", "succeeded"),
    (False, "SCHEDULED", None, "never_run"),
    (False, None, None, "never_run"),
    (False, "DEMAND", "DEMAND", "never_run"),
    (False, "SCHEDULED", " succeeded ", "succeeded"),
    (False, "SCHEDULED", "BOGUS", "unknown"),
    (False, "SCHEDULED", 3, "unknown"),
])
def test_nakivo_object_states(job_active, cr_state, lr_state, expected):
    job = nakivo_job(crState="RUNNING" if job_active else "WAITING_SCHEDULE",
                     objects=[{"sourceName": "vm1", "crState": cr_state, "lrState": lr_state}])
    objects = NK.nakivo_record(job)["objects"]
    # Without the lrVm* counts the Director does not say whether an idle job's object state is its last run's.
    this_run = True if job_active or expected == "never_run" else None
    assert objects == [{"name": "vm1", "state": expected, "finished_at": None, "this_run": this_run}]
    assert expected in R.OBJECT_STATES


def test_nakivo_objects_shapes():
    objects = [
        {"sourceName": "vm1", "crState": "SCHEDULED", "lrState": "SUCCEEDED"},
        "junk", None, 5,
        {"sourceVid": "vm-2", "lrState": "FAILED"},
        {"lrState": "FAILED"},
    ]
    result = NK.nakivo_record(nakivo_job(objects=objects))["objects"]
    assert [(o["name"], o["state"]) for o in result] == [("vm1", "succeeded"), ("vm-2", "failed"), (None, "failed")]
    single = NK.nakivo_record(nakivo_job(objects={"sourceName": "vm1", "lrState": "SKIPPED"}))["objects"]
    assert single == [{"name": "vm1", "state": "skipped", "finished_at": None, "this_run": None}]
    assert NK.nakivo_record(nakivo_job(objects=None))["objects"] == []
    assert NK.nakivo_record(nakivo_job(objects="vm1"))["objects"] == []


@pytest.mark.parametrize("schedules, expected", [
    ([], None),
    (None, None),
    ([{"enabled": False, "nextRun": "2024-05-10T00:00:00Z"}], None),
    ([{"enabled": True, "nextRun": None}], None),
    ([{"enabled": True, "nextRun": "garbage"}], None),
    ([{"enabled": True, "nextRun": "2024-05-10T00:00:00Z"}], "2024-05-10T00:00:00Z"),
    ({"enabled": True, "nextRun": "2024-05-10T00:00:00Z"}, "2024-05-10T00:00:00Z"),
    ([{"enabled": "true", "nextRun": "2024-05-10T00:00:00Z"}], "2024-05-10T00:00:00Z"),
    ([{"enabled": 1, "nextRun": "2024-05-10T00:00:00Z"}], None),
    ([{"nextRun": "2024-05-10T00:00:00Z"}], None),
    # the earliest enabled one, whatever its form; disabled earlier ones ignored
    ([{"enabled": False, "nextRun": "2024-05-09T00:00:00Z"},
      {"enabled": True, "nextRun": "2024-05-10T06:30:00.250+07:00"},
      {"enabled": True, "nextRun": "2024-05-10T00:00:00.500+0100"},
      {"enabled": True, "nextRun": "2024-05-10T01:00:00Z"},
      "junk", {"enabled": True}],
     "2024-05-09T23:00:00.500Z"),
])
def test_nakivo_next_run_at(schedules, expected):
    assert NK.nakivo_record(nakivo_job(schedules=schedules))["next_run_at"] == expected


def test_nakivo_next_run_at_disabled_job():
    schedules = [{"enabled": True, "nextRun": "2024-05-10T00:00:00Z"}]
    assert NK.nakivo_record(nakivo_job(isEnabled=False, schedules=schedules))["next_run_at"] is None
    assert NK.nakivo_record(nakivo_job(isEnabled=None, schedules=schedules))["next_run_at"] == "2024-05-10T00:00:00Z"


def test_nakivo_name_fallbacks():
    assert NK.nakivo_record({"id": 5, "vid": "JOB-5"})["name"] == "JOB-5"
    assert NK.nakivo_record({"id": 5})["name"] == "job 5"
    assert NK.nakivo_record({})["name"] is None
    assert NK.nakivo_record({"id": 2 ** 80})["id"] is None


@pytest.mark.parametrize("raw", [None, [], "job", 5, [{"id": 1}]])
def test_nakivo_rejects_non_dict(raw):
    with pytest.raises(ValueError, match="NAKIVO"):
        NK.nakivo_record(raw)


def test_nakivo_raw_not_copied_or_changed():
    raw = nakivo_job(objects=[{"sourceName": "vm1", "lrState": "SUCCEEDED"}])
    before = copy.deepcopy(raw)
    record = NK.nakivo_record(raw)
    assert record["raw"] is raw
    assert raw == before


# ---------------------------------------------------------------------------
# Commvault
# ---------------------------------------------------------------------------

CV_STATUSES = {
    "Running": "running",
    "Running (cannot be verified)": "running",
    "Waiting": "queued",
    "Pending": "queued",
    "Queued": "queued",
    "Suspend Pending": "paused",
    "Suspend": "paused",
    "Suspended": "paused",
    "Kill Pending": "stopping",
    "Interrupt Pending": "stopping",
    "Interrupted": "stopped",
    "Completed": "succeeded",
    "Completed w/ one or more warnings": "warning",
    "Completed w/ one or more errors": "partial",
    "Committed": "partial",
    "Failed": "failed",
    "Failed to Start": "failed",
    "Killed": "stopped",
    "Abnormal Terminated Cleanup": "failed",
    "Web Server Error": "unknown",
}


def variants(status):
    yield status
    yield status.lower()
    yield status.upper()
    yield "  " + status.replace(" ", "   ") + " "
    yield status.title().replace(" ", "\t")


@pytest.mark.parametrize("status, expected",
                         [(v, e) for s, e in CV_STATUSES.items() for v in variants(s)])
def test_commvault_state_strings(status, expected):
    assert CV.commvault_state(status) == expected
    record = CV.commvault_record({"generalInfo": {"jobId": 1}, "progressInfo": {"state": status}})
    assert record["state"] == expected
    assert record["vendor_state"] == status
    assert record["active"] is (expected in R.ACTIVE_STATES)


@pytest.mark.parametrize("status", [
    "completed  w/ one or more  ERRORS", "Completed w/one or more errors", "COMPLETED W/ ONE OR MORE ERRORS",
])
def test_commvault_state_odd_spacing(status):
    assert CV.commvault_state(status) == "partial"


@pytest.mark.parametrize("status", [None, "", "Something new", "Complete", 0, ["Completed"], {"state": "Running"}, True])
def test_commvault_state_unknown(status):
    assert CV.commvault_state(status) == "unknown"


def cv_json_completed():
    """The seed's JSON job 1248 (completed), with two VMs."""
    return {
        "generalInfo": {
            "jobId": 1248, "operationType": "Backup", "backupType": "Full", "startTime": 1636452844,
            "opType": 4, "jobAttributes": 288230376151711744,
            "subclient": {"clientName": "skma_2", "displayName": "skma_2", "subclientName": "s-1",
                          "clientId": 1325, "appName": "Windows File System"},
        },
        "progressInfo": {"state": "Completed", "numOfFilesTransferred": 75, "percentComplete": 100},
        "detailInfo": {
            "sizeOfApplication": "45633966", "dataWritten": "10881688", "dataXferedNetwork": "10895704",
            "startTime": 1636452844, "endTime": 1636453101, "unCompressedBytes": 45633966,
            "savingsPercent": "76.15", "numOfObjects": 75,
        },
        "clientStatusInfo": {"vmStatus": [
            {"vmName": "vm-a", "Status": 0, "BackupEndTime": 1636453000, "BackupStartTime": 1636452900},
            {"vmName": "vm-b", "Status": 2, "BackupEndTime": 1636453050, "BackupStartTime": 1636452900},
        ]},
    }


CV_XML_COMPLETED = """<?xml version="1.0" encoding="UTF-8"?>
<JobManager_JobDetailResponse><job><jobDetail>
<generalInfo jobId="1248" operationType="Backup" backupType="Full" startTime="1636452844" opType="4"
  jobAttributes="288230376151711744">
<subclient clientName="skma_2" displayName="skma_2" subclientName="s-1" clientId="1325" appName="Windows File System"/>
</generalInfo>
<progressInfo state="Completed" numOfFilesTransferred="75" percentComplete="100"/>
<detailInfo sizeOfApplication="45633966" dataWritten="10881688" dataXferedNetwork="10895704" startTime="1636452844"
  endTime="1636453101" unCompressedBytes="4.5633966E+07" savingsPercent="76.15" numOfObjects="75"/>
<clientStatusInfo>
<vmStatus vmName="vm-a" Status="0" BackupEndTime="1636453000" BackupStartTime="1636452900"/>
<vmStatus vmName="vm-b" Status="2" BackupEndTime="1636453050" BackupStartTime="1636452900"/>
</clientStatusInfo>
</jobDetail></job></JobManager_JobDetailResponse>
"""

CV_EXPECTED_COMPLETED = {
    "platform": "commvault", "id": 1248, "name": "skma_2/s-1", "type": "backup", "state": "succeeded",
    "active": False, "vendor_state": "Completed", "progress": 100, "next_run_at": None,
    "started_at": "2021-11-09T10:14:04Z", "finished_at": "2021-11-09T10:18:21Z", "duration_s": 257,
    "bytes_transferred": 10895704, "bytes_protected": 45633966,
    "objects": [
        {"name": "vm-a", "state": "succeeded", "finished_at": "2021-11-09T10:16:40Z", "this_run": True},
        {"name": "vm-b", "state": "partial", "finished_at": "2021-11-09T10:17:30Z", "this_run": True},
    ],
    "hosts": ["skma_2", "vm-a", "vm-b"], "enabled": None,
    "series": "skma_2/Windows File System///s-1",
}


def test_commvault_json_completed():
    raw = cv_json_completed()
    record = CV.commvault_record(raw)
    assert set(record) == RECORD_KEYS
    assert record["raw"] is raw
    assert normalized(record) == CV_EXPECTED_COMPLETED


def test_commvault_json_and_xml_give_the_same_record():
    xmltodict = pytest.importorskip("xmltodict")
    parsed = xmltodict.parse(CV_XML_COMPLETED, attr_prefix="")
    from_xml = CV.commvault_record(parsed)
    from_json = CV.commvault_record({"job": {"jobDetail": cv_json_completed()}})
    assert normalized(from_xml) == normalized(from_json) == CV_EXPECTED_COMPLETED
    assert from_xml["raw"] is parsed


def stringify(value):
    """An XML-shaped copy: every scalar a string, one-element lists as the element itself."""
    if isinstance(value, dict):
        return {key: stringify(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [stringify(item) for item in value]
        return items[0] if len(items) == 1 else items
    if value is None:
        return None
    return str(value)


def test_commvault_xml_shaped_single_vm_dict():
    json_job = cv_json_completed()
    json_job["clientStatusInfo"]["vmStatus"] = json_job["clientStatusInfo"]["vmStatus"][:1]
    xml_job = stringify(json_job)
    assert isinstance(xml_job["clientStatusInfo"]["vmStatus"], dict)
    assert xml_job["generalInfo"]["jobId"] == "1248"
    one = normalized(CV.commvault_record(json_job))
    assert one == normalized(CV.commvault_record(xml_job))
    assert one["objects"] == [{"name": "vm-a", "state": "succeeded", "finished_at": "2021-11-09T10:16:40Z", "this_run": True}]


def cv_running_xml_seed():
    """The seed's first XML reply (job 71, running), as xmltodict gives it."""
    return {
        "generalInfo": {"jobId": "71", "backupType": "Incremental", "startTime": "1409775518",
                        "subclient": {"subclientName": "default", "clientName": "fall", "appName": "Windows File System"}},
        "progressInfo": {"currentPhase": "Scan", "state": "Running", "elapsedTime": "18", "sizeOfApplication": "0",
                         "percentComplete": "0", "lastJobUpdateTime": "1409775518"},
    }


def test_commvault_running_from_xml_seed():
    record = CV.commvault_record({"JobManager_JobDetailResponse": {"job": {"jobDetail": cv_running_xml_seed()}}})
    assert normalized(record) == {
        "platform": "commvault", "id": 71, "name": "fall/default", "type": None, "state": "running",
        "active": True, "vendor_state": "Running", "progress": 0, "next_run_at": None,
        "started_at": "2014-09-03T20:18:38Z", "finished_at": None, "duration_s": 18,
        "bytes_transferred": None, "bytes_protected": 0,
        "objects": [{"name": "fall", "state": "running", "finished_at": None, "this_run": True}],
        "hosts": ["fall"], "enabled": None, "series": "fall/Windows File System///default",
    }
    as_json = cv_running_xml_seed()
    as_json["generalInfo"].update(jobId=71, startTime=1409775518)
    as_json["progressInfo"].update(elapsedTime=18, percentComplete=0, sizeOfApplication=0)
    assert normalized(CV.commvault_record(as_json)) == normalized(record)


def test_commvault_active_ignores_end_time_and_uses_elapsed():
    job = cv_json_completed()
    job["progressInfo"] = {"state": "Suspended", "percentComplete": "42.7", "elapsedTime": "300"}
    record = CV.commvault_record(job)
    assert record["state"] == "paused" and record["active"] is True
    assert record["finished_at"] is None
    assert record["duration_s"] == 300
    assert record["progress"] == 42
    job["progressInfo"]["percentComplete"] = "42%"
    assert CV.commvault_record(job)["progress"] == 42


def test_commvault_vm_running_while_active_without_end_time():
    job = cv_json_completed()
    job["progressInfo"] = {"state": "Running", "percentComplete": 50}
    job["clientStatusInfo"]["vmStatus"] = [
        {"vmName": "done", "Status": "0", "BackupEndTime": "1636453000"},
        {"vmName": "busy", "Status": "1", "BackupEndTime": "0"},
        {"vmName": "new", "Status": "3"},
    ]
    objects = CV.commvault_record(job)["objects"]
    assert [(o["name"], o["state"]) for o in objects] == [("done", "succeeded"), ("busy", "running"), ("new", "running")]


def test_commvault_vm_without_end_time_on_finished_job_keeps_its_code():
    job = cv_json_completed()
    job["clientStatusInfo"]["vmStatus"] = [{"vmName": "never", "Status": "1", "BackupEndTime": "0"},
                                           {"vmName": "gone", "Status": 0}]
    objects = CV.commvault_record(job)["objects"]
    assert objects == [{"name": "never", "state": "failed", "finished_at": None, "this_run": None},
                       {"name": "gone", "state": "succeeded", "finished_at": None, "this_run": None}]


@pytest.mark.parametrize("code, expected", [
    ("0", "succeeded"), (0, "succeeded"), ("1", "failed"), (1, "failed"), ("2", "partial"), ("3", "running"),
    ("7", "unknown"), ("-1", "unknown"), (None, "unknown"), ("", "unknown"), ("Completed", "succeeded"), ([0], "unknown"),
])
def test_commvault_vm_status_codes(code, expected):
    job = cv_json_completed()
    job["clientStatusInfo"]["vmStatus"] = {"vmName": "vm", "Status": code, "BackupEndTime": "1636453000"}
    assert CV.commvault_record(job)["objects"][0]["state"] == expected


def test_commvault_vm_status_single_vs_list():
    job = cv_json_completed()
    vm = job["clientStatusInfo"]["vmStatus"][0]
    job["clientStatusInfo"]["vmStatus"] = vm
    single = CV.commvault_record(job)["objects"]
    job["clientStatusInfo"]["vmStatus"] = [vm]
    assert CV.commvault_record(job)["objects"] == single
    assert len(single) == 1


def test_commvault_objects_without_vm_status():
    job = cv_json_completed()
    del job["clientStatusInfo"]
    job["progressInfo"]["state"] = "Completed w/ one or more warnings"
    assert CV.commvault_record(job)["objects"] == [
        {"name": "skma_2", "state": "warning", "finished_at": "2021-11-09T10:18:21Z", "this_run": True}]
    job["generalInfo"]["subclient"] = {}
    assert CV.commvault_record(job)["objects"] == []


@pytest.mark.parametrize("subclient, job_id, expected", [
    ({"clientName": "c", "subclientName": "s"}, 5, "c/s"),
    ({"clientName": "c", "displayName": "d", "subclientName": "s"}, 5, "c/s"),
    ({"displayName": "d", "subclientName": "s"}, 5, "d/s"),
    ({"clientName": "c", "displayName": "d"}, 5, "d"),
    ({"clientName": "c"}, 5, "c"),
    ({"clientName": "", "subclientName": "s"}, 5, "job 5"),
    ({}, 5, "job 5"),
    ("junk", 5, "job 5"),
    ({}, None, None),
])
def test_commvault_name_fallbacks(subclient, job_id, expected):
    job = {"generalInfo": {"jobId": job_id, "subclient": subclient}, "progressInfo": {"state": "Completed"}}
    assert CV.commvault_record(job)["name"] == expected


def test_commvault_type_sources():
    base = {"progressInfo": {"state": "Completed"}}
    assert CV.commvault_record(dict(base, generalInfo={"operationType": "Aux Copy", "jobType": "x"}))["type"] == "aux_copy"
    assert CV.commvault_record(dict(base, generalInfo={"jobType": "Restore"}))["type"] == "restore"
    assert CV.commvault_record(base, summary={"jobType": "Backup"})["type"] == "backup"


def test_commvault_bytes():
    job = cv_json_completed()
    del job["detailInfo"]["dataXferedNetwork"]
    assert CV.commvault_record(job)["bytes_transferred"] == 10881688
    job["detailInfo"]["dataWritten"] = "4.571424E+09"
    assert CV.commvault_record(job)["bytes_transferred"] == 4571424000
    job["detailInfo"] = {"endTime": 1636453101}
    job["progressInfo"]["sizeOfApplication"] = "1000"
    record = CV.commvault_record(job)
    assert record["bytes_transferred"] is None
    assert record["bytes_protected"] == 1000


def test_commvault_times():
    job = cv_json_completed()
    job["generalInfo"]["startTime"] = "0"
    job["detailInfo"]["startTime"] = "1636452844"
    record = CV.commvault_record(job)
    assert record["started_at"] == "2021-11-09T10:14:04Z"
    assert record["duration_s"] == 257
    job["detailInfo"]["endTime"] = 0
    record = CV.commvault_record(job)
    assert record["finished_at"] is None and record["duration_s"] is None


def test_commvault_status_fallbacks():
    job = cv_json_completed()
    del job["progressInfo"]
    record = CV.commvault_record(job)
    assert record["state"] == "unknown" and record["vendor_state"] is None
    assert record["progress"] is None
    record = CV.commvault_record(job, summary={"jobSummary": {"status": "Completed w/ one or more errors"}})
    assert record["state"] == "partial" and record["progress"] == 100
    job["progressInfo"] = {"state": ""}
    assert CV.commvault_record(job, summary={"status": "Killed"})["state"] == "stopped"
    job["progressInfo"] = {"state": "Failed"}
    assert CV.commvault_record(job, summary={"status": "Killed"})["state"] == "failed"
    assert CV.commvault_record({})["state"] == "unknown"


def test_commvault_wrapped_forms():
    detail = cv_json_completed()
    forms = [
        detail,
        {"jobDetail": detail},
        {"job": {"jobDetail": detail}},
        {"JobManager_JobDetailResponse": {"job": {"jobDetail": detail}}},
        {"job": [{"jobDetail": detail}]},
    ]
    for form in forms:
        record = CV.commvault_record(form)
        assert normalized(record) == CV_EXPECTED_COMPLETED
        assert record["raw"] is form


@pytest.mark.parametrize("reply, message", [
    ({"error": {"errList": [{"errorCode": 2, "errLogMessage": "Job not found"}]}}, "Job not found"),
    ({"errList": [{"errorCode": 5, "errLogMessage": "Access denied"}]}, "Access denied"),
    ({"job": None}, "no job detail"),
    ({"job": {"jobDetail": None}}, "no job detail"),
    ({"JobManager_JobDetailResponse": {"job": ""}}, "no job detail"),
    ({"job": {"jobDetail": "text"}}, "dict"),
    ({"job": [{"jobDetail": {}}, {"jobDetail": {}}]}, "expected one"),
    (None, "dict"),
    ("<xml/>", "dict"),
    ([cv_json_completed()], "dict"),
])
def test_commvault_invalid_replies(reply, message):
    with pytest.raises(ValueError, match=message):
        CV.commvault_record(reply)


def test_commvault_summary_record():
    item = {"jobSummary": {
        "jobId": 1249, "status": "Completed w/ one or more warnings", "jobType": "Backup", "percentComplete": 100,
        "jobStartTime": 1636452844, "jobEndTime": 1636453101, "lastUpdateTime": 1636453101,
        "sizeOfApplication": 45633966,
        "subclient": {"clientName": "skma_2", "subclientName": "s-1", "appName": "Windows File System"},
    }}
    record = CV.commvault_summary_record(item)
    assert set(record) == RECORD_KEYS
    assert record["raw"] is item
    assert normalized(record) == {
        "platform": "commvault", "id": 1249, "name": "skma_2/s-1", "type": "backup", "state": "warning",
        "active": False, "vendor_state": "Completed w/ one or more warnings", "progress": 100, "next_run_at": None,
        "started_at": "2021-11-09T10:14:04Z", "finished_at": "2021-11-09T10:18:21Z", "duration_s": 257,
        "bytes_transferred": None, "bytes_protected": 45633966,
        "objects": [{"name": "skma_2", "state": "warning", "finished_at": "2021-11-09T10:18:21Z", "this_run": True}],
        "hosts": ["skma_2"], "enabled": None, "series": "skma_2/Windows File System///s-1",
    }
    assert normalized(CV.commvault_summary_record(item["jobSummary"])) == normalized(record)
    assert normalized(CV.commvault_summary_record(stringify(item))) == normalized(record)


def test_commvault_summary_record_running():
    record = CV.commvault_summary_record({"jobId": "7", "status": "Running", "jobType": "Aux Copy",
                                         "percentComplete": "33", "jobStartTime": "1636452844", "jobEndTime": "0",
                                          "jobElapsedTime": "60", "subclient": {"clientName": "c1"}})
    assert (record["state"], record["active"], record["progress"], record["finished_at"], record["duration_s"]) == (
        "running", True, 33, None, 60)
    assert record["type"] == "aux_copy"
    assert record["name"] == "c1"
    assert record["objects"] == [{"name": "c1", "state": "running", "finished_at": None, "this_run": True}]


@pytest.mark.parametrize("item", [None, "x", [], {"jobSummary": None}, {"jobSummary": "x"}])
def test_commvault_summary_rejects(item):
    with pytest.raises(ValueError):
        CV.commvault_summary_record(item)


# ---------------------------------------------------------------------------
# summarize
# ---------------------------------------------------------------------------

def test_summarize_empty():
    summary = R.summarize([])
    assert summary == {"total": 0, "active": 0, "by_state": dict.fromkeys(R.STATES, 0),
                       "all_idle": True, "any_failed": False}


def test_summarize_counts():
    records = [NK.nakivo_record(nakivo_job(crState="RUNNING")),
               NK.nakivo_record(nakivo_job(lrState="FAILED")),
               NK.nakivo_record(nakivo_job()),
               CV.commvault_record({"progressInfo": {"state": "Waiting"}}),
               CV.commvault_record({"progressInfo": {"state": "Completed"}}),
               {"state": "weird"}, "junk"]
    summary = R.summarize(records)
    assert set(summary["by_state"]) == set(R.STATES)
    assert summary["total"] == 7
    assert summary["active"] == 2
    assert summary["by_state"]["running"] == 1
    assert summary["by_state"]["queued"] == 1
    assert summary["by_state"]["failed"] == 1
    assert summary["by_state"]["succeeded"] == 2
    assert summary["by_state"]["unknown"] == 2
    assert sum(summary["by_state"].values()) == 7
    assert summary["all_idle"] is False
    assert summary["any_failed"] is True
    idle = R.summarize([NK.nakivo_record(nakivo_job())])
    assert idle["all_idle"] is True and idle["any_failed"] is False


def test_summarize_rejects_non_list():
    with pytest.raises(ValueError):
        R.summarize(None)


# ---------------------------------------------------------------------------
# Robustness (hypothesis)
# ---------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.builds(pow, st.just(10), st.just(5000)),  # huge: str() of it raises on 3.11+
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["0", "1", "3", "-1", "4.571424E+09", "1e400", "nan", "RUNNING", "OK", "WAITING_DEMAND",
                     "SCHEDULED", "Completed", "Running", "2024-05-09T15:54:54.092+07:00", "2017-08-11T01:00:01.686Z",
                     "2024-05-09T15:54:54+0700", "9999-12-31T23:59:59-10:00", "1636452844", "true", "false"]),
)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=6)

NK_KEYS = ["id", "name", "vid", "jobType", "crState", "lrState", "hasLastRun", "crDate", "crProgress", "lrDate",
           "lrFinishDate", "lrDurationMs", "lrDataKb", "sourcesSize", "isEnabled", "schedules", "objects"]
NK_SCHEDULE = st.dictionaries(st.sampled_from(["enabled", "nextRun"]), JSON, max_size=2)
NK_OBJECT = st.dictionaries(st.sampled_from(["sourceName", "sourceVid", "crState", "lrState"]), JSON, max_size=4)
NK_JOB = st.dictionaries(st.sampled_from(NK_KEYS), st.one_of(
    JSON, st.lists(st.one_of(NK_SCHEDULE, NK_OBJECT, JSON), max_size=3), NK_SCHEDULE, NK_OBJECT), max_size=10)

CV_FIELDS = ["jobId", "startTime", "endTime", "operationType", "jobType", "state", "status", "percentComplete",
             "elapsedTime", "sizeOfApplication", "dataWritten", "dataXferedNetwork", "clientName", "subclientName",
             "displayName", "vmName", "Status", "BackupEndTime", "subclient", "vmStatus", "errList", "errorCode",
             "errLogMessage"]
CV_LEAF = st.dictionaries(st.sampled_from(CV_FIELDS), JSON, max_size=6)
CV_SECTION = st.one_of(CV_LEAF, st.lists(CV_LEAF, max_size=2), JSON,
                       st.dictionaries(st.sampled_from(["subclient", "vmStatus", "jobId", "startTime"]),
                                       st.one_of(CV_LEAF, st.lists(CV_LEAF, max_size=3), JSON), max_size=4))
CV_DETAIL = st.dictionaries(st.sampled_from(["generalInfo", "progressInfo", "detailInfo", "clientStatusInfo", "status"]),
                            CV_SECTION, max_size=5)
CV_REPLY = st.one_of(
    CV_DETAIL, JSON,
    st.builds(lambda d: {"jobDetail": d}, st.one_of(CV_DETAIL, JSON)),
    st.builds(lambda d: {"job": {"jobDetail": d}}, st.one_of(CV_DETAIL, JSON)),
    st.builds(lambda d: {"JobManager_JobDetailResponse": {"job": d}}, st.one_of(CV_DETAIL, JSON, st.lists(CV_DETAIL))),
    st.builds(lambda d: {"error": d}, st.one_of(CV_LEAF, JSON)),
)
CV_SUMMARY = st.one_of(JSON, st.dictionaries(st.sampled_from(
    ["jobId", "status", "jobType", "percentComplete", "jobStartTime", "jobEndTime", "jobElapsedTime",
     "sizeOfApplication", "subclient", "dataWritten"]), st.one_of(JSON, CV_LEAF), max_size=10),
    st.builds(lambda d: {"jobSummary": d}, st.one_of(JSON, CV_LEAF)))

# database=None: no .hypothesis folder in the collection tree.
PROPERTY = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def check_record(record, raw, platform):
    assert set(record) == RECORD_KEYS
    assert record["platform"] == platform
    assert record["raw"] is raw
    assert record["state"] in R.STATES
    assert record["active"] is (record["state"] in R.ACTIVE_STATES)
    assert record["id"] is None or is_int(record["id"])
    for key in ("name", "type", "vendor_state", "next_run_at", "started_at", "finished_at"):
        assert record[key] is None or isinstance(record[key], str), key
    assert record["progress"] is None or (is_int(record["progress"]) and 0 <= record["progress"] <= 100)
    for key in ("bytes_transferred", "bytes_protected"):
        assert record[key] is None or (is_int(record[key]) and record[key] >= 0), key
    assert record["duration_s"] is None or is_number(record["duration_s"])
    if record["active"]:
        assert record["finished_at"] is None
    if record["state"] in ("succeeded", "warning", "partial"):
        assert record["progress"] == 100
    assert isinstance(record["objects"], list)
    for obj in record["objects"]:
        assert set(obj) == {"name", "state", "finished_at", "this_run"}
        assert obj["state"] in R.OBJECT_STATES
        assert obj["this_run"] in (True, False, None)
        if record["active"]:
            assert obj["this_run"] is True
    assert all(isinstance(name, str) and name for name in record["hosts"])
    assert len(set(record["hosts"])) == len(record["hosts"])
    assert {obj["name"] for obj in record["objects"] if obj["name"]} <= set(record["hosts"])
    assert record["enabled"] in (True, False, None) and (platform == "nakivo" or record["enabled"] is None)
    assert record["series"] is None or isinstance(record["series"], str)
    json.dumps(normalized(record), allow_nan=False)


def call(func, value):
    try:
        return func(value)
    except ValueError as exc:
        assert str(exc)
        return None


@PROPERTY
@given(NK_JOB)
def test_property_nakivo_any_fields(raw):
    check_record(NK.nakivo_record(raw), raw, "nakivo")


@PROPERTY
@given(JSON)
def test_property_nakivo_any_value(raw):
    record = call(NK.nakivo_record, raw)
    if record is not None:
        check_record(record, raw, "nakivo")
    else:
        assert not isinstance(raw, dict)


@PROPERTY
@given(CV_REPLY)
def test_property_commvault_any_reply(raw):
    record = call(CV.commvault_record, raw)
    if record is not None:
        check_record(record, raw, "commvault")


@PROPERTY
@given(CV_SUMMARY)
def test_property_commvault_summary_any(raw):
    record = call(CV.commvault_summary_record, raw)
    if record is not None:
        check_record(record, raw, "commvault")


@PROPERTY
@given(JSON)
def test_property_helpers_never_raise(value):
    assert CV.commvault_state(value) in R.STATES
    assert NK.nakivo_state(value, value, value) in R.STATES
    for result in (T.iso_utc(value), T.unix_to_iso(value)):
        assert result is None or (isinstance(result, str) and result.endswith("Z"))
    number = R.to_number(value)
    assert number is None or is_number(number)
    assert R.summarize([{"state": value}])["total"] == 1


JOB_NUMBERS = st.integers(min_value=0, max_value=2 ** 40)
TIMES = st.one_of(st.just(0), st.integers(min_value=1, max_value=4102444800))


@st.composite
def cv_json_jobs(draw):
    vms = draw(st.lists(st.fixed_dictionaries({
        "vmName": st.text(alphabet="abcxyz-", min_size=1, max_size=6),
        "Status": st.integers(min_value=0, max_value=5),
        "BackupEndTime": TIMES,
    }), max_size=3))
    job = {
        "generalInfo": {"jobId": draw(JOB_NUMBERS), "startTime": draw(TIMES),
                        "operationType": draw(st.sampled_from(["Backup", "Aux Copy", "Restore"])),
                        "subclient": {"clientName": draw(st.sampled_from(["c1", "c2"])),
                                      "subclientName": draw(st.sampled_from(["default", "s-1"]))}},
        "progressInfo": {"state": draw(st.sampled_from(sorted(CV_STATUSES))),
                         "percentComplete": draw(st.integers(min_value=0, max_value=100)),
                         "elapsedTime": draw(JOB_NUMBERS), "sizeOfApplication": draw(JOB_NUMBERS)},
        "detailInfo": {"endTime": draw(TIMES), "dataWritten": draw(JOB_NUMBERS),
                       "sizeOfApplication": draw(st.one_of(JOB_NUMBERS, st.just(4571424148)))},
        "clientStatusInfo": {"vmStatus": vms},
    }
    return job


@PROPERTY
@given(cv_json_jobs())
def test_property_commvault_json_equals_xml_shape(job):
    from_json = CV.commvault_record(job)
    xml_shaped = stringify(job)
    from_xml = CV.commvault_record({"JobManager_JobDetailResponse": {"job": {"jobDetail": xml_shaped}}})
    assert normalized(from_json) == normalized(from_xml)
    check_record(from_json, job, "commvault")


# ---------------------------------------------------------------------------
# What the gate reads: hosts, enabled, series, objects[].this_run
# ---------------------------------------------------------------------------

def nk_counted(ok, failed, stopped, *states):
    return NK.nakivo_record(nakivo_job(lrState="FAILED", lrVmOk=ok, lrVmFailed=failed, lrVmStopped=stopped, objects=[
        {"sourceName": "vm%d" % n, "targetName": "vm%d" % n, "lrState": state} for n, state in enumerate(states)]))


@pytest.mark.parametrize("counts, states, expected", [
    ((1, 1, 0), ("SUCCEEDED", "FAILED"), [True, True]),
    ((0, 1, 0), ("SUCCEEDED", "FAILED"), [False, True]),          # the run never reached vm0
    ((2, 0, 0), ("SUCCEEDED", "FAILED"), [True, False]),          # vm1's failure is from an earlier run
    ((1, 0, 0), ("SUCCEEDED", "SKIPPED"), [True, True]),          # every count matches: the skip is this run's
    ((0, 0, 0), ("SUCCEEDED", "SKIPPED"), [False, None]),
    ((1, 0, 0), ("SUCCEEDED", None), [True, True]),                # never ran: true now
])
def test_nakivo_this_run_from_the_last_runs_counts(counts, states, expected):
    assert [obj["this_run"] for obj in nk_counted(*counts, *states)["objects"]] == expected


def test_nakivo_this_run_without_counts_is_untold_and_true_while_running():
    objects = [{"sourceName": "vm1", "lrState": "SUCCEEDED", "crState": "RUNNING"}]
    assert NK.nakivo_record(nakivo_job(objects=objects))["objects"][0]["this_run"] is None
    assert NK.nakivo_record(nakivo_job(objects=objects, crState="RUNNING"))["objects"][0]["this_run"] is True
    assert NK.nakivo_record(nakivo_job(objects=objects, lrVmOk="1", lrVmFailed="0", lrVmStopped="0"))["objects"][0][
        "this_run"] is True, "counts as strings"


def test_nakivo_hosts_enabled_series():
    record = NK.nakivo_record(nakivo_job(objects=[{"sourceName": "web01", "targetName": "web01-replica"},
                                                  {"sourceName": "web02", "targetName": "web02"}]))
    assert record["hosts"] == ["web01", "web01-replica", "web02"]
    assert record["series"] == "job 69"
    assert [NK.nakivo_record(nakivo_job(isEnabled=value))["enabled"] for value in (True, "false", 0, None, "x")] == [
        True, False, False, None, None]


def cv_restore(kind="Restore", dest="web01"):
    return {"generalInfo": {"jobId": 5, "operationType": kind, "startTime": 100,
                            "subclient": {"clientName": "db01", "subclientName": "default"},
                            "destinationClient": {"clientName": dest}},
            "progressInfo": {"state": "Running"}}


def test_commvault_a_restore_to_another_client_touches_only_that_client():
    record = CV.commvault_record(cv_restore())
    assert record["hosts"] == ["web01"] and [o["name"] for o in record["objects"]] == ["web01"]
    assert CV.commvault_record(cv_restore(dest="DB01"))["hosts"] == ["db01"], "in place"
    assert CV.commvault_record(cv_restore(dest=""))["hosts"] == ["db01"]
    backup = CV.commvault_record(cv_restore("Backup"))
    assert backup["hosts"] == ["db01"], "a backup's destination fields name no other host"
    summary = CV.commvault_summary_record({"jobId": 5, "status": "Running", "jobType": "Restore", "destClientName": "web01",
                                          "subclient": {"clientName": "db01"}})
    assert summary["hosts"] == ["web01"]


@pytest.mark.parametrize("vm, expected", [
    ({"BackupStartTime": "1636452900", "BackupEndTime": "1636453000"}, True),
    ({"BackupStartTime": "1636400000", "BackupEndTime": "1636400100"}, False),    # an earlier run's entry
    ({"BackupStartTime": "1636452900", "BackupEndTime": "0"}, True),
    ({"BackupEndTime": "0"}, None),
])
def test_commvault_vm_this_run_from_its_times_against_the_jobs_start(vm, expected):
    job = cv_json_completed()
    job["clientStatusInfo"]["vmStatus"] = [dict(vm, vmName="vm", Status="0")]
    assert CV.commvault_record(job)["objects"][0]["this_run"] is expected


def test_protects_by_platform_and_type():
    assert R.protects({"platform": "nakivo", "type": "backup_copy"}) and R.protects({"platform": "commvault", "type": "synthetic_full"})
    assert not R.protects({"platform": "commvault", "type": "aux_copy"}) and not R.protects({"platform": "nakivo", "type": "restore"})
    assert not R.protects({"platform": "other", "type": "backup"}) and not R.protects({})
