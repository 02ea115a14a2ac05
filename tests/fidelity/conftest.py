"""The emulator for the fidelity tests: a process of the project's own venv, serving tests/fidelity/scenario.yml.

These tests run in .venv-fidelity, where pinkopy's top-level ``tests`` package would shadow the collection's:
so nothing here imports the emulator's package. It runs as ``python -m tests.emulator`` with the project's
Python (BACKUPOPS_EMULATOR_PYTHON) from the collection (BACKUPOPS_EMULATOR_ROOT), as ``make fidelity`` sets them.
"""

from __future__ import annotations

import copy
import importlib.util
import os
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
COLLECTION = Path(os.environ.get("BACKUPOPS_EMULATOR_ROOT") or HERE.parents[1])
EMULATOR_PYTHON = os.environ.get("BACKUPOPS_EMULATOR_PYTHON") or str(COLLECTION / ".venv" / "bin" / "python")
SCENARIO = yaml.safe_load((HERE / "scenario.yml").read_text(encoding="utf-8"))


def scenario_with(**switches):
    """The fidelity scenario with ``commvault`` / ``nakivo`` keys replaced (scenario switches)."""
    scenario = copy.deepcopy(SCENARIO)
    for vendor, keys in switches.items():
        scenario[vendor].update(keys)
    return scenario


def _process_module():
    """tests/emulator/process.py, loaded by path: importing it as ``tests.emulator...`` would find pinkopy's ``tests``."""
    spec = importlib.util.spec_from_file_location("backupops_emulator_process", COLLECTION / "tests" / "emulator" / "process.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FidelityEmulator(_process_module().EmulatorProcess):
    """The emulator process of the project's Python, with what the tests read: Unix times, the calls logged."""

    def __init__(self, scenario, workdir, tls=False):
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "scenario.yml"
        path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
        super().__init__(path, python=EMULATOR_PYTHON, tls=tls, cert_dir=workdir / "tls")
        # Wall-clock second of job-clock 0: the scenario's times become the Unix times a client reads.
        self.epoch = self.control("GET", "health")["epoch"]

    def clock(self):
        """The job clock now (seconds since start)."""
        return self.control("GET", "health")["clock"]

    def unix(self, job_seconds):
        """The Unix second a job-clock second is written as (Commvault's integer times)."""
        return int(self.epoch + job_seconds)

    def calls(self, vendor=None):
        """(call, status) of every vendor request logged, in order."""
        return [(entry["call"], entry["status"]) for entry in self.log()
                if entry["vendor"] is not None and (vendor is None or entry["vendor"] == vendor)]

    def clear_log(self):
        self.control("DELETE", "log")


@pytest.fixture(scope="module")
def emulator_process(tmp_path_factory):
    """``emulator_process(scenario, tls=False)``: started now, stopped when the test module ends."""
    started = []

    def start(scenario=None, tls=False):
        process = FidelityEmulator(scenario or SCENARIO, tmp_path_factory.mktemp("emulator"), tls=tls)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def cv_job(job_id):
    """The scenario's Commvault job ``job_id``."""
    return next(job for job in SCENARIO["commvault"]["jobs"] if job["id"] == job_id)


def cv_user():
    user = SCENARIO["commvault"]["users"][0]
    return user["username"], user["password"]
