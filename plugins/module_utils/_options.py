# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module-side glue around the clients: argument specs from ``_connect``'s table, failures as fail_json.

Private to the backupops.jobs collection: not a public API, it may change at any time.
Documented in the doc fragments ``backupops.jobs.nakivo`` and ``backupops.jobs.commvault``.
"""

from __future__ import annotations

from contextlib import contextmanager

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.backupops.jobs.plugins.module_utils._connect import (
    CONNECTION_OPTIONS,
    connection_problem,
    env_name,
    number_problem,
    plain_http_warning,
)
from ansible_collections.backupops.jobs.plugins.module_utils._connect import open_session as connect_session
from ansible_collections.backupops.jobs.plugins.module_utils._query import QueryFailed
from ansible_collections.backupops.jobs.plugins.module_utils._record import summarize
from ansible_collections.backupops.jobs.plugins.module_utils._session import REQUESTS_IMPORT_ERROR, ApiError
from ansible_collections.backupops.jobs.plugins.module_utils._wait import WAIT_ARGUMENT_SPEC, check_wait_options


def _connection_spec(platform):
    """The platform's connection options as an argument spec, from the one table in ``_connect``."""
    spec = {}
    for name, (kind, default, _suffix, secret) in CONNECTION_OPTIONS[platform].items():
        spec[name] = dict(type=kind)
        if default is not None:
            spec[name]["default"] = default
        if secret:
            spec[name]["no_log"] = True
        if env_name(platform, name):
            spec[name]["fallback"] = (env_fallback, [env_name(platform, name)])
    return spec


def nakivo_argument_spec(**module_options):
    """The NAKIVO connection options plus ``module_options``."""
    return dict(_connection_spec("nakivo"), **module_options)


def commvault_argument_spec(**module_options):
    """The Commvault connection options plus ``module_options``."""
    return dict(_connection_spec("commvault"), **module_options)


def open_session(module, env_prefix, pool_size=10):
    """An ApiSession from the module's connection options; fails the module on unusable ones."""
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    platform = env_prefix.lower()
    problem = connection_problem(platform, params, where="on the task, in module_defaults,")
    if problem:
        module.fail_json(msg=problem)
    if plain_http_warning(params["url"]):
        module.warn(plain_http_warning(params["url"]))
    try:
        return connect_session(params, pool_size=pool_size, on_secret=module.no_log_values.add)
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
