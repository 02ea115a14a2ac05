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
attributes:
  check_mode:
    support: full
    description: Reads only, so check mode runs the query as usual.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
  action_group:
    support: full
    membership:
      - backupops.jobs.commvault
    description: Use C(group/backupops.jobs.commvault) in C(module_defaults) to set the connection options once.
seealso:
  - module: backupops.jobs.job_info
  - ref: ansible_collections.backupops.jobs.maintenance_gate_role
    description: The backupops.jobs.maintenance_gate role holds each host of a play until its backups allow maintenance.
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
      description: The C(jobDetail) as received (from XML, attribute values stay strings).
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

from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultClient
from ansible_collections.backupops.jobs.plugins.module_utils._match import host_matches
from ansible_collections.backupops.jobs.plugins.module_utils._normalize import (
    commvault_record,
    commvault_summary_record,
    protects,
    summarize,
    to_number,
)
from ansible_collections.backupops.jobs.plugins.module_utils._options import api_errors, commvault_argument_spec, open_session
from ansible_collections.backupops.jobs.plugins.module_utils._wait import (
    WAIT_ARGUMENT_SPEC,
    check_wait_options,
    timeout_message,
    wait_until_idle,
)


class Query:
    """The selected jobs of one module run, read again on each poll."""

    def __init__(self, client, params):
        self.client = client
        self.params = params
        self.details = {}
        self.reasons = {}
        self.missing_clients = []

    def detail(self, job_ids):
        """Read ``job_ids`` with JobDetails, ``concurrency`` at a time; keeps records and reasons for unknown ids."""
        fmt, commcell = self.params["api_format"], self.params["commcell_id"]
        job_ids = list(dict.fromkeys(job_ids))
        if len(job_ids) > 1 and self.params["concurrency"] > 1:
            from concurrent.futures import ThreadPoolExecutor  # only a run with many ids pays for the pool

            with ThreadPoolExecutor(max_workers=min(self.params["concurrency"], len(job_ids))) as pool:
                answers = list(pool.map(lambda job_id: self.client.job_detail(job_id, fmt, commcell), job_ids))
        else:
            answers = [self.client.job_detail(job_id, fmt, commcell) for job_id in job_ids]
        for job_id, (detail, reason) in zip(job_ids, answers):
            if detail is None:
                self.details.pop(job_id, None)
                self.reasons[job_id] = reason
            else:
                self.details[job_id] = commvault_record(detail)

    def client_jobs(self):
        """Summary records of the clients' jobs from one listing, and the client patterns that matched nothing.

        Per client and subclient: every active job, the newest finished job of a protecting kind (an older
        backup is superseded by it), and the newest finished job of each other kind.
        """
        hours = self.params["finished_within"]
        summaries = self.client.list_jobs(lookup_seconds=hours * 3600, fmt=self.params["api_format"])
        records = [commvault_summary_record(summary) for summary in summaries]
        chosen, missing = {}, []
        for pattern in self.params["clients"]:
            hits = [r for r in records if any(host_matches(pattern, name) for name in r["hosts"])]
            if not hits:
                missing.append(pattern)
            newest = {}
            for record in hits:
                if record["active"]:
                    chosen.setdefault(record["id"], record)
                    continue
                key = (str(record["series"] or record["name"]).lower(), "protects" if protects(record) else record["type"])
                if key not in newest or _finish_rank(record) > _finish_rank(newest[key]):
                    newest[key] = record
            for record in sorted(newest.values(), key=_finish_rank, reverse=True):
                chosen.setdefault(record["id"], record)
        return chosen, missing

    def poll(self):
        """Records as they are now: ids read again while active, clients listed again."""
        unsettled = [job_id for job_id in self.params["job_ids"] or () if self._unsettled(job_id)]
        if unsettled:
            self.detail(unsettled)
        records = [self.details[job_id] for job_id in self.params["job_ids"] or () if job_id in self.details]
        if self.params["clients"]:
            listed, self.missing_clients = self.client_jobs()
            records.extend(record for job_id, record in listed.items() if job_id not in self.details)
        return records

    def _unsettled(self, job_id):
        """Not read yet, or still active; an id the server did not know is not asked again."""
        if job_id in self.details:
            return self.details[job_id]["active"]
        return job_id not in self.reasons

    def finish(self, records):
        """Listed jobs detailed once at the end, so their objects and figures are complete."""
        listed = [record["id"] for record in records if record["id"] not in self.details]
        if listed:
            self.detail(listed)
        return [self.details.get(record["id"], record) for record in records]


def _finish_rank(record):
    """Order of finished runs: by finish time (Unix seconds of the listing), then by id."""
    summary = record["raw"] if isinstance(record["raw"], dict) else {}
    return (to_number(summary.get("jobEndTime")) or 0, record["id"] if isinstance(record["id"], int) else -1)


def missing_message(missing, reasons):
    parts = []
    if missing["job_ids"]:
        parts.append("job id(s) %s" % ", ".join("%s (%s)" % (job_id, reasons.get(job_id) or "no such job")
                                                for job_id in missing["job_ids"]))
    if missing["clients"]:
        parts.append("client(s) %s" % ", ".join(repr(name) for name in missing["clients"]))
    return ("No Commvault job matches %s. Check the ids and client names, or set allow_missing: true to get what was found "
            "with the rest listed in missing." % "; ".join(parts))


def main():
    module = AnsibleModule(
        argument_spec=commvault_argument_spec(
            job_ids=dict(type="list", elements="int"),
            clients=dict(type="list", elements="str"),
            finished_within=dict(type="float", default=48),
            api_format=dict(type="str", choices=["auto", "json", "xml"], default="auto"),
            commcell_id=dict(type="int"),
            concurrency=dict(type="int", default=8),
            allow_missing=dict(type="bool", default=False),
            **WAIT_ARGUMENT_SPEC
        ),
        required_one_of=[("job_ids", "clients")],
        supports_check_mode=True,
    )
    params = module.params
    problem = check_wait_options(params)
    if problem or params["concurrency"] < 1:
        module.fail_json(msg=problem or "concurrency must be at least 1, got %s." % params["concurrency"])
    session = open_session(module, "COMMVAULT", pool_size=params["concurrency"])
    result = dict(changed=False, jobs=[], summary=summarize([]), waited=0, missing={})
    with api_errors(module, **result):
        with CommvaultClient(session, params["username"], params["password"], params["domain"], params["auth_token"]) as client:
            query = Query(client, params)
            records = query.poll()
            result["missing"] = dict(job_ids=[job_id for job_id in params["job_ids"] or () if job_id not in query.details],
                                     clients=query.missing_clients)
            if any(result["missing"].values()) and not params["allow_missing"]:
                result.update(jobs=records, summary=summarize(records))
                module.fail_json(msg=missing_message(result["missing"], query.reasons), **result)
            timed_out = False
            if params["wait"]:
                first = [records]
                records, result["waited"], timed_out = wait_until_idle(lambda: first.pop() if first else query.poll(),
                                                                       params["wait_timeout"], params["wait_sleep"])
            records = query.finish(records)
            result.update(jobs=records, summary=summarize(records))
    if timed_out:
        module.fail_json(msg=timeout_message(records, result["waited"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
