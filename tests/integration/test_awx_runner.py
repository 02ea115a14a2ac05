# -*- coding: utf-8 -*-
"""The gate the way AWX / AAP runs it: ansible-runner with the credential only in the runner's environment.

The environment comes from the shipped credential type (awx/credential_types/*.yml): its injectors are
rendered the way the controller renders them (a Jinja2 sandbox over the credential's inputs) and handed to
ansible-runner as env/envvars; the test process itself holds no NAKIVO_* or COMMVAULT_* variable. Also
checks that the collection's meta/execution-environment.yml gives ansible-builder a build context with
the Python requirements (no container engine is needed for `ansible-builder create`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).resolve().parent / "scenarios" / "gate_static.yml"
VENV_BIN = Path(os.environ.get("BACKUPOPS_VENV_BIN") or Path(sys.executable).parent)
SECRET = "Awx-0nly-in-Runner-env!"
URL_SUFFIX = {"nakivo": "", "commvault": "/webconsole/api"}
LOGIN = {"nakivo": "AuthenticationManagement.login", "commvault": "Login"}


def credential_env(platform, inputs, files_dir):
    """The environment the controller injects for a credential of the shipped type ``platform``."""
    cred_type = yaml.safe_load((ROOT / "awx" / "credential_types" / (platform + ".yml")).read_text())
    fields = {field["id"]: field for field in cred_type["inputs"]["fields"]}
    assert set(cred_type["inputs"]["required"]) <= set(fields)
    assert all(fields[name].get("secret") for name in ("password", "auth_token") if name in fields)
    namespace = {field_id: False for field_id, field in fields.items() if field["type"] == "boolean"}
    namespace.update(inputs)
    sandbox = ImmutableSandboxedEnvironment()
    filenames = {}
    for key, template in cred_type["injectors"].get("file", {}).items():
        name = key.split(".", 1)[1]
        path = files_dir / name
        path.write_text(sandbox.from_string(template).render(**namespace))
        filenames[name] = str(path)
    namespace["tower"] = {"filename": filenames}
    return {key: sandbox.from_string(value).render(**namespace) for key, value in cred_type["injectors"]["env"].items()}


def private_data_dir(tmp_path, platform, env, hosts):
    """An ansible-runner private data dir as AWX builds one: project, inventory, extra vars, injected env."""
    base = tmp_path / "runner"
    for sub in ("project", "inventory", "env"):
        (base / sub).mkdir(parents=True)
    (base / "project" / "gate.yml").write_text(
        "---\n- name: Gate from the collection\n  ansible.builtin.import_playbook: backupops.jobs.gate\n")
    lines = ["[patch_wave]"] + hosts + ["[patch_wave:vars]", "ansible_connection=local", "ansible_python_interpreter=%s" % (VENV_BIN / "python")]
    (base / "inventory" / "hosts").write_text("\n".join(lines) + "\n")
    (base / "env" / "extravars").write_text(yaml.safe_dump(dict(
        gate_hosts="patch_wave", maintenance_gate_platform=platform, maintenance_gate_wait_sleep=1)))
    (base / "env" / "envvars").write_text(yaml.safe_dump(env))
    return base


def job_events(base):
    events = []
    for path in sorted((base / "artifacts").glob("*/job_events/*.json")):
        events.append(json.loads(path.read_text()))
    return events


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_gate_through_ansible_runner_with_the_credential_only_in_its_env(ansible, tmp_path, emulator_factory, platform):
    scenario = yaml.safe_load(SCENARIO.read_text())
    scenario[platform]["users"] = [dict(username="awx-gate", password=SECRET)]
    emu = emulator_factory(scenario)
    files = tmp_path / "credential-files"
    files.mkdir()
    env = credential_env(platform, dict(url=emu.url + URL_SUFFIX[platform], username="awx-gate", password=SECRET), files)
    prefix = platform.upper() + "_"
    assert env[prefix + "PASSWORD"] == SECRET and env[prefix + "VALIDATE_CERTS"] == "true" and env[prefix + "CA_PATH"] == ""
    base = private_data_dir(tmp_path, platform, env, ["web01", "db01"])

    run = ansible("runner", "run", str(base), "-p", "gate.yml", "--ident", "gate")
    events = job_events(base)
    assert events, run
    assert (base / "artifacts" / "gate" / "status").read_text().strip() == "failed", "db01 is held"
    failed = sorted(e["event_data"]["host"] for e in events if e["event"] == "runner_on_failed")
    assert failed == ["db01"], run
    lines = {e["event_data"]["host"]: e["event_data"]["res"]["msg"] for e in events
             if e["event"] in ("runner_on_ok", "runner_on_failed")
             and e["event_data"].get("task", "").endswith("Open or hold this host on its own jobs")}
    assert lines["web01"].startswith("web01: OPEN | ") and lines["db01"].startswith("db01: HELD | "), lines
    assert len([e for e in emu.log if e["call"] == LOGIN[platform]]) == 1
    stdout = (base / "artifacts" / "gate" / "stdout").read_text()
    assert SECRET not in stdout and SECRET not in json.dumps(events)


def test_execution_environment_context_holds_the_python_requirements(tmp_path):
    """meta/execution-environment.yml's dependencies, resolved from the collection root as ansible-builder's
    introspection resolves them, give `ansible-builder create` a build context with requests."""
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 3
    deps = meta["dependencies"]
    definition = dict(
        version=3,
        images=dict(base_image=dict(name="quay.io/ansible/awx-ee:latest")),
        dependencies=dict(python=str(ROOT / deps["python"]), system=str(ROOT / deps["system"])),
    )
    ee_file = tmp_path / "execution-environment.yml"
    ee_file.write_text(yaml.safe_dump(definition))
    context = tmp_path / "context"
    done = subprocess.run([str(VENV_BIN / "ansible-builder"), "create", "-f", str(ee_file), "-c", str(context)],
                          capture_output=True, text=True, check=False, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    requirements = (context / "_build" / "requirements.txt").read_text()
    assert "requests" in requirements and "xmltodict" in requirements
    assert (context / "Containerfile").is_file() or (context / "Dockerfile").is_file()

    # What an execution environment that includes the collection gets from its metadata.
    collections = tmp_path / "collections"
    (collections / "ansible_collections" / "backupops").mkdir(parents=True)
    (collections / "ansible_collections" / "backupops" / "jobs").symlink_to(ROOT)
    done = subprocess.run([str(VENV_BIN / "ansible-builder"), "introspect", "--sanitize", str(collections)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "requests" in done.stdout and "xmltodict" in done.stdout and "backupops.jobs" in done.stdout
