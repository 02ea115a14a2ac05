# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP session under both vendor clients.

Private to the backupops.jobs collection: not a public API, it may change at any time.

One ``ApiSession`` per module run: keep-alive, TLS verified by default, retries with
backoff on connection errors, read timeouts and 502/503/504 only, a cap on reply size,
and every message scrubbed of the secrets it has been told about.
"""

from __future__ import annotations

import json
import time
import traceback
from urllib.parse import urljoin, urlsplit

try:
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter
except ImportError:
    requests = urllib3 = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

USER_AGENT = "backupops.jobs/0.1.0"
RETRY_STATUSES = frozenset((502, 503, 504))
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
# Only these keep the method and body; requests turns a 301/302/303 POST into a GET.
FOLLOWED_REDIRECTS = frozenset((307, 308))
MAX_REDIRECTS = 3
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 8.0
MASK = "********"


class ApiError(Exception):
    """A failure to report to the user; ``str(error)`` names the URL and the vendor's words, never a secret."""

    def __init__(self, message, status=None, url=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url

    def __str__(self):
        return self.message


class SettingsRefused(ApiError):
    """The server (or TLS) refused what the settings say - a login, a certificate, a tenant: trying again cannot help."""


class Reply:
    """What the server answered: status, headers and the whole body, already read."""

    __slots__ = ("status", "headers", "body", "url")

    def __init__(self, status, headers, body, url):
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def text(self, limit=None):
        text = self.body.decode("utf-8", errors="replace")
        return text if limit is None else text[:limit]

    def json(self):
        """The body parsed as JSON; ValueError for anything unreadable, however it fails."""
        try:
            return json.loads(self.body)
        except RecursionError:
            # A body nested deeper than Python's parser goes is not a reply any server means.
            raise ValueError("JSON nested too deeply to read")


class ApiSession:
    """HTTP for one module run. Vendor clients build on it; modules never see it speak HTTP.

    ``retries`` is the number of attempts after the first one. ``on_secret`` is called with every
    secret the session learns (cookies, tokens) so the module can keep it out of its output.
    """

    def __init__(self, url, validate_certs=True, ca_path=None, timeout=30, retries=3,
                 max_response_bytes=256 * 1024 * 1024, pool_size=10, on_secret=None, sleep=time.sleep):
        self.base_url = check_url(url)
        self.verify = (ca_path or True) if validate_certs else False
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.max_response_bytes = max_response_bytes
        self._secrets = set()
        self._on_secret = on_secret
        # What the user should hear although the run goes on (the module reports them as warnings).
        self.warnings = []
        self._sleep = sleep
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(1, pool_size), max_retries=0)
        self.http.mount("https://", adapter)
        self.http.mount("http://", adapter)
        if not validate_certs:
            # The user chose this; urllib3's per-request warning would only add noise to module output.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def add_secret(self, value):
        """Never print ``value``: scrubbed from every message this session makes, and told to the module."""
        if value and isinstance(value, str) and value not in self._secrets:
            self._secrets.add(value)
            if self._on_secret:
                self._on_secret(value)

    def scrub(self, text):
        """``text`` with every known secret replaced by a mask."""
        text = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def error(self, message, status=None, url=None, kind=None):
        """An ApiError (or ``kind``, a subclass) whose message is scrubbed of secrets."""
        return (kind or ApiError)(self.scrub(message), status=status, url=url)

    def request(self, method, url, login=False, **kwargs):
        """Send one request and read the whole reply, retrying what is safe to retry.

        Retried: connection errors, read timeouts, replies cut short, HTTP 502/503/504, up to
        ``retries`` more times with exponential backoff. A login (``login=True``) is retried only
        when the server cannot have seen the credentials (no connection, or a gateway status), so
        a wrong password is never sent twice. TLS failures are never retried.

        Redirects: a 307/308 to the same scheme, host and port is followed (with a warning naming the
        new root); any other redirect is an ApiError naming the root to put in ``url``.
        """
        kwargs.setdefault("timeout", self.timeout)
        # Per request, so REQUESTS_CA_BUNDLE in the environment cannot override ca_path or validate_certs.
        kwargs["verify"] = self.verify
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._follow(method, url, self._send(method, url, **kwargs), kwargs)
            except _Retryable as failure:
                if login and not failure.unsent:
                    raise self.error("%s %s failed: %s. Logins are not retried once the server may have seen them.%s"
                                     % (method, url, failure.reason, _plain_http_hint(url, failure.reason)), url=url)
                if attempt > self.retries:
                    raise self.error("%s kept failing: %d attempt(s), the last one: %s.%s"
                                     % (url, attempt, failure.reason, _plain_http_hint(url, failure.reason)),
                                     status=failure.status, url=url)
                self._sleep(failure.retry_after or min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (attempt - 1)))

    def _follow(self, method, url, reply, kwargs):
        """``reply``, or the reply at the end of same-origin 307/308 redirects; ApiError for any other redirect."""
        asked = url
        for _hop in range(MAX_REDIRECTS):
            if reply.status not in REDIRECT_STATUSES:
                return reply
            target = urljoin(url, reply.headers.get("Location") or "")
            root = self._moved_root(asked, target)
            if reply.status not in FOLLOWED_REDIRECTS or not _same_origin(url, target):
                why = ("a %d would turn the request into a GET without its body" % reply.status
                       if reply.status not in FOLLOWED_REDIRECTS else "the credentials must not go to another host")
                raise self.error("%s %s answered HTTP %d, a redirect to %s; it is not followed (%s). Put %s in url."
                                 % (method, url, reply.status, target, why, root), status=reply.status, url=url)
            warning = "url %s redirects to %s (HTTP %d): put %s in url to save the redirect." % (self.base_url, root, reply.status, root)
            if warning not in self.warnings:
                self.warnings.append(warning)
            # The query string rides along in params; the Location's own copy would double it.
            url = target.split("?", 1)[0] if kwargs.get("params") else target
            reply = self._send(method, url, **kwargs)
        if reply.status in REDIRECT_STATUSES:
            raise self.error("%s %s redirected more than %d times; put the final web service root in url."
                             % (method, url, MAX_REDIRECTS), status=reply.status, url=url)
        return reply

    def _moved_root(self, url, target):
        """What ``url``'s base becomes at ``target``: the target less the path ``url`` has beyond the base (or the target)."""
        tail = url[len(self.base_url):] if url.startswith(self.base_url) else ""
        target_path = target.split("?", 1)[0].split("#", 1)[0]
        if tail and target_path.lower().endswith(tail.lower()):
            target_path = target_path[:-len(tail)]
        return target_path.rstrip("/")

    def _send(self, method, url, **kwargs):
        try:
            # Redirects are ours to judge (_follow): requests would re-send the Authtoken to any host.
            response = self.http.request(method, url, stream=True, allow_redirects=False, **kwargs)
            try:
                body = self._read(response, url)
            finally:
                response.close()
        except requests.exceptions.SSLError as e:
            # SSLError is a ConnectionError: caught first, it is reported as what it is and not retried.
            raise self.error("TLS to %s failed: %s. %s" % (url, _reason(e), self._tls_hint(_reason(e))), url=url, kind=SettingsRefused)
        except requests.exceptions.ConnectTimeout as e:
            raise _Retryable("no connection within %ss (%s)" % (self.timeout, _reason(e)), unsent=True)
        except requests.exceptions.ReadTimeout:
            raise _Retryable("no answer within %ss (timeout)" % self.timeout)
        except requests.exceptions.ConnectionError as e:
            raise _Retryable("connection failed (%s)" % _reason(e), unsent=_never_connected(e))
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as e:
            raise _Retryable("the reply was cut short (%s)" % _reason(e))
        except requests.exceptions.InvalidURL as e:
            raise self.error("%s is not a usable URL: %s" % (url, _reason(e)), url=url)
        if response.status_code in RETRY_STATUSES:
            raise _Retryable("HTTP %d" % response.status_code, unsent=True, status=response.status_code,
                             retry_after=_retry_after(response.headers.get("Retry-After")))
        return Reply(response.status_code, response.headers, body, url)

    def _read(self, response, url):
        """The whole body, refusing to hold more than ``max_response_bytes``."""
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise self.error(_too_big(url, self.max_response_bytes), url=url)
        chunks = []
        size = 0
        for chunk in response.iter_content(256 * 1024):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise self.error(_too_big(url, self.max_response_bytes), url=url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _tls_hint(self, reason):
        if "wrong_version_number" in reason.lower() or "wrong version number" in reason.lower():
            return ("The server does not speak TLS on that port: check the port in url (and use http:// only if "
                    "the server really serves plain HTTP there).")
        if "mismatch" in reason or "match" in reason.lower() and "hostname" in reason.lower():
            return "The certificate is not issued for this host name: use in url the name the certificate names."
        if isinstance(self.verify, str):
            return ("ca_path %s does not hold the CA that signed the server's certificate; validate_certs=false "
                    "turns the check off (test systems only)." % self.verify)
        return ("If the server's certificate is self-signed or signed by a private CA, give that CA's PEM file as "
                "ca_path; validate_certs=false turns the check off (test systems only).")

    def close(self):
        self.http.close()


class _Retryable(Exception):
    """A transport failure that another attempt may cure."""

    def __init__(self, reason, unsent=False, status=None, retry_after=None):
        super().__init__(reason)
        self.reason = reason
        self.unsent = unsent
        self.status = status
        self.retry_after = retry_after


def check_url(url):
    """``url`` without a trailing slash; ApiError when it is not an http(s) URL."""
    if not url or not isinstance(url, str):
        raise ApiError("url is required.")
    url = url.strip().rstrip("/")
    if not url.lower().startswith(("https://", "http://")) or len(url.split("://", 1)[1]) == 0:
        raise ApiError("url must start with https:// (or http://), got %r." % url)
    if "@" in url.split("://", 1)[1].split("/", 1)[0]:
        raise ApiError("url must not carry credentials; use username and password.")
    return url


def _same_origin(url, target):
    """Same scheme, host and port (the default port of the scheme when none is given)."""
    first, second = urlsplit(url), urlsplit(target)
    defaults = {"http": 80, "https": 443}
    try:
        ports = [part.port or defaults.get(part.scheme.lower()) for part in (first, second)]
    except ValueError:
        return False
    return (first.scheme.lower() == second.scheme.lower() and (first.hostname or "").lower() == (second.hostname or "").lower()
            and ports[0] == ports[1])


def _reason(error):
    """The innermost useful words of a requests/urllib3 exception."""
    seen = error
    while True:
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        inner = inner or getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if not isinstance(inner, BaseException) or inner is seen:
            break
        seen = inner
    return str(seen) or type(seen).__name__


def _plain_http_hint(url, reason):
    """A TLS port hangs up on plain HTTP without a word: say so where that is what happened."""
    if url.lower().startswith("http://") and ("closed connection" in reason.lower() or "connection aborted" in reason.lower()):
        return " Does the server speak TLS on that port? Then the url starts with https://."
    return ""


def _never_connected(error):
    """True when the connection was refused or never made, so the request never left."""
    text = repr(error)
    return any(sign in text for sign in ("NewConnectionError", "ConnectionRefused", "Connection refused",
                                         "NameResolutionError", "Failed to resolve"))


def _retry_after(value):
    """Retry-After seconds, capped so a server cannot stall a module run."""
    if value and value.strip().isdigit():
        return min(BACKOFF_MAX, float(value))
    return None


def _too_big(url, limit):
    return ("%s answered with more than %d MiB; raise max_response_mb if this server really has that much to say."
            % (url, limit // (1024 * 1024)))
