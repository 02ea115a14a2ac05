# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP options that both vendors' modules share."""

from __future__ import annotations


class ModuleDocFragment:
    """Documented once here; the options are defined once in module_utils/_options.py."""

    DOCUMENTATION = r"""
options:
  timeout:
    description:
      - Seconds to wait for a connection and for each reply.
    type: float
    default: 30
  retries:
    description:
      - How many more times a request is tried after a connection error, a read timeout, a reply cut
        short, or HTTP 502, 503 or 504, with a growing pause (0.5 s, 1 s, 2 s, ... at most 8 s).
      - Logins are retried only when the server cannot have seen them, so a wrong password is sent once.
    type: int
    default: 3
  max_response_mb:
    description:
      - Largest reply, in MiB, the module accepts from the backup server, for each reply on its own; a
        larger one fails with a message that names this option, instead of exhausting memory.
      - Raise it only when that message says a reply was larger; the default leaves room for far more
        jobs than a listing usually holds.
    type: int
    default: 256
"""
