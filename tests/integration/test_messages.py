# -*- coding: utf-8 -*-
"""What a user reads for the mistakes of a first hour: wrong scheme, plain HTTP, numbers out of range, a stale token.

Each vendor's cases are hosts of one ansible-playbook run (test_faults.run_matrix).
"""

from __future__ import annotations

import pytest

from ansible_collections.backupops.jobs.tests.integration.test_faults import CV_PRESET, Case, check_outcome, run_matrix

TLS = dict(tls=True)
FIRST = {"nakivo": "AuthenticationManagement.login", "commvault": "Login"}


def warned(*words):
    """A check that the module's warnings say ``words``."""
    def check(result, log):
        text = " ".join(result.get("warnings") or [])
        for word in words:
            assert word in text, "%r not in the warnings %r" % (word, result.get("warnings"))
    return check


def quiet(result, log):
    assert not result.get("warnings"), result.get("warnings")


def message_cases(vendor, job_id):
    ok = dict(job_ids=[job_id], retries=0)
    cases = [
        Case(vendor, "https_to_a_plain_port", dict(ok, url="@other_scheme"), "failed",
             ("does not speak TLS on that port",), attempts={FIRST[vendor]: 0}),
        Case(vendor, "http_to_a_tls_port", dict(ok, url="@other_scheme"), "failed", ("Then the url starts with https://",),
             emulator=TLS),
        Case(vendor, "plain_http_warns", ok, check=warned("is plain HTTP", "use https://")),
        Case(vendor, "https_is_quiet", dict(ok, ca_path="@ca"), emulator=TLS, check=quiet),
        Case(vendor, "timeout_negative", dict(ok, timeout=-1), "failed", ("timeout must be more than 0, got -1.0.",),
             attempts={FIRST[vendor]: 0}),
        Case(vendor, "timeout_zero", dict(ok, timeout=0), "failed", ("timeout must be more than 0, got 0.0.",),
             attempts={FIRST[vendor]: 0}),
        Case(vendor, "job_ids_negative", dict(ok, job_ids=[job_id, -1]), "failed", ("job_ids must be at least 1, got -1.",),
             attempts={FIRST[vendor]: 0}),
    ]
    if vendor == "commvault":
        cases += [
            Case(vendor, "finished_within_negative", dict(clients=["db01"], finished_within=-1), "failed",
                 ("finished_within must be more than 0, got -1.0.",), attempts={"Login": 0, "Job": 0}),
            # A token the server refuses: the username and password take over, and the module says so.
            Case(vendor, "rejected_token_falls_back_and_says_so", dict(ok, auth_token="QSDK 0000refused0000"),
                 attempts={"Login": 1}, check=warned("rejected the auth_token given", "logged in with username and password")),
            Case(vendor, "a_good_token_is_used_without_a_word", dict(ok, auth_token=CV_PRESET), attempts={"Login": 0},
                 check=lambda result, log: not any("auth_token" in w for w in result.get("warnings") or []) or pytest.fail(
                     "warned about a good token: %r" % result["warnings"])),
        ]
    return cases


CASES = message_cases("nakivo", 1) + message_cases("commvault", 1248)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    done = {}

    def get(vendor):
        if vendor not in done:
            done[vendor] = run_matrix([case for case in CASES if case.vendor == vendor], tmp_path_factory.mktemp("messages-" + vendor))
        return done[vendor]

    return get


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_message_case(matrix, case):
    check_outcome(matrix(case.vendor)[case.id])
