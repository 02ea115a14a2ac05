"""The shared query flow (_query.run_query) for any vendor's selection, and what the query path may import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.backupops.jobs.plugins.module_utils._query import QueryFailed, run_query
from ansible_collections.backupops.jobs.plugins.module_utils._record import RecordError
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError


def record(job_id, active=False, state=None):
    return {"id": job_id, "name": "job %d" % job_id, "state": state or ("running" if active else "succeeded"),
            "active": active, "progress": 40 if active else 100, "raw": {"big": "x" * 100}}


class Jobs:
    """A vendor selection as run_query sees it: select, poll, finish, missing_message."""

    def __init__(self, polls, missing=None, fail=None):
        self.polls = list(polls)
        self.missing = missing or {"job_ids": []}
        self.fail = fail
        self.finished = 0

    def select(self):
        if self.fail:
            raise self.fail
        return self.polls.pop(0), self.missing

    def poll(self):
        return self.polls.pop(0)

    def finish(self, records):
        self.finished += 1
        return records

    def missing_message(self, missing):
        return "nothing matches %s" % missing["job_ids"]


def test_a_plain_query_returns_the_records_and_their_summary():
    result = run_query(Jobs([[record(1), record(2)]]))
    assert [j["id"] for j in result["jobs"]] == [1, 2] and result["jobs"][0]["raw"]
    assert result["summary"]["total"] == 2 and result["waited"] == 0 and result["changed"] is False


def test_include_raw_false_leaves_raw_out_of_every_record():
    result = run_query(Jobs([[record(1)]]), include_raw=False)
    assert "raw" not in result["jobs"][0] and result["jobs"][0]["id"] == 1


def test_the_first_poll_is_the_selection_itself():
    jobs = Jobs([[record(1, active=True)], [record(1)]])
    result = run_query(jobs, wait=True, wait_timeout=60, wait_sleep=0.01)
    assert result["jobs"][0]["state"] == "succeeded" and jobs.polls == [] and jobs.finished == 1


def test_missing_fails_with_what_was_found_unless_allowed():
    jobs = Jobs([[record(1)]], missing={"job_ids": [7]})
    with pytest.raises(QueryFailed) as caught:
        run_query(jobs, include_raw=False)
    assert str(caught.value) == "nothing matches [7]"
    assert caught.value.result["missing"] == {"job_ids": [7]} and "raw" not in caught.value.result["jobs"][0]
    assert run_query(Jobs([[record(1)]], missing={"job_ids": [7]}), allow_missing=True)["missing"] == {"job_ids": [7]}


def test_a_wait_that_times_out_fails_with_the_jobs_as_last_seen():
    jobs = Jobs([[record(1, active=True)]] * 50)
    with pytest.raises(QueryFailed) as caught:
        run_query(jobs, wait=True, wait_timeout=0.05, wait_sleep=0.01)
    assert "Timed out after" in str(caught.value) and caught.value.result["jobs"][0]["active"] is True


def test_a_reply_that_is_no_job_record_is_the_servers_fault_and_a_bug_is_ours():
    with pytest.raises(ApiError, match="^The server sent a job record that cannot be read: no dict"):
        run_query(Jobs([], fail=RecordError("no dict")))
    with pytest.raises(ValueError) as caught:  # a bug of ours: not turned into the server's fault
        run_query(Jobs([], fail=ValueError("bug")))
    assert not isinstance(caught.value, ApiError)


def test_the_query_path_imports_nothing_from_ansible():
    """What a controller plugin or an event source under ansible-rulebook runs: no ansible.* import at all."""
    collections = Path(__file__).resolve().parents[7]
    modules = ["_query", "_connect", "_clients", "_nakivo", "_commvault", "_gate", "_time", "_record"]
    code = ("import sys; sys.path.insert(0, %r); sys.modules['ansible'] = None\n" % str(collections)
            + "".join("import ansible_collections.backupops.jobs.plugins.module_utils.%s\n" % name for name in modules)
            + "print(sorted(m for m in sys.modules if m == 'ansible' or m.startswith('ansible.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['ansible']", done.stdout  # only the blocked placeholder itself
