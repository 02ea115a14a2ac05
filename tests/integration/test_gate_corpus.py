# -*- coding: utf-8 -*-
"""A corpus of real-world backup histories, each judged by the maintenance_gate role and by the shipped gate playbook.

Scenario: tests/integration/scenarios/gate_corpus.yml, one host (or a few) per case, named after it. Per vendor
the role runs once over all that vendor's case hosts, and so does ``backupops.jobs.gate``: four ansible-playbook
runs for the whole file, each made once per module (per xdist worker that needs it) and cached. Each case then
checks its host's verdict and a fragment of the reason that shows which rule of the gate decided.

A few jobs run for the whole test (a restore, an aux copy, a data verification, a NAKIVO recovery): the gate's
wait timeout is 0, so no run waits, and every other job finished long before the emulator started, so no
verdict depends on timing.
"""

from __future__ import annotations

import itertools
import subprocess
from dataclasses import dataclass, field

import pytest

from ansible_collections.backupops.jobs.tests.emulator import Emulator
from ansible_collections.backupops.jobs.tests.integration.conftest import PLAYBOOKS, VENV_BIN, Run, base_env
from ansible_collections.backupops.jobs.tests.integration.test_role_gate import (
    SCENARIOS, by_task, gate, held_hosts, verdicts)

DOMAIN = ".example.com"
SUMMARY = "List the hosts let through and the hosts held"


@dataclass
class Case:
    """One host of the corpus: its vendor, whether the gate lets it through, and what its reason must say."""

    vendor: str
    name: str
    open: bool
    fragments: tuple
    host_vars: dict = field(default_factory=dict)

    @property
    def host(self):
        return self.name + DOMAIN


def vm(vcenter, name):
    """A VM host judged on the VMs of the Virtual Server client ``vcenter`` (as web03 in test_role_gate.py)."""
    return {"maintenance_gate_objects": [vcenter + DOMAIN, name + DOMAIN]}


RUNNING = "is still running"

CASES = [
    # Commvault: the clients' jobs from one listing; what does not protect (restore, aux copy) never decides.
    Case("commvault", "restore-after-fail", False, ("the last backup failed: fix or re-run job 101",)),
    Case("commvault", "auxcopy-after-fail", False, ("the last backup failed: fix or re-run job 201",)),
    Case("commvault", "incr-fail-after-full", False, ("the last backup failed: fix or re-run job 302",)),
    Case("commvault", "success-after-fail", True, ("the last backup succeeded",)),
    Case("commvault", "synthetic-full", True, ("the last synthetic full succeeded",)),
    Case("commvault", "two-subclients", False, ("the last backup failed: fix or re-run job 602",)),
    Case("commvault", "restore-into-active", False, ("restore job 703 " + RUNNING,)),
    # A restore to another client reads the source's backup, not the source: the source goes on.
    Case("commvault", "restore-source", True, ("the last backup succeeded",)),
    Case("commvault", "auxcopy-active", True, ("the last backup succeeded",)),
    Case("commvault", "verify-active", True, ("the last backup succeeded",)),
    Case("commvault", "vm-stale", False, ("the last backup failed", "its last run did not reach this host, whose state "
                                          "is from an earlier run", "job 1001"), vm("vc-stale", "vm-stale")),
    Case("commvault", "vm-ok", True, ("the last backup succeeded",), vm("vc-mixed", "vm-ok")),
    Case("commvault", "vm-failed", False, ("the last backup failed: fix or re-run job 1101",), vm("vc-mixed", "vm-failed")),
    # NAKIVO: objects named after the hosts.
    Case("nakivo", "job-failed-objects-ok", False, ("the last backup failed (for the job as a whole: none of its other "
                                                    "objects explains it): fix or re-run job 12",)),
    Case("nakivo", "other-vm-failed", True, ("the last backup succeeded",)),
    Case("nakivo", "failed-vm", False, ("the last backup failed: fix or re-run job 13",)),
    Case("nakivo", "untouched", False, ("the last backup failed (for the job as a whole: its last run did not reach "
                                        "this host, whose state is from an earlier run): fix or re-run job 14",)),
    Case("nakivo", "untouched-peer", False, ("the last backup failed: fix or re-run job 14",)),
    Case("nakivo", "disabled-old", True, ("the last backup succeeded", "job 15 is disabled, so no scheduled run will follow")),
    Case("nakivo", "disabled-old-maxage", False, ("the last successful backup (job 15) finished", "more than the 26 h allowed",
                                                  "(job 15 is disabled, so no scheduled run will follow)"),
         {"maintenance_gate_max_age": 26}),
    Case("nakivo", "recovery-active", False, ("recovery vms job 16 " + RUNNING,)),
    Case("nakivo", "never-run", False, ("the backup has never run: run job 17 once",)),
    Case("nakivo", "replica-copy", False, ("the last backup copy failed: fix or re-run job 181",)),
]
VENDORS = ("nakivo", "commvault")
HOSTS = {vendor: [(case.host, case.host_vars) for case in CASES if case.vendor == vendor] for vendor in VENDORS}
# How the hosts are gated: the role in tests/integration/playbooks/role_gate.yml, or the shipped playbook.
HOW = ("playbook", "role")


def playbook_runner(workdir):
    """The ``ansible`` fixture's playbook runs (conftest.py), in a folder that outlives one test."""
    numbers = itertools.count(1)

    def run(kind, playbook, *args, env=None):
        assert kind == "playbook", kind
        results = workdir / ("results-%d.json" % next(numbers))
        path = playbook if playbook.startswith("backupops.") else str(PLAYBOOKS / playbook)
        command = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", path] + list(args)
        completed = subprocess.run(command, env=base_env(workdir, BACKUPOPS_RESULTS=results, **(env or {})),
                                   capture_output=True, text=True, timeout=300, check=False)
        return Run(command, completed, results)

    return run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """``corpus(vendor, how)``: the Run of the role (how="role") or of backupops.jobs.gate over the vendor's case hosts.

    One emulator for the module; each run made on first use, then cached.
    """
    emu = Emulator(str(SCENARIOS / "gate_corpus.yml")).start()
    runs = {}

    def get(vendor, how):
        if (vendor, how) not in runs:
            workdir = tmp_path_factory.mktemp("corpus-%s-%s" % (vendor, how))
            if how == "playbook":
                cli, options = ("-e", "gate_hosts=gated"), dict(playbook="backupops.jobs.gate")
            else:
                cli, options = (), {}
            runs[vendor, how] = gate(playbook_runner(workdir), workdir, emu, vendor, HOSTS[vendor], *cli,
                                     maintenance_gate_wait_timeout=0, **options)
        return runs[vendor, how]

    yield get
    emu.stop()


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("vendor", VENDORS)
def test_every_case_host_is_judged_and_only_the_held_fail(corpus, vendor, how):
    run = corpus(vendor, how)
    assert run.rc == 2, run
    assert sorted(verdicts(run)) == sorted(host for host, _vars in HOSTS[vendor]), run
    expected = {verdict: sorted(case.host for case in CASES if case.vendor == vendor and case.open is (verdict == "open"))
                for verdict in ("open", "held")}
    assert held_hosts(run) == expected["held"]
    if how == "playbook":
        summary = next(iter(by_task(run, SUMMARY).values()))["result"]["msg"]
        assert {verdict: sorted(hosts) for verdict, hosts in summary.items()} == expected, summary


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(corpus, case):
    for how in HOW:
        is_open, reason = verdicts(corpus(case.vendor, how)).get(case.host, (None, None))
        assert is_open is case.open, "%s (%s): %s" % (case.host, how, reason)
        for fragment in case.fragments:
            assert fragment in reason, "%s (%s): %r not in %r" % (case.host, how, fragment, reason)
