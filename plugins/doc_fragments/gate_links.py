# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SEE ALSO entries of the query modules: the gate that reads their results, and its documentation."""

from __future__ import annotations


class ModuleDocFragment:
    """Links to what exists: a module, and the collection repository's pages (galaxy.yml's repository)."""

    # ansible-core wants options or attributes in every fragment: none here.
    DOCUMENTATION = r"""
options: {}
seealso:
  - module: backupops.jobs.gate
    description: The verdict of one host on this module's registered result (open, or held with the reason).
  - name: The backupops.jobs.maintenance_gate role
    description: >-
      Holds each host of a play until its backups allow maintenance, with one query for the play
      (C(ansible-doc -t role backupops.jobs.maintenance_gate)).
    link: https://github.com/backupops/ansible-collection-jobs/blob/main/roles/maintenance_gate/README.md
  - name: Gating maintenance on backups
    description: The decision table, the patterns, and the set-up in AWX / Ansible Automation Platform.
    link: https://github.com/backupops/ansible-collection-jobs/blob/main/docs/gating.md
"""
