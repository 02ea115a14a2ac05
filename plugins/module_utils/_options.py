# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of both vendors, defined once, and the module-side glue around the clients.

Private to the backupops.jobs collection: not a public API, it may change at any time.
Documented in the doc fragments ``backupops.jobs.nakivo`` and ``backupops.jobs.commvault``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.backupops.jobs.plugins.module_utils._query import QueryFailed
from ansible_collections.backupops.jobs.plugins.module_utils._record import summarize
from ansible_collections.backupops.jobs.plugins.module_utils._session import (
    REQUESTS_IMPORT_ERROR,
    ApiError,
    ApiSession,
)
from ansible_collections.backupops.jobs.plugins.module_utils._wait import WAIT_ARGUMENT_SPEC, check_wait_options


def _connection_spec(prefix):
    """The options both vendors share; ``prefix`` names their environment variables."""
    return dict(
        url=dict(type="str", fallback=(env_fallback, [prefix + "_URL"])),
        username=dict(type="str", fallback=(env_fallback, [prefix + "_USERNAME"])),
        password=dict(type="str", no_log=True, fallback=(env_fallback, [prefix + "_PASSWORD"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, [prefix + "_VALIDATE_CERTS"])),
        ca_path=dict(type="path", fallback=(env_fallback, [prefix + "_CA_PATH"])),
        timeout=dict(type="float", default=30),
        retries=dict(type="int", default=3),
        max_response_mb=dict(type="int", default=256),
    )


def nakivo_argument_spec(**module_options):
    """The NAKIVO connection options plus ``module_options``."""
    spec = _connection_spec("NAKIVO")
    spec["tenant"] = dict(type="str", fallback=(env_fallback, ["NAKIVO_TENANT"]))
    spec.update(module_options)
    return spec


def commvault_argument_spec(**module_options):
    """The Commvault connection options plus ``module_options``."""
    spec = _connection_spec("COMMVAULT")
    spec["auth_token"] = dict(type="str", no_log=True, fallback=(env_fallback, ["COMMVAULT_AUTH_TOKEN"]))
    spec["domain"] = dict(type="str", fallback=(env_fallback, ["COMMVAULT_DOMAIN"]))
    spec.update(module_options)
    return spec


def open_session(module, env_prefix, pool_size=10):
    """An ApiSession from the module's connection options; fails the module on unusable ones."""
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    if not params["url"]:
        module.fail_json(msg="url is required: set it on the task, in module_defaults, or in %s_URL." % env_prefix)
    problem = number_problem(params, timeout=(0, False), retries=(0, True), max_response_mb=(1, True))
    if problem:
        module.fail_json(msg=problem)
    if params["ca_path"] and not os.path.isfile(params["ca_path"]):
        module.fail_json(msg="ca_path %s is not a readable file: give the PEM file of the CA that signed the server's certificate."
                         % params["ca_path"])
    if params["url"].strip().lower().startswith("http://"):
        module.warn("url %s is plain HTTP: the password and the session travel unencrypted; use https://." % params["url"])
    try:
        return ApiSession(params["url"], validate_certs=params["validate_certs"], ca_path=params["ca_path"],
                          timeout=params["timeout"], retries=params["retries"],
                          max_response_bytes=params["max_response_mb"] * 1024 * 1024,
                          pool_size=pool_size, on_secret=module.no_log_values.add)
    except ApiError as e:
        module.fail_json(msg=str(e))
    return None  # not reached: fail_json exits


# The options every job query takes besides its connection and its selection (run_query's keywords).
QUERY_ARGUMENT_SPEC = dict(
    allow_missing=dict(type="bool", default=False),
    include_raw=dict(type="bool", default=True),
    **WAIT_ARGUMENT_SPEC
)


def query_options(params):
    """run_query's keywords from the module's parameters."""
    return {name: params[name] for name in QUERY_ARGUMENT_SPEC}


def number_problem(params, **rules):
    """What is wrong with numeric options, or None. ``rules`` maps an option to (bound, bound allowed), lists too."""
    for name, (bound, inclusive) in rules.items():
        values = params.get(name)
        for value in values if isinstance(values, list) else [values]:
            if value is not None and (value < bound or (value == bound and not inclusive)):
                return "%s must be %s %s, got %s." % (name, "at least" if inclusive else "more than", bound, value)
    return None


@contextmanager
def module_query(module, env_prefix, pool_size=10, **number_rules):
    """The session for one query module run; the query's failures become ``fail_json`` with what it saw.

    Only the failures the layer raises on purpose (ApiError, QueryFailed) are caught: a bug is a traceback.
    """
    problem = check_wait_options(module.params) or number_problem(module.params, **number_rules)
    if problem:
        module.fail_json(msg=problem)
    session = open_session(module, env_prefix, pool_size=pool_size)
    try:
        yield session
    except QueryFailed as e:
        _warn(module, session)
        module.fail_json(msg=str(e), **e.result)
    except ApiError as e:
        _warn(module, session)
        details = dict(changed=False, jobs=[], summary=summarize([]), waited=0, missing={})
        if e.status is not None:
            details["status"] = e.status
        module.fail_json(msg=str(e), **details)
    _warn(module, session)


def _warn(module, session):
    for warning in dict.fromkeys(session.warnings):  # several threads may meet the same refusal
        module.warn(warning)
