# -*- coding: utf-8 -*-
"""The collection's modules against the emulator switches that third-party clients revealed (tests/fidelity).

Real Web Servers since 2024 redirect webconsole/api to commandcenter/api, and older ones write their JSON
from their XML ("@"-keys, text values, a single item not in a list, as pinkopy reads them).
"""

from __future__ import annotations

import pytest

from ansible_collections.backupops.jobs.tests.integration.conftest import credentials_env, run_module_task

PASSWORD = "Cv-f1delity-Pa55!"


def scenario(**switches):
    return dict(commvault=dict(
        users=[dict(username="admin", password=PASSWORD)],
        clients=[dict(name="db01.example.com", id=11), dict(name="vsa6", id=13)],
        jobs=[
            dict(id=2001, client="db01.example.com", start=-7200, duration=600, result="Completed w/ one or more warnings"),
            dict(id=2002, client="db01.example.com", subclient="logs", start=-3000, duration=300, result="Failed"),
            dict(id=2003, client="vsa6", subclient="VMowner2", start=-5000, duration=600, result="Completed w/ one or more errors",
                 vms=[dict(name="vm-a", status=0), dict(name="vm-b", status=1, failure_reason="Snapshot failed")]),
        ],
        **switches,
    ))


def job_detail(ansible, write_playbook, emu, args, root="/webconsole/api"):
    return run_module_task(ansible, write_playbook, "backupops.jobs.job_detail", args,
                           env=credentials_env("COMMVAULT", emu.url + root, PASSWORD))


def paths(emu):
    return [(entry["call"], entry["path"].split("/api/")[0], entry["status"]) for entry in emu.log if entry["vendor"] == "commvault"]


def test_a_same_host_308_to_commandcenter_is_followed_and_the_new_root_named(ansible, write_playbook, emulator_factory):
    emu = emulator_factory(scenario(webconsole_redirect=dict(status=308)))
    run, result = job_detail(ansible, write_playbook, emu, dict(job_ids=[2001, 2003]))
    assert run.rc == 0, run
    assert [(job["id"], job["state"]) for job in result["jobs"]] == [(2001, "warning"), (2003, "partial")]
    new_root = emu.url + "/commandcenter/api"
    assert any("redirects to %s (HTTP 308): put %s in url" % (new_root, new_root) in warning for warning in result["warnings"])
    # Login, each JobDetails and Logout: asked at the old root, answered at the new one, POST and body kept.
    for call in ("Login", "JobDetails", "Logout"):
        asked = [(entry["path"], entry["status"]) for entry in emu.log if entry["call"] == call]
        assert {path.split("/api/")[0] for path, status in asked if status == 308} == {"/webconsole"}
        assert {path.split("/api/")[0] for path, status in asked if status == 200} == {"/commandcenter"}
    followed = [entry for entry in emu.log if entry["call"] == "JobDetails" and entry["status"] == 200]
    assert sorted(entry["body"] for entry in followed) == ['{"jobId": 2001}', '{"jobId": 2003}']


@pytest.mark.parametrize("status, host", [(301, None), (307, "localhost")])
def test_a_redirect_that_is_not_followed_fails_naming_the_root_to_put_in_url(ansible, write_playbook, emulator_factory, status, host):
    emu = emulator_factory(scenario(webconsole_redirect=dict(status=status, host=host)))
    run, result = job_detail(ansible, write_playbook, emu, dict(job_ids=[2001]))
    assert run.rc != 0
    new_root = "http://%s:%d/commandcenter/api" % (host or "127.0.0.1", emu.port)
    assert "answered HTTP %d, a redirect to %s/Login" % (status, new_root) in result["msg"]
    assert "Put %s in url." % new_root in result["msg"]
    # The password went once, to the url given; nothing reached the new root.
    assert paths(emu) == [("Login", "/webconsole", status)]
    assert PASSWORD not in run.output


def test_json_written_from_xml_reads_as_the_same_records_as_xml(ansible, write_playbook, emulator_factory):
    emu = emulator_factory(scenario(json_style="xml_converted"))
    args = dict(job_ids=[2003, 2001], clients=["db01.example.com"])
    as_json = job_detail(ansible, write_playbook, emu, dict(args, api_format="json"), root="/commandcenter/api")
    as_xml = job_detail(ansible, write_playbook, emu, dict(args, api_format="xml"), root="/commandcenter/api")
    assert as_json[0].rc == 0 and as_xml[0].rc == 0, (as_json[0], as_xml[0])
    records = [[{key: value for key, value in job.items() if key != "raw"} for job in run[1]["jobs"]] for run in (as_json, as_xml)]
    assert records[0] == records[1]
    assert [(job["id"], job["state"]) for job in records[0]] == [(2003, "partial"), (2001, "warning"), (2002, "failed")]
    assert [(obj["name"], obj["state"]) for obj in records[0][0]["objects"]] == [("vm-a", "succeeded"), ("vm-b", "failed")]
    json_replies = [entry for entry in emu.log if entry["headers"].get("Accept") == "application/json" and entry["call"] in ("Job", "JobDetails")]
    assert json_replies and all(entry["reply_format"] == "json" for entry in json_replies)
