# -*- coding: utf-8 -*-
"""The NAKIVO client over real HTTP against the emulator: login, tenants, cookies, re-login, errors."""

from __future__ import annotations

import pytest

from ansible_collections.backupops.jobs.plugins.module_utils._nakivo import NakivoClient
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError, ApiSession
from ansible_collections.backupops.jobs.tests.emulator import Emulator

PASSWORD = "Nk-pa55word"
TENANT = "3a0b6c9e-5d7f-4e2a-9c1b-8f6e4d2a7b10"


def scenario(**nakivo):
    base = dict(
        users=[dict(username="admin", password=PASSWORD)],
        lockout_after=3,
        jobs=[dict(id=1, name="Backup web", type="BACKUP", objects=[dict(name="web01")],
                   runs=[dict(start=-3600, duration=60, result="OK")]),
              dict(id=2, name="Backup db", type="BACKUP", objects=[dict(name="db01")], runs=[])],
        tenants=[dict(uuid=TENANT, name="acme", jobs=[dict(id=7, name="Acme", type="BACKUP", objects=[dict(name="a1")], runs=[])])],
    )
    base.update(nakivo)
    return dict(nakivo=base)


def client(emu, password=PASSWORD, tenant=None, told=None):
    http = ApiSession(emu.url, sleep=lambda seconds: None, on_secret=(told.append if told is not None else None))
    return NakivoClient(http, "admin", password, tenant)


def calls(emu, name):
    return [entry for entry in emu.log if entry["call"] == name]


def test_login_query_logout_and_the_cookie_is_a_secret():
    told = []
    with Emulator(scenario()) as emu:
        with client(emu, told=told) as nakivo:
            records = nakivo.get_job_info([1, 2])
        assert sorted(records) == [1, 2] and records[1]["name"] == "Backup web"
        login, query, logout = calls(emu, "AuthenticationManagement.login"), calls(emu, "JobSummaryManagement.getJobInfo"), \
            calls(emu, "AuthenticationManagement.logoutCurrentUser")
        assert len(login) == len(query) == len(logout) == 1
        cookie = query[0]["headers"]["Cookie"]
        assert cookie.startswith("JSESSIONID=")
        assert cookie.split("=", 1)[1] in told and PASSWORD in told
        assert '"tid": 2' in query[0]["body"] or '"tid":2' in query[0]["body"]


def test_tenant_calls_go_to_the_tenant_path_with_the_root_session():
    with Emulator(scenario()) as emu:
        with client(emu, tenant=TENANT) as nakivo:
            assert sorted(nakivo.get_job_info([7, 1])) == [7]
            assert nakivo.list_job_ids() == [7]
        assert calls(emu, "AuthenticationManagement.login")[0]["path"] == "/c/router"
        assert calls(emu, "JobSummaryManagement.getJobInfo")[0]["path"] == "/t/%s/c/router" % TENANT


def test_tenant_by_name_and_an_unknown_tenant():
    with Emulator(scenario()) as emu:
        with client(emu, tenant="ACME") as nakivo:
            assert nakivo.router.endswith("/t/%s/c/router" % TENANT)
        with pytest.raises(ApiError) as failure:
            with client(emu, tenant="globex"):
                pass
        assert "has no tenant 'globex' (tenants: acme)" in str(failure.value)


def test_wrong_password_is_tried_once_and_explained():
    with Emulator(scenario()) as emu:
        with pytest.raises(ApiError) as failure:
            with client(emu, password="nope"):
                pass
        assert "refused the login for 'admin'" in str(failure.value)
        assert "failed attempts so far: 1" in str(failure.value)
        assert "nope" not in str(failure.value)
        assert len(calls(emu, "AuthenticationManagement.login")) == 1


def test_blocked_login_says_how_long_to_wait():
    with Emulator(scenario()) as emu:
        emu.add_fault(kind="login_blocked", wait_ms=90000)
        with pytest.raises(ApiError) as failure:
            with client(emu):
                pass
        assert "blocks logins for 'admin'" in str(failure.value) and "about 90 second(s)" in str(failure.value)
        assert len(calls(emu, "AuthenticationManagement.login")) == 1


@pytest.mark.parametrize("form", ["exception", "http401"])
def test_a_lost_session_logs_in_again_and_repeats_the_call_once(form):
    with Emulator(scenario(lost_session=form)) as emu:
        with client(emu) as nakivo:
            emu.expire_sessions()
            assert sorted(nakivo.get_job_info([1])) == [1]
            assert nakivo.logins == 2
        assert len(calls(emu, "AuthenticationManagement.login")) == 2
        assert len(calls(emu, "JobSummaryManagement.getJobInfo")) == 2


def test_a_session_lost_again_right_after_a_new_login_is_an_error():
    with Emulator(scenario(lost_session="http401")) as emu:
        emu.add_fault(kind="expire_session", match=dict(call="JobSummaryManagement.getJobInfo"), count=2)
        with client(emu) as nakivo:
            with pytest.raises(ApiError) as failure:
                nakivo.get_job_info([1])
        assert "dropped the session again" in str(failure.value)
        assert len(calls(emu, "AuthenticationManagement.login")) == 2


@pytest.mark.parametrize("unknown_job", ["omit", "exception", "null"])
def test_unknown_ids_are_left_out_whatever_the_director_answers(unknown_job):
    with Emulator(scenario(unknown_job=unknown_job)) as emu:
        with client(emu) as nakivo:
            assert sorted(nakivo.get_job_info([1, 99, 2])) == [1, 2]
            assert nakivo.get_job_info([99]) == {}
            assert nakivo.get_job_info([]) == {}


def test_group_listing_gives_every_job_id():
    with Emulator(scenario()) as emu:
        with client(emu) as nakivo:
            assert nakivo.list_job_ids() == [1, 2]


@pytest.mark.parametrize("body, words", [
    ("html", "an HTML page"),
    ("truncated_json", "not JSON-RPC"),
    ("garbage", "not JSON-RPC"),
])
def test_replies_that_are_not_json_rpc_are_explained(body, words):
    with Emulator(scenario()) as emu:
        emu.add_fault(kind="body", body=body, match=dict(call="JobSummaryManagement.getJobInfo"))
        with client(emu) as nakivo:
            with pytest.raises(ApiError) as failure:
                nakivo.get_job_info([1])
        assert words in str(failure.value)


def test_a_vendor_exception_is_quoted():
    with Emulator(scenario()) as emu:
        with client(emu) as nakivo:
            with pytest.raises(ApiError) as failure:
                nakivo.call("JobSummaryManagement", "noSuchMethod", [])
        assert "refused JobSummaryManagement.noSuchMethod" in str(failure.value)
