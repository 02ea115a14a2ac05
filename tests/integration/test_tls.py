# -*- coding: utf-8 -*-
"""TLS at module level: job_info and job_detail against an HTTPS emulator with a private CA.

Each vendor's cases are hosts of one ansible-playbook run (see test_faults.run_matrix); a case's
environment (NAKIVO_CA_PATH, REQUESTS_CA_BUNDLE, ...) is set on its task only.
"""

from __future__ import annotations

import pytest

from ansible_collections.backupops.jobs.tests.integration.test_faults import Case, check_outcome, run_matrix

TLS = dict(tls=True)
ELSEWHERE = dict(REQUESTS_CA_BUNDLE="@other_ca", CURL_CA_BUNDLE="@other_ca")
NO_CERT_WORDS = ("TLS to https://127.0.0.1:", "give that CA's PEM file as ca_path", "validate_certs=false")


def tls_cases(vendor, job_id, prefix):
    ok = dict(job_ids=[job_id], retries=3)
    first = "AuthenticationManagement.login" if vendor == "nakivo" else "Login"
    return [
        # The default (validate_certs true, no ca_path): refused, the message says what to do; no request got through.
        Case(vendor, "self_signed_default", ok, "failed", NO_CERT_WORDS, emulator=TLS, attempts={first: 0}),
        # Another CA in the environment changes nothing about that.
        Case(vendor, "self_signed_other_bundle", ok, "failed", NO_CERT_WORDS, emulator=TLS, env=ELSEWHERE, attempts={first: 0}),
        Case(vendor, "ca_path_option", dict(ok, ca_path="@ca"), emulator=TLS, attempts={first: 1}),
        Case(vendor, "ca_path_env", ok, emulator=TLS, env={prefix + "_CA_PATH": "@ca"}, attempts={first: 1}),
        # ca_path wins over REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE pointing at a CA that signed nothing here.
        Case(vendor, "ca_path_over_bundles", dict(ok, ca_path="@ca"), emulator=TLS, env=ELSEWHERE, attempts={first: 1}),
        Case(vendor, "ca_path_env_over_bundles", ok, emulator=TLS, env=dict(ELSEWHERE, **{prefix + "_CA_PATH": "@ca"}),
             attempts={first: 1}),
        # A certificate for another name, from the trusted CA: refused all the same.
        Case(vendor, "wrong_hostname", dict(ok, ca_path="@ca"), "failed", ("TLS to https://127.0.0.1:", "mismatch", "not valid for '127.0.0.1'"),
             emulator=dict(cert_hostname="wrong.example"), attempts={first: 0}),
        Case(vendor, "validate_certs_false", dict(ok, validate_certs=False), emulator=TLS, env=ELSEWHERE, attempts={first: 1}),
        Case(vendor, "validate_certs_false_env", ok, emulator=TLS, env={prefix + "_VALIDATE_CERTS": "false"}, attempts={first: 1}),
        # A ca_path that is not a file is named before any connection.
        Case(vendor, "ca_path_missing", dict(ok, ca_path="/nonexistent/ca.pem"), "failed", ("ca_path /nonexistent/ca.pem is not a readable file",),
             emulator=TLS, attempts={first: 0}),
    ]


CASES = tls_cases("nakivo", 1, "NAKIVO") + tls_cases("commvault", 1248, "COMMVAULT")


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory):
    """A CA file that signed nothing the emulators serve."""
    import trustme  # pylint: disable=import-outside-toplevel

    path = tmp_path_factory.mktemp("other-ca") / "other-ca.pem"
    trustme.CA(organization_name="unrelated CA").cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory, other_ca):
    done = {}

    def get(vendor):
        if vendor not in done:
            done[vendor] = run_matrix([case for case in CASES if case.vendor == vendor], tmp_path_factory.mktemp("tls-" + vendor),
                                      other_ca=other_ca)
        return done[vendor]

    return get


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_tls_case(matrix, case):
    outcome = matrix(case.vendor)[case.id]
    check_outcome(outcome)
    if case.expect == "ok":
        assert outcome.result["jobs"][0]["state"] == "succeeded", outcome.result
        assert all(entry["path"].startswith(("/c/router", "/webconsole/api/")) for entry in outcome.log)
