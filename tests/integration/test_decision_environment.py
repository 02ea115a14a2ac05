# -*- coding: utf-8 -*-
"""ee/decision-environment.yml, the decision environment a user builds for EDA controller from this collection's tarball.

No container engine, as for the execution environment (test_execution_environment.py): `ansible-builder create` writes
the build context, its collection requirements install offline as the image's galaxy stage would run them, and the
installed collection then gives ansible-builder's introspection what the event source needs.
"""

from __future__ import annotations

import shutil

import yaml

from .test_execution_environment import ROOT, VENV_BIN, run


def test_de_definition_builds_a_context_with_the_engine_java_and_the_collection_from_the_tarball(tmp_path):
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    tarball = "backupops-jobs-%s.tar.gz" % version
    definition = yaml.safe_load((ROOT / "ee" / "decision-environment.yml").read_text())
    assert [entry["src"] for entry in definition["additional_build_files"]] == ["../build/dist/" + tarball], \
        "the DE definition names the tarball of galaxy.yml's version"

    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "ee", checkout / "ee")
    run(VENV_BIN / "ansible-galaxy", "collection", "build", "--output-path", checkout / "build" / "dist", ROOT, cwd=tmp_path)

    context = tmp_path / "context"
    run(VENV_BIN / "ansible-builder", "create", "-f", checkout / "ee" / "decision-environment.yml", "-c", context, cwd=checkout)
    build = context / "_build"
    containerfile = next(path for path in (context / "Containerfile", context / "Dockerfile") if path.is_file()).read_text()
    assert 'EE_BASE_IMAGE="registry.access.redhat.com/ubi9/python-311:' in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "ansible-rulebook" in (build / "requirements.txt").read_text()
    assert "java-17-openjdk-headless" in (build / "bindep.txt").read_text()
    assert yaml.safe_load((build / "requirements.yml").read_text())["collections"] == [
        dict(name="collections/" + tarball, type="file")]

    installed = tmp_path / "installed"
    run(VENV_BIN / "ansible-galaxy", "collection", "install", "--offline", "-r", "requirements.yml",
        "--collections-path", installed, cwd=build)
    collection = installed / "ansible_collections" / "backupops" / "jobs"
    assert (collection / "extensions" / "eda" / "plugins" / "event_source" / "job_events.py").is_file(), \
        "the tarball carries the event source"
    assert (collection / "meta" / "extensions.yml").is_file()

    # The builder stage: the source's Python requirements from the installed collection, with the DE's own.
    found = run(VENV_BIN / "ansible-builder", "introspect", "--sanitize", "--user-pip", build / "requirements.txt",
                "--user-bindep", build / "bindep.txt", installed, cwd=tmp_path)
    for requirement in ("requests", "xmltodict", "ansible-rulebook", "java-17-openjdk-headless"):
        assert requirement in found, found
