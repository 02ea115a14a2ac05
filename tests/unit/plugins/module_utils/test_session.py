# -*- coding: utf-8 -*-
"""The shared HTTP session over real HTTP(S) against the emulator: retries, TLS, limits, scrubbing."""

from __future__ import annotations

import pytest

from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError, ApiSession, check_url
from ansible_collections.backupops.jobs.tests.emulator import Emulator

SCENARIO = dict(
    nakivo=dict(users=[dict(username="admin", password="pw")], jobs=[]),
    commvault=dict(users=[dict(username="admin", password="pw")], jobs=[]),
)
HEALTH = dict(action="AuthenticationManagement", method="isLogged", data=None, type="rpc", tid=1)


@pytest.fixture
def emu():
    with Emulator(SCENARIO) as emulator:
        yield emulator


def session(url, **options):
    options.setdefault("sleep", lambda seconds: None)
    return ApiSession(url, **options)


def rpc(emu):
    return [entry for entry in emu.log if entry["call"] == "AuthenticationManagement.isLogged"]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_statuses_are_retried_within_the_budget(emu, status):
    emu.add_fault(kind="status", status=status, count=2, match=dict(call="AuthenticationManagement.isLogged"))
    reply = session(emu.url, retries=2).request("POST", emu.url + "/c/router", json=HEALTH)
    assert reply.status == 200
    assert [entry["status"] for entry in rpc(emu)] == [status, status, 200]


def test_a_burst_longer_than_the_budget_fails_with_the_last_status(emu):
    emu.add_fault(kind="status", status=503, count=None, match=dict(call="AuthenticationManagement.isLogged"))
    pauses = []
    with pytest.raises(ApiError) as failure:
        session(emu.url, retries=3, sleep=pauses.append).request("POST", emu.url + "/c/router", json=HEALTH)
    assert "kept failing: 4 attempt(s), the last one: HTTP 503" in str(failure.value)
    assert failure.value.status == 503
    assert len(rpc(emu)) == 4
    assert pauses == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("status", [500, 404, 401])
def test_other_statuses_are_answers_not_retried(emu, status):
    emu.add_fault(kind="status", status=status, count=1, match=dict(call="AuthenticationManagement.isLogged"))
    reply = session(emu.url).request("POST", emu.url + "/c/router", json=HEALTH)
    assert reply.status == status
    assert len(rpc(emu)) == 1


@pytest.mark.parametrize("when", ["before_reply", "mid_body"])
def test_dropped_connections_are_retried(emu, when):
    emu.add_fault(kind="drop", when=when, count=1, match=dict(call="AuthenticationManagement.isLogged"))
    reply = session(emu.url).request("POST", emu.url + "/c/router", json=HEALTH)
    assert reply.status == 200
    assert len(rpc(emu)) == 2


def test_a_slow_server_is_a_read_timeout_retried_then_reported(emu):
    emu.add_fault(kind="slow", seconds=3.0, count=None, match=dict(call="AuthenticationManagement.isLogged"))
    with pytest.raises(ApiError) as failure:
        session(emu.url, timeout=0.5, retries=1).request("POST", emu.url + "/c/router", json=HEALTH)
    assert "no answer within 0.5s (timeout)" in str(failure.value)
    assert len(rpc(emu)) == 2


def test_a_login_answered_or_cut_is_never_sent_twice(emu):
    emu.add_fault(kind="drop", when="mid_body", count=1, match=dict(call="AuthenticationManagement.isLogged"))
    with pytest.raises(ApiError) as failure:
        session(emu.url).request("POST", emu.url + "/c/router", json=HEALTH, login=True)
    assert "Logins are not retried" in str(failure.value)
    assert len(rpc(emu)) == 1


def test_a_login_the_server_never_saw_is_retried(emu):
    emu.add_fault(kind="status", status=503, count=1, match=dict(call="AuthenticationManagement.isLogged"))
    reply = session(emu.url).request("POST", emu.url + "/c/router", json=HEALTH, login=True)
    assert reply.status == 200
    assert len(rpc(emu)) == 2


def test_connection_refused_is_retried_then_reported():
    pauses = []
    with pytest.raises(ApiError) as failure:
        session("http://127.0.0.1:9", retries=2, sleep=pauses.append).request("POST", "http://127.0.0.1:9/c/router", json=HEALTH)
    assert "http://127.0.0.1:9/c/router kept failing: 3 attempt(s)" in str(failure.value)
    assert len(pauses) == 2


def test_replies_over_the_size_limit_are_refused(emu):
    emu.add_fault(kind="body", body="huge", size_mb=2, count=1, match=dict(call="AuthenticationManagement.isLogged"))
    with pytest.raises(ApiError) as failure:
        session(emu.url, max_response_bytes=1024 * 1024).request("POST", emu.url + "/c/router", json=HEALTH)
    assert "more than 1 MiB" in str(failure.value) and "max_response_mb" in str(failure.value)


def test_keep_alive_uses_one_connection(emu):
    http = session(emu.url)
    for dummy in range(5):
        http.request("POST", emu.url + "/c/router", json=HEALTH)
    assert len({entry["conn"] for entry in rpc(emu)}) == 1


def test_secrets_are_scrubbed_and_reported():
    told = []
    http = session("https://example.invalid", on_secret=told.append)
    http.add_secret("s3cret-token")
    http.add_secret("s3cret-token")
    assert told == ["s3cret-token"]
    assert http.scrub("Authtoken: QSDK s3cret-token!") == "Authtoken: QSDK ********!"
    assert str(http.error("failed with s3cret-token")) == "failed with ********"


@pytest.mark.parametrize("url, words", [
    ("", "url is required"),
    ("director.example.com:4443", "must start with https://"),
    ("ftp://director", "must start with https://"),
    ("https://admin:pw@director:4443", "must not carry credentials"),
])
def test_bad_urls_are_explained(url, words):
    with pytest.raises(ApiError) as failure:
        check_url(url)
    assert words in str(failure.value)


def test_trailing_slash_is_dropped():
    assert check_url(" https://director:4443/ ") == "https://director:4443"


@pytest.fixture(scope="module")
def tls_emu():
    with Emulator(SCENARIO, tls=True) as emulator:
        yield emulator


class TestTls:
    def test_self_signed_server_fails_clearly_by_default(self, tls_emu):
        with pytest.raises(ApiError) as failure:
            session(tls_emu.url).request("POST", tls_emu.url + "/c/router", json=HEALTH)
        message = str(failure.value)
        assert message.startswith("TLS to ") and "ca_path" in message and "validate_certs" in message
        assert not [e for e in tls_emu.log if e["call"] == "AuthenticationManagement.isLogged" and e["status"] == 200]

    def test_ca_path_wins_over_requests_ca_bundle(self, tls_emu, monkeypatch):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
        monkeypatch.setenv("CURL_CA_BUNDLE", "/nonexistent/bundle.pem")
        reply = session(tls_emu.url, ca_path=tls_emu.ca_path).request("POST", tls_emu.url + "/c/router", json=HEALTH)
        assert reply.status == 200

    def test_validate_certs_false_skips_the_check(self, tls_emu):
        reply = session(tls_emu.url, validate_certs=False).request("POST", tls_emu.url + "/c/router", json=HEALTH)
        assert reply.status == 200


def test_a_certificate_for_another_name_is_refused():
    with Emulator(SCENARIO, tls=True, cert_hostname="wrong.example") as emu:
        with pytest.raises(ApiError) as failure:
            session(emu.url, ca_path=emu.ca_path).request("POST", emu.url + "/c/router", json=HEALTH)
        assert "TLS to" in str(failure.value)


# ---------------------------------------------------------------- redirects (webconsole/api moved to commandcenter/api)

TOKEN = "QSDK 00112233445566778899aabbccddeeff00112233445566778899"


def moved_webconsole(status, host=None):
    """A Web Server whose /webconsole/api answers ``status`` to /commandcenter/api (on ``host``, same port, when given)."""
    return Emulator(dict(commvault=dict(users=[dict(username="admin", password="pw")], preset_tokens=[TOKEN],
                                        jobs=[dict(id=7, client="db01.example.com")],
                                        webconsole_redirect=dict(status=status, host=host))))


def cv_calls(emu):
    return [(entry["path"], entry["status"]) for entry in emu.log if entry["vendor"] == "commvault"]


@pytest.mark.parametrize("status", [307, 308])
def test_a_same_host_307_or_308_is_followed_with_method_body_and_token(status):
    with moved_webconsole(status) as emu:
        http = session(emu.url + "/webconsole/api")
        reply = http.request("POST", emu.url + "/webconsole/api/JobDetails", json={"jobId": 7},
                             headers={"Authtoken": TOKEN, "Accept": "application/json"})
        assert reply.status == 200 and reply.json()["job"]["jobDetail"]["generalInfo"]["jobId"] == 7
        assert cv_calls(emu) == [("/webconsole/api/JobDetails", status), ("/commandcenter/api/JobDetails", 200)]
        followed = emu.log[-1]
        assert followed["method"] == "POST" and followed["headers"]["Authtoken"] == TOKEN
        assert http.warnings == ["url %s/webconsole/api redirects to %s/commandcenter/api (HTTP %d): put %s/commandcenter/api in "
                                 "url to save the redirect." % (emu.url, emu.url, status, emu.url)]


def test_a_followed_redirect_keeps_the_query_once():
    with moved_webconsole(308) as emu:
        reply = session(emu.url + "/webconsole/api").request(
            "GET", emu.url + "/webconsole/api/Job", params={"jobCategory": "All", "jobFilter": "Backup"},
            headers={"Authtoken": TOKEN, "Accept": "application/json"})
        assert [job["jobSummary"]["jobId"] for job in reply.json()["jobs"]] == [7]
        assert emu.log[-1]["query"] == {"jobCategory": "All", "jobFilter": "Backup"}


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_redirect_that_would_turn_a_post_into_a_get_is_refused_naming_the_new_root(status):
    with moved_webconsole(status) as emu:
        with pytest.raises(ApiError) as failure:
            session(emu.url + "/webconsole/api").request(
                "POST", emu.url + "/webconsole/api/JobDetails", json={"jobId": 7}, headers={"Authtoken": TOKEN})
        assert "answered HTTP %d" % status in str(failure.value) and "GET without its body" in str(failure.value)
        assert str(failure.value).endswith("Put %s/commandcenter/api in url." % emu.url)
        assert failure.value.status == status
        assert cv_calls(emu) == [("/webconsole/api/JobDetails", status)]


def test_a_redirect_to_another_host_is_refused_so_the_token_stays_home():
    with moved_webconsole(307, host="localhost") as emu:
        elsewhere = "http://localhost:%d/commandcenter/api" % emu.port
        with pytest.raises(ApiError) as failure:
            session(emu.url + "/webconsole/api").request(
                "POST", emu.url + "/webconsole/api/JobDetails", json={"jobId": 7}, headers={"Authtoken": TOKEN})
        assert "must not go to another host" in str(failure.value)
        assert str(failure.value).endswith("Put %s in url." % elsewhere)
        assert cv_calls(emu) == [("/webconsole/api/JobDetails", 307)]
