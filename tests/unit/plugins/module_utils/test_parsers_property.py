# -*- coding: utf-8 -*-
"""Property tests of the clients' reply handling: any reply → a record or a clear error, never another exception.

The clients run on a stand-in for ApiSession whose ``request()`` answers with a ``Reply`` drawn by
hypothesis (status, content type, and a body that is JSON, XML or bytes, with any value in any
field), so the whole path a module takes is exercised: login, NakivoClient.call / get_job_info /
list_job_ids, CommvaultClient.login / job_detail / list_jobs, parse_xml, error_message, and the
normalizer on whatever comes back. "Clear" = ApiError or ValueError with a message. A client that
keeps asking (a loop a hostile reply could keep going) fails the test after REQUEST_LIMIT requests.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultClient
from ansible_collections.backupops.jobs.plugins.module_utils._commvault_record import commvault_record, commvault_summary_record, error_message
from ansible_collections.backupops.jobs.plugins.module_utils._commvault_xml import parse_xml
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo import NakivoClient
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo_record import nakivo_record
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError, ApiSession, Reply

PASSWORD = "Prop-Pa55-Quokka!"
REQUEST_LIMIT = 60
PROPERTY = settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


class RequestLoop(AssertionError):
    """The client kept sending requests: no reply should make it do that."""


class ScriptedSession(ApiSession):
    """An ApiSession that never touches the network: ``answer(method, url, kwargs)`` gives (status, content type, body)."""

    def __init__(self, answer):
        super().__init__("https://server.example.com:4443", sleep=lambda seconds: None)
        self.answer = answer
        self.sent = 0

    def request(self, method, url, login=False, **kwargs):
        self.sent += 1
        if self.sent > REQUEST_LIMIT:
            raise RequestLoop("more than %d requests" % REQUEST_LIMIT)
        status, content_type, body = self.answer(method, url, kwargs)
        return Reply(status, {"Content-Type": content_type}, body, url)


def outcome(action):
    """What ``action()`` gave, or the clear error it raised; anything else fails the test."""
    try:
        return action()
    except (ApiError, ValueError) as error:
        assert str(error).strip(), "an error without a message: %r" % error
        assert PASSWORD not in str(error)
        return error


# ---------------------------------------------------------------- values and bodies

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 64), max_value=2 ** 64),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.sampled_from(["", "0", "1", "-1", "²", "1e400", "Infinity", "NaN", "OK", "FAIL_OTHER", "FAIL_BLOCKED_WAIT",
                     "RUNNING", "WAITING_SCHEDULE", "Completed", "Running", "QSDK 1234abcd", "2024-05-09T15:54:54.092+07:00"]),
)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8)
STATUS = st.sampled_from([200, 200, 200, 200, 201, 204, 400, 401, 403, 404, 500])
CONTENT_TYPE = st.sampled_from(["application/json", "application/xml", "text/html", "text/plain", ""])


def json_body(value):
    return json.dumps(value, allow_nan=True).encode("utf-8")


def fields(keys, values=JSON):
    """Dicts whose keys come from ``keys`` (the ones the client reads) or anywhere, with any values."""
    return st.dictionaries(st.one_of(st.sampled_from(keys), st.text(max_size=4)), values, max_size=len(keys) + 1)


RAW_BODIES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"", b" ", b"null", b"[]", b"{}", b"{", b'{"type":', b"<html><body>portal</body></html>",
                     b"<!DOCTYPE html><html></html>", b"\xef\xbb\xbf{}", b"<a>", b"<?xml version='1.0'?>", b"\x00\xff"]),
)

# ---------------------------------------------------------------- NAKIVO

NK_JOB_KEYS = ["id", "name", "vid", "jobType", "crState", "lrState", "hasLastRun", "crDate", "crProgress", "lrDate",
               "lrFinishDate", "lrDurationMs", "lrDataKb", "sourcesSize", "isEnabled", "schedules", "objects"]
NK_JOB = fields(NK_JOB_KEYS, st.one_of(JSON, st.lists(fields(["sourceName", "crState", "lrState", "enabled", "nextRun"]), max_size=2)))
NK_LOGIN_DATA = st.one_of(JSON, fields(["result", "reason", "canTry", "userInfo"], st.one_of(
    st.sampled_from(["OK", "FAIL_OTHER", "FAIL_BLOCKED_WAIT", "ok"]), fields(["failedAttempts", "waitTimeLeft"]), JSON)))
NK_DATA = st.one_of(
    JSON, NK_LOGIN_DATA,
    fields(["children", "items"], st.one_of(JSON, st.lists(st.one_of(NK_JOB, JSON), max_size=3))),
    fields(["children"], st.lists(fields(["childJobIds", "immediateChildJobIds", "id", "name", "uuid"],
                                         st.one_of(JSON, st.lists(SCALARS, max_size=4))), max_size=3)),
)
NK_ENVELOPE = fields(["type", "data", "message", "cause", "where", "tid"], st.one_of(
    st.sampled_from(["rpc", "exception", "RPC", None]), NK_DATA, JSON))
NK_REPLY = st.tuples(STATUS, CONTENT_TYPE, st.one_of(NK_ENVELOPE.map(json_body), JSON.map(json_body), RAW_BODIES))
NK_LOGIN_OK = (200, "application/json", json_body(dict(type="rpc", data=dict(result="OK"))))


def nakivo_session(data, first_login_ok=True):
    """Every request answered by a drawn reply, except (optionally) the first login."""
    state = {"logins": 0}

    def answer(method, url, kwargs):
        body = kwargs.get("json") or {}
        if body.get("method") == "login":
            state["logins"] += 1
            if first_login_ok and state["logins"] == 1:
                return NK_LOGIN_OK
        return data.draw(NK_REPLY)

    return ScriptedSession(answer)


def check_nakivo_records(records):
    assert isinstance(records, dict)
    for job_id, raw in records.items():
        assert isinstance(job_id, int)
        record = outcome(lambda raw=raw: nakivo_record(raw))
        assert isinstance(record, (dict, ValueError))


@PROPERTY
@given(st.data())
def test_nakivo_login_any_reply(data):
    client = NakivoClient(nakivo_session(data, first_login_ok=False), "admin", PASSWORD)
    outcome(client.login)


@PROPERTY
@given(st.data(), st.lists(st.integers(min_value=1, max_value=2000), min_size=1, max_size=4))
def test_nakivo_get_job_info_any_reply(data, job_ids):
    client = NakivoClient(nakivo_session(data), "admin", PASSWORD)
    client.login()
    records = outcome(lambda: client.get_job_info(job_ids))
    if not isinstance(records, Exception):
        check_nakivo_records(records)


@PROPERTY
@given(st.data())
def test_nakivo_list_job_ids_and_tenant_any_reply(data):
    client = NakivoClient(nakivo_session(data), "admin", PASSWORD, tenant="acme")
    found = outcome(client.__enter__)
    if found is client:
        job_ids = outcome(client.list_job_ids)
        assert isinstance(job_ids, (list, Exception))
        if isinstance(job_ids, list):
            assert all(isinstance(job_id, int) for job_id in job_ids)
    outcome(client.logout)


@pytest.mark.parametrize("body", [
    # Defects these tests found (issue 6): each must end in a record or a clear error, not a traceback.
    b'{"type": "rpc", "data": {"children": [{"id": 1e400, "name": "x"}]}}',       # OverflowError in _records_by_id
    b'{"type": "rpc", "data": {"children": [{"id": Infinity}]}}',
    b'{"type": "rpc", "data": {"children": [{"childJobIds": ["\\u00b2"]}]}}',    # "²".isdigit() but int("²") fails
    b"[" * 100000,                                                            # RecursionError in json.loads
], ids=["id-1e400", "id-Infinity", "child-id-superscript-two", "nested-100000"])
def test_nakivo_pathological_replies(body):
    replies = iter([NK_LOGIN_OK] + [(200, "application/json", body)] * 4)
    client = NakivoClient(ScriptedSession(lambda *args: next(replies)), "admin", PASSWORD)
    client.login()
    outcome(lambda: client.get_job_info([1]) if b"childJobIds" not in body else client.list_job_ids())


@pytest.mark.parametrize("wait", ["1e400", '"Infinity"', "Infinity", '"inf"'])
def test_nakivo_blocked_login_with_an_endless_wait(wait):
    body = ('{"type": "rpc", "data": {"result": "FAIL_BLOCKED_WAIT", "canTry": {"waitTimeLeft": %s}}}' % wait).encode()
    client = NakivoClient(ScriptedSession(lambda *args: (200, "application/json", body)), "admin", PASSWORD)
    error = outcome(client.login)
    assert isinstance(error, ApiError) and "blocks logins" in str(error)


# ---------------------------------------------------------------- Commvault

NAMES = st.sampled_from(["token", "errList", "errLogMessage", "errorCode", "jobs", "jobSummary", "job", "jobDetail", "generalInfo",
                         "progressInfo", "detailInfo", "subclient", "vmStatus", "JobManager_JobDetailResponse", "error", "x"])
ATTR_VALUES = st.one_of(st.text(max_size=8), st.sampled_from(["0", "1", "1e400", "QSDK ab12", "true", "Completed"]))


@st.composite
def xml_element(draw, depth=0):
    """A well-formed element: random names, attributes with any text, children and text."""
    name = draw(NAMES)
    attributes = draw(st.dictionaries(st.one_of(NAMES, st.sampled_from(["jobId", "status", "totalRecordsWithoutPaging"])),
                                      ATTR_VALUES, max_size=3))
    attrs = "".join(" %s=%s" % (key, quoteattr(value)) for key, value in attributes.items())
    children = draw(st.lists(xml_element(depth + 1), max_size=3)) if depth < 3 else []
    text = escape(draw(st.text(max_size=6)))
    return "<%s%s>%s%s</%s>" % (name, attrs, text, "".join(children), name)


XML_BODIES = st.one_of(
    xml_element().map(lambda doc: ('<?xml version="1.0" encoding="UTF-8"?>' + doc).encode("utf-8")),
    xml_element().map(lambda doc: doc.encode("utf-8")),
    st.text(max_size=40).map(lambda text: ("<" + text).encode("utf-8", "surrogatepass")),
)
CV_LEAF = fields(["jobId", "status", "state", "percentComplete", "startTime", "endTime", "clientName", "subclientName",
                  "sizeOfApplication", "vmStatus", "errList", "errorCode", "errLogMessage"])
CV_DETAIL = fields(["generalInfo", "progressInfo", "detailInfo", "clientStatusInfo", "attemptsInfo"], st.one_of(CV_LEAF, JSON))
CV_DOC = st.one_of(
    JSON, CV_LEAF,
    fields(["job"], fields(["jobDetail"], st.one_of(CV_DETAIL, JSON))),
    fields(["JobManager_JobDetailResponse"], fields(["job"], fields(["jobDetail"], st.one_of(CV_DETAIL, JSON)))),
    fields(["jobs", "totalRecordsWithoutPaging", "errList", "errorCode"],
           st.one_of(JSON, st.lists(fields(["jobSummary"], st.one_of(CV_LEAF, JSON)), max_size=3))),
    fields(["token", "userName", "errList", "isAccountLocked", "remainingLockTime", "DM2ContentIndexing_CheckCredentialResp"]),
    fields(["error", "response"], fields(["errList", "errorCode", "errorMessage"], st.one_of(JSON, st.lists(CV_LEAF, max_size=2)))),
)
CV_REPLY = st.tuples(STATUS, CONTENT_TYPE, st.one_of(CV_DOC.map(json_body), XML_BODIES, RAW_BODIES))
CV_LOGIN_OK = (200, "application/json", json_body(dict(token="QSDK feedfacefeedface", userName="admin")))


def commvault_client(data, first_login_ok=True):
    state = {"logins": 0}

    def answer(method, url, kwargs):
        if url.endswith("/Login"):
            state["logins"] += 1
            if first_login_ok and state["logins"] == 1:
                return CV_LOGIN_OK
        return data.draw(CV_REPLY)

    return CommvaultClient(ScriptedSession(answer), "admin", PASSWORD)


@PROPERTY
@given(st.data())
def test_commvault_login_any_reply(data):
    client = commvault_client(data, first_login_ok=False)
    if not isinstance(outcome(client.login), Exception):
        assert client.token and client.token.startswith(("QSDK ", "SAML ", "Bearer "))


@PROPERTY
@given(st.data(), st.sampled_from(["json", "xml", "auto"]))
def test_commvault_job_detail_any_reply(data, fmt):
    client = commvault_client(data)
    client.login()
    answer = outcome(lambda: client.job_detail(1248, fmt))
    if isinstance(answer, tuple):
        detail, why = answer
        assert (detail is None) or isinstance(detail, dict)
        assert why is None or isinstance(why, str)
        if detail is not None:
            assert isinstance(outcome(lambda: commvault_record(detail)), (dict, ValueError))


@PROPERTY
@given(st.data())
def test_commvault_list_jobs_any_reply(data):
    client = commvault_client(data)
    client.login()
    summaries = outcome(client.list_jobs)
    if isinstance(summaries, list):
        for summary in summaries:
            assert isinstance(summary, dict)
            assert isinstance(outcome(lambda summary=summary: commvault_summary_record(summary)), (dict, ValueError))


@PROPERTY
@given(st.one_of(XML_BODIES, RAW_BODIES))
def test_parse_xml_any_body(body):
    doc = outcome(lambda: parse_xml(body))
    if not isinstance(doc, Exception):
        assert isinstance(doc, dict)
        assert error_message(doc) is None or isinstance(error_message(doc), str)


@PROPERTY
@given(st.one_of(JSON, CV_DOC))
def test_error_message_any_value(doc):
    words = outcome(lambda: error_message(doc))
    assert words is None or isinstance(words, (str, ValueError))


@pytest.mark.parametrize("token", ["5", "true", "[\"QSDK a\"]", "{\"a\": 1}"])
def test_commvault_login_with_a_token_that_is_not_text(token):
    body = ('{"token": %s, "userName": "admin"}' % token).encode()
    client = CommvaultClient(ScriptedSession(lambda *args: (200, "application/json", body)), "admin", PASSWORD)
    outcome(client.login)


@pytest.mark.parametrize("body", [
    b'{"jobs": [{"jobSummary": {"jobId": 1}}], "totalRecordsWithoutPaging": 1e400}',        # OverflowError in _int
    b'{"a": ' * 100000,                                                                   # RecursionError in json.loads
], ids=["total-1e400", "nested-100000"])
def test_commvault_pathological_replies(body):
    client = CommvaultClient(ScriptedSession(lambda *args: (200, "application/json", body)), "admin", PASSWORD,
                             auth_token="QSDK feedface")
    outcome(client.list_jobs)
    outcome(lambda: client.job_detail(1248, "json"))


def test_a_listing_that_never_ends_is_cut_short():
    """A server that ignores the offset header and claims a huge total must not keep the module asking forever."""
    page = json_body({"jobs": [{"jobSummary": {"jobId": 1, "status": "Completed"}}], "totalRecordsWithoutPaging": 10 ** 9})
    client = CommvaultClient(ScriptedSession(lambda *args: (200, "application/json", page)), "admin", PASSWORD,
                             auth_token="QSDK feedface")
    outcome(client.list_jobs)
