# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""backupops.jobs.gate: the verdict of one host, on the controller (no module is sent, no connection is opened)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

try:
    from ansible.plugins.action import VariableLayer  # newer ansible-core (2.21): an action can set facts for this run only
except ImportError:
    VariableLayer = None

from ansible_collections.backupops.jobs.plugins.module_utils._gate import verdict

# Without `result`: the validator deep-copies what it checks, and a play's result is big.
ARGUMENT_SPEC = dict(
    result_var=dict(type="str"),
    vars_prefix=dict(type="str"),
    host=dict(type="str"),
    objects=dict(type="list", elements="str"),
    job_ids=dict(type="list", elements="int"),
    job_names=dict(type="list", elements="str"),
    require_job=dict(type="bool", default=True),
    require_success=dict(type="bool", default=True),
    accept_warning=dict(type="bool", default=True),
    accept_partial=dict(type="bool", default=False),
    # raw: ansible-core before 2.19 passes a null variable as the string "None".
    max_age=dict(type="raw"),
    quiet_minutes=dict(type="float", default=0),
    fail=dict(type="bool", default=True),
    now=dict(type="str"),
)


class ActionModule(ActionBase):
    """One task per host: its verdict from the play's one query result, as facts, or a failure that holds it."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        query = self._query(task_vars or {})
        given = {k: v for k, v in self._task.args.items() if k != "result"}
        given.update(self._from_vars(given, task_vars or {}))
        checked = ArgumentSpecValidator(ARGUMENT_SPEC).validate(given)
        if checked.error_messages:
            raise AnsibleActionFail("backupops.jobs.gate: %s" % "; ".join(checked.error_messages))
        args = checked.validated_parameters
        args.pop("result_var")
        args.pop("vars_prefix")
        host = args.pop("host") or (task_vars or {}).get("inventory_hostname")
        hold = args.pop("fail")
        try:
            judged = verdict(query, host, **args)
        except ValueError as e:
            raise AnsibleActionFail("backupops.jobs.gate: %s" % e) from e
        result.update(changed=False, msg=judged["line"], open=judged["open"], reason=judged["reason"], error=judged["error"])
        if judged["open"] or not (hold or judged["error"]):
            # Facts only where the host goes on: ansible-core drops the facts of a failed task.
            # Without raw: it stays in the query's result, and every host's facts travel back to the controller.
            host_jobs = [{key: value for key, value in job.items() if key != "raw"} for job in judged["jobs"]]
            result["ansible_facts"] = dict(maintenance_gate_open=judged["open"], maintenance_gate_reason=judged["reason"],
                                           maintenance_gate_host_jobs=host_jobs)
            if VariableLayer is not None:
                # As set_fact does: for this run only, so a fact cache never offers last run's verdict.
                self.register_host_variables({}, VariableLayer.CACHEABLE_FACT)
                self.register_host_variables(result["ansible_facts"], VariableLayer.EPHEMERAL_FACT)
            if not judged["open"]:
                result["warnings"] = [judged["line"]]
        else:
            result["failed"] = True
        return result

    def _from_vars(self, given, task_vars):
        """With vars_prefix, each option the task leaves out, from the variable <prefix>_<option> where defined.

        Templated here, and only values that hold a template: a role passing ten variables as ten task
        arguments would have each compiled by every host's worker.
        """
        prefix = given.get("vars_prefix")
        if not prefix:
            return {}
        found = {}
        for option in ARGUMENT_SPEC:
            name = "%s_%s" % (prefix, option)
            if option not in given and option not in ("result_var", "vars_prefix", "host", "now") and name in task_vars:
                found[option] = self._templar.template(task_vars[name])
        return found

    def _query(self, task_vars):
        """The registered query result, from `result` or from the variable named by `result_var`."""
        given, name = self._task.args.get("result"), self._task.args.get("result_var")
        if (given is None) == (name is None):
            raise AnsibleActionFail("backupops.jobs.gate: give either result (the registered result of job_info or "
                                    "job_detail) or result_var (the name of the variable that holds it)")
        if name is not None:
            if name not in task_vars:
                raise AnsibleActionFail("backupops.jobs.gate: result_var names %r, but this host has no such variable: "
                                        "register the job query under that name first" % (name,))
            given = task_vars[name]
            # Registered and set_fact values are data already; anything else may still hold a template.
            given = given if isinstance(given, dict) else self._templar.template(given)
        if not isinstance(given, dict):
            raise AnsibleActionFail("backupops.jobs.gate: the result must be the registered result of job_info or "
                                    "job_detail (a dict), got %s" % type(given).__name__)
        return given
