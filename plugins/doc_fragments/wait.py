# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options for waiting until the selected jobs are idle."""

from __future__ import annotations


class ModuleDocFragment:
    """Documented once here; defined once in module_utils/_wait.py."""

    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until no selected job is active (running, queued, paused or stopping), polling on the one
        session, then return the jobs as they are.
      - On timeout the task fails with a message naming the jobs still active and their states, and
        still returns the jobs as last seen.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait at most with O(wait=true).
    type: float
    default: 3600
  wait_sleep:
    description:
      - Seconds between two polls with O(wait=true).
    type: float
    default: 10
"""
