# -*- coding: utf-8 -*-
"""ee/execution-environment.yml, the execution environment a user builds from this collection's own tarball.

No container engine: `ansible-builder create` writes the build context, and the context's collection
requirements install offline with ansible-galaxy, as the image's galaxy stage would run them; the installed
collection then gives ansible-builder's introspection the Python requirements (its meta/execution-environment.yml).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.environ.get("BACKUPOPS_VENV_BIN") or Path(sys.executable).parent)


def environment(cwd):
    """No collections path of the test run: ansible-galaxy would find the collection there and install nothing."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    return dict(env, ANSIBLE_NOCOLOR="1", ANSIBLE_HOME=str(Path(cwd) / ".ansible-home"), ANSIBLE_COLLECTIONS_PATH=str(Path(cwd) / "none"))


def run(*command, cwd):
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, check=False, cwd=cwd, timeout=300,
                          env=environment(cwd))
    assert done.returncode == 0, "%s\n%s\n%s" % (" ".join(map(str, command)), done.stdout, done.stderr)
    return done.stdout


def test_ee_definition_builds_a_context_whose_collections_install_offline_from_the_tarball(tmp_path):
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    tarball = "backupops-jobs-%s.tar.gz" % version
    definition = yaml.safe_load((ROOT / "ee" / "execution-environment.yml").read_text())
    assert [entry["src"] for entry in definition["additional_build_files"]] == ["../build/dist/" + tarball], \
        "the EE definition names the tarball of galaxy.yml's version"

    # A checkout as a user has it after `make build`: ee/ and build/dist/<tarball>.
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "ee", checkout / "ee")
    run(VENV_BIN / "ansible-galaxy", "collection", "build", "--output-path", checkout / "build" / "dist", ROOT, cwd=tmp_path)
    assert (checkout / "build" / "dist" / tarball).is_file()

    context = tmp_path / "context"
    run(VENV_BIN / "ansible-builder", "create", "-f", checkout / "ee" / "execution-environment.yml", "-c", context, cwd=checkout)
    build = context / "_build"
    # Containerfile with podman on PATH, else Dockerfile: the same steps.
    containerfile = next(path for path in (context / "Containerfile", context / "Dockerfile") if path.is_file()).read_text()
    assert 'EE_BASE_IMAGE="quay.io/ansible/awx-ee:' in containerfile and "ansible-galaxy collection install" in containerfile
    assert (build / "collections" / tarball).is_file(), sorted(str(p) for p in build.rglob("*"))
    assert yaml.safe_load((build / "requirements.yml").read_text())["collections"] == [
        dict(name="collections/" + tarball, type="file")]

    # The galaxy stage: /build is _build, the collections go to a collections path, nothing from the network.
    installed = tmp_path / "installed"
    run(VENV_BIN / "ansible-galaxy", "collection", "install", "--offline", "-r", "requirements.yml",
        "--collections-path", installed, cwd=build)
    manifest = installed / "ansible_collections" / "backupops" / "jobs" / "MANIFEST.json"
    assert manifest.is_file(), sorted(str(p) for p in installed.rglob("*"))[:20]
    assert (manifest.parent / "meta" / "execution-environment.yml").is_file()

    # The builder stage: the installed collection brings its Python requirements.
    found = run(VENV_BIN / "ansible-builder", "introspect", "--sanitize", installed, cwd=tmp_path)
    assert "requests" in found and "xmltodict" in found and "backupops.jobs" in found, found
