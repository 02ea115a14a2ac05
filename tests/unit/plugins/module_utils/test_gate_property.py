"""The gate's promise as properties: a host whose last backup did not succeed is never let through.

Job histories are generated as the vendors send them (getJobInfo records; Commvault listings and
JobDetails), and run through the code the role runs: the normalizer, for Commvault the selection of
job_detail's ``clients`` query (CommvaultJobs), and the shared verdict. The expected verdict is worked out here from the
vendor's own fields, by the decision table of docs/gating.md, without the collection's code.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.backupops.jobs.plugins.module_utils._gate import verdict, verdicts
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo_record import nakivo_record
from ansible_collections.backupops.jobs.plugins.module_utils._record import summarize
from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultJobs

PROPERTY = settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
NOW = "2026-11-22T12:00:00Z"
HOSTS = ("web01", "web02", "web03")

# ---------------------------------------------------------------- NAKIVO

NK_PROTECTING = ("BACKUP", "REPLICATION", "BACKUP_COPY")
NK_COUNTS = {"SUCCEEDED": "lrVmOk", "FAILED": "lrVmFailed", "STOPPED": "lrVmStopped"}
# A job's last run that did not succeed is explained by another object of that run in one of these states.
NK_EXPLAINS = {"FAILED": {"FAILED"}, "STOPPED": {"FAILED", "STOPPED", "SKIPPED"}}


@st.composite
def nakivo_job(draw, job_id):
    names = draw(st.lists(st.sampled_from(HOSTS), min_size=1, max_size=3, unique=True))
    running = draw(st.booleans()) if draw(st.integers(0, 5)) == 0 else False
    last = draw(st.sampled_from(["OK", "OK", "FAILED", "STOPPED", None]))
    job = {
        "id": job_id, "name": "job %d" % job_id,
        "jobType": draw(st.sampled_from(NK_PROTECTING * 3 + ("RECOVERY_VMS", "FLASH_BOOT", "REPLICA_FAILOVER"))),
        "crState": "RUNNING" if running else "WAITING_SCHEDULE", "crProgress": 40 if running else 0,
        "crDate": "2026-11-22T11:00:00Z" if running else None,
        "hasLastRun": last is not None, "lrState": last,
        "lrDate": "2026-11-22T01:00:00Z", "lrFinishDate": "2026-11-22T02:00:00Z",
        "isEnabled": draw(st.booleans()),
        "objects": [{"sourceName": name, "crState": "RUNNING" if running else "SCHEDULED",
                     "lrState": draw(st.sampled_from(["SUCCEEDED", "SUCCEEDED", "FAILED", "STOPPED", "SKIPPED", None]))}
                    for name in names],
    }
    for key in NK_COUNTS.values():
        count = draw(st.one_of(st.none(), st.integers(0, 3)))
        if count is not None:
            job[key] = count
    return job


NAKIVO_HISTORY = st.integers(1, 4).flatmap(lambda n: st.tuples(*[nakivo_job(i + 1) for i in range(n)]))


def nk_shown(job, state):
    return sum(1 for obj in job["objects"] if obj["lrState"] == state)


def nk_this_run(job, state):
    """The Director's counts cover the objects shown in ``state`` (skipped: every count matches exactly)."""
    if state == "SKIPPED":
        return all(job.get(key) == nk_shown(job, s) for s, key in NK_COUNTS.items())
    key = NK_COUNTS.get(state)
    return key is not None and job.get(key) is not None and nk_shown(job, state) <= job[key]


def nk_shown_stale(job, state):
    key = NK_COUNTS.get(state)
    return key is not None and job.get(key) is not None and nk_shown(job, state) > job[key]


def nk_run_counts_for(job, host):
    """The table for one protecting job: does its last run count as a success for ``host``?"""
    own = next(obj["lrState"] for obj in job["objects"] if obj["sourceName"] == host)
    if job["lrState"] == "OK":
        return own == "SUCCEEDED" and not nk_shown_stale(job, "SUCCEEDED")
    if job["lrState"] in NK_EXPLAINS:
        others = [obj["lrState"] for obj in job["objects"] if obj["sourceName"] != host]
        return own == "SUCCEEDED" and nk_this_run(job, "SUCCEEDED") and any(
            state in NK_EXPLAINS[job["lrState"]] and nk_this_run(job, state) for state in others)
    return False


def nk_judge(history, host):
    records = [nakivo_record(job) for job in history]
    return verdict({"changed": False, "jobs": records, "summary": summarize(records), "waited": 0}, host, now=NOW)


@PROPERTY
@given(NAKIVO_HISTORY, st.sampled_from(HOSTS))
def test_nakivo_a_host_is_open_only_if_every_protecting_job_succeeded_for_it(history, host):
    touching = [job for job in history if any(obj["sourceName"] == host for obj in job["objects"])]
    protecting = [job for job in touching if job["jobType"] in NK_PROTECTING]
    v = nk_judge(history, host)
    if v["open"]:
        assert not any(job["crState"] == "RUNNING" for job in touching), v["line"]
        assert protecting, v["line"]
        assert all(nk_run_counts_for(job, host) for job in protecting), v["line"]
    else:
        assert v["line"].startswith("%s: HELD | " % host) and v["reason"]


@PROPERTY
@given(NAKIVO_HISTORY, st.sampled_from(HOSTS))
def test_nakivo_a_host_whose_backups_all_succeeded_is_open(history, host):
    for job in history:
        job.update(crState="WAITING_SCHEDULE", lrState="OK", hasLastRun=True)
        for obj in job["objects"]:
            obj.update(crState="SCHEDULED", lrState="SUCCEEDED")
        job.update(lrVmOk=len(job["objects"]), lrVmFailed=0, lrVmStopped=0)
    protected = any(job["jobType"] in NK_PROTECTING and any(obj["sourceName"] == host for obj in job["objects"])
                    for job in history)
    v = nk_judge(history, host)
    assert v["open"] is protected, v["line"]


# ---------------------------------------------------------------- Commvault

CV_PROTECTING = ("Backup", "Synthetic Full", "Snap Backup")
CV_STORAGE_POLICY = ("Aux Copy", "Data Verification")
CV_ACTIVE = ("Running", "Waiting", "Pending", "Queued", "Suspended", "Kill Pending")
CV_FINISHED = ("Completed", "Completed", "Completed w/ one or more warnings", "Completed w/ one or more errors",
               "Committed", "Failed", "Failed to Start", "Killed", "Interrupted", "Web Server Error")
CV_SUCCESS = ("Completed", "Completed w/ one or more warnings")  # warnings are accepted by default
CV_HOSTS = ("db01", "db02")


@st.composite
def commvault_job(draw, job_id):
    client = draw(st.sampled_from(CV_HOSTS))
    kind = draw(st.sampled_from(CV_PROTECTING * 3 + ("Restore",) + CV_STORAGE_POLICY + ("Data Aging",)))
    active = draw(st.integers(0, 6)) == 0
    start = 1763700000 + job_id * 600 + draw(st.integers(0, 500))
    return {
        "id": job_id, "client": client, "subclient": draw(st.sampled_from(("default", "logs"))), "type": kind,
        "status": draw(st.sampled_from(CV_ACTIVE if active else CV_FINISHED)), "active": active,
        "start": start, "end": 0 if active else start + draw(st.integers(1, 40000)),
        "dest": draw(st.sampled_from(CV_HOSTS)) if kind == "Restore" and draw(st.booleans()) else None,
    }


COMMVAULT_HISTORY = st.integers(1, 6).flatmap(lambda n: st.tuples(*[commvault_job(i + 100) for i in range(n)]))


def cv_subclient(job):
    return {"clientName": job["client"], "subclientName": job["subclient"], "appName": "File System",
            "instanceName": "DefaultInstanceName", "backupsetName": "defaultBackupSet"}


def cv_summary(job):
    summary = {"jobId": job["id"], "status": job["status"], "jobType": job["type"], "jobStartTime": job["start"],
               "jobEndTime": job["end"], "percentComplete": 40 if job["active"] else 100, "subclient": cv_subclient(job)}
    if job["dest"]:
        summary["destClientName"] = job["dest"]
    return summary


def cv_detail(job):
    general = {"jobId": job["id"], "operationType": job["type"], "startTime": job["start"], "subclient": cv_subclient(job)}
    if job["dest"]:
        general["destinationClient"] = {"clientName": job["dest"]}
    detail = {"generalInfo": general, "progressInfo": {"state": job["status"]}}
    if not job["active"]:
        detail["detailInfo"] = {"startTime": job["start"], "endTime": job["end"]}
    return detail


class FakeClient:
    """The CommvaultClient calls job_detail's query makes, answered from a generated history."""

    def __init__(self, history):
        self.jobs = {job["id"]: job for job in history}

    def list_jobs(self, lookup_seconds=None, fmt="json"):
        return [cv_summary(job) for job in self.jobs.values()]

    def job_detail(self, job_id, fmt="auto", commcell_id=None):
        return cv_detail(self.jobs[job_id]), None


def cv_judge(history, host):
    """job_detail clients=<host> as the role runs it, then the verdict."""
    jobs = CommvaultJobs(FakeClient(history), clients=[host], finished_within=168, api_format="json", concurrency=1)
    records = jobs.finish(jobs.select()[0])
    return verdict({"changed": False, "jobs": records, "summary": summarize(records), "waited": 0}, host, now=NOW)


def cv_expected_open(history, host):
    """The table, from the vendor's fields: nothing active on the host, and per subclient the newest finished backup succeeded."""
    # A restore to another client writes into that client only; every other active job holds its client.
    if any(job["active"] and job["type"] not in CV_STORAGE_POLICY and host == (job["dest"] or job["client"])
           for job in history):
        return False
    newest = {}
    for job in history:
        if job["client"] == host and job["type"] in CV_PROTECTING and not job["active"]:
            if job["subclient"] not in newest or (job["end"], job["id"]) > (newest[job["subclient"]]["end"], newest[job["subclient"]]["id"]):
                newest[job["subclient"]] = job
    return bool(newest) and all(job["status"] in CV_SUCCESS for job in newest.values())


@PROPERTY
@given(COMMVAULT_HISTORY, st.sampled_from(CV_HOSTS))
def test_commvault_a_client_is_open_exactly_when_each_subclients_newest_backup_succeeded(history, host):
    v = cv_judge(history, host)
    assert v["open"] is cv_expected_open(history, host), v["line"]


# ---------------------------------------------------------------- many hosts at once

@PROPERTY
@given(NAKIVO_HISTORY)
def test_many_hosts_at_once_give_each_hosts_own_verdict(history):
    records = [nakivo_record(job) for job in history]
    result = {"changed": False, "jobs": records, "summary": summarize(records), "waited": 0}
    hosts = {"web01": None, "web02.example.com": None, "WEB03": ["web03"], "other": ["web0*"]}
    together = verdicts(result, hosts, now=NOW)
    assert together == {host: verdict(result, host, objects=objects, now=NOW) for host, objects in hosts.items()}


def test_many_hosts_cost_name_matches_per_host_not_per_job(monkeypatch):
    """10,000 VMs each in its own job: judging them all must not match every host against every job."""
    from ansible_collections.backupops.jobs.plugins.module_utils import _gate

    count = 10000
    records = [nakivo_record({"id": n, "name": "job %d" % n, "jobType": "BACKUP", "crState": "WAITING_SCHEDULE",
                              "lrState": "OK", "hasLastRun": True, "lrFinishDate": "2026-11-22T02:00:00Z",
                              "lrVmOk": 1, "lrVmFailed": 0, "lrVmStopped": 0,
                              "objects": [{"sourceName": "vm%05d.example.com" % n, "lrState": "SUCCEEDED"}]})
               for n in range(count)]
    result = {"changed": False, "jobs": records, "summary": summarize(records), "waited": 0}
    matches = []
    real = _gate.host_matches

    def counted(pattern, name):
        matches.append(1)
        assert len(matches) <= 3 * count, "more than 3 name matches per host for %d hosts" % count
        return real(pattern, name)

    monkeypatch.setattr(_gate, "host_matches", counted)
    judged = verdicts(result, {"vm%05d" % n: None for n in range(count)}, now=NOW)
    assert len(judged) == count and all(v["open"] for v in judged.values())
