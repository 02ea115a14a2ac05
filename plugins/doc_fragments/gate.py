# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the gate's verdict, shared by the gate_verdict filter and the gate module."""

from __future__ import annotations


class ModuleDocFragment:
    """Documented once here; defined once in module_utils/_gate.py (verdict)."""

    DOCUMENTATION = r"""
options:
  objects:
    description:
      - The names that stand for this host in the backup product (VM names for NAKIVO, client names for
        Commvault). Defaults to O(host).
    type: list
    elements: str
  job_ids:
    description: Fixed job ids the query selected; every host is judged on them.
    type: list
    elements: int
  job_names:
    description:
      - Fixed job names (wildcards allowed; Commvault names are C(client/subclient)); every host is
        judged on the jobs they match.
    type: list
    elements: str
  require_job:
    description: Hold a host that no backup job protects.
    type: bool
    default: true
  require_success:
    description:
      - Hold a host unless the run that decides of every job that protects it succeeded for the host -
        the host's own object where another object of the same run explains the job's failure, else
        the job as a whole. V(never_run), V(skipped), V(stopped), V(failed) and V(unknown) are never a
        success.
    type: bool
    default: true
  accept_warning:
    description: Count V(warning) (completed with warnings) as a success.
    type: bool
    default: true
  accept_partial:
    description: Count V(partial) (completed with errors, part of the data not protected) as a success.
    type: bool
    default: false
  max_age:
    description:
      - Hours. Hold unless the last run of every protecting job succeeded for the host and finished
        within this many hours (the object's finish time where the product gives one, else the job's).
      - Null or 0 turns the check off.
    type: float
  quiet_minutes:
    description:
      - Hold when a job that touches the host is scheduled (C(next_run_at)) to start within this many
        minutes, or should have started already. 0 turns the check off.
    type: float
    default: 0
  now:
    description:
      - The time to judge ages and schedules against, ISO 8601 (C(2026-11-22T10:00:00Z)). Defaults to
        the controller's clock; tests set it.
    type: str
"""
