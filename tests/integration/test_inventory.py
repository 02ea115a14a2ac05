"""The inventory plugins backupops.jobs.nakivo and backupops.jobs.commvault, run as ansible runs them: ``ansible-inventory``
and ``ansible-playbook`` against the emulator, the credentials only in the environment (as an AWX credential sets them)."""

from __future__ import annotations

import importlib
import json
import subprocess

import pytest
import yaml

from ansible_collections.backupops.jobs.plugins.plugin_utils._inventory import job_group

from .conftest import VENV_BIN, base_env, calls, credentials_env

NAKIVO_PASSWORD = "Inv-Nakivo-P@ss1"
COMMVAULT_PASSWORD = "Inv-Cv-P@ss1"
UNSAFE_NAME = "{{ lookup('pipe', 'id') }}"

NAKIVO = {
    "description": "inventory: every state a host can be in, and a job name that is a template",
    "nakivo": {
        "users": [{"username": "admin", "password": NAKIVO_PASSWORD}],
        "jobs": [
            {"id": 1, "name": "Backup web tier", "objects": [{"name": "web01.example.com"}, {"name": "web02.example.com"}],
             "schedules": [{"type": "DAILY", "next_run_in": 3600}], "runs": [{"start": -3600, "duration": 600, "result": "OK"}]},
            {"id": 2, "name": "Backup databases", "objects": [{"name": "db01.example.com"}],
             "runs": [{"start": -7200, "duration": 300, "result": "FAILED"}]},
            {"id": 3, "name": UNSAFE_NAME, "objects": [{"name": "unsafe01.example.com"}],
             "runs": [{"start": -3600, "duration": 300, "result": "OK"}]},
            {"id": 4, "name": "Backup batch", "objects": [{"name": "batch01.example.com"}],
             "runs": [{"start": -60, "duration": None}]},
            {"id": 5, "name": "Recover web", "type": "RECOVERY_VMS", "objects": [{"name": "web09.example.com"}],
             "runs": [{"start": -600, "duration": 60, "result": "OK"}]},
        ],
    },
}
NAKIVO_OPEN = {"web01.example.com", "web02.example.com", "unsafe01.example.com"}
NAKIVO_HOSTS = NAKIVO_OPEN | {"db01.example.com", "batch01.example.com"}

COMMVAULT = {
    "description": "inventory: clients of backups, the VMs of a Virtual Server job, a running job",
    "commvault": {
        "users": [{"username": "admin", "password": COMMVAULT_PASSWORD}],
        "jobs": [
            {"id": 101, "client": "db01.example.com", "start": -3600, "duration": 200, "result": "Completed"},
            {"id": 102, "client": "web01.example.com", "start": -3000, "duration": 200, "result": "Failed"},
            {"id": 103, "client": "vcenter01.example.com", "subclient": "prod-vms", "start": -5400, "duration": 300,
             "result": "Completed w/ one or more errors",
             "vms": [{"name": "vm-a.example.com", "status": 0}, {"name": "vm-b.example.com", "status": 1}]},
            {"id": 104, "client": "app01.example.com", "start": -30, "duration": None},
            {"id": 105, "client": "db01.example.com", "type": "Restore", "start": -600, "duration": 60, "result": "Completed",
             "dest_client": "web01.example.com"},
        ],
    },
}
COMMVAULT_OPEN = {"db01.example.com", "vm-a.example.com"}
COMMVAULT_HOSTS = COMMVAULT_OPEN | {"web01.example.com", "vm-b.example.com", "app01.example.com"}

PLATFORMS = {
    "nakivo": dict(scenario=NAKIVO, prefix="NAKIVO", password=NAKIVO_PASSWORD, root="", hosts=NAKIVO_HOSTS, open=NAKIVO_OPEN,
                   requests=["AuthenticationManagement.login", "JobSummaryManagement.getGroupInfo",
                             "JobSummaryManagement.getJobInfo", "AuthenticationManagement.logoutCurrentUser"]),
    "commvault": dict(scenario=COMMVAULT, prefix="COMMVAULT", password=COMMVAULT_PASSWORD, root="/webconsole/api",
                      hosts=COMMVAULT_HOSTS, open=COMMVAULT_OPEN, requests=["Login", "Job", "JobDetails", "Logout"]),
}


def plain(value):
    """The --list output with ansible-core 2.19+'s ``{"__ansible_unsafe": text}`` markers read back as text."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class Source:
    """An emulator, an inventory file for it, and the environment that holds its credentials."""

    def __init__(self, platform, emulator_factory, tmp_path, text=""):
        spec = PLATFORMS[platform]
        self.platform, self.spec = platform, spec
        self.emu = emulator_factory(spec["scenario"])
        self.path = tmp_path / ("backups.%s.yml" % platform)
        self.path.write_text("plugin: backupops.jobs.%s\n%s" % (platform, text))
        self.tmp_path = tmp_path
        self.env = credentials_env(spec["prefix"], self.emu.url + spec["root"], spec["password"])

    def inventory(self, *args, env=None, failing=False):
        """``ansible-inventory -i FILE ARGS``; (completed process, the requests it made)."""
        self.emu.clear_log()
        extra = dict(self.env, **(env or {}))
        if failing:
            extra["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "1"  # as AWX runs an inventory update: an unparsed source fails it
        done = subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(self.path)] + list(args),
                              env=base_env(self.tmp_path, **extra), capture_output=True, text=True, timeout=120, check=False)
        return done, [entry["call"] for entry in self.emu.log]

    def listing(self, *args):
        done, requests = self.inventory("--list", *args)
        assert done.returncode == 0, done.stderr
        return plain(json.loads(done.stdout)), requests


def group(listing, name):
    return set(listing.get(name, {}).get("hosts", []))


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_list_gives_hosts_variables_and_groups_with_requests_that_do_not_grow_with_hosts(platform, emulator_factory, tmp_path):
    source = Source(platform, emulator_factory, tmp_path)
    spec = source.spec
    listing, requests = source.listing()
    hostvars = listing["_meta"]["hostvars"]
    assert set(hostvars) == spec["hosts"]
    assert group(listing, "backup_gate_open") == spec["open"]
    assert group(listing, "backup_gate_held") == spec["hosts"] - spec["open"]
    assert sorted(requests) == sorted(spec["requests"])
    for host, variables in hostvars.items():
        assert variables["backup_platform"] == platform
        assert variables["backup_gate"]["open"] is (host in spec["open"])
        assert host in group(listing, "backup_" + variables["backup_state"])
        assert variables["backup_checked_at"].endswith("Z")
        for record in variables["backup_jobs"]:
            assert "raw" not in record and host in group(listing, job_group(record["name"]))
    if platform == "nakivo":
        assert group(listing, "backup_failed") == {"db01.example.com"}
        assert group(listing, "backup_running") == {"batch01.example.com"}
        assert group(listing, "backup_job_backup_web_tier") == {"web01.example.com", "web02.example.com"}
        assert hostvars["web01.example.com"]["backup_next_run_at"] is not None
        assert "web09.example.com" not in hostvars  # only a recovery job touches it
    else:
        assert group(listing, "backup_running") == {"app01.example.com"}
        assert group(listing, "backup_failed") == {"web01.example.com", "vm-b.example.com"}
        (own,) = hostvars["vm-b.example.com"]["backup_jobs"][0]["objects"]  # the host's own VM only, not vm-a
        assert (own["name"], own["state"], own["this_run"]) == ("vm-b.example.com", "failed", True)
        assert group(listing, "backup_job_vcenter01_example_com_prod_vms") == {"vm-a.example.com", "vm-b.example.com"}
    assert spec["password"] not in source.path.read_text()


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_graph_shows_the_gate_groups(platform, emulator_factory, tmp_path):
    source = Source(platform, emulator_factory, tmp_path)
    done, _requests = source.inventory("--graph", "backup_gate_open")
    assert done.returncode == 0, done.stderr
    shown = {line.strip(" |-") for line in done.stdout.splitlines() if not line.strip(" |-").startswith("@")}
    assert shown == source.spec["open"]


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_cache_serves_a_second_run_without_a_request_and_flush_cache_reads_again(
        platform, emulator_factory, tmp_path, ansible, write_playbook):
    cache = "cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\ncache_timeout: 600\n" % (tmp_path / "cache")
    source = Source(platform, emulator_factory, tmp_path, cache)
    first, requests = source.listing()
    assert sorted(requests) == sorted(source.spec["requests"])
    second, requests = source.listing()
    assert requests == []
    assert second["_meta"] == first["_meta"]  # backup_checked_at included: the cached verdict says how old it is
    assert {name: sorted(value.get("hosts", [])) for name, value in second.items() if name != "_meta"} == {
        name: sorted(value.get("hosts", [])) for name, value in first.items() if name != "_meta"}
    done, requests = source.inventory("--graph")
    assert done.returncode == 0 and requests == []
    # --flush-cache: ansible-playbook's in every ansible-core, ansible-inventory's from 2.19 on.
    flushing = write_playbook([{"name": "nothing", "ansible.builtin.meta": "noop"}])
    source.emu.clear_log()
    run = ansible("playbook", flushing, "-i", str(source.path), "--flush-cache", env=source.env)
    assert run.rc == 0, run
    assert sorted(entry["call"] for entry in source.emu.log) == sorted(source.spec["requests"])
    if "--flush-cache" in subprocess.run([str(VENV_BIN / "ansible-inventory"), "--help"], capture_output=True, text=True,
                                         check=False).stdout:
        flushed, requests = source.listing("--flush-cache")
        assert sorted(requests) == sorted(source.spec["requests"])
        assert set(flushed["_meta"]["hostvars"]) == source.spec["hosts"]
    cached = "".join(path.read_text() for path in (tmp_path / "cache").iterdir())
    assert source.spec["password"] not in cached and "JSESSIONID" not in cached and "QSDK" not in cached


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_the_examples_use_documented_options_and_the_first_runs_as_it_stands(platform, emulator_factory, tmp_path):
    examples = importlib.import_module("ansible_collections.backupops.jobs.plugins.inventory." + platform).EXAMPLES
    shown = subprocess.run([str(VENV_BIN / "ansible-doc"), "-t", "inventory", "-j", "backupops.jobs." + platform],
                           env=base_env(tmp_path), capture_output=True, text=True, check=True, timeout=120).stdout
    options = json.loads(shown)["backupops.jobs." + platform]["doc"]["options"]
    for example in yaml.safe_load_all(examples):
        assert example["plugin"] == "backupops.jobs." + platform
        assert set(example) <= set(options), set(example) - set(options)
        assert set(example.get("gate") or {}) <= set(options["gate"]["suboptions"])
    source = Source(platform, emulator_factory, tmp_path)
    source.path.write_text(examples.split("\n---\n")[0])
    listing, _requests = source.listing()
    assert set(listing["_meta"]["hostvars"]) == source.spec["hosts"]


def test_a_named_host_that_no_job_protects_is_listed_and_held(emulator_factory, tmp_path):
    source = Source("nakivo", emulator_factory, tmp_path, "protected_objects: [web01.example.com, ghost01.example.com]\n")
    listing, _requests = source.listing()
    assert set(listing["_meta"]["hostvars"]) == {"web01.example.com", "web02.example.com", "ghost01.example.com"}
    ghost = listing["_meta"]["hostvars"]["ghost01.example.com"]
    assert ghost["backup_state"] == "unprotected" and ghost["backup_jobs"] == []
    assert ghost["backup_gate"]["open"] is False and "no backup job protects ghost01.example.com" in ghost["backup_gate"]["reason"]
    assert group(listing, "backup_gate_held") == {"ghost01.example.com"}


def test_a_play_on_backup_gate_open_runs_exactly_on_the_open_hosts(emulator_factory, tmp_path, ansible, write_playbook):
    source = Source("nakivo", emulator_factory, tmp_path)
    playbook = write_playbook([{"name": "patch", "ansible.builtin.debug": {"msg": "{{ backup_gate.reason }}"}}],
                              hosts="backup_gate_open")
    run = ansible("playbook", playbook, "-i", str(source.path), env=source.env)
    assert run.rc == 0, run
    assert set(run.results("patch")) == NAKIVO_OPEN
    assert run.results("patch")["web01.example.com"]["msg"] == "the last backup succeeded"


def test_a_job_name_that_is_a_template_stays_text(emulator_factory, tmp_path, ansible, write_playbook):
    source = Source("nakivo", emulator_factory, tmp_path, "compose:\n  first_job: backup_jobs[0].name\n")
    playbook = write_playbook([{"name": "show", "ansible.builtin.debug": {"msg": "{{ backup_jobs[0].name }} / {{ first_job }}"}}],
                              hosts="backup_job____lookup__pipe____id_____")
    run = ansible("playbook", playbook, "-i", str(source.path), env=source.env)
    assert run.rc == 0, run
    assert set(run.results("show")) == {"unsafe01.example.com"}
    assert run.results("show")["unsafe01.example.com"]["msg"] == "%s / %s" % (UNSAFE_NAME, UNSAFE_NAME)
    assert "uid=" not in run.output
    listing, _requests = source.listing()
    assert listing["_meta"]["hostvars"]["unsafe01.example.com"]["backup_jobs"][0]["name"] == UNSAFE_NAME


@pytest.mark.parametrize("given", ["vault", "template"])
def test_the_password_in_the_file_may_be_vault_encrypted_or_a_template(given, emulator_factory, tmp_path):
    source = Source("nakivo", emulator_factory, tmp_path)
    source.env.pop("NAKIVO_PASSWORD")
    extra = []
    if given == "vault":
        secret = tmp_path / "vault-secret"
        secret.write_text("inventory-vault-secret\n")
        password = subprocess.run([str(VENV_BIN / "ansible-vault"), "encrypt_string", "--vault-password-file", str(secret),
                                   NAKIVO_PASSWORD, "--name", "password"], env=base_env(tmp_path), capture_output=True,
                                  text=True, check=True, timeout=60).stdout
        extra = ["--vault-password-file", str(secret)]
    else:
        password = "password: \"{{ lookup('ansible.builtin.env', 'INVENTORY_TEST_PASSWORD') }}\"\n"
        source.env["INVENTORY_TEST_PASSWORD"] = NAKIVO_PASSWORD
    source.path.write_text("plugin: backupops.jobs.nakivo\n" + password)
    listing, requests = source.listing(*extra)
    assert set(listing["_meta"]["hostvars"]) == NAKIVO_HOSTS and requests.count("AuthenticationManagement.login") == 1


def test_a_password_from_the_environment_is_never_templated(emulator_factory, tmp_path):
    source = Source("nakivo", emulator_factory, tmp_path)
    source.env["NAKIVO_PASSWORD"] = "{{ lookup('ansible.builtin.env', 'INVENTORY_TEST_PASSWORD') }}"
    source.env["INVENTORY_TEST_PASSWORD"] = NAKIVO_PASSWORD  # a templated password would log in: it must not
    done, requests = source.inventory("--list", failing=True)
    assert done.returncode != 0 and requests.count("AuthenticationManagement.login") == 1
    assert "refused the login" in " ".join((done.stdout + done.stderr).split())


@pytest.mark.parametrize("case", ["bad_password", "unknown_option", "unreachable"])
@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_a_bad_source_fails_with_one_clear_line_and_no_secret(platform, case, emulator_factory, tmp_path):
    source = Source(platform, emulator_factory, tmp_path, "protected_object: [web01]\n" if case == "unknown_option" else "")
    env = {}
    if case == "bad_password":
        env[source.spec["prefix"] + "_PASSWORD"] = "Wrong-P@ss-42"
    if case == "unreachable":
        env[source.spec["prefix"] + "_URL"] = "http://127.0.0.1:9"
        source.path.write_text(source.path.read_text() + "retries: 0\n")
    done, requests = source.inventory("--list", env=env, failing=True)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    expected = {
        "bad_password": "refused the login for 'admin'",
        "unknown_option": "unknown option(s) protected_object for backupops.jobs.%s" % platform,
        "unreachable": "http://127.0.0.1:9",
    }[case]
    # The message is one line of the plugin's (ansible-core 2.16's display wraps every warning at 80 columns).
    flat = " ".join(output.split())
    assert "Failed to parse" in flat and expected in flat, output
    assert "Traceback" not in output and source.spec["password"] not in output and "Wrong-P@ss-42" not in output
    if case == "bad_password":
        assert calls(source.emu, "AuthenticationManagement.login" if platform == "nakivo" else "Login") != []
        assert len([call for call in requests if call in ("AuthenticationManagement.login", "Login")]) == 1  # never retried
    if case == "unknown_option":
        assert requests == []
