"""Unit tests for plugins/action/gate.py: facts, failure and messages of the per-host gate task."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
import ansible.template
from ansible.template import Templar

from ansible_collections.backupops.jobs.plugins.action.gate import ActionModule, VariableLayer

try:  # where actions record run-only facts, they do so in the task's context (ansible-core's own, on its workers)
    from ansible._internal._task import PendingChanges, TaskContext
except ImportError:
    TaskContext = None

NOW = "2026-11-22T12:00:00Z"
# ansible-core 2.19+ templates only strings that come from playbooks and inventory ("trusted").
TRUSTED = getattr(ansible.template, "trust_as_template", lambda value: value)


def job(job_id, name, state, objects, finished_at="2026-11-22T02:00:00Z"):
    active = state == "running"
    return {"platform": "nakivo", "id": job_id, "name": name, "type": "backup", "state": state, "active": active,
            "progress": 40 if active else 100, "next_run_at": None, "finished_at": None if active else finished_at,
            "objects": [{"name": n, "state": state, "this_run": True} for n in objects], "hosts": list(objects),
            "enabled": True, "series": "job %d" % job_id, "raw": {}}


QUERY = {"changed": False, "failed": False, "waited": 0, "missing": {}, "jobs": [
    job(1, "Backup web", "succeeded", ["web01"]),
    job(2, "Backup db", "failed", ["db01"]),
]}


def run_gate(args, task_vars=None):
    """Run the action the way TaskExecutor does: a task with ``args``, then ``run(task_vars=...)``."""
    task = MagicMock()
    task.args = dict(args)
    task.async_val = 0
    task.check_mode = False
    task.diff = False
    loader = DataLoader()
    variables = {"inventory_hostname": "web01"}
    variables.update(task_vars or {})
    action = ActionModule(task=task, connection=MagicMock(), play_context=PlayContext(), loader=loader,
                          templar=Templar(loader=loader, variables=variables), shared_loader_obj=None)
    if TaskContext is None:
        return action.run(task_vars=variables)
    with TaskContext.create(task, dict(variables), "web01") as context:
        context.pending_changes = PendingChanges()  # as TaskExecutor does around each action
        out = action.run(task_vars=variables)
    out["_pending"] = context.pending_changes.register_host_variables
    return out


def test_an_open_host_gets_its_facts_for_this_run_only():
    out = run_gate({"result": QUERY, "now": NOW})
    assert out.get("failed") is not True and out["changed"] is False
    assert out["open"] is True and out["error"] is False
    assert out["msg"].startswith("web01: OPEN | Backup web (id 1) succeeded")
    facts = out["ansible_facts"]
    assert facts["maintenance_gate_open"] is True
    assert facts["maintenance_gate_reason"] == out["reason"] == "the last backup succeeded"
    assert [j["id"] for j in facts["maintenance_gate_host_jobs"]] == [1]
    assert "raw" not in facts["maintenance_gate_host_jobs"][0] and facts["maintenance_gate_host_jobs"][0]["host_state"] == "succeeded"
    if VariableLayer is not None:
        # For this run only, as set_fact: nothing for the fact cache, the facts as run-only ones.
        assert out["_pending"] == {VariableLayer.CACHEABLE_FACT: {}, VariableLayer.EPHEMERAL_FACT: facts}
    assert "warnings" not in out


def test_a_held_host_fails_with_its_line_and_no_facts():
    out = run_gate({"result": QUERY, "host": "db01", "now": NOW})
    assert out["failed"] is True and out["open"] is False
    assert out["msg"].startswith("db01: HELD | Backup db (id 2) failed")
    assert out["msg"] == ("db01: HELD | Backup db (id 2) failed, finished 2026-11-22 02:00 UTC | the last backup failed: "
                          "fix or re-run job 2")
    assert "ansible_facts" not in out, "ansible-core would drop them anyway; the verdict is in open and reason"
    assert not out.get("_pending"), "no run-only facts for a failed task either"


def test_audit_mode_lets_a_held_host_go_on_with_a_warning():
    out = run_gate({"result": QUERY, "host": "db01", "fail": False, "now": NOW})
    assert out.get("failed") is not True
    assert out["ansible_facts"]["maintenance_gate_open"] is False
    assert out["warnings"] == [out["msg"]] and out["msg"].startswith("db01: HELD | "), "the line names the host"


def test_a_failed_query_fails_every_host_even_in_audit_mode():
    failed = {"failed": True, "msg": "the NAKIVO Director refused the login", "jobs": []}
    out = run_gate({"result": failed, "fail": False, "now": NOW})
    assert out["failed"] is True and out["error"] is True
    assert out["reason"] == "the backup job query failed: the NAKIVO Director refused the login"


def test_result_var_reads_the_registered_result_by_name():
    out = run_gate({"result_var": "backups", "now": NOW}, {"backups": QUERY})
    assert out["open"] is True


def test_result_var_of_a_template_string_is_templated():
    out = run_gate({"result_var": "alias", "now": NOW}, {"backups": QUERY, "alias": TRUSTED("{{ backups }}")})
    assert out["open"] is True


@pytest.mark.parametrize("args, message", [
    ({}, "give either result (the registered result of job_info or job_detail) or result_var"),
    ({"result": QUERY, "result_var": "backups"}, "give either result"),
    ({"result_var": "nothing_here"}, "result_var names 'nothing_here', but this host has no such variable"),
    ({"result": ["not", "a", "dict"]}, "the result must be the registered result of job_info or job_detail (a dict), got list"),
    ({"result": QUERY, "quiet_minutes": "soon"}, "quiet_minutes"),
    ({"result": QUERY, "job_ids": ["one"]}, "job_ids"),
    ({"result": QUERY, "colour": "red"}, "colour"),
    ({"result": QUERY, "now": "yesterday"}, "now must be an ISO 8601 time, got 'yesterday'"),
])
def test_bad_arguments_fail_with_a_message_that_names_them(args, message):
    with pytest.raises(AnsibleActionFail, match="^backupops.jobs.gate: ") as caught:
        run_gate(args)
    assert message in str(caught.value)


def test_null_max_age_from_an_older_ansible_core_is_off():
    out = run_gate({"result": QUERY, "max_age": "None", "now": NOW})
    assert out["open"] is True
    out = run_gate({"result": QUERY, "max_age": 1, "now": NOW})
    assert out["open"] is False and "more than the 1 h allowed" in out["reason"]


def test_vars_prefix_reads_the_options_the_task_leaves_out():
    variables = {"backups": QUERY, "gate_fail": False, "gate_objects": [TRUSTED("{{ vm }}")], "vm": "db01",
                 "gate_require_job": TRUSTED("{{ 1 == 1 }}"), "gate_colour": "red"}
    out = run_gate({"result_var": "backups", "vars_prefix": "gate", "now": NOW}, variables)
    assert out.get("failed") is not True, "fail comes from gate_fail"
    assert out["open"] is False and out["msg"].startswith("web01: HELD | Backup db (id 2)"), "objects from gate_objects, templated"
    assert out["warnings"] == [out["msg"]]
    # A task argument wins over the variable.
    out = run_gate({"result_var": "backups", "vars_prefix": "gate", "objects": ["web01"], "now": NOW}, variables)
    assert out["open"] is True


def test_vars_prefix_values_are_checked_like_arguments():
    with pytest.raises(AnsibleActionFail, match="quiet_minutes"):
        run_gate({"result": QUERY, "vars_prefix": "gate", "now": NOW}, {"gate_quiet_minutes": "soon"})
