#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: job_detail
short_description: Read the state of Commvault jobs
version_added: 0.1.0
description:
  - Reads jobs from a Commvault Web Server with C(POST /JobDetails) and returns each as the collection's
    normalized job record, the same shape M(backupops.jobs.job_info) returns for NAKIVO.
  - Selects jobs by id, or by the clients (hosts) they run for; the clients' jobs come from one listing
    of C(GET /Job), so one task serves a whole play of hosts.
  - Can wait until no selected job is active, so a play can hold maintenance while a backup or a
    restore runs.
  - A job id or client that matches nothing fails the task, so that a typo never opens a gate;
    O(allow_missing=true) reports it in RV(missing) instead.
  - Reads only; never changes anything on the CommServe.
extends_documentation_fragment:
  - backupops.jobs.commvault
  - backupops.jobs.connection
  - backupops.jobs.wait
  - backupops.jobs.query
  - backupops.jobs.attributes.info_module
  - backupops.jobs.gate_links
options:
  job_ids:
    description:
      - Ids of the jobs to read. Each is one C(JobDetails) request; they run O(concurrency) at a time
        over the one keep-alive session, and come back in the order asked.
    type: list
    elements: int
  clients:
    description:
      - Client (host) names, matched on the job's C(subclient.clientName) (or its destination client)
        without regard to case or domain suffix; wildcards allowed.
      - Selects every active job of any type (a restore running on a host counts too) and, for each
        client and subclient, its most recent finished job within O(finished_within) hours.
    type: list
    elements: str
  finished_within:
    description:
      - With O(clients), how many hours back a finished job still counts.
    type: float
    default: 48
  api_format:
    description:
      - What to send and ask for. V(auto) uses JSON and falls back to XML for the rest of the run when
        the server answers a JSON request with an empty job or a C(JSON root object) error, as older
        Web Servers do.
    type: str
    choices: [auto, json, xml]
    default: auto
  commcell_id:
    description:
      - CommCell id to send with each C(JobDetails) request (the C(commcell) element).
    type: int
  concurrency:
    description:
      - How many C(JobDetails) requests are in flight at once.
    type: int
    default: 8
  allow_missing:
    description:
      - With V(false), a job id or client that matches nothing fails the task, quoting the server's words.
      - With V(true), the module returns what it found and lists the rest in RV(missing). It does not
        wait for missing jobs to appear.
    type: bool
    default: false
notes:
  - At least one of O(job_ids) and O(clients) is required; they combine as a union.
  - With O(wait) and O(clients), each poll lists the jobs again, so a job that starts during the wait
    is waited for too; with O(job_ids), only the jobs still active are read again.
seealso:
  - module: backupops.jobs.job_info
author:
  - backupops maintainers (@backupops)
"""

EXAMPLES = r"""
- name: Read one job
  backupops.jobs.job_detail:
    url: https://cv.example.com/commandcenter/api
    username: admin
    password: "{{ vault_commvault_password }}"
    job_ids: [1248]
  register: job

- name: Set the connection once for every Commvault task of the play
  hosts: databases
  module_defaults:
    group/backupops.jobs.commvault:
      url: https://cv.example.com/commandcenter/api
      username: backup-operator
      password: "{{ vault_commvault_password }}"
      domain: CORP
  tasks:
    - name: Every client's jobs with one listing, for the whole play
      backupops.jobs.job_detail:
        clients: "{{ ansible_play_hosts }}"
        allow_missing: true
        wait: true
        wait_timeout: 7200
        wait_sleep: 30
      delegate_to: localhost
      run_once: true
      failed_when: false
      register: cv

    - name: Hold a host whose last backup did not succeed (the gate's decision table, per host)
      backupops.jobs.gate:
        result_var: cv

- name: Use an existing token from a vault, and ask for XML
  backupops.jobs.job_detail:
    url: https://cv.example.com/webconsole/api
    auth_token: "{{ vault_commvault_token }}"
    api_format: xml
    job_ids: [1248, 1249]

# Ad hoc, with the connection in the environment:
#   export COMMVAULT_URL=https://cv.example.com/commandcenter/api COMMVAULT_USERNAME=admin COMMVAULT_PASSWORD=...
#   ansible localhost -m backupops.jobs.job_detail -a 'job_ids=1248'
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
      description: V(commvault).
      type: str
      sample: commvault
    id:
      description: The job id.
      type: int
      sample: 1248
    name:
      description: C(client/subclient).
      type: str
      sample: db01.example.com/default
    type:
      description: The job type in lower case (V(backup), V(restore), V(aux_copy), ...).
      type: str
      sample: backup
    state:
      description:
        - One of V(running), V(queued), V(paused), V(stopping), V(succeeded), V(warning), V(partial),
          V(failed), V(stopped), V(never_run), V(unknown).
      type: str
      sample: warning
    active:
      description: True when RV(jobs[].state) is V(running), V(queued), V(paused) or V(stopping).
      type: bool
      sample: false
    vendor_state:
      description: The status as the server sent it.
      type: str
      sample: Completed w/ one or more warnings
    progress:
      description: Percent done while active; 100 once succeeded, warning or partial; else the last figure, or null.
      type: int
      sample: 100
    next_run_at:
      description: Always null for Commvault, which does not give it here.
      type: str
      sample: null
    started_at:
      description: When the job started, ISO 8601 UTC, or null.
      type: str
      sample: "2021-11-09T10:14:04Z"
    finished_at:
      description: When the job ended, ISO 8601 UTC; null while active.
      type: str
      sample: "2021-11-09T10:18:21Z"
    duration_s:
      description: Seconds from start to end (or elapsed so far), or null.
      type: float
      sample: 257
    bytes_transferred:
      description: Bytes sent over the network (C(dataXferedNetwork), else C(dataWritten)), or null.
      type: int
      sample: 10895704
    bytes_protected:
      description: Application size of what the job protects (C(sizeOfApplication)), or null.
      type: int
      sample: 45633966
    objects:
      description:
        - What the job protects, one entry per VM (from C(vmStatus)) or the client (for a restore to another
          client, that client), with its own state.
        - C(finished_at) is the VM's C(BackupEndTime) (the job's end for the client), or null.
        - C(this_run) is true when the entry is of this job's run, false when the VM's backup times are
          before the job's start (a VM the job did not process this time), null when the server gives no
          times.
      type: list
      elements: dict
      sample: [{"name": "db01.example.com", "state": "warning", "finished_at": "2026-11-22T01:20:41Z", "this_run": true}]
    hosts:
      description:
        - The names of the hosts the job touches - its client and its VMs; for a restore to another client,
          that destination client instead of its own (the restore reads the backup, not the client).
      type: list
      elements: str
      version_added: 0.2.0
      sample: ["vcenter01.example.com", "vm-a.example.com"]
    enabled:
      description: Always null - JobDetails does not say whether the subclient's schedule is enabled.
      type: bool
      version_added: 0.2.0
    series:
      description:
        - What one run backs up as a whole - C(client/agent/instance/backup set/subclient) - so that a newer
          run of the same series supersedes an older one.
      type: str
      version_added: 0.2.0
      sample: db01.example.com/Windows File System/DefaultInstanceName/defaultBackupSet/default
    raw:
      description: The C(jobDetail) as received (from XML, attribute values stay strings); left out with O(include_raw=false).
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
  sample: 0
missing:
  description: What matched no job, per option, with the server's words for ids; empty lists when everything matched.
  returned: always
  type: dict
  sample: {"job_ids": [99999], "clients": ["web05"]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultClient, CommvaultJobs
from ansible_collections.backupops.jobs.plugins.module_utils._options import (
    QUERY_ARGUMENT_SPEC,
    commvault_argument_spec,
    module_query,
    query_options,
)
from ansible_collections.backupops.jobs.plugins.module_utils._query import run_query


def main():
    module = AnsibleModule(
        argument_spec=commvault_argument_spec(
            job_ids=dict(type="list", elements="int"),
            clients=dict(type="list", elements="str"),
            finished_within=dict(type="float", default=48),
            api_format=dict(type="str", choices=["auto", "json", "xml"], default="auto"),
            commcell_id=dict(type="int"),
            concurrency=dict(type="int", default=8),
            **QUERY_ARGUMENT_SPEC
        ),
        required_one_of=[("job_ids", "clients")],
        supports_check_mode=True,
    )
    p = module.params
    numbers = dict(job_ids=(1, True), finished_within=(0, False), concurrency=(1, True), commcell_id=(1, True))
    with module_query(module, "COMMVAULT", pool_size=max(1, p["concurrency"]), **numbers) as session:
        with CommvaultClient(session, p["username"], p["password"], p["domain"], p["auth_token"]) as client:
            jobs = CommvaultJobs(client, p["job_ids"], p["clients"], p["finished_within"], p["api_format"], p["commcell_id"],
                                 p["concurrency"])
            result = run_query(jobs, **query_options(p))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
