# -*- coding: utf-8 -*-
"""The event source under the real engine: ansible-rulebook runs a rulebook of docs/rulebooks/ against the emulator.

ansible-rulebook finds backupops.jobs through ANSIBLE_COLLECTIONS_PATH (with ansible-galaxy) and runs the source
from its file; a job fails or succeeds on the emulator's clock, and the rule's run_playbook runs a playbook on
that job's hosts only. ansible-rulebook needs Java 17 (JAVA_HOME is set from the java on PATH when not given).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from .conftest import VENV_BIN, base_env, calls, credentials_env

ROOT = Path(__file__).resolve().parents[2]
RULEBOOKS = ROOT / "docs" / "rulebooks"
RULEBOOK_BIN = VENV_BIN / "ansible-rulebook"
PASSWORD = "Nakivo-P@ss1"
GET_JOB_INFO = "JobSummaryManagement.getJobInfo"
HOSTS = ("web01.example.com", "web02.example.com", "db01.example.com", "app01.example.com")
# Runs far from 0 on the job clock: only the test's advance() makes them happen.
SCENARIO = {
    "nakivo": {
        "users": [{"username": "admin", "password": PASSWORD}],
        "session_idle_timeout": 100000,
        "jobs": [
            {"id": 1, "name": "Backup web", "objects": [{"name": "web01.example.com"}, {"name": "web02.example.com"}],
             "runs": [{"start": -90000, "duration": 600, "result": "OK"}, {"start": 1000, "duration": 60, "result": "OK"}]},
            {"id": 2, "name": "Backup db", "objects": [{"name": "db01.example.com"}],
             "runs": [{"start": -90000, "duration": 600, "result": "OK"}, {"start": 1000, "duration": 60, "result": "FAILED"}]},
            {"id": 3, "name": "Backup app", "objects": [{"name": "app01.example.com"}],
             "runs": [{"start": -90000, "duration": 600, "result": "OK"}]},
        ],
    },
}


def java_home():
    """JAVA_HOME as given, else the home of the java on PATH; None when there is no Java."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    return str(Path(java).resolve().parents[1]) if java else None


pytestmark = [
    pytest.mark.skipif(not RULEBOOK_BIN.exists(), reason="ansible-rulebook is not installed in this venv (tests/requirements-dev.txt "
                                                         "has it; the compat venv does not)"),
    pytest.mark.skipif(java_home() is None, reason="ansible-rulebook needs a Java 17 runtime: `make venv` installs one with apt-get"),
]


class Rulebook:
    """ansible-rulebook as a subprocess, its output collected as it comes."""

    def __init__(self, rulebook, inventory, env, cwd, variables):
        vars_file = cwd / "vars.yml"
        vars_file.write_text(yaml.safe_dump(variables))
        self.process = subprocess.Popen(
            [str(RULEBOOK_BIN), "--rulebook", str(rulebook), "--inventory", str(inventory), "--vars", str(vars_file), "-v"],
            cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self):
        return "".join(self.lines)

    def wait_for(self, words, timeout=120):
        deadline = time.monotonic() + timeout
        while words not in self.output:
            if self.process.poll() is not None:
                self.reader.join(5)
                raise AssertionError("ansible-rulebook exited %s before %r:\n%s" % (self.process.returncode, words, self.output[-6000:]))
            if time.monotonic() > deadline:
                raise AssertionError("no %r within %s s:\n%s" % (words, timeout, self.output[-6000:]))
            time.sleep(0.1)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.reader.join(5)


@pytest.fixture
def rulebook_run(emulator_factory, tmp_path):
    """``rulebook_run(name)``: a rulebook of docs/rulebooks/ against an emulator with SCENARIO; returns (emulator, Rulebook)."""
    started = []

    def start(name):
        emu = emulator_factory(SCENARIO)
        # The rulebook and the playbooks beside it, as a user has them in a project folder.
        project = tmp_path / "project"
        shutil.copytree(RULEBOOKS, project)
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"all": {"hosts": {host: {"ansible_connection": "local"} for host in HOSTS}}}))
        env = base_env(tmp_path, JAVA_HOME=java_home(), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                       **credentials_env("NAKIVO", emu.url, PASSWORD))
        run = Rulebook(project / name, inventory, env, project, {"backup_poll_interval": 0.5})
        started.append(run)
        return emu, run

    yield start
    for run in started:
        run.stop()


def wait_polls(emu, count, timeout=120):
    deadline = time.monotonic() + timeout
    while len([entry for entry in calls(emu, GET_JOB_INFO) if entry["status"] == 200]) < count:
        assert time.monotonic() < deadline, "the source did not poll %d times" % count
        time.sleep(0.1)


def recap_hosts(output):
    """The hosts of the PLAY RECAP lines of every playbook ansible-rulebook ran."""
    hosts = set()
    for line in output.splitlines():
        words = line.split()
        if len(words) > 2 and words[1] == ":" and words[2].startswith("ok="):
            hosts.add(words[0])
    return hosts


def test_a_failed_backup_runs_the_page_playbook_on_that_jobs_hosts_only(rulebook_run):
    emu, run = rulebook_run("page_on_failed_backup.yml")
    wait_polls(emu, 2)
    emu.advance(1100)  # jobs 1 and 2 ran from 1000 to 1060: job 2 failed, job 1 succeeded
    run.wait_for("PLAY RECAP")
    run.wait_for("db01.example.com           : ok=1")
    output = run.output
    assert "PAGE: nakivo backup job 2 (Backup db) failed at " in output and "host db01.example.com is not protected" in output
    assert recap_hosts(output) == {"db01.example.com"}, output[-4000:]
    assert "Backup web" not in output, "a backup that succeeded pages no one"
    assert PASSWORD not in output


def test_a_backup_that_finished_well_starts_the_gated_rolling_patch_on_its_hosts(rulebook_run):
    emu, run = rulebook_run("maintenance_after_backup.yml")
    wait_polls(emu, 2)
    emu.advance(1100)
    run.wait_for("Patching web02.example.com (placeholder)", timeout=180)
    run.wait_for("PLAY RECAP")
    output = run.output
    assert "Patching web01.example.com (placeholder)" in output
    assert "web01.example.com: OPEN | Backup web (id 1) succeeded" in output, "the rolling patch gated the host again"
    assert recap_hosts(output) == {"web01.example.com", "web02.example.com"}, output[-4000:]
    assert "Patching db01" not in output, "the failed job's host is not patched"
    assert PASSWORD not in output
