# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commvault Web Server client: Authtoken header, JSON or XML, one re-login on 401.

Private to the backupops.jobs collection: not a public API, it may change at any time.
"""

from __future__ import annotations

import base64
import threading

from ansible_collections.backupops.jobs.plugins.module_utils._commvault_record import (
    commvault_record,
    commvault_summary_record,
    error_message,
    job_detail_of,
    unwrap,
)
from ansible_collections.backupops.jobs.plugins.module_utils._match import host_matches
from ansible_collections.backupops.jobs.plugins.module_utils._record import protects
from ansible_collections.backupops.jobs.plugins.module_utils._time import iso_moment
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError, SettingsRefused

TOKEN_PREFIXES = ("QSDK ", "SAML ", "Bearer ")
# Every job type, so that a restore running on a host is seen too (without a filter only backups are listed).
ALL_JOB_TYPES = "Backup,Restore,AuxCopy,SyntheticFull,DataVerification,SnapBackup"
ROOT_OBJECT_ERROR = "json root object"
PAGE_SIZE = 500


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
            raise CommvaultLoginRefused(self.session.scrub(
                "Commvault at %s refused the login for %r: %s.%s Check username, password and domain; "
                "the login was tried once and not retried." % (self.session.base_url, self._user(), why, locked)))
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
                    % (self.session.base_url, path, "Give a fresh auth_token, or username and password so that a new login can be made."
                       if not self.password else "A new login was rejected too."), status=401, url=url)
            if not self.own_token:
                self.session.warnings.append(
                    "Commvault at %s rejected the auth_token given (HTTP 401); logged in with username and "
                    "password instead. Give a fresh auth_token, or leave it out." % self.session.base_url)
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
            detail, why = job_detail_of(doc)
            if fmt == "json" and detail is None and why is None:
                why = "an empty job: no such id, or a Web Server that cannot read JSON requests (api_format auto or xml reads those)"
            if detail is not None or fmt == "json" or not (why is None or ROOT_OBJECT_ERROR in why.lower()):
                return detail, why
        commcell = '<commcell commCellId="%d"/>' % int(commcell_id) if commcell_id is not None else ""
        xml = '<JobManager_JobDetailRequest jobId="%d">%s</JobManager_JobDetailRequest>' % (int(job_id), commcell)
        detail, why = job_detail_of(self.request("POST", "JobDetails", "xml", body=xml))
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
            doc = unwrap(doc, "JobManager_JobListResponse")
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
            if text.startswith("<"):
                from ansible_collections.backupops.jobs.plugins.module_utils._commvault_xml import parse_xml  # XML replies only

                doc = parse_xml(reply.body)
            else:
                doc = reply.json()
                if b'"@' in reply.body:
                    # Older Web Servers write their XML as JSON, attributes as "@"-keys: read them as parse_xml does.
                    doc = _plain_keys(doc)
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


class CommvaultLoginRefused(SettingsRefused):
    """The Web Server answered the login without a token: a caller that polls must stop, never log in again."""


class CommvaultJobs:
    """The jobs one query selects: ids read with JobDetails, clients' jobs from one listing; read again on each poll."""

    def __init__(self, client, job_ids=None, clients=None, finished_within=48, api_format="auto", commcell_id=None,
                 concurrency=8, detail_listed=None):
        self.client = client
        self.job_ids, self.clients = job_ids or [], clients or []
        self.finished_within, self.api_format, self.commcell_id = finished_within, api_format, commcell_id
        self.concurrency = concurrency
        # Which listed jobs finish() reads with JobDetails: a predicate on the listed record; None reads them all.
        self.detail_listed = detail_listed
        self.details, self.reasons, self.missing_clients = {}, {}, []

    def select(self):
        """(records as they are now, what matched nothing: job_ids and clients)."""
        records = self.poll()
        missing = dict(job_ids=[job_id for job_id in self.job_ids if job_id not in self.details], clients=self.missing_clients)
        return records, missing

    def poll(self):
        """Records as they are now: ids read again while active, clients listed again."""
        unsettled = [job_id for job_id in self.job_ids if self._unsettled(job_id)]
        if unsettled:
            self._detail(unsettled)
        records = [self.details[job_id] for job_id in self.job_ids if job_id in self.details]
        if self.clients:
            listed, self.missing_clients = self._client_jobs()
            records.extend(record for job_id, record in listed.items() if job_id not in self.details)
        return records

    def finish(self, records):
        """Listed jobs detailed once at the end, so their objects and figures are complete."""
        listed = [record["id"] for record in records if record["id"] not in self.details
                  and (self.detail_listed is None or self.detail_listed(record))]
        if listed:
            self._detail(listed)
        return [self.details.get(record["id"], record) for record in records]

    def missing_message(self, missing):
        parts = []
        if missing["job_ids"]:
            parts.append("job id(s) %s" % ", ".join("%s (%s)" % (job_id, self.reasons.get(job_id) or "no such job")
                                                    for job_id in missing["job_ids"]))
        if missing["clients"]:
            parts.append("client(s) %s" % ", ".join(repr(name) for name in missing["clients"]))
        return ("No Commvault job matches %s. Check the ids and client names, or set allow_missing: true to get what was "
                "found with the rest listed in missing." % "; ".join(parts))

    def _detail(self, job_ids):
        """Read ``job_ids`` with JobDetails, ``concurrency`` at a time; keeps records and reasons for unknown ids."""
        job_ids = list(dict.fromkeys(job_ids))

        def read(job_id):
            return self.client.job_detail(job_id, self.api_format, self.commcell_id)

        if len(job_ids) > 1 and self.concurrency > 1:
            from concurrent.futures import ThreadPoolExecutor  # only a run with many ids pays for the pool

            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(job_ids))) as pool:
                answers = list(pool.map(read, job_ids))
        else:
            answers = [read(job_id) for job_id in job_ids]
        for job_id, (detail, reason) in zip(job_ids, answers):
            if detail is None:
                self.details.pop(job_id, None)
                self.reasons[job_id] = reason
            else:
                self.details[job_id] = commvault_record(detail)

    def _client_jobs(self):
        """Per client and subclient: every active job, the newest finished job of a protecting kind (an older backup is
        superseded by it), and the newest finished job of each other kind; and the client patterns that matched nothing."""
        summaries = self.client.list_jobs(lookup_seconds=self.finished_within * 3600, fmt=self.api_format)
        records = [commvault_summary_record(summary) for summary in summaries]
        chosen, missing = {}, []
        for pattern in self.clients:
            hits = [r for r in records if any(host_matches(pattern, name) for name in r["hosts"])]
            if not hits:
                missing.append(pattern)
            newest = {}
            for record in hits:
                if record["active"]:
                    chosen.setdefault(record["id"], record)
                    continue
                key = (str(record["series"] or record["name"]).lower(), "protects" if protects(record) else record["type"])
                if key not in newest or _finish_rank(record) > _finish_rank(newest[key]):
                    newest[key] = record
            for record in sorted(newest.values(), key=_finish_rank, reverse=True):
                chosen.setdefault(record["id"], record)
        return chosen, missing

    def _unsettled(self, job_id):
        """Not read yet, or still active; an id the server did not know is not asked again."""
        if job_id in self.details:
            return self.details[job_id]["active"]
        return job_id not in self.reasons


def virtualization_job(record):
    """True for a listed job of a Virtual Server subclient: only its JobDetails names the VMs it protects."""
    raw = record.get("raw")
    summary = raw.get("jobSummary", raw) if isinstance(raw, dict) else None
    subclient = summary.get("subclient") if isinstance(summary, dict) else None
    if not isinstance(subclient, dict):
        return False
    return str(subclient.get("appName") or "").strip().lower() == "virtual server" or str(subclient.get("applicationId")) == "106"


def _finish_rank(record):
    """Order of finished runs: by finish time, then by id."""
    finished = iso_moment(record["finished_at"])
    return (finished[0].isoformat() if finished else "", record["id"] if isinstance(record["id"], int) else -1)


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _plain_keys(value):
    """``value`` with the "@" of every "@"-key dropped, at every depth."""
    if isinstance(value, dict):
        return dict((key[1:] if key.startswith("@") else key, _plain_keys(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_plain_keys(item) for item in value]
    return value


def _b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _with_prefix(token):
    token = token.strip()
    return token if token.startswith(TOKEN_PREFIXES) else "QSDK " + token
