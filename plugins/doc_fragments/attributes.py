# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes the collection's info modules share."""

from __future__ import annotations


class ModuleDocFragment:
    """Use as C(backupops.jobs.attributes.info_module)."""

    DOCUMENTATION = r"""
options: {}
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    description: Reads only, so check mode runs the query as usual.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
"""
