# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NAKIVO Director client: JSON-RPC over the session, cookie login, tenants, re-login.

Private to the backupops.jobs collection: not a public API, it may change at any time.
"""

from __future__ import annotations

import re

from ansible_collections.backupops.jobs.plugins.module_utils._match import host_matches, name_matches
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo_record import nakivo_record
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError, SettingsRefused

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SESSION_COOKIES = ("JSESSIONID",)


class NakivoClient:
    """One logged-in Director session; ``with NakivoClient(...) as client:`` logs in and out.

    Every call goes to the tenant's router when a tenant is given (the login itself goes to the
    root router, as the Director expects of a master admin). A call that finds the session gone
    logs in again and is repeated once.
    """

    def __init__(self, session, username, password, tenant=None):
        if not username or not password:
            raise ApiError("username and password are required (task options, or NAKIVO_USERNAME and NAKIVO_PASSWORD).")
        self.session = session
        self.username = username
        self.password = password
        self.tenant = tenant
        self.root_router = session.base_url + "/c/router"
        self.router = self.root_router
        self.logins = 0
        self._tid = 0
        self._logged_in = False
        session.add_secret(password)

    def __enter__(self):
        self.login()
        if self.tenant:
            self.router = "%s/t/%s/c/router" % (self.session.base_url, self._tenant_uuid(self.tenant))
        return self

    def __exit__(self, *exc_info):
        self.logout()
        self.session.close()

    def login(self):
        """Log in on the root router; ApiError names why a login failed. Never retried after an answer."""
        envelope = self._rpc(self.root_router, "AuthenticationManagement", "login",
                             [self.username, self.password, False], login=True)
        self.logins += 1
        data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
        result = str(data.get("result") or "").upper()
        if envelope.get("type") == "exception":
            raise self._vendor_error("login as %r" % self.username, envelope)
        if result == "OK":
            for cookie in self.session.http.cookies:
                self.session.add_secret(cookie.value)
            self._logged_in = True
            return
        can_try = data.get("canTry") if isinstance(data.get("canTry"), dict) else {}
        if result == "FAIL_BLOCKED_WAIT":
            raise NakivoLoginRefused(self.session.scrub(
                "The NAKIVO Director at %s blocks logins for %r after too many failures; %s before trying again. "
                "Logins are never retried, so this does not extend the block."
                % (self.session.base_url, self.username, _wait_words(can_try.get("waitTimeLeft")))))
        if result == "FAIL_OTHER":
            attempts = can_try.get("failedAttempts")
            raise NakivoLoginRefused(self.session.scrub(
                "The NAKIVO Director at %s refused the login for %r: %s%s. Check username and password; "
                "the login was tried once and not retried, so it cannot lock the account."
                % (self.session.base_url, self.username, data.get("reason") or "wrong username or password",
                   " (failed attempts so far: %s)" % attempts if attempts is not None else "")))
        raise NakivoLoginRefused(self.session.scrub("The NAKIVO Director at %s answered the login with an unexpected result %r."
                                                    % (self.session.base_url, data.get("result"))))

    def logout(self):
        """End the session if one is open; a failure to log out is not worth failing the task for."""
        if not self._logged_in:
            return
        self._logged_in = False
        try:
            self._rpc(self.root_router, "AuthenticationManagement", "logoutCurrentUser", None, login=True)
        except ApiError:
            pass

    def call(self, action, method, data):
        """``data`` of a successful rpc reply. Logs in again once when the session is gone."""
        for attempt in (1, 2):
            envelope = self._rpc(self.router, action, method, data)
            if envelope is _SESSION_LOST or (envelope.get("type") == "exception" and not self._is_logged()):
                if attempt == 2:
                    raise self.session.error("The NAKIVO Director at %s dropped the session again right after a new login "
                                             "(%s.%s)." % (self.session.base_url, action, method))
                self._logged_in = False
                self.login()
                continue
            if envelope.get("type") == "exception":
                raise self._vendor_error("%s.%s" % (action, method), envelope)
            return envelope.get("data")
        return None  # not reached: the loop returns or raises

    def get_job_info(self, job_ids):
        """Records of getJobInfo for ``job_ids`` in one call, keyed by id; ids the Director does not know are absent.

        Unknown ids may be left out, answered as null entries, or fail the whole call with an exception
        (Directors differ): on such an exception the ids are asked one by one to tell the good from the bad.
        """
        job_ids = [int(job_id) for job_id in job_ids]
        if not job_ids:
            return {}
        try:
            return _records_by_id(self.call("JobSummaryManagement", "getJobInfo", [job_ids, 0, True]))
        except _VendorException:
            if len(job_ids) == 1:
                return {}
        records = {}
        for job_id in job_ids:
            records.update(self.get_job_info([job_id]))
        return records

    def list_job_ids(self):
        """Ids of every job the Director (or tenant) has, from the root group's child list."""
        data = self.call("JobSummaryManagement", "getGroupInfo", [[None], 0, True])
        job_ids = set()
        for group in _children(data):
            for key in ("childJobIds", "immediateChildJobIds"):
                ids = group.get(key) if isinstance(group, dict) else None
                job_ids.update(_job_ids(ids))
        return sorted(job_ids)

    def _tenant_uuid(self, tenant):
        """The tenant's UUID; a tenant given by name is looked up among the Director's tenants."""
        if UUID_RE.match(tenant):
            return tenant
        data = self._root_call("MultitenancyManagement", "getTenants", None)
        tenants = _children(data) or (data.get("items") if isinstance(data, dict) else None) or []
        for item in tenants:
            if isinstance(item, dict) and str(item.get("name", "")).lower() == tenant.lower() and item.get("uuid"):
                return item["uuid"]
        known = ", ".join(sorted(str(t.get("name")) for t in tenants if isinstance(t, dict))) or "none"
        raise self.session.error("The NAKIVO Director at %s has no tenant %r (tenants: %s). Give the tenant's UUID or exact name."
                                 % (self.session.base_url, tenant, known), kind=SettingsRefused)

    def _root_call(self, action, method, data):
        router, self.router = self.router, self.root_router
        try:
            return self.call(action, method, data)
        finally:
            self.router = router

    def _is_logged(self):
        envelope = self._rpc(self.root_router, "AuthenticationManagement", "isLogged", None)
        return envelope is not _SESSION_LOST and envelope.get("type") != "exception" and envelope.get("data") is True

    def _rpc(self, url, action, method, data, login=False):
        """One JSON-RPC round trip: the reply envelope, or ``_SESSION_LOST`` for an HTTP 401/403."""
        self._tid += 1
        body = {"action": action, "method": method, "data": data, "type": "rpc", "tid": self._tid}
        reply = self.session.request("POST", url, json=body, login=login,
                                     headers={"Accept": "application/json"})
        if reply.status in (401, 403) and not login:
            return _SESSION_LOST
        try:
            envelope = reply.json()
        except ValueError:
            raise self.session.error("The NAKIVO Director at %s answered %s.%s with HTTP %d and %s, not JSON-RPC. "
                                     "Is url the Director (https://host:4443), not a proxy or portal?"
                                     % (url, action, method, reply.status, _describe_body(reply)), status=reply.status, url=url)
        if not isinstance(envelope, dict):
            raise self.session.error("The NAKIVO Director at %s answered %s.%s with JSON that is not an rpc envelope."
                                     % (url, action, method), url=url)
        if reply.status >= 400 and envelope.get("type") != "exception":
            raise self.session.error("The NAKIVO Director at %s answered %s.%s with HTTP %d." % (url, action, method, reply.status),
                                     status=reply.status, url=url)
        return envelope

    def _vendor_error(self, what, envelope):
        words = "; ".join(str(envelope.get(key)) for key in ("message", "cause") if envelope.get(key))
        return _VendorException(self.session.scrub("The NAKIVO Director at %s refused %s: %s"
                                                   % (self.session.base_url, what, words or "no message")))


class NakivoLoginRefused(SettingsRefused):
    """The Director answered the login and did not let the user in: a caller that polls must stop, never log in again."""


class _VendorException(ApiError):
    """The Director answered with an exception envelope."""


class _SessionLost:
    """Marker for a reply that says the session is gone."""

    def get(self, key, default=None):
        return default


_SESSION_LOST = _SessionLost()


class NakivoJobs:
    """The jobs one query selects by ids, names and protected objects (a union; none of them: every job)."""

    def __init__(self, client, job_ids=None, names=None, protected_objects=None):
        self.client = client
        self.job_ids, self.names, self.objects = job_ids or [], names or [], protected_objects or []
        self.ids = []

    def select(self):
        """(records of the selected jobs in the order asked, what matched nothing per option)."""
        missing = dict(job_ids=[], names=[], protected_objects=[])
        selected, everything = {}, None
        if self.names or self.objects or not self.job_ids:
            everything = self._records(self.client.list_job_ids())
        if self.job_ids:
            known = dict(everything or {})
            known.update(self._records([job_id for job_id in self.job_ids if job_id not in known]))
            for job_id in self.job_ids:
                if job_id in known:
                    selected[job_id] = known[job_id]
                else:
                    missing["job_ids"].append(job_id)
        if everything is not None and not (self.job_ids or self.names or self.objects):
            selected.update(everything)
        for pattern in self.names:
            _add(selected, [r for r in everything.values() if name_matches(pattern, r["name"])], missing["names"], pattern)
        for pattern in self.objects:
            hits = [r for r in everything.values() if any(host_matches(pattern, obj["name"]) for obj in r["objects"])]
            _add(selected, hits, missing["protected_objects"], pattern)
        self.ids = list(selected)
        return list(selected.values()), missing

    def poll(self):
        """The selected jobs as they are now: one getJobInfo for all of them."""
        fresh = self._records(self.ids)
        return [fresh[job_id] for job_id in self.ids if job_id in fresh]

    def finish(self, records):
        return records

    @staticmethod
    def missing_message(missing):
        parts = ["%s %s" % (label, ", ".join(repr(item) for item in missing[key]))
                 for key, label in (("job_ids", "job id(s)"), ("names", "name(s)"), ("protected_objects", "protected object(s)"))
                 if missing[key]]
        return ("No NAKIVO job matches %s. Check the spelling (and the tenant), or set allow_missing: true to get what was "
                "found with the rest listed in missing." % "; ".join(parts))

    def _records(self, job_ids):
        if not job_ids:
            return {}
        return {job_id: nakivo_record(raw) for job_id, raw in self.client.get_job_info(job_ids).items()}


def _add(selected, hits, missing, pattern):
    if not hits:
        missing.append(pattern)
    for record in sorted(hits, key=lambda record: record["id"]):
        selected.setdefault(record["id"], record)


def _children(data):
    """``data.children`` (or ``data`` itself when it is already a list)."""
    if isinstance(data, dict):
        data = data.get("children")
    return data if isinstance(data, list) else []


def _records_by_id(data):
    records = {}
    for item in _children(data):
        if isinstance(item, dict):
            for job_id in _job_ids([item.get("id")]):
                records[job_id] = item
    return records


def _job_ids(values):
    """The whole-number ids among ``values``; anything else (null, text, 1e400, 2.5, True) is skipped."""
    ids = []
    for value in values if isinstance(values, list) else ():
        if isinstance(value, int) and not isinstance(value, bool):
            ids.append(value)
        elif isinstance(value, float) and value.is_integer():
            ids.append(int(value))
        elif isinstance(value, str) and value.strip().isdecimal():
            ids.append(int(value))
    return ids


def _describe_body(reply):
    kind = reply.content_type or "no content type"
    text = reply.text(200).strip()
    if text.lower().startswith(("<!doctype html", "<html")):
        return "an HTML page (%s)" % kind
    return "%s: %r" % (kind, text[:80]) if text else "an empty body"


def _wait_words(wait_time_left):
    """The Director's waitTimeLeft, read as milliseconds (Java convention of the Director's other fields)."""
    try:
        seconds = max(1, int(round(float(wait_time_left) / 1000.0)))
    except (TypeError, ValueError, OverflowError):
        return "wait until the block ends (the Director did not say how long)"
    return "wait about %d second(s) (waitTimeLeft=%s)" % (seconds, wait_time_left)
