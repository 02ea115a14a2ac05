# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Matching job names and host names the way operators write them.

Private to the backupops.jobs collection: not a public API, it may change at any time.
"""

from __future__ import annotations

import fnmatch
import re

IP_RE = re.compile(r"^[0-9.]+$|:")


def name_matches(pattern, name):
    """Shell-style wildcard match without regard to case."""
    return fnmatch.fnmatchcase(str(name).casefold(), str(pattern).casefold())


def host_matches(pattern, name):
    """Like ``name_matches``, and a short name also matches its fully qualified form either way round.

    ``web01`` matches ``web01.example.com`` and ``WEB01.example.com`` matches ``web01``; IP addresses
    are compared whole.
    """
    pattern, name = str(pattern).casefold(), str(name).casefold()
    if fnmatch.fnmatchcase(name, pattern):
        return True
    if IP_RE.search(pattern) or IP_RE.search(name):
        return False
    if "." not in pattern and "." in name:
        return fnmatch.fnmatchcase(name.split(".", 1)[0], pattern)
    if "." in pattern and "." not in name:
        return fnmatch.fnmatchcase(name, pattern.split(".", 1)[0])
    return False
