# -*- coding: utf-8 -*-
"""No secret in any output: every fault case of test_faults (and runs with a given token) again at -vvvv.

The secrets are the recognizable passwords (plain and base64), and what the emulators saw on the wire:
every NAKIVO session cookie value and every Commvault token (its hex part). None may appear in
stdout, stderr, or any recorded task result (the invocation block included).
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.backupops.jobs.tests.integration.test_faults import (
    CASES,
    CV_PASSWORD,
    CV_PRESET,
    CV_ROOT,
    CV_WRONG,
    NK_PASSWORD,
    NK_WRONG,
    Case,
    check_outcome,
    cv_scenario,
    fault,
    nk_scenario,
    run_matrix,
    secrets_of,
    states,
)

TOKEN_HEX = CV_PRESET.split(" ", 1)[1]
# ansible-core 2.21 adds the invocation block to results only when asked (older releases always do): ask, to check it.
LOUD_ENV = dict(ANSIBLE_INJECT_INVOCATION="true")
NO_PASSWORD = dict(username=None, password=None)

# Runs beyond the fault matrix: a token given by the user (as an option, bare, and expiring), a tenant, check mode.
EXTRA = [
    Case("commvault", "given_token_option", dict(job_ids=[1248], auth_token=CV_PRESET, **NO_PASSWORD),
         attempts={"Login": 0, "Logout": 0}, check=states(**{"1248": "succeeded"})),
    Case("commvault", "given_bare_token_expiring", dict(job_ids=[1248], auth_token=TOKEN_HEX, **NO_PASSWORD), "failed",
         ("rejected the token (HTTP 401)",), faults=(fault("expire_session", "JobDetails"),), attempts={"Login": 0}),
    Case("nakivo", "tenant_by_name", dict(tenant="acme", allow_missing=True, names=["*"]),
         scenario=nk_scenario(tenants=[dict(uuid="3a0b6c9e-5d7f-4e2a-9c1b-8f6e4d2a7b10", name="acme",
                                            jobs=[dict(id=7, name="Acme", type="BACKUP", objects=[dict(name="a1")], runs=[])])])),
]
ALL = CASES + EXTRA


@pytest.fixture(scope="module")
def loud(tmp_path_factory):
    """{vendor: {case id: Outcome}} of every case at -vvvv, run once per vendor on first use."""
    done = {}

    def get(vendor):
        if vendor not in done:
            done[vendor] = run_matrix([case for case in ALL if case.vendor == vendor], tmp_path_factory.mktemp("vvvv-" + vendor), "-vvvv",
                                      env=LOUD_ENV)
        return done[vendor]

    return get


def assert_no_secret(secrets, **texts):
    for where, text in texts.items():
        leaked = sorted(secret for secret in secrets if secret in text)
        assert not leaked, "%s holds %s" % (where, leaked)


@pytest.mark.parametrize("vendor", ["nakivo", "commvault"])
def test_every_case_at_vvvv_leaks_nothing(loud, vendor):
    outcomes = loud(vendor)
    secrets = secrets_of(o.log for o in outcomes.values())
    # The run saw real session material: cookies (NAKIVO) or tokens (Commvault) beyond the fixed secrets.
    learned = {s for o in outcomes.values() for e in o.log for s in secrets if s in json.dumps(e["headers"])}
    assert learned - {TOKEN_HEX}, "no cookie or token seen on the wire"
    run = next(iter(outcomes.values())).run
    assert "<localhost>" in run.stdout or "ESTABLISH LOCAL CONNECTION" in run.stdout, "not at -vvvv?"
    assert_no_secret(secrets, stdout=run.stdout, stderr=run.stderr, entries=json.dumps(run.entries))
    for outcome in outcomes.values():
        invocation = outcome.result.get("invocation", {}).get("module_args", {})
        assert invocation, "%s: no invocation block to check" % outcome.case.id
        for option in ("password", "auth_token"):
            assert invocation.get(option) in (None, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"), (outcome.case.id, option)


@pytest.mark.parametrize("case", ALL, ids=[case.id for case in ALL])
def test_every_case_keeps_its_word_at_vvvv(loud, case):
    # -vvvv changes nothing about the outcome, and each result is clean of its own case's secrets.
    outcome = loud(case.vendor)[case.id]
    check_outcome(outcome)
    assert_no_secret(secrets_of([outcome.log]), result=json.dumps(outcome.entry))


def adhoc_env(emu, vendor, password=None):
    if vendor == "nakivo":
        return dict(NAKIVO_URL=emu.url, NAKIVO_USERNAME="admin", NAKIVO_PASSWORD=password or NK_PASSWORD)
    return dict(COMMVAULT_URL=emu.url + CV_ROOT, COMMVAULT_USERNAME="admin", COMMVAULT_PASSWORD=password or CV_PASSWORD)


ADHOC = [
    # vendor, module arguments, environment password (None = the right one), faults, expect ok
    ("nakivo", "job_ids=1", None, (), True),
    ("nakivo", "job_ids=2 wait=true wait_sleep=0.5 wait_timeout=1", None, (fault("expire_session", "getJobInfo", after=1),), False),
    ("nakivo", "job_ids=1", NK_WRONG, (), False),
    ("commvault", "job_ids=1248 api_format=xml", None, (), True),
    ("commvault", "job_ids=1249 wait=true wait_sleep=0.5 wait_timeout=1", None, (fault("expire_session", "JobDetails", after=1),), False),
    ("commvault", "job_ids=1248", CV_WRONG, (), False),
    ("commvault", "job_ids=1248", "token", (), True),
]


@pytest.mark.parametrize("vendor, args, password, faults, succeeds", ADHOC, ids=["%s-%d" % (a[0], n) for n, a in enumerate(ADHOC)])
def test_adhoc_with_credentials_only_in_the_environment(ansible, emulator_factory, vendor, args, password, faults, succeeds):
    emu = emulator_factory(nk_scenario() if vendor == "nakivo" else cv_scenario())
    for spec in faults:
        emu.add_fault(**spec)
    if password == "token":
        env = dict(COMMVAULT_URL=emu.url + CV_ROOT, COMMVAULT_AUTH_TOKEN=CV_PRESET)
    else:
        env = adhoc_env(emu, vendor, password)
    module = "backupops.jobs.job_info" if vendor == "nakivo" else "backupops.jobs.job_detail"
    run = ansible("adhoc", "-m", module, "-a", args, "-vvvv", env=dict(env, **LOUD_ENV))
    assert (run.rc == 0) is succeeds, run
    assert "Traceback" not in run.output
    result = run.result()
    assert result["invocation"]["module_args"]["password" if password != "token" else "auth_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result.get("msg") if not succeeds else result["jobs"], result
    if faults:
        # The wait ran into the expired session, logged in again, and then ran out of time on the still running job.
        assert "Timed out after" in result["msg"], result
        assert sum(1 for e in emu.log if e["call"] in ("AuthenticationManagement.login", "Login")) == 2
    secrets = secrets_of([emu.log])
    assert_no_secret(secrets, stdout=run.stdout, stderr=run.stderr, entries=json.dumps(run.entries))
