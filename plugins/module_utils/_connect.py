# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of both vendors, defined once, checked and turned into a session, for any caller.

Private to the backupops.jobs collection: not a public API, it may change at any time.
Modules (through ``_options``), inventory plugins and event sources use it alike; it imports nothing
from ``ansible.*`` and no vendor's client, so that a module of one vendor loads only its own
(``_clients`` has both). Documented in the doc fragments ``backupops.jobs.nakivo`` and ``backupops.jobs.commvault``.
"""

from __future__ import annotations

import os

from ansible_collections.backupops.jobs.plugins.module_utils._session import REQUESTS_IMPORT_ERROR, ApiSession

PLATFORMS = ("nakivo", "commvault")
ENV_PREFIX = {"nakivo": "NAKIVO", "commvault": "COMMVAULT"}

# name: (type, default, environment variable without its vendor prefix, secret)
_SHARED = dict(
    url=("str", None, "URL", False),
    username=("str", None, "USERNAME", False),
    password=("str", None, "PASSWORD", True),
    validate_certs=("bool", True, "VALIDATE_CERTS", False),
    ca_path=("path", None, "CA_PATH", False),
    timeout=("float", 30, None, False),
    retries=("int", 3, None, False),
    max_response_mb=("int", 256, None, False),
)
CONNECTION_OPTIONS = {
    "nakivo": dict(_SHARED, tenant=("str", None, "TENANT", False)),
    "commvault": dict(_SHARED, auth_token=("str", None, "AUTH_TOKEN", True), domain=("str", None, "DOMAIN", False)),
}
# Bounds of the numeric connection options: (bound, bound allowed), as number_problem reads them.
CONNECTION_NUMBERS = dict(timeout=(0, False), retries=(0, True), max_response_mb=(1, True))


def env_name(platform, option):
    """The environment variable an option falls back to (``NAKIVO_URL``), or None."""
    suffix = CONNECTION_OPTIONS[platform][option][2]
    return ENV_PREFIX[platform] + "_" + suffix if suffix else None


def number_problem(params, **rules):
    """What is wrong with numeric options, or None. ``rules`` maps an option to (bound, bound allowed), lists too."""
    for name, (bound, inclusive) in rules.items():
        values = params.get(name)
        for value in values if isinstance(values, list) else [values]:
            if value is not None and (value < bound or (value == bound and not inclusive)):
                return "%s must be %s %s, got %s." % (name, "at least" if inclusive else "more than", bound, value)
    return None


def connection_problem(platform, settings, where="in the options"):
    """What makes these connection settings unusable, said so the user can fix it; None when they look usable.

    ``where`` names where the caller's user sets an option (a module's task, a plugin's configuration).
    """
    if REQUESTS_IMPORT_ERROR:
        return "The Python library requests is required on the host that runs this (pip install requests)."
    if not settings.get("url"):
        return "url is required: set it %s or in %s." % (where, env_name(platform, "url"))
    problem = number_problem(settings, **CONNECTION_NUMBERS)
    if problem:
        return problem
    if settings.get("ca_path") and not os.path.isfile(settings["ca_path"]):
        return ("ca_path %s is not a readable file: give the PEM file of the CA that signed the server's certificate."
                % settings["ca_path"])
    return None


def plain_http_warning(url):
    """The warning a plain http:// url deserves, or None."""
    if url and url.strip().lower().startswith("http://"):
        return "url %s is plain HTTP: the password and the session travel unencrypted; use https://." % url.strip()
    return None


def open_session(settings, pool_size=10, on_secret=None):
    """An ApiSession from checked connection settings (connection_problem first); ApiError for a bad url."""
    return ApiSession(settings["url"], validate_certs=settings.get("validate_certs", True), ca_path=settings.get("ca_path"),
                      timeout=settings.get("timeout", 30), retries=settings.get("retries", 3),
                      max_response_bytes=settings.get("max_response_mb", 256) * 1024 * 1024,
                      pool_size=pool_size, on_secret=on_secret)
