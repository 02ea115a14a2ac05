"""Unit tests of the Commvault inventory plugin's query: one listing, JobDetails only for Virtual Server jobs (their VMs)."""

from __future__ import annotations

from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultJobs, virtualization_job
from ansible_collections.backupops.jobs.plugins.module_utils._query import run_query
from ansible_collections.backupops.jobs.plugins.plugin_utils._inventory import build_inventory

NOW = "2026-11-22T12:00:00Z"
START = 1795312800  # 2026-11-22 02:00 UTC, ten hours before NOW
END = 1795313100  # 02:05 UTC


def summary(job_id, client, app="Windows File System", subclient="default", status="Completed"):
    return {"jobId": job_id, "status": status, "jobType": "Backup", "jobStartTime": START, "jobEndTime": END,
            "subclient": {"clientName": client, "appName": app, "instanceName": "DefaultInstanceName",
                          "backupsetName": "defaultBackupSet", "subclientName": subclient}}


def detail(job_id, client, vms):
    return {"generalInfo": {"jobId": job_id, "operationType": "Backup", "startTime": START,
                            "subclient": {"clientName": client, "appName": "Virtual Server", "subclientName": "vms"}},
            "progressInfo": {"state": "Completed w/ one or more errors"},
            "detailInfo": {"startTime": START, "endTime": END},
            "clientStatusInfo": {"vmStatus": [{"vmName": name, "Status": code, "BackupStartTime": START + 10,
                                               "BackupEndTime": END - 10} for name, code in vms]}}


class FakeClient:
    """The listing and JobDetails a CommvaultJobs query asks for, and what it asked."""

    def __init__(self, summaries, details):
        self.summaries, self.details, self.asked = summaries, details, []

    def list_jobs(self, lookup_seconds=None, fmt="json"):
        self.asked.append(("Job", lookup_seconds))
        return self.summaries

    def job_detail(self, job_id, fmt="auto", commcell_id=None):
        self.asked.append(("JobDetails", job_id))
        return self.details[job_id], None


SUMMARIES = [summary(1, "db01.example.com"), summary(2, "web01.example.com", status="Failed"),
             summary(3, "vcenter01.example.com", app="Virtual Server", subclient="vms", status="Completed w/ one or more errors")]
DETAILS = {3: detail(3, "vcenter01.example.com", [("vm-a.example.com", 0), ("vm-b.example.com", 1)])}


def test_only_virtual_server_jobs_are_read_with_job_details():
    client = FakeClient(SUMMARIES, DETAILS)
    result = run_query(CommvaultJobs(client, [], ["*"], 48, detail_listed=virtualization_job), include_raw=False, allow_missing=True)
    assert client.asked == [("Job", 48 * 3600), ("JobDetails", 3)]
    hosts = build_inventory("commvault", result, checked_at=NOW)
    assert sorted(hosts) == ["db01.example.com", "vm-a.example.com", "vm-b.example.com", "web01.example.com"]
    assert hosts["vm-a.example.com"]["backup_state"] == "succeeded" and hosts["vm-a.example.com"]["backup_gate"]["open"]
    assert hosts["vm-b.example.com"]["backup_state"] == "failed"
    assert hosts["web01.example.com"]["backup_state"] == "failed"


def test_without_a_predicate_every_listed_job_is_detailed_as_job_detail_does():
    details = dict(DETAILS)
    details.update({job_id: detail(job_id, "c", []) for job_id in (1, 2)})
    client = FakeClient(SUMMARIES, details)
    run_query(CommvaultJobs(client, [], ["*"], 48), include_raw=False, allow_missing=True)
    assert sorted(job_id for call, job_id in client.asked if call == "JobDetails") == [1, 2, 3]


def test_virtualization_job_reads_the_subclients_application():
    assert virtualization_job({"raw": {"jobSummary": SUMMARIES[2]}}) is True
    assert virtualization_job({"raw": SUMMARIES[2]}) is True
    assert virtualization_job({"raw": {"subclient": {"applicationId": 106}}}) is True
    assert virtualization_job({"raw": SUMMARIES[0]}) is False
    assert virtualization_job({"raw": None}) is False
