#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: gate
short_description: Open or hold the maintenance gate of one host, from the play's one job query
version_added: 0.1.0
description:
  - Judges one host on the jobs of a registered M(backupops.jobs.job_info) or M(backupops.jobs.job_detail)
    result, usually one query run once for the whole play, and either lets the host go on or holds it by
    failing the task with the reason.
  - The checks are those of the P(backupops.jobs.gate_verdict#filter) filter, in the same order, with the
    same options; this task form costs one task per host, sets the facts and fails in one step.
  - The rules are the decision table of the collection's C(docs/gating.md) - which jobs protect (backups,
    replication, backup copies; never restores, aux copies or data verification), which run decides (per
    job, or per Commvault subclient the newest finished backup), whose state decides (the host's own
    object only where another object of the same run explains the job's failure), what succeeds.
  - A host whose last backup did not succeed is never let through; where the rules cannot tell, the
    host is held and the reason says why.
  - Runs on the controller as an action; it opens no connection and sends no module to the host.
  - The task of the role P(backupops.jobs.maintenance_gate#role) that decides each host.
author:
  - backupops maintainers (@backupops)
extends_documentation_fragment:
  - backupops.jobs.gate
attributes:
  check_mode:
    support: full
    description: Reads a result already registered and changes nothing, so check mode gives the same verdict.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
  action:
    support: full
    description: An action plugin that runs on the controller; no connection to the host is made.
options:
  result:
    description:
      - The registered result of the job query, registered with C(failed_when=false) so that a wait
        timeout still gives the jobs as last seen. A failed query holds every host, whatever O(fail).
      - Give this or O(result_var).
    type: dict
  result_var:
    description:
      - The name of the variable that holds the registered result, instead of O(result).
      - Read by name, a big result is not copied into the task of every host (which ansible-core sends
        to a worker process and back); use it in plays over many hosts.
    type: str
  vars_prefix:
    description:
      - Read each option this task does not set from the variable C(<vars_prefix>_<option>), where that
        variable is defined - V(maintenance_gate) reads O(objects) from C(maintenance_gate_objects),
        O(fail) from C(maintenance_gate_fail), and so on (not O(host), O(now) or the result).
      - A role passes its variables this way at a fraction of the per-host cost of one templated task
        argument each.
    type: str
  host:
    description: The host judged, named in the messages. Defaults to C(inventory_hostname).
    type: str
  fail:
    description:
      - Fail the task of a held host, with the reason. V(false) is an audit - every host goes on with the
        facts set, and a held host's line (RV(msg)) shows as a warning. A failed query fails the task either way.
    type: bool
    default: true
notes:
  - ansible-core drops the facts of a failed task, so a held host that fails has no C(maintenance_gate_*)
    facts; its verdict is in the task result (RV(open), RV(reason)), as C(ansible_failed_result) in a
    C(rescue) block, or in a registered variable.
seealso:
  - plugin: backupops.jobs.gate_verdict
    plugin_type: filter
  - module: backupops.jobs.job_info
  - module: backupops.jobs.job_detail
"""

EXAMPLES = r"""
- name: Read the jobs of every host of the play, once
  backupops.jobs.job_info:
    protected_objects: "{{ ansible_play_batch }}"
    allow_missing: true
    wait: true
  delegate_to: localhost
  run_once: true
  failed_when: false
  register: backups

- name: Let each host go on, or hold it
  backupops.jobs.gate:
    result_var: backups
    max_age: 26

- name: Audit only - every host goes on, held ones with a warning
  backupops.jobs.gate:
    result: "{{ backups }}"
    objects: ["{{ vm_name }}"]
    fail: false
"""

RETURN = r"""
open:
  description: True when the host may go into maintenance.
  returned: always
  type: bool
reason:
  description:
    - Why the host is open or held, once, and what to do next; the jobs and their states are in RV(msg).
  returned: always
  type: str
  sample: "the last backup failed: fix or re-run job 3"
msg:
  description: One line for an operator to scan - host, verdict, each job with its state, and the reason.
  returned: always
  type: str
  sample: "web01: HELD | Backup web (id 3) failed, finished 2026-11-22 01:20 UTC | the last backup failed: fix or re-run job 3"
error:
  description: True when the query failed or did not ask for the host's objects; the host is held whatever O(fail).
  returned: always
  type: bool
ansible_facts:
  description:
    - Set where the host goes on (always with O(fail=false)), for this run only as C(set_fact) sets them.
      Where ansible-core gives actions no way to say so (2.16 does not, 2.21 does), they go to the fact
      cache like gathered facts, so with a persistent fact cache a host held in a later run still shows
      the facts of its last open run.
  returned: when the task does not fail
  type: dict
  contains:
    maintenance_gate_open:
      description: RV(open).
      type: bool
    maintenance_gate_reason:
      description: RV(reason).
      type: str
    maintenance_gate_host_jobs:
      description:
        - The job records that touch the host, each with C(host_state) (the state that judged this host),
          C(host_decided_by) (V(host_object) where the host's own objects decided, V(job) where the job's
          state did), C(host_objects) (its objects that matched), C(host_finished_at) and C(decides) (the
          verdict rests on this run; false for a superseded run or a job that does not protect) added,
          and without C(raw) (the vendor's record stays in the query's result).
        - C(host_finished_at) is when the run ended for this host (ISO 8601 UTC) - the earliest
          C(objects[].finished_at) of the host's own objects where each of them has one (Commvault), else the
          job's C(finished_at); null while the job runs or when it never ran. The age check of
          O(max_age) and the C(finished ...) of the host's line read it.
      type: list
      elements: dict
"""
