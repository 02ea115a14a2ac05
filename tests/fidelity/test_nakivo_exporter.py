"""nakivo_prometheus_exporter 0.3.0, unmodified, over HTTPS against the emulator: its metrics are the scenario's."""

from __future__ import annotations

import collections
import re

import pytest
from nakivo_prometheus_exporter.prom_parser import get_nakivo_data

from conftest import SCENARIO

METRIC_RE = re.compile(r'^(?P<name>\w+)\{(?P<labels>[^}]*)\} (?P<value>\S+)$')
# The exporter's numbers for an object's lrState (prom_parser.py:183-193).
STATE_NUMBERS = {"SUCCEEDED": 0, "FAILED": 2}


@pytest.fixture(scope="module")
def director(emulator_process):
    return emulator_process(tls=True)


def scrape(emu, password=None):
    """What one scrape of the exporter reports: a count of each (metric, labels, value) line."""
    user = SCENARIO["nakivo"]["users"][0]
    text = get_nakivo_data(dict(host=emu.url, username=user["username"], password=password or user["password"],
                                cert_verify=emu.ca_path))
    lines = [METRIC_RE.match(line) for line in text.splitlines() if line and not line.startswith("#")]
    assert all(lines), text
    return collections.Counter((line["name"], line["labels"], line["value"]) for line in lines)


def expected_objects(emu):
    """Per object of every job the exporter shows (it skips GRAY ones: never run, or disabled): state, seconds, bytes.

    A run's time and data are shared evenly among the objects it reached, and only succeeded objects moved data.
    """
    rows = {}
    for job in SCENARIO["nakivo"]["jobs"]:
        finished = [run for run in job.get("runs", []) if run.get("duration") is not None]
        if not finished:
            continue
        last = finished[-1]
        objects = [obj["name"] for obj in job["objects"]]
        # Objects a run's map leaves out succeeded; without a map every object shares the run's result.
        unlisted = "SUCCEEDED" if "objects" in last or last.get("result", "OK") == "OK" else "FAILED"
        for name in objects:
            state = last.get("objects", {}).get(name, unlisted)
            moved = last["data_kb"] // len(objects) * 1024 if state == "SUCCEEDED" else 0
            labels = 'host="%s",object="%s",job_name="%s"' % (emu.url, name, job["name"])
            rows[labels] = (STATE_NUMBERS[state], round(last["duration"] / len(objects)), moved)
    return rows


def test_the_exporters_job_metrics_are_the_scenarios_objects(director):
    metrics = scrape(director)
    assert metrics[("nakivo_api_authentication_error", 'host="%s"' % director.url, "0")] == 1
    found = collections.defaultdict(dict)
    for (name, labels, value), _count in metrics.items():
        if name in ("nakivo_backup_state", "nakivo_backup_duration", "nakivo_backup_size"):
            found[labels][name] = int(value)
    assert {labels: (row["nakivo_backup_state"], row["nakivo_backup_duration"], row["nakivo_backup_size"])
            for labels, row in found.items()} == expected_objects(director)
    # It sums childJobIds over every group (nakivo_api.py:119-121): the Web group's job comes twice.
    web01 = 'host="%s",object="web01.example.com",job_name="Backup web tier"' % director.url
    assert metrics[("nakivo_backup_state", web01, "0")] == 2
    assert [call for call, _status in director.calls()][-4:] == [
        "AuthenticationManagement.login", "LicensingManagement.getLicenseInfo",
        "JobSummaryManagement.getGroupInfo", "JobSummaryManagement.getJobInfo"]


def test_the_exporters_licence_metrics_are_the_scenarios(director):
    metrics = scrape(director)
    licence = SCENARIO["nakivo"]["license"]
    labels = 'host="%s",client="%s"' % (director.url, licence["client"])
    values = {name: int(value) for (name, found_labels, value) in metrics if found_labels == labels}
    protected = {obj["name"] for job in SCENARIO["nakivo"]["jobs"] for obj in job["objects"]}
    assert {name: value for name, value in values.items() if name != "nakivo_license_expiration"} == {
        "nakivo_license_installed": 1, "nakivo_license_vmcount": len(protected), "nakivo_license_sockets": licence["sockets"],
        "nakivo_license_ec2count": 0, "nakivo_license_physicalservercount": 0, "nakivo_license_physicalworkstationcount": 0,
        "nakivo_license_o365count": 0, "nakivo_license_oraclecount": 0, "nakivo_license_monitoredvm": 0}
    assert abs(values["nakivo_license_expiration"] - (licence["expires_in"] - director.clock())) <= 2


def test_its_session_starts_at_the_web_ui(director):
    director.clear_log()
    scrape(director)
    log = director.control("GET", "log")
    # GET / first (ofunctions requestor create_session), then the router; the web UI is not a vendor call.
    assert (log[0]["method"], log[0]["path"], log[0]["status"]) == ("GET", "/", 200)
    assert {entry["path"] for entry in log[1:]} == {"/c/router"}
