# -*- coding: utf-8 -*-
"""No secret in any output of ad-hoc runs at -vvvv (test_faults proves the same of every fault case).

The secrets are the recognizable passwords (plain and base64), and what the emulators saw on the wire:
every NAKIVO session cookie value and every Commvault token (its hex part). None may appear in
stdout, stderr, or any recorded task result (the invocation block included).
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.backupops.jobs.tests.integration.test_faults import (
    CV_PASSWORD,
    CV_PRESET,
    CV_ROOT,
    CV_WRONG,
    LOUD_ENV,
    NK_PASSWORD,
    NK_WRONG,
    assert_no_secret,
    cv_scenario,
    fault,
    nk_scenario,
    secrets_of,
)


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
