#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: job_info
short_description: Read the state of NAKIVO Backup & Replication jobs
version_added: 0.1.0
description:
  - Reads jobs from a NAKIVO Director with C(JobSummaryManagement.getJobInfo) and returns each as the
    collection's normalized job record, the same shape M(backupops.jobs.job_detail) returns for Commvault.
  - Selects jobs by id, by name, or by the VMs and hosts they protect; with none of these, every job of
    the Director (or of the tenant).
  - Can wait until no selected job is active, so a play can hold maintenance while a backup runs.
  - A job id, name or object that matches nothing fails the task, so that a typo never opens a gate;
    O(allow_missing=true) reports it in RV(missing) instead.
  - Reads only; never changes anything on the Director.
extends_documentation_fragment:
  - backupops.jobs.nakivo
  - backupops.jobs.connection
  - backupops.jobs.wait
  - backupops.jobs.query
  - backupops.jobs.attributes.info_module
  - backupops.jobs.gate_links
options:
  job_ids:
    description:
      - Ids of the jobs to read, all in one C(getJobInfo) call.
    type: list
    elements: int
  names:
    description:
      - Job names, matched without regard to case; shell-style wildcards (V(*), V(?), V([...])) allowed.
    type: list
    elements: str
  protected_objects:
    description:
      - Names of source objects (VMs, physical hosts); selects the jobs whose objects include one of them.
        This is how a play gates one host.
      - Matched without regard to case, with wildcards; a short name also matches its fully qualified
        form either way round (V(web01) matches V(web01.example.com)).
    type: list
    elements: str
  allow_missing:
    description:
      - With V(false), an id, name or object that matches no job fails the task.
      - With V(true), the module returns what it found and lists the rest in RV(missing). It does not
        wait for missing jobs to appear.
    type: bool
    default: false
notes:
  - O(job_ids), O(names) and O(protected_objects) combine as a union.
seealso:
  - module: backupops.jobs.job_detail
author:
  - backupops maintainers (@backupops)
"""

EXAMPLES = r"""
- name: Read two jobs
  backupops.jobs.job_info:
    url: https://director.example.com:4443
    username: admin
    password: "{{ vault_nakivo_password }}"
    ca_path: /etc/pki/nakivo-ca.pem
    job_ids: [1, 2]
  register: backups

- name: Set the connection once for every NAKIVO task of the play
  hosts: hypervisors
  module_defaults:
    group/backupops.jobs.nakivo:
      url: https://director.example.com:4443
      username: admin
      password: "{{ vault_nakivo_password }}"
  tasks:
    - name: Jobs whose names start with nightly
      backupops.jobs.job_info:
        names: ["nightly-*"]
      delegate_to: localhost
      run_once: true
      register: nightly

- name: Hold this host until every backup that protects it is idle (at most one hour)
  backupops.jobs.job_info:
    protected_objects: ["{{ inventory_hostname }}"]
    wait: true
    wait_timeout: 3600
    wait_sleep: 30
  delegate_to: localhost
  register: backups

- name: Hold this host unless the last run of every job that protects it succeeded for it
  backupops.jobs.gate:
    result: "{{ backups }}"

- name: The jobs of one tenant of a multi-tenant Director
  backupops.jobs.job_info:
    url: https://director.example.com:4443
    username: master-admin
    password: "{{ vault_nakivo_password }}"
    tenant: 3a0b6c9e-5d7f-4e2a-9c1b-8f6e4d2a7b10
    allow_missing: true
    names: ["backup-*"]

# Ad hoc, with the connection in the environment:
#   export NAKIVO_URL=https://director.example.com:4443 NAKIVO_USERNAME=admin NAKIVO_PASSWORD=...
#   ansible localhost -m backupops.jobs.job_info -a 'job_ids=1,2'
"""

RETURN = r"""
jobs:
  description:
    - The selected jobs as normalized job records, the same keys for NAKIVO and Commvault.
    - The record's contract is the collection's C(docs/job-record.md).
  returned: always
  type: list
  elements: dict
  contains:
    platform:
      description: V(nakivo).
      type: str
      sample: nakivo
    id:
      description: The job's id on the Director.
      type: int
      sample: 3
    name:
      description: The job's name.
      type: str
      sample: Backup web tier
    type:
      description: The job type in lower case (V(backup), V(replication), V(backup_copy), V(recovery_vms), ...).
      type: str
      sample: backup
    state:
      description:
        - One of V(running), V(queued), V(paused), V(stopping), V(succeeded), V(warning), V(partial),
          V(failed), V(stopped), V(never_run), V(unknown). While idle, the result of the last run.
      type: str
      sample: succeeded
    active:
      description: True when RV(jobs[].state) is V(running), V(queued), V(paused) or V(stopping).
      type: bool
      sample: false
    vendor_state:
      description: The Director's own words, C(crState/lrState).
      type: str
      sample: WAITING_SCHEDULE/OK
    progress:
      description: Percent done while active; 100 once succeeded; else the last figure, or null.
      type: int
      sample: 100
    next_run_at:
      description: When the job is next scheduled to start (the earliest enabled schedule), ISO 8601 UTC, or null.
      type: str
      sample: "2026-11-23T01:00:00Z"
    started_at:
      description: Start of the current run, or of the last one when idle; ISO 8601 UTC, or null.
      type: str
      sample: "2026-11-22T01:00:01.686Z"
    finished_at:
      description: End of the last run, ISO 8601 UTC; null while active or when the job never ran.
      type: str
      sample: "2026-11-22T01:20:41Z"
    duration_s:
      description: Seconds the last run took (or the current one so far), or null.
      type: float
      sample: 1240.0
    bytes_transferred:
      description: Bytes the last run moved (C(lrDataKb) × 1024), or null.
      type: int
      sample: 1073741824
    bytes_protected:
      description: Total size of the job's source objects (C(sourcesSize)), or null.
      type: int
      sample: 214748364800
    objects:
      description:
        - What the job protects, one entry per VM or host, with its own state (its current one while it
          runs or waits, else its last run's; V(skipped) and V(never_run) possible).
        - C(finished_at) is always null (the Director gives no finish time per object).
        - C(this_run) is true when the object's state is of the job's last run (or the job runs now, or
          the object never ran), false when the run's C(lrVmOk), C(lrVmFailed) or C(lrVmStopped) count
          fewer objects in that state than show it (the run did not reach some of them), null when the
          Director does not say.
      type: list
      elements: dict
      sample: [{"name": "web01.example.com", "state": "succeeded", "finished_at": null, "this_run": true}]
    hosts:
      description: The names of the hosts the job touches - its objects' source names and target names.
      type: list
      elements: str
      version_added: 0.2.0
      sample: ["web01.example.com"]
    enabled:
      description: The Director's C(isEnabled) - false for a disabled job - or null when it does not say.
      type: bool
      version_added: 0.2.0
    series:
      description: What one run backs up as a whole - for NAKIVO the job itself, C(job <id>).
      type: str
      version_added: 0.2.0
      sample: job 3
    raw:
      description: The job record exactly as the Director sent it; left out with O(include_raw=false).
      type: dict
summary:
  description: Counts over RV(jobs).
  returned: always
  type: dict
  contains:
    total:
      description: Number of jobs.
      type: int
    active:
      description: Number of active jobs.
      type: int
    by_state:
      description: Jobs per state; every state word is a key, 0 where no job is in it.
      type: dict
      sample: {"running": 0, "queued": 0, "paused": 0, "stopping": 0, "succeeded": 2, "warning": 0,
               "partial": 0, "failed": 1, "stopped": 0, "never_run": 0, "unknown": 0}
    all_idle:
      description: True when no job is active.
      type: bool
    any_failed:
      description: True when some job is V(failed).
      type: bool
waited:
  description: Seconds spent waiting; 0 without O(wait).
  returned: always
  type: float
  sample: 42.5
missing:
  description: What matched no job, per option; empty lists when everything matched.
  returned: always
  type: dict
  sample: {"job_ids": [7], "names": [], "protected_objects": ["web05"]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backupops.jobs.plugins.module_utils._nakivo import NakivoClient, NakivoJobs
from ansible_collections.backupops.jobs.plugins.module_utils._options import (
    QUERY_ARGUMENT_SPEC,
    module_query,
    nakivo_argument_spec,
    query_options,
)
from ansible_collections.backupops.jobs.plugins.module_utils._query import run_query


def main():
    module = AnsibleModule(
        argument_spec=nakivo_argument_spec(
            job_ids=dict(type="list", elements="int"),
            names=dict(type="list", elements="str"),
            protected_objects=dict(type="list", elements="str"),
            **QUERY_ARGUMENT_SPEC
        ),
        supports_check_mode=True,
    )
    params = module.params
    with module_query(module, "NAKIVO", job_ids=(1, True)) as session:
        with NakivoClient(session, params["username"], params["password"], params["tenant"]) as client:
            jobs = NakivoJobs(client, params["job_ids"], params["names"], params["protected_objects"])
            result = run_query(jobs, **query_options(params))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
