# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: commvault
short_description: The hosts Commvault backup jobs protect, grouped by their backup state
version_added: 0.2.0
author:
  - backupops maintainers (@backupops)
description:
  - Lists as hosts the clients of the backup jobs (any level, synthetic fulls, snap backups) that finished within
    O(finished_within) hours or are active, and the VMs of Virtual Server jobs, each with its jobs, its backup
    state and the verdict M(backupops.jobs.gate) would give it.
  - Reads the Web Server as M(backupops.jobs.job_detail) does, with the same selection and job records - one
    job listing, plus one C(JobDetails) per Virtual Server job for its VMs (O(concurrency) at a time), however
    many hosts. Per client and subclient the newest finished backup decides.
  - The configuration file's name ends in C(.commvault.yml) or C(.commvault.yaml).
extends_documentation_fragment:
  - backupops.jobs.inventory
  - backupops.jobs.inventory.commvault_connection
  - backupops.jobs.connection
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    choices: [backupops.jobs.commvault]
  clients:
    description:
      - Client names (wildcards allowed) whose jobs are read from the listing; each name without a wildcard
        that no backup job protects is still a host, held, with the reason that no backup job protects it.
      - With neither O(clients) nor O(job_ids), every client of the listing (V(*)).
    type: list
    elements: str
    default: []
  job_ids:
    description: Ids of jobs read with C(JobDetails), whatever their age; combine with O(clients) as a union.
    type: list
    elements: int
    default: []
  finished_within:
    description: Hours back the listing looks for finished jobs; active jobs are always listed.
    type: float
    default: 48
  api_format:
    description: V(auto) asks in JSON and falls back to XML where the Web Server needs it; V(json) or V(xml) force one.
    type: str
    choices: [auto, json, xml]
    default: auto
  commcell_id:
    description: CommCell id sent with each C(JobDetails) request, for a Web Server in front of several CommCells.
    type: int
  concurrency:
    description: C(JobDetails) requests in flight at once.
    type: int
    default: 8
seealso:
  - module: backupops.jobs.job_detail
  - plugin: backupops.jobs.nakivo
    plugin_type: inventory
"""

EXAMPLES = r"""
# backups.commvault.yml - the clients of every backup of the last two days; the connection from COMMVAULT_URL,
# COMMVAULT_USERNAME and COMMVAULT_PASSWORD (what an AWX credential of the collection's type sets)
plugin: backupops.jobs.commvault
---
# db.commvault.yml - some clients, a week back, lower-case names, a held group of their own, cached for an hour
plugin: backupops.jobs.commvault
url: https://cv.example.com/commandcenter/api
username: inventory
password: "{{ lookup('ansible.builtin.env', 'CV_INVENTORY_PASSWORD') }}"
clients: [db01.example.com, db02.example.com, "vcenter*"]
finished_within: 168
host_names: lower
groups:
  patch_tonight: backup_gate.open and not backup_active
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/backupops-inventory
# ansible-inventory -i db.commvault.yml --graph backup_failed
"""

from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultJobs, virtualization_job
from ansible_collections.backupops.jobs.plugins.module_utils._connect import number_problem
from ansible_collections.backupops.jobs.plugins.plugin_utils._inventory import BackupInventory


class InventoryModule(BackupInventory):
    """backupops.jobs.commvault: the Commvault job query; everything else is BackupInventory's."""

    NAME = "backupops.jobs.commvault"
    PLATFORM = "commvault"
    SELECTION = ("clients", "job_ids")

    def options_problem(self):
        return number_problem(dict(finished_within=self.get_option("finished_within"), concurrency=self.get_option("concurrency"),
                                   commcell_id=self.get_option("commcell_id")),
                              finished_within=(0, False), concurrency=(1, True), commcell_id=(1, True))

    def job_query(self, client, selection):
        clients = selection["clients"] or ([] if selection["job_ids"] else ["*"])
        return CommvaultJobs(client, selection["job_ids"], clients, self.get_option("finished_within"), self.get_option("api_format"),
                             self.get_option("commcell_id"), self.get_option("concurrency"), detail_listed=virtualization_job)

    def credentials_problem(self, settings):
        if not (settings.get("auth_token") or (settings.get("username") and settings.get("password"))):
            return ("Give username and password, or auth_token: in the inventory file, or in COMMVAULT_USERNAME and "
                    "COMMVAULT_PASSWORD, or COMMVAULT_AUTH_TOKEN.")
        return None

    def pool_size(self):
        return max(1, self.get_option("concurrency") or 1)
