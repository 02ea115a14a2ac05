"""Plumbing of the bench: the emulator as a subprocess, a clean ansible environment, timed runs, medians.

Standard library only. Everything here is bounded: every wait has a deadline, every process a timeout.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.emulator.process import EmulatorProcess

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_BIN = Path(os.environ.get("BACKUPOPS_VENV_BIN") or Path(sys.executable).parent)
# Variables that would make a run depend on the developer's machine rather than on the bench.
LEAKY = ("NAKIVO_", "COMMVAULT_", "ANSIBLE_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
RUN_TIMEOUT = 300


class BenchError(Exception):
    """A run that did not do what the figure needs (failed, wrong output): the figure cannot be measured."""


def collections_path():
    """The folder holding ansible_collections/backupops/jobs: ANSIBLE_COLLECTIONS_PATH (make bench), else derived."""
    given = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if given:
        return given.split(os.pathsep)[0]
    if ROOT.parents[1].name == "ansible_collections":
        return str(ROOT.parents[2])
    staged = ROOT / "build" / "collections"
    if (staged / "ansible_collections" / "backupops" / "jobs").is_dir():
        return str(staged)
    raise BenchError("no collection path: run `make bench`, or set ANSIBLE_COLLECTIONS_PATH")


def load_average():
    try:
        return tuple(round(value, 2) for value in os.getloadavg())
    except OSError:
        return None


class Emulator(EmulatorProcess):
    """The emulator subprocess, with the bench's extras: clear the log, and time marks on the log's clock."""

    def clear(self):
        """Empty the log and the connection/request counters."""
        self.control("DELETE", "log")

    def mark(self, name):
        """A request the emulator logs (vendor None, 404) and nothing else sees: a time stamp on the log's clock."""
        request = urllib.request.Request(self.url + "/_bench/" + name, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:  # nosec - the local emulator only
                reply.read()
        except urllib.error.HTTPError as error:
            error.read()
        for entry in reversed(self.log()):
            if entry["path"] == "/_bench/" + name:
                return entry
        raise BenchError("the emulator did not log the mark %s" % name)


def ansible_env(workdir, **extra):
    """A clean environment: the staged collection, the venv's Python pinned, ansible's folders in ``workdir``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(LEAKY)}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_PYTHON_INTERPRETER=str(VENV_BIN / "python"),
        ANSIBLE_HOME=str(workdir / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"),
        ANSIBLE_REMOTE_TEMP=str(workdir / "ansible-remote"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        PATH=str(VENV_BIN) + os.pathsep + env.get("PATH", ""),
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def adhoc(module, args=None, inventory="localhost,", pattern="localhost", extra=()):
    command = [str(VENV_BIN / "ansible"), pattern, "-i", inventory, "-c", "local", "-m", module]
    if args:
        command += ["-a", args]
    return command + list(extra)


def playbook(path, inventory="localhost,", extra=()):
    return [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(path)] + list(extra)


def run(command, env, expect_rc=0):
    """(wall seconds, CompletedProcess); BenchError when the return code is not the expected one."""
    started = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=RUN_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise BenchError("%s ran past %d s" % (" ".join(command[:4]), RUN_TIMEOUT)) from None
    seconds = time.perf_counter() - started
    if expect_rc is not None and done.returncode != expect_rc:
        raise BenchError("%s exited %d:\n%s" % (" ".join(command[:6]), done.returncode, (done.stdout + done.stderr)[-3000:]))
    return seconds, done


def adhoc_result(output):
    """The JSON result of an ad-hoc run on one host (``host | SUCCESS => {...}``)."""
    head, sep, body = output.partition("=>")
    if not sep:
        raise BenchError("no result in the ad-hoc output: %s" % output[-1000:])
    del head
    return json.loads(body)


def alternate(sides, repetitions, between=None):
    """Run each side (name → callable returning seconds) in turn, ``repetitions`` times, reversing the order
    every other round so that drift in the machine's load falls on both sides alike. Returns name → [seconds]."""
    names = list(sides)
    times = {name: [] for name in names}
    for round_number in range(repetitions):
        order = names if round_number % 2 == 0 else names[::-1]
        for name in order:
            times[name].append(sides[name]())
            if between:
                between(name)
    return times


def median(values):
    return statistics.median(values) if values else float("nan")


def write_json(path, data):
    Path(path).write_text(json.dumps(data, indent=2) + "\n")
