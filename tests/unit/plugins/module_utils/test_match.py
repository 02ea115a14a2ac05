# -*- coding: utf-8 -*-
"""Name and host matching as operators write names."""

from __future__ import annotations

import pytest

from ansible_collections.backupops.jobs.plugins.module_utils._match import host_matches, name_matches


@pytest.mark.parametrize("pattern, name, expected", [
    ("Nightly web", "nightly WEB", True),
    ("nightly-*", "Nightly-DB", True),
    ("nightly-?", "nightly-12", False),
    ("backup [ab]", "Backup B", True),
    ("web", "web01", False),
])
def test_name_matches_case_insensitive_wildcards(pattern, name, expected):
    assert name_matches(pattern, name) is expected


@pytest.mark.parametrize("pattern, name, expected", [
    ("web01", "web01.example.com", True),            # short pattern, qualified name
    ("WEB01.example.com", "web01", True),            # qualified pattern, short name
    ("web01.example.com", "web01.example.com", True),
    ("web01.example.com", "web01.other.org", False),  # both qualified: whole names decide
    ("web0*", "WEB07.example.com", True),
    ("web01", "web011.example.com", False),
    ("web", "web01.example.com", False),
    ("10", "10.0.0.5", False),                       # IP addresses are compared whole
    ("10.0.0.5", "10.0.0.5", True),
    ("fe80::1", "FE80::1", True),
    ("db01", "db01", True),
])
def test_host_matches_short_and_qualified_names(pattern, name, expected):
    assert host_matches(pattern, name) is expected
