"""Unit tests for plugins/plugin_utils/_inventory.py: hosts, variables and groups from one query result, and the plugin's
options, cache and unsafe marking (the vendor queries replaced by a recorded result)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.backupops.jobs.plugins.module_utils._gate import verdict
from ansible_collections.backupops.jobs.plugins.plugin_utils import _inventory
from ansible_collections.backupops.jobs.plugins.plugin_utils._inventory import build_inventory, groups_of, host_name, job_group

NOW = "2026-11-22T12:00:00Z"


def job(job_id, name, state, objects, finished_at="2026-11-22T02:00:00Z", kind="backup", next_run_at=None, platform="nakivo"):
    """A job record; ``objects`` maps object names to their states (a list: all in the job's state)."""
    if not isinstance(objects, dict):
        objects = dict.fromkeys(objects, state)
    active = state in ("running", "queued")
    return {"platform": platform, "id": job_id, "name": name, "type": kind, "state": state, "active": active,
            "vendor_state": state, "progress": 40 if active else 100, "next_run_at": next_run_at, "started_at": None,
            "finished_at": None if active else finished_at, "duration_s": None, "bytes_transferred": None,
            "bytes_protected": None, "objects": [{"name": n, "state": s, "finished_at": None, "this_run": True} for n, s in objects.items()],
            "hosts": list(objects), "enabled": True, "series": "job %d" % job_id}


def result(*jobs):
    return {"changed": False, "waited": 0, "missing": {}, "jobs": list(jobs)}


QUERY = result(
    job(1, "Backup web tier", "succeeded", ["web01.example.com", "web02.example.com"], next_run_at="2026-11-22T20:00:00Z"),
    job(2, "Backup app tier", "failed", {"app01.example.com": "succeeded", "app02.example.com": "failed"}),
    job(3, "Backup databases", "running", ["db01.example.com"]),
    job(4, "Restore web", "succeeded", ["web09.example.com"], kind="recovery_vms"),
    job(5, "Backup old", "succeeded", ["old01.example.com"], finished_at="2026-11-20T02:00:00Z"),
)


def test_each_object_of_a_protecting_job_is_a_host_and_a_restore_adds_none():
    hosts = build_inventory("nakivo", QUERY, checked_at=NOW)
    assert sorted(hosts) == ["app01.example.com", "app02.example.com", "db01.example.com", "old01.example.com",
                             "web01.example.com", "web02.example.com"]


def test_the_variables_of_a_host_are_its_state_its_jobs_and_the_gate_verdict():
    variables = build_inventory("nakivo", QUERY, checked_at=NOW)["web01.example.com"]
    expected = verdict(QUERY, "web01.example.com", now=NOW)
    assert variables["backup_platform"] == "nakivo"
    assert variables["backup_state"] == "succeeded" and variables["backup_active"] is False
    assert variables["backup_gate"] == {"open": expected["open"], "reason": expected["reason"]} == {
        "open": True, "reason": "the last backup succeeded"}
    assert variables["backup_last_success_at"] == "2026-11-22T02:00:00Z"
    assert variables["backup_checked_at"] == NOW
    assert variables["backup_next_run_at"] == "2026-11-22T20:00:00Z"
    (record,) = variables["backup_jobs"]
    assert record["id"] == 1 and record["host_state"] == "succeeded" and "raw" not in record


def test_a_host_record_lists_only_its_own_objects_so_the_inventory_grows_with_hosts_not_hosts_times_objects():
    (record,) = build_inventory("nakivo", QUERY, checked_at=NOW)["web02.example.com"]["backup_jobs"]
    assert [obj["name"] for obj in record["objects"]] == ["web02.example.com"]
    assert record["hosts"] == ["web02.example.com"]


def test_the_own_state_decides_where_another_object_explains_the_failure():
    hosts = build_inventory("nakivo", QUERY, checked_at=NOW)
    assert hosts["app01.example.com"]["backup_state"] == "succeeded" and hosts["app01.example.com"]["backup_gate"]["open"]
    assert hosts["app02.example.com"]["backup_state"] == "failed"
    assert hosts["app02.example.com"]["backup_gate"] == {"open": False, "reason": "the last backup failed: fix or re-run job 2"}
    assert hosts["app02.example.com"]["backup_last_success_at"] is None
    assert hosts["app01.example.com"]["backup_jobs"][0]["state"] == "failed"  # the job's own state stays in the record


def test_an_active_job_gives_its_own_state_and_holds():
    variables = build_inventory("nakivo", QUERY, checked_at=NOW)["db01.example.com"]
    assert variables["backup_state"] == "running" and variables["backup_active"] is True
    assert variables["backup_gate"]["open"] is False and "still running" in variables["backup_gate"]["reason"]


def test_a_named_host_that_no_job_protects_is_listed_and_held():
    hosts = build_inventory("nakivo", QUERY, named=["ghost01.example.com", "web09.example.com", "web01", "nothing*"], checked_at=NOW)
    assert hosts["ghost01.example.com"]["backup_state"] == "unprotected"
    assert hosts["ghost01.example.com"]["backup_jobs"] == []
    assert hosts["ghost01.example.com"]["backup_gate"]["open"] is False
    assert "no backup job protects ghost01.example.com" in hosts["ghost01.example.com"]["backup_gate"]["reason"]
    # Touched only by a restore: listed, held, the restore named in the reason.
    assert "only jobs that do not protect it touch it: recovery vms job 4" in hosts["web09.example.com"]["backup_gate"]["reason"]
    # A short name that a protecting job's object matches adds no second host; a wildcard adds none.
    assert "web01" not in hosts and not any(name.startswith("nothing") for name in hosts)


def test_gate_options_reach_the_verdict():
    relaxed = build_inventory("nakivo", QUERY, checked_at=NOW)["old01.example.com"]["backup_gate"]
    strict = build_inventory("nakivo", QUERY, gate={"max_age": 26}, checked_at=NOW)["old01.example.com"]["backup_gate"]
    assert relaxed["open"] is True
    assert strict["open"] is False and "more than the 26 h allowed" in strict["reason"]


def test_partial_counts_as_the_last_success_only_where_the_gate_accepts_it():
    query = result(job(7, "Backup files", "partial", ["fs01"], platform="commvault"))
    assert build_inventory("commvault", query, checked_at=NOW)["fs01"]["backup_last_success_at"] is None
    accepted = build_inventory("commvault", query, gate={"accept_partial": True}, checked_at=NOW)["fs01"]
    assert accepted["backup_last_success_at"] == "2026-11-22T02:00:00Z" and accepted["backup_gate"]["open"] is True


@pytest.mark.parametrize("style, expected", [
    ("as_given", "Web01.Example.com"), ("lower", "web01.example.com"), ("short", "Web01"), ("short_lower", "web01"),
])
def test_host_name_styles(style, expected):
    assert host_name("Web01.Example.com", style) == expected
    assert host_name("10.0.0.5", style) == "10.0.0.5"


def test_short_names_still_find_the_server_names_jobs():
    hosts = build_inventory("nakivo", QUERY, named=["web01.example.com"], host_names="short", checked_at=NOW)
    assert hosts["web01"]["backup_gate"]["open"] is True and hosts["web01"]["backup_jobs"][0]["id"] == 1
    assert "web01.example.com" not in hosts


def test_groups_state_gate_and_one_per_job_sanitized():
    hosts = build_inventory("nakivo", QUERY, checked_at=NOW)
    assert groups_of(hosts["web01.example.com"]) == ["backup_succeeded", "backup_gate_open", "backup_job_backup_web_tier"]
    assert groups_of(hosts["db01.example.com"]) == ["backup_running", "backup_gate_held", "backup_job_backup_databases"]
    assert job_group("{{ lookup('pipe', 'id') }}") == "backup_job____lookup__pipe____id_____"
    assert job_group("db01.example.com/default") == "backup_job_db01_example_com_default"


# ----------------------------------------------------------------------- the plugin, with the query replaced


@pytest.fixture
def plugin_run(tmp_path, monkeypatch):
    """``plugin_run(config_text, cache=True)``: parse a NAKIVO inventory file; returns (InventoryData, reads of the server)."""
    reads = []

    def fake_read(plugin, path, config, selection, shape):
        reads.append(dict(selection=selection, shape=shape))
        hosts = build_inventory("nakivo", UNSAFE_QUERY, selection["protected_objects"], shape["host_names"], shape["gate"], NOW)
        return dict(checked_at=NOW, hosts=hosts)

    monkeypatch.setattr(_inventory.BackupInventory, "_read_server", fake_read)
    made = iter(range(1, 100))

    def run(text, cache=True):
        path = tmp_path / ("source-%d.nakivo.yml" % next(made)) if "{same}" not in text else tmp_path / "same.nakivo.yml"
        path.write_text(text.replace("{same}", "").replace("{cache}", str(tmp_path / "cache")))
        inventory, plugin = InventoryData(), inventory_loader.get("backupops.jobs.nakivo")
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        try:
            plugin.update_cache_if_changed()  # as the InventoryManager does after each source
        except AttributeError:  # no cache plugin loaded (cache off), which the InventoryManager tolerates too
            pass
        return inventory, reads

    return run


UNSAFE_QUERY = result(job(9, "{{ lookup('pipe', 'id') }}", "succeeded", ["web01.example.com"]))


def test_unknown_option_fails_with_one_line_naming_it(plugin_run):
    with pytest.raises(AnsibleParserError) as failure:
        plugin_run("plugin: backupops.jobs.nakivo\nprotected_object: [web01]\n")
    message = str(failure.value)
    assert "unknown option(s) protected_object for backupops.jobs.nakivo" in message and "protected_objects" in message
    assert "\n" not in message.strip()


def test_unknown_gate_option_fails(plugin_run):
    with pytest.raises(AnsibleParserError, match="gate: .*max_ages"):
        plugin_run("plugin: backupops.jobs.nakivo\ngate: {max_ages: 26}\n")


def test_only_files_named_for_the_platform_are_the_plugins(tmp_path):
    plugin = inventory_loader.get("backupops.jobs.nakivo")
    for name, expected in (("a.nakivo.yml", True), ("a.nakivo.yaml", True), ("a.commvault.yml", False), ("nakivo.yml", False)):
        (tmp_path / name).write_text("plugin: backupops.jobs.nakivo\n")
        assert plugin.verify_file(str(tmp_path / name)) is expected, name


def test_hosts_groups_and_job_names_are_never_templated(plugin_run):
    inventory, _reads = plugin_run("plugin: backupops.jobs.nakivo\nkeyed_groups: [{key: backup_state, prefix: state}]\n")
    host = inventory.get_host("web01.example.com")
    assert {group.name for group in host.get_groups()} >= {"backup_succeeded", "backup_gate_open", "state_succeeded",
                                                           "backup_job____lookup__pipe____id_____"}
    variables = host.get_vars()
    templar = Templar(loader=DataLoader(), variables=variables)
    # The template form a playbook author writes: the job name comes back as its text, not run as a lookup.
    assert templar.template(_trusted("{{ backup_jobs[0].name }}")) == "{{ lookup('pipe', 'id') }}"


def _trusted(text):
    """A template as a playbook holds it (ansible-core 2.19+ templates only trusted strings)."""
    import ansible.template  # pylint: disable=import-outside-toplevel

    return getattr(ansible.template, "trust_as_template", lambda value: value)(text)


def test_cache_is_read_within_its_timeout_and_refreshed_by_flush_or_another_configuration(plugin_run):
    config = "{same}plugin: backupops.jobs.nakivo\ncache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: {cache}\n"
    _inventory_data, reads = plugin_run(config)
    inventory, reads = plugin_run(config)
    assert len(reads) == 1 and inventory.get_host("web01.example.com") is not None
    plugin_run(config, cache=False)  # --flush-cache
    assert len(reads) == 2
    plugin_run(config + "host_names: short\n")
    assert len(reads) == 3 and reads[-1]["shape"]["host_names"] == "short"


def test_without_cache_every_run_reads_the_server(plugin_run):
    config = "{same}plugin: backupops.jobs.nakivo\n"
    plugin_run(config)
    _inventory_data, reads = plugin_run(config)
    assert len(reads) == 2
