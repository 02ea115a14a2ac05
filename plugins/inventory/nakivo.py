# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: nakivo
short_description: The hosts NAKIVO Backup & Replication jobs protect, grouped by their backup state
version_added: 0.2.0
author:
  - backupops maintainers (@backupops)
description:
  - Lists as hosts the VMs and physical hosts that the backup, replication and backup copy jobs of a NAKIVO
    Director protect, each with its jobs, its backup state and the verdict M(backupops.jobs.gate) would give it.
  - Reads the Director as M(backupops.jobs.job_info) does, with the same selection and job records - one
    C(getGroupInfo) and one C(getJobInfo) for every job, however many hosts.
  - The inventory is for planning; the role P(backupops.jobs.maintenance_gate#role) gates at the moment of change.
  - The configuration file's name ends in C(.nakivo.yml) or C(.nakivo.yaml).
extends_documentation_fragment:
  - backupops.jobs.inventory
  - backupops.jobs.inventory.nakivo_connection
  - backupops.jobs.connection
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    choices: [backupops.jobs.nakivo]
  job_ids:
    description: Ids of the jobs whose objects become hosts.
    type: list
    elements: int
    default: []
  names:
    description: Job names (without regard to case, wildcards allowed) whose objects become hosts.
    type: list
    elements: str
    default: []
  protected_objects:
    description:
      - Names of VMs and hosts; the jobs that protect them are read, and each name without a wildcard that no
        job protects is still a host, held, with the reason that no backup job protects it.
      - O(job_ids), O(names) and O(protected_objects) combine as a union; with none of them, every job of
        the Director (or of the tenant).
    type: list
    elements: str
    default: []
seealso:
  - module: backupops.jobs.job_info
  - plugin: backupops.jobs.commvault
    plugin_type: inventory
"""

EXAMPLES = r"""
# backups.nakivo.yml - every job of the Director; the connection from NAKIVO_URL, NAKIVO_USERNAME and
# NAKIVO_PASSWORD (what an AWX credential of the collection's type sets)
plugin: backupops.jobs.nakivo
---
# web.nakivo.yml - the jobs of some hosts, short lower-case names, a 26-hour age limit, cached for an hour;
# the password from a vault-encrypted file (or inline: password: !vault |)
plugin: backupops.jobs.nakivo
url: https://director.example.com:4443
username: inventory
password: "{{ lookup('ansible.builtin.unvault', '/etc/ansible/nakivo-password.vault') | trim }}"
ca_path: /etc/pki/nakivo-ca.pem
protected_objects: [web01.example.com, web02.example.com, "db*"]
host_names: short_lower
gate:
  max_age: 26
keyed_groups:
  - key: backup_platform
    prefix: platform
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/backupops-inventory
cache_timeout: 3600
# ansible-inventory -i web.nakivo.yml --graph backup_gate_held
# ansible-playbook -i web.nakivo.yml -i hosts.yml patch.yml --limit 'backup_gate_open:&webservers'
"""

from ansible_collections.backupops.jobs.plugins.module_utils._nakivo import NakivoJobs
from ansible_collections.backupops.jobs.plugins.plugin_utils._inventory import BackupInventory


class InventoryModule(BackupInventory):
    """backupops.jobs.nakivo: the NAKIVO job query; everything else is BackupInventory's."""

    NAME = "backupops.jobs.nakivo"
    PLATFORM = "nakivo"
    SELECTION = ("protected_objects", "job_ids", "names")

    def job_query(self, client, selection):
        return NakivoJobs(client, selection["job_ids"], selection["names"], selection["protected_objects"])

    def credentials_problem(self, settings):
        if not (settings.get("username") and settings.get("password")):
            return "username and password are required: set them in the inventory file or in NAKIVO_USERNAME and NAKIVO_PASSWORD."
        return None
