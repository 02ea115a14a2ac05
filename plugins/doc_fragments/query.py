# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every job query module takes besides its connection and its selection."""

from __future__ import annotations


class ModuleDocFragment:
    """Documented once here; defined once in module_utils/_options.py (QUERY_ARGUMENT_SPEC)."""

    DOCUMENTATION = r"""
options:
  include_raw:
    description:
      - Keep the vendor's record as received in RV(jobs[].raw).
      - V(false) leaves C(raw) out of every record - a result a fraction of the size, for a role or
        an ad-hoc look that needs only the normalized keys (the gate never reads C(raw)).
    type: bool
    default: true
    version_added: 0.2.0
"""
