# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commvault Web Server client: Authtoken header, JSON or XML, one re-login on 401.

Private to the backupops.jobs collection: not a public API, it may change at any time.
"""

from __future__ import annotations

import base64
import re
import threading

from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError

TOKEN_PREFIXES = ("QSDK ", "SAML ", "Bearer ")
# Elements that are lists in JSON but come back as a single dict from XML when they occur once.
XML_LISTS = frozenset(("jobs", "vmStatus", "errList", "attempts", "clientGroups", "attemptsInfo"))
# Every job type, so that a restore running on a host is seen too (without a filter only backups are listed).
ALL_JOB_TYPES = "Backup,Restore,AuxCopy,SyntheticFull,DataVerification,SnapBackup"
ROOT_OBJECT_ERROR = "json root object"
PAGE_SIZE = 500
# A DTD is how entity bombs and external entities get in; a reply we read never needs one.
DECLARATION_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
DTD_REFUSED = "the XML declares a DOCTYPE or entities, which are refused (no expansion, no external fetch)"
# Names (by pyexpat) and attribute values up to SHARED_VALUE_LENGTH are shared between replies, so that
# 10,000 parsed jobs hold "generalInfo" or "Completed" once; each table is emptied past SHARED_LIMIT entries.
SHARED_VALUE_LENGTH = 64
SHARED_LIMIT = 4096
_NAMES = {}
_VALUES = {}


class CommvaultClient:
    """One Commvault session; ``with CommvaultClient(...) as client:`` logs in (unless given a token) and out.

    Thread-safe for concurrent requests: when several hit an expired token at once, one of them
    logs in again and the others reuse its token.
    """

    def __init__(self, session, username=None, password=None, domain=None, auth_token=None):
        if not auth_token and not (username and password):
            raise ApiError("Give username and password, or auth_token (task options, or COMMVAULT_USERNAME and "
                           "COMMVAULT_PASSWORD, or COMMVAULT_AUTH_TOKEN).")
        self.session = session
        self.username = username
        self.password = password
        self.domain = domain
        self.token = _with_prefix(auth_token) if auth_token else None
        self.own_token = False
        self.logins = 0
        self.json_works = True
        self._lock = threading.Lock()
        for secret in (password, auth_token, self.token):
            session.add_secret(secret)
        if password:
            session.add_secret(_b64(password))

    def __enter__(self):
        if not self.token:
            self.login()
        return self

    def __exit__(self, *exc_info):
        self.logout()
        self.session.close()

    def login(self):
        """A new token from POST /Login; ApiError with the server's words when refused. Never retried after an answer."""
        body = {"username": self.username, "password": _b64(self.password)}
        if self.domain:
            body["domain"] = self.domain
        reply = self.session.request("POST", self._url("Login"), json=body, login=True,
                                     headers={"Accept": "application/json"})
        doc = self._parse(reply, "Login", "json")
        if isinstance(doc, dict) and "DM2ContentIndexing_CheckCredentialResp" in doc:
            doc = doc["DM2ContentIndexing_CheckCredentialResp"]
        token = doc.get("token") if isinstance(doc, dict) else None
        if not isinstance(token, str) or not token.strip():
            why = error_message(doc) or "no token in the reply (HTTP %d)" % reply.status
            locked = ""
            if isinstance(doc, dict) and str(doc.get("isAccountLocked", "")).lower() in ("true", "1"):
                locked = " The account is locked for %s more second(s)." % doc.get("remainingLockTime", "some")
            raise self.session.error("Commvault at %s refused the login for %r: %s.%s Check username, password and domain; "
                                     "the login was tried once and not retried." % (self.session.base_url, self._user(), why, locked))
        self.token = _with_prefix(token)
        self.session.add_secret(token)
        self.session.add_secret(self.token)
        self.own_token = True
        self.logins += 1

    def logout(self):
        """Log out a session this client opened; a token given by the user is left alone."""
        if not (self.own_token and self.token):
            return
        self.own_token = False
        try:
            self.session.request("POST", self._url("Logout"), login=True, headers={"Authtoken": self.token})
        except ApiError:
            pass

    def request(self, method, path, fmt="json", body=None, params=None, headers=None):
        """The parsed reply of one authenticated call (dicts and lists, the same from JSON or XML)."""
        url = self._url(path)
        for attempt in (1, 2):
            token = self.token
            sent = {"Authtoken": token, "Accept": "application/%s" % fmt}
            sent.update(headers or {})
            if isinstance(body, dict):
                reply = self.session.request(method, url, json=body, params=params, headers=sent)
            else:
                if body is not None:
                    sent["Content-Type"] = "application/xml"
                reply = self.session.request(method, url, data=body, params=params, headers=sent)
            if reply.status != 401:
                return self._parse(reply, path, fmt)
            if attempt == 2 or not (self.username and self.password):
                raise self.session.error(
                    "Commvault at %s rejected the token (HTTP 401) on %s: it has expired or is not valid. %s"
                    % (self.session.base_url, path, "Give a fresh auth_token, or username and password so the module can log in again."
                       if not self.password else "A new login was rejected too."), status=401, url=url)
            self._renew(token)
        return None  # not reached: the loop returns or raises

    def job_detail(self, job_id, fmt="auto", commcell_id=None):
        """(jobDetail, None) for a job, or (None, the server's reason) when it does not know the id.

        ``fmt`` is json, xml or auto: auto asks in JSON and falls back to XML for good when the server
        answers the JSON request with a root-object error or an empty job (older Web Servers do).
        """
        if fmt == "auto" and not self.json_works:
            fmt = "xml"
        if fmt in ("json", "auto"):
            body = {"jobId": int(job_id)}
            if commcell_id is not None:
                body["commcell"] = {"commCellId": int(commcell_id)}
            doc = self.request("POST", "JobDetails", "json", body=body)
            detail, why = _job_detail_of(doc)
            if fmt == "json" and detail is None and why is None:
                why = "an empty job: no such id, or a Web Server that cannot read JSON requests (api_format auto or xml reads those)"
            if detail is not None or fmt == "json" or not (why is None or ROOT_OBJECT_ERROR in why.lower()):
                return detail, why
        commcell = '<commcell commCellId="%d"/>' % int(commcell_id) if commcell_id is not None else ""
        xml = '<JobManager_JobDetailRequest jobId="%d">%s</JobManager_JobDetailRequest>' % (int(job_id), commcell)
        detail, why = _job_detail_of(self.request("POST", "JobDetails", "xml", body=xml))
        if fmt == "auto" and detail is not None:
            self.json_works = False
        return detail, why

    def list_jobs(self, category="All", job_filter=ALL_JOB_TYPES, lookup_seconds=None, fmt="json"):
        """Every ``jobSummary`` of GET /Job, all pages (paged by the limit and offset request headers)."""
        params = {"jobCategory": category, "jobFilter": job_filter}
        if lookup_seconds:
            params["completedJobLookupTime"] = int(lookup_seconds)
        summaries, seen = [], set()
        while True:
            doc = self.request("GET", "Job", fmt if fmt != "auto" else "json", params=params,
                               headers={"limit": str(PAGE_SIZE), "offset": str(len(summaries))})
            doc = _unwrap(doc, "JobManager_JobListResponse")
            why = error_message(doc)
            if why:
                raise self.session.error("Commvault at %s refused the job list: %s" % (self.session.base_url, why))
            page = [item.get("jobSummary") for item in _as_list(doc.get("jobs")) if isinstance(item, dict)]
            page = [item for item in page if isinstance(item, dict) and str(item.get("jobId")) not in seen]
            seen.update(str(item.get("jobId")) for item in page)
            summaries.extend(page)
            total = _int(doc.get("totalRecordsWithoutPaging"))
            # A page with nothing new means the server ignores offset: stop rather than ask forever.
            if not page or total is None or len(summaries) >= total:
                return summaries

    def _renew(self, failed_token):
        """Log in again unless another thread already replaced ``failed_token``."""
        with self._lock:
            if self.token == failed_token:
                self.login()

    def _parse(self, reply, path, fmt):
        text = reply.text(200).lstrip()
        if text.lower().startswith(("<!doctype html", "<html")):
            raise self.session.error("Commvault at %s answered %s with an HTML page (HTTP %d), not %s: is url the web "
                                     "service root (…/webconsole/api, …/commandcenter/api or …/SearchSvc/CVWebService.svc) "
                                     "and not a proxy or login portal?" % (self.session.base_url, path, reply.status, fmt.upper()),
                                     status=reply.status, url=reply.url)
        if not reply.body.strip():
            if reply.status >= 400:
                raise self.session.error("Commvault at %s answered %s with HTTP %d and no body." % (self.session.base_url, path, reply.status),
                                         status=reply.status, url=reply.url)
            return {}
        try:
            doc = parse_xml(reply.body) if text.startswith("<") else reply.json()
        except ValueError as e:
            what = "XML it refused or could not read" if text.startswith("<") else "a body that is neither JSON nor XML"
            raise self.session.error("Commvault at %s answered %s with HTTP %d and %s (%s): %r"
                                     % (self.session.base_url, path, reply.status, what, e, text[:80]), status=reply.status, url=reply.url)
        if reply.status >= 400:
            words = error_message(doc) or text[:120]
            raise self.session.error("Commvault at %s answered %s with HTTP %d: %s" % (self.session.base_url, path, reply.status, words),
                                     status=reply.status, url=reply.url)
        return doc

    def _url(self, path):
        return "%s/%s" % (self.session.base_url, path)

    def _user(self):
        return "%s\\%s" % (self.domain, self.username) if self.domain else self.username


def parse_xml(body):
    """XML bytes → the structure JSON would give (attributes as plain keys). Refuses any DTD or entity.

    Raises ValueError for XML that is malformed or declares a DOCTYPE or entities, which are never
    expanded or fetched. Gives what ``xmltodict.parse(body, attr_prefix="", cdata_key="text",
    force_list=XML_LISTS, disable_entities=True)`` gives, from pyexpat alone: an element without
    attributes or children is its stripped text (None when empty), otherwise a dict of attributes, then
    children by tag (a repeated tag, or one in XML_LISTS, as a list), then its stripped text as "text".
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if DECLARATION_RE.search(body):
        raise ValueError(DTD_REFUSED)
    from xml.parsers import expat  # only XML replies pay for this import

    items, texts = [{}], {}  # the dicts of the open elements under a holder of the root; text pieces by depth
    share = _VALUES.setdefault

    def start(name, attributes):
        items.append({key: share(value, value) if len(value) <= SHARED_VALUE_LENGTH else value for key, value in attributes.items()})

    def text(data):
        texts.setdefault(len(items), []).append(data)

    def end(name):
        pieces = texts.pop(len(items), None) if texts else None
        item = items.pop()
        words = "".join(pieces).strip() if pieces else None  # mixed content is joined, then stripped, as xmltodict does
        if not item:
            item = words or None
        elif words:
            _add(item, "text", words)
        _add(items[-1], name, item)

    # No namespace processing (a:b and xmlns:a stay as written, as in xmltodict); names interned in _NAMES.
    parser = expat.ParserCreate(None, None, intern=_NAMES)
    parser.buffer_text = True
    # DECLARATION_RE reads bytes: a DTD in UTF-16 gets past it, but not past expat.
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_dtd
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    try:
        parser.Parse(body, True)
    except Exception as e:  # pylint: disable=broad-except
        # expat raises its own error types; all of them mean the same thing to the caller.
        raise ValueError("malformed XML: %s" % e)
    finally:
        for table in (_NAMES, _VALUES):
            if len(table) > SHARED_LIMIT:
                table.clear()
    return items[0]


def _add(parent, key, value):
    """Put a child (or the text) into its parent's dict the way xmltodict does."""
    if key not in parent:
        parent[key] = [value] if key in XML_LISTS else value
    elif isinstance(parent[key], list):
        parent[key].append(value)
    else:
        parent[key] = [parent[key], value]  # a second one, or an attribute of the same name: both kept, in order


def _refuse_dtd(*args):
    raise ValueError(DTD_REFUSED)


def error_message(doc):
    """The server's error words in a reply (errList, error.errList, errorCode/errorMessage), or None."""
    if not isinstance(doc, dict):
        return None
    for holder in (doc, doc.get("error"), doc.get("response")):
        if not isinstance(holder, dict):
            continue
        for item in _as_list(holder.get("errList")):
            if isinstance(item, dict) and (item.get("errLogMessage") or str(item.get("errorCode", "0")) not in ("0", "")):
                return "%s (errorCode %s)" % (item.get("errLogMessage") or "no message", item.get("errorCode", "?"))
        code = str(holder.get("errorCode", "0"))
        if code not in ("0", "") or holder.get("errorMessage"):
            return "%s (errorCode %s)" % (holder.get("errorMessage") or holder.get("errLogMessage") or "no message", code)
    return None


def _job_detail_of(doc):
    doc = _unwrap(doc, "JobManager_JobDetailResponse")
    job = doc.get("job") if isinstance(doc, dict) else None
    detail = job.get("jobDetail") if isinstance(job, dict) else None
    if isinstance(detail, dict) and detail:
        return detail, None
    return None, error_message(doc)


def _unwrap(doc, root):
    return doc[root] if isinstance(doc, dict) and isinstance(doc.get(root), dict) else (doc if isinstance(doc, dict) else {})


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _with_prefix(token):
    token = token.strip()
    return token if token.startswith(TOKEN_PREFIXES) else "QSDK " + token
