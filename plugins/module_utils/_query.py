# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One job query for any vendor: selection, records, what is missing, the wait, the result.

Private to the backupops.jobs collection: not a public API, it may change at any time.
Knows nothing of AnsibleModule: modules, the gate, inventory plugins and event sources run the same flow.
"""

from __future__ import annotations

from ansible_collections.backupops.jobs.plugins.module_utils._record import RecordError, summarize
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError
from ansible_collections.backupops.jobs.plugins.module_utils._wait import timeout_message, wait_until_idle


class QueryFailed(ApiError):
    """The query ran but cannot succeed as asked (a selection matched nothing, a wait timed out); ``result`` has what it saw."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


def run_query(jobs, wait=False, wait_timeout=3600, wait_sleep=10, allow_missing=False, include_raw=True):
    """The result of a module run - changed, jobs, summary, waited, missing - for a vendor's ``jobs`` selection.

    ``jobs`` has select() -> (records, missing), poll() -> records, finish(records) -> records and
    missing_message(missing). Raises QueryFailed, ApiError for the server's failures, and ApiError for a
    reply that cannot be read as a job record.
    """
    try:
        records, missing = jobs.select()
        result = dict(changed=False, waited=0, missing=missing)
        if any(missing.values()) and not allow_missing:
            raise QueryFailed(jobs.missing_message(missing), _with_jobs(result, records, include_raw))
        timed_out = False
        if wait:
            records, result["waited"], timed_out = wait_until_idle(jobs.poll, wait_timeout, wait_sleep, records=records)
        records = jobs.finish(records)
    except RecordError as e:
        raise ApiError("The server sent a job record that cannot be read: %s" % e)
    _with_jobs(result, records, include_raw)
    if timed_out:
        raise QueryFailed(timeout_message(records, result["waited"]), result)
    return result


def _with_jobs(result, records, include_raw):
    if not include_raw:
        records = [{key: value for key, value in record.items() if key != "raw"} for record in records]
    result.update(jobs=records, summary=summarize(records))
    return result
