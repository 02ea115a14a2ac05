# -*- coding: utf-8 -*-
"""Fixtures for the integration tests: an emulator per test, and real ansible processes against it.

The tests run ``ansible``, ``ansible-playbook`` and ``ansible-runner`` as subprocesses from the venv
whose bin directory is BACKUPOPS_VENV_BIN (default: the directory of the running Python), with the
collection found through ANSIBLE_COLLECTIONS_PATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ansible_collections.backupops.jobs.tests.emulator import Emulator

HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / "playbooks"
SCENARIOS = HERE.parent / "emulator" / "scenarios"
VENV_BIN = Path(os.environ.get("BACKUPOPS_VENV_BIN") or Path(sys.executable).parent)
# Variables that would make a run depend on the developer's machine rather than on the test.
_LEAKY = ("NAKIVO_", "COMMVAULT_", "ANSIBLE_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class Run:
    """A finished ansible process: its return code, its output, and every task result it recorded."""

    def __init__(self, args, completed, results_path):
        self.args = args
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.entries = json.loads(results_path.read_text()) if results_path.exists() else []

    @property
    def output(self):
        return self.stdout + self.stderr

    def result(self, task=None, host="localhost"):
        """The result of ``task`` (by name; the only or last task when None) on ``host``."""
        hits = [e for e in self.entries if (task is None or e["task"] == task) and e["host"] == host]
        if not hits:
            raise AssertionError("no result for task %r on %s in %r" % (task, host, self))
        return hits[-1]["result"]

    def results(self, task):
        """Per host, the result of ``task``."""
        return {e["host"]: e["result"] for e in self.entries if e["task"] == task}

    def __repr__(self):
        return "Run(rc=%s)\n--- stdout\n%s\n--- stderr\n%s" % (self.rc, self.stdout[-4000:], self.stderr[-4000:])


@pytest.fixture
def emulator_factory(tmp_path):
    """Start an emulator: ``emulator_factory("basic")`` (a shipped scenario) or a scenario dict."""
    started = []

    def start(scenario="basic", **options):
        if isinstance(scenario, str) and not scenario.endswith((".yml", ".yaml")):
            scenario = str(SCENARIOS / (scenario + ".yml"))
        emu = Emulator(scenario, **options).start()
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


@pytest.fixture
def emulator(emulator_factory):
    """The shipped ``basic`` scenario on plain HTTP."""
    return emulator_factory("basic")


@pytest.fixture
def advance_after():
    """``advance_after(emu, call, count, seconds)``: move the job clock once ``count`` ``call`` requests have been answered.

    Makes "the job finishes during the wait" independent of how long ansible takes to start.
    """
    watchers = []

    def start(emu, call, count, seconds):
        def watch():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if sum(1 for entry in emu.log if entry["call"] == call and entry["ended"] is not None) >= count:
                    emu.advance(seconds)
                    return
                time.sleep(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        watchers.append(watcher)

    yield start
    for watcher in watchers:
        watcher.join(timeout=1)


def base_env(tmp_path, **extra):
    """An environment that holds only what the test gives, plus what ansible needs to find its parts."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_LEAKY)}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
        ANSIBLE_PYTHON_INTERPRETER=str(VENV_BIN / "python"),
        ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="record_results",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        PATH=str(VENV_BIN) + os.pathsep + env.get("PATH", ""),
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


@pytest.fixture
def write_playbook(tmp_path):
    """``write_playbook(tasks, hosts=..., play_vars=...)``: a one-play playbook file without facts; returns its path."""
    made = iter(range(1, 1000))

    def write(tasks, hosts="localhost", play_vars=None):
        play = dict(name="test", hosts=hosts, gather_facts=False, tasks=tasks)
        if play_vars:
            play["vars"] = play_vars
        path = tmp_path / ("play-%d.yml" % next(made))
        path.write_text(json.dumps([play], indent=2))
        return str(path)

    return write


@pytest.fixture
def ansible(tmp_path):
    """Run a real ansible command: ``ansible("playbook", "file.yml", "-e", ..., env={...})``.

    ``kind`` is ``playbook`` (a file under tests/integration/playbooks unless absolute), ``adhoc``
    (``ansible localhost -m ...``) or ``runner`` (``ansible-runner``). Output is the default callback's;
    every task result is also recorded (callback_plugins/record_results.py) and read back by ``Run``.
    """

    runs = iter(range(1, 1000))

    def run(kind, *args, env=None, timeout=300):
        results_path = tmp_path / ("results-%d.json" % next(runs))
        environment = base_env(tmp_path, BACKUPOPS_RESULTS=results_path, **(env or {}))
        if kind == "playbook":
            playbook = args[0] if os.path.isabs(args[0]) or args[0].startswith("backupops.") else str(PLAYBOOKS / args[0])
            command = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", playbook] + list(args[1:])
        elif kind == "adhoc":
            command = [str(VENV_BIN / "ansible"), "localhost", "-i", "localhost,", "-c", "local"] + list(args)
        elif kind == "runner":
            command = [str(VENV_BIN / "ansible-runner")] + list(args)
        else:
            raise ValueError(kind)
        completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
        return Run(command, completed, results_path)

    return run


def credentials_env(prefix, url, password, username="admin", **extra):
    """The environment a query module reads its connection from (as an AWX credential sets it): <prefix>_URL..."""
    env = {prefix + "_URL": url, prefix + "_USERNAME": username, prefix + "_PASSWORD": password}
    env.update(extra)
    return env


def run_module_task(ansible, write_playbook, module, args, *cli, env):
    """One task of ``module`` (e.g. backupops.jobs.job_info) with ``args`` in a playbook; returns (run, its result)."""
    playbook = write_playbook([dict(name="query", **{module: args})])
    run = ansible("playbook", playbook, *cli, env=env)
    return run, run.result("query")


def calls(emu, name):
    """The emulator's log entries of one call (a NAKIVO action.method or a Commvault endpoint)."""
    return [entry for entry in emu.log if entry["call"] == name]
