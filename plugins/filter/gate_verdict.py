# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: gate_verdict
short_description: Decide whether one host may go into maintenance, from a job query's result
version_added: 0.1.0
author:
  - backupops maintainers (@backupops)
description:
  - Takes the registered result of one M(backupops.jobs.job_info) or M(backupops.jobs.job_detail) run
    (usually one query for a whole play) and says whether one host may go into maintenance, with one
    sentence of reason and one line for an operator to scan.
  - The jobs that touch the host are those with an object (VM, host, client) or a host (for Commvault the
    client, and for a restore to another client that client instead) matched by one of O(objects),
    without regard to case, with wildcards, a short name matching its fully qualified form either way round. With O(job_ids) or
    O(job_names) every host is judged on those jobs instead.
  - The rules are the decision table of the collection's C(docs/gating.md); a host whose last backup did
    not succeed is never let through, and where the rules cannot tell, the host is held. In order -
  - 1. The query failed (not a wait timeout) - every host is held and RV(_value.error) is true.
  - 2. A fixed job id or name was not found.
  - 3. A job that touches the host is still active - a protecting job, or a restore, recovery, flash
    boot or failover; a Commvault aux copy or data verification does not hold the client.
  - 4. Only protecting jobs decide success - NAKIVO backup, replication and backup copy jobs; Commvault
    backups at any level, synthetic fulls and snap backups. Per job (Commvault - per client and
    subclient) the newest finished run decides; an older run it supersedes does not hold.
  - 5. No protecting job touches the host (O(require_job)).
  - 6. The run that decides did not succeed for the host (O(require_success)) - the host's own object
    where the job succeeded or where another object of the same run explains its failure; the job as
    a whole where nothing explains it, or where the host's own state is from an earlier run.
  - 7. The run that decides is older than O(max_age) hours, or did not succeed.
  - 8. A job of the host is scheduled to start within O(quiet_minutes).
  - Every protecting job is judged; one bad job holds the host.
  - Used by the role P(backupops.jobs.maintenance_gate#role); usable on its own with any registered result.
positional: host
extends_documentation_fragment:
  - backupops.jobs.gate
options:
  _input:
    description:
      - The registered result of the job query, as registered with C(failed_when=false) so that a wait
        timeout still gives the jobs as last seen.
      - A result that carries C(msg) while no job is active is a failed query (bad credentials, server
        out of reach); every host is then held with the module's message.
    type: dict
    required: true
  host:
    description: The host to judge, normally C(inventory_hostname); used in the messages.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: One Commvault listing for the whole play, without the vendor's raw records
  backupops.jobs.job_detail:
    clients: "{{ ansible_play_batch }}"
    include_raw: false
    allow_missing: true
    wait: true
  delegate_to: localhost
  run_once: true
  failed_when: false
  register: backups

- name: Judge each host on its own jobs
  ansible.builtin.set_fact:
    verdict: "{{ backups | backupops.jobs.gate_verdict(inventory_hostname, max_age=26) }}"

- name: Show it
  ansible.builtin.debug:
    msg: "{{ verdict.line }}"

- name: Hold the host
  ansible.builtin.fail:
    msg: "{{ verdict.reason }}"
  when: not verdict.open

# A VM whose name in NAKIVO differs from its inventory name
- name: Judge db01 on its VM name
  ansible.builtin.set_fact:
    verdict: "{{ backups | backupops.jobs.gate_verdict('db01', objects=['DB01-prod']) }}"
"""

RETURN = r"""
_value:
  description: The verdict for the host.
  type: dict
  contains:
    host:
      description: The host judged.
      type: str
    open:
      description: True when the host may go into maintenance.
      type: bool
    reason:
      description: Why the host is open or held, once, and what to do next.
      type: str
      sample: "the last backup failed: fix or re-run job 3"
    line:
      description: One line for an operator to scan - host, verdict, each job with state and progress or finish time.
      type: str
      sample: "web01: HELD | Backup web (id 3) failed, finished 2026-11-22 01:20 UTC | the last backup failed: fix or re-run job 3"
    jobs:
      description:
        - The job records that touch the host, each with keys added - C(host_state) (the state that
          judged this host - its own object's, else the job's), C(host_decided_by) (V(host_object) or
          V(job)), C(host_objects) (the names of its objects that matched), C(host_finished_at) (the
          object's finish time where the product gives one, else the job's) and C(decides) (the
          verdict rests on this run; false for a superseded run or a job that does not protect).
      type: list
      elements: dict
    error:
      description: True when the query itself failed; the host is held whatever the settings.
      type: bool
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.backupops.jobs.plugins.module_utils._gate import verdict


def gate_verdict(result, host, **options):
    """The verdict for ``host`` from one job query result: a dict with open, reason, line, jobs, error."""
    try:
        return verdict(result, host, **options)
    except (TypeError, ValueError) as e:
        raise AnsibleFilterError("gate_verdict: %s" % e) from e


class FilterModule:
    """The maintenance gate's per-host verdict."""

    def filters(self):
        return {"gate_verdict": gate_verdict}
