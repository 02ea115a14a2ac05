# -*- coding: utf-8 -*-
"""The maintenance_gate role and the shipped gate playbooks: real ansible-playbook runs against the emulator.

Scenarios: tests/integration/scenarios/gate_static.yml (states that do not change during a run) and
gate_wait.yml (a job of app01 runs for the first seconds). Hosts come from an inventory file in group
``gated`` with ``ansible_connection=local``; nothing connects to them, the role only queries the API.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
VENV_BIN = Path(os.environ.get("BACKUPOPS_VENV_BIN") or Path(sys.executable).parent)
QUERY = {"nakivo": "Read the NAKIVO jobs", "commvault": "Read the Commvault jobs"}
LOGIN = {"nakivo": "AuthenticationManagement.login", "commvault": "Login"}
GATE = "Open or hold this host on its own jobs"
SUMMARY = "Show the verdict of every host of the batch"


def start(emulator_factory, name):
    return emulator_factory(str(SCENARIOS / (name + ".yml")))


def credentials(platform, emu, password="admin"):
    if platform == "nakivo":
        return dict(NAKIVO_URL=emu.url, NAKIVO_USERNAME="admin", NAKIVO_PASSWORD=password)
    return dict(COMMVAULT_URL=emu.url + "/webconsole/api", COMMVAULT_USERNAME="admin", COMMVAULT_PASSWORD=password)


def inventory(tmp_path, hosts):
    """An inventory file with ``hosts`` (name, or (name, {vars})) in group gated, all local."""
    lines = ["[gated]"]
    for host in hosts:
        name, host_vars = (host, {}) if isinstance(host, str) else host
        lines.append(" ".join([name] + ["%s='%s'" % (key, json.dumps(value)) for key, value in host_vars.items()]))
    lines += ["[gated:vars]", "ansible_connection=local", "ansible_python_interpreter=%s" % (VENV_BIN / "python")]
    path = tmp_path / ("inventory-%d.ini" % len(list(tmp_path.glob("inventory-*.ini"))))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def gate(ansible, tmp_path, emu, platform, hosts, *cli, playbook="role_gate.yml", env=None, **role_vars):
    """Run ``playbook`` over ``hosts`` with the role's variables; credentials only in the environment."""
    extra = dict(maintenance_gate_platform=platform, maintenance_gate_wait_sleep=1, maintenance_gate_wait_timeout=60)
    extra.update(role_vars)
    return ansible("playbook", playbook, "-i", inventory(tmp_path, hosts), "-e", json.dumps(extra), *cli,
                   env=env if env is not None else credentials(platform, emu))


def by_task(run, suffix):
    """Per host, the recorded entry ({status, result}) of the task whose name ends with ``suffix``."""
    return {e["host"]: e for e in run.entries if e["task"].endswith(suffix) or e["task"].split(" : ")[-1].startswith(suffix)}


def verdicts(run):
    """Per host, (open, reason) from the result of the role's gate task; its facts say the same where it goes on."""
    found = {}
    for host, e in by_task(run, GATE).items():
        found[host] = (e["result"]["open"], e["result"]["reason"])
        if e["status"] != "failed":
            facts = e["result"]["ansible_facts"]
            assert (facts["maintenance_gate_open"], facts["maintenance_gate_reason"]) == found[host]
    return found


def held_hosts(run):
    return sorted(host for host, e in by_task(run, GATE).items() if e["status"] == "failed")


def logins(emu, platform):
    return [e for e in emu.log if e["call"] == LOGIN[platform]]


STATIC_HOSTS = {
    "nakivo": ["web01.example.com", "web02", "db01", "old01.example.com", "soon01", "nojob01"],
    "commvault": ["web01", "web02.example.com", "db01", "old01.example.com", "nojob01",
                  ("web03.example.com", {"maintenance_gate_objects": ["vc01.example.com", "web03.example.com"]}),
                  ("web04", {"maintenance_gate_objects": ["vc01.example.com", "web04"]})],
}


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_held_hosts_fail_alone_with_a_reason_and_one_login(ansible, tmp_path, emulator_factory, platform):
    emu = start(emulator_factory, "gate_static")
    run = gate(ansible, tmp_path, emu, platform, STATIC_HOSTS[platform])
    assert run.rc == 2, run
    v = verdicts(run)
    assert len(v) == len(STATIC_HOSTS[platform]), run
    if platform == "nakivo":
        # web02's VM failed in the job that also protects web01: only web02 is held.
        assert v["web01.example.com"][0] is True
        assert v["web02"] == (False, "the last backup failed: fix or re-run job 1")
        assert v["db01"] == (False, "the last backup failed: fix or re-run job 2")
        assert v["soon01"][0] is True, "quiet_minutes is 0 by default"
        expected_held = ["db01", "nojob01", "web02"]
    else:
        assert v["web01"][0] is True
        assert v["web02.example.com"][0] is True and "completed with warnings" in v["web02.example.com"][1]
        assert v["db01"] == (False, "the last backup failed: fix or re-run job 103")
        # One Virtual Server job, two VMs: each host is judged on its own VM.
        assert v["web03.example.com"][0] is True, v["web03.example.com"]
        assert v["web04"] == (False, "the last backup failed: fix or re-run job 105")
        expected_held = ["db01", "nojob01", "web04"]
    assert v["old01.example.com"][0] is True, "no max_age by default"
    assert v["nojob01"] == (False, "no backup job protects nojob01 (looked for nojob01): check that a backup job protects "
                                   "it under the name the backup server knows")
    assert held_hosts(run) == expected_held
    for host in expected_held:
        assert "fatal: [%s]: FAILED!" % host in run.stdout and v[host][1] in run.stdout
    # Newer ansible-core shows the gate task's source lines with a held host: no internal comment among them.
    shown = [line for line in run.stdout.splitlines() if re.match(r"^\d+ ", line)]
    assert not [line for line in shown if line.split(" ", 1)[1].lstrip().startswith("#")], shown
    # A held host's line is in the output as its failure; every host's line, once, in the one summary task.
    assert "nojob01: HELD | no jobs | no backup job protects nojob01" in run.stdout
    web01 = "web01%s" % (".example.com" if platform == "nakivo" else "")
    assert by_task(run, GATE)[web01]["result"]["msg"].startswith(web01 + ": OPEN | ")
    summary = by_task(run, SUMMARY)
    assert len(summary) == 1, "run_once: one worker, not one per host"
    lines = next(iter(summary.values()))["result"]["msg"]
    assert lines == [by_task(run, GATE)[host]["result"]["msg"] for host in (h if isinstance(h, str) else h[0] for h in STATIC_HOSTS[platform])]
    for line in lines:
        assert line.split(" | ")[0] in run.stdout and '"%s"' % line in run.stdout, "shown at the default verbosity"
    # The open hosts went on to the next play.
    assert set(by_task(run, "Verdict facts")) == set(h if isinstance(h, str) else h[0] for h in STATIC_HOSTS[platform]) - set(expected_held)
    assert len(logins(emu, platform)) == 1
    assert len(by_task(run, QUERY[platform])) == 1
    query = next(iter(by_task(run, QUERY[platform]).values()))["result"]
    assert query["jobs"] and not any("raw" in job for job in query["jobs"]), "the role asks for no raw records"


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_audit_mode_with_max_age_reports_and_goes_on(ansible, tmp_path, emulator_factory, platform):
    emu = start(emulator_factory, "gate_static")
    hosts = ["web01.example.com", "old01.example.com", "db01", "nojob01"]
    run = gate(ansible, tmp_path, emu, platform, hosts, maintenance_gate_fail=False, maintenance_gate_max_age=24)
    assert run.rc == 0, run
    v = verdicts(run)
    assert v["web01.example.com"][0] is True
    assert v["old01.example.com"][0] is False
    assert "finished" in v["old01.example.com"][1] and "more than the 24 h allowed" in v["old01.example.com"][1]
    assert v["db01"][0] is False and v["nojob01"][0] is False
    assert held_hosts(run) == []
    assert set(by_task(run, "Verdict facts")) == set(hosts), "every host went on"
    # Each held host's reason shows as a warning.
    for host in ("old01.example.com", "db01", "nojob01"):
        assert v[host][1] in " ".join(run.output.split()), host


def test_quiet_minutes_holds_a_host_whose_job_starts_soon(ansible, tmp_path, emulator_factory):
    emu = start(emulator_factory, "gate_static")
    run = gate(ansible, tmp_path, emu, "nakivo", ["soon01", "web01"], maintenance_gate_quiet_minutes=30)
    v = verdicts(run)
    assert v["soon01"][0] is False and "job 4 is scheduled to start at" in v["soon01"][1]
    assert "within the 30 quiet minutes" in v["soon01"][1]
    assert v["web01"][0] is True, "web01's next run is 12 h away"
    assert held_hosts(run) == ["soon01"]


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_require_job_false_lets_unprotected_hosts_through(ansible, tmp_path, emulator_factory, platform):
    emu = start(emulator_factory, "gate_static")
    run = gate(ansible, tmp_path, emu, platform, ["nojob01", "db01"], maintenance_gate_require_job=False)
    v = verdicts(run)
    assert v["nojob01"] == (True, "no backup job protects it, and require_job is off")
    assert v["db01"][0] is False
    assert held_hosts(run) == ["db01"]


def finish_jobs_after_first_poll(emu, platform, delay=2.0, timeout=120):
    """A thread that, once the gate has read the jobs, waits ``delay`` s and moves the job clock 5 minutes on.

    Five minutes finish gate_wait.yml's running jobs and stay below the session idle timeouts (600 s, 1800 s).
    """
    poll = {"nakivo": "getJobInfo", "commvault": "Job"}[platform]

    def watch():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(entry["status"] == 200 and poll in (entry["call"] or "").split(",")[-1] for entry in emu.log):
                time.sleep(delay)
                emu.advance(300)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_gate_waits_for_a_running_job_then_opens(ansible, tmp_path, emulator_factory, platform):
    emu = start(emulator_factory, "gate_wait")
    watcher = finish_jobs_after_first_poll(emu, platform)
    run = gate(ansible, tmp_path, emu, platform, ["app01", "web01"])
    watcher.join(timeout=5)
    assert run.rc == 0, run
    query = next(iter(by_task(run, QUERY[platform]).values()))["result"]
    assert query["waited"] >= 1, query
    assert [job["state"] for job in query["jobs"] if job["id"] in (1, 202)] == ["succeeded"], query["jobs"]
    v = verdicts(run)
    assert v["app01"][0] is True and v["web01"][0] is True, v
    assert len(logins(emu, platform)) == 1


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_wait_timeout_holds_only_the_host_of_the_running_job(ansible, tmp_path, emulator_factory, platform):
    emu = start(emulator_factory, "gate_wait")
    run = gate(ansible, tmp_path, emu, platform, ["app01", "web01"], maintenance_gate_wait_timeout=1)
    v = verdicts(run)
    assert v["app01"][0] is False and "is still running" in v["app01"][1] and "of waiting" in v["app01"][1], v
    assert v["web01"][0] is True, v
    assert held_hosts(run) == ["app01"]


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_a_failed_query_fails_every_host_with_the_modules_message(ansible, tmp_path, emulator_factory, platform):
    emu = start(emulator_factory, "gate_static")
    hosts = ["web01", "db01", "nojob01"]
    run = gate(ansible, tmp_path, emu, platform, hosts, env=credentials(platform, emu, password="wrong"),
               maintenance_gate_fail=False, maintenance_gate_require_job=False)
    assert run.rc == 2, run
    assert held_hosts(run) == sorted(hosts), "audit mode does not hide a failed query"
    for host, (is_open, reason) in verdicts(run).items():
        assert is_open is False
        assert reason.startswith("the backup job query failed: ")
        assert "refused the login" in reason and "no backup job protects" not in reason
    assert len(logins(emu, platform)) == 1, "a refused login is never retried"


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_one_login_for_fifty_hosts(ansible, tmp_path, emulator_factory, platform):
    emu = start(emulator_factory, "gate_static")
    hosts = ["host%02d.example.com" % n for n in range(48)] + ["web01", "db01"]
    run = gate(ansible, tmp_path, emu, platform, hosts, maintenance_gate_require_job=False)
    v = verdicts(run)
    assert len(v) == 50, run
    assert held_hosts(run) == ["db01"]
    assert len(logins(emu, platform)) == 1
    assert len(by_task(run, QUERY[platform])) == 1


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_check_mode_gives_the_same_verdicts(ansible, tmp_path, emulator_factory, platform):
    emu = start(emulator_factory, "gate_static")
    run = gate(ansible, tmp_path, emu, platform, ["web01", "db01"], "--check")
    v = verdicts(run)
    assert v["web01"][0] is True and v["db01"][0] is False, run
    assert held_hosts(run) == ["db01"]


def test_fixed_job_ids_judge_every_host_on_them(ansible, tmp_path, emulator_factory):
    emu = start(emulator_factory, "gate_static")
    run = gate(ansible, tmp_path, emu, "nakivo", ["web01", "web02", "app07"], maintenance_gate_job_ids=[1])
    v = verdicts(run)
    assert v["web01"][0] is True and v["web02"][0] is False
    assert v["app07"] == (False, "the last backup failed: fix or re-run job 1"), "not among the objects: the job decides"
    calls = [e["call"] for e in emu.log]
    assert "JobSummaryManagement.getGroupInfo" not in calls, "fixed ids: no listing of every job"
    run = gate(ansible, tmp_path, emu, "nakivo", ["web01"], maintenance_gate_job_ids=[1, 99])
    assert verdicts(run)["web01"] == (False, "no job was found for id 99 on the backup server: check the job ids and names")


def test_fixed_commvault_job_names_and_connection_variables(ansible, tmp_path, emulator_factory):
    emu = start(emulator_factory, "gate_static")
    run = gate(ansible, tmp_path, emu, "commvault", ["web03", "web04"], env={},
               maintenance_gate_url=emu.url + "/webconsole/api", maintenance_gate_username="admin",
               maintenance_gate_password="admin", maintenance_gate_job_names=["vc01.example.com/web-*"])
    v = verdicts(run)
    assert v["web03"][0] is True and v["web04"][0] is False, v


def test_shipped_gate_playbook(ansible, tmp_path, emulator_factory):
    emu = start(emulator_factory, "gate_static")
    run = gate(ansible, tmp_path, emu, "nakivo", ["web01", "web02", "db01"], "-e", "gate_hosts=gated",
               playbook="backupops.jobs.gate")
    assert run.rc == 2, run
    assert held_hosts(run) == ["db01", "web02"]
    summary = next(iter(by_task(run, "List the hosts let through and the hosts held").values()))["result"]["msg"]
    assert summary == {"open": ["web01"], "held": ["web02", "db01"]}, summary
    lines = next(iter(by_task(run, SUMMARY).values()))["result"]["msg"]
    assert [line.split(":")[0] for line in lines] == ["web01", "web02", "db01"], lines


def test_shipped_rolling_patch_goes_on_after_a_whole_batch_is_held(ansible, tmp_path, emulator_factory):
    """The first batch (db01, web02) is all held: it leaves cleanly, the next batch is gated, patched, gated again."""
    emu = start(emulator_factory, "gate_static")
    hosts = ["db01", "web02", "web01", "old01"]
    run = gate(ansible, tmp_path, emu, "nakivo", hosts, "-e", "patch_hosts=gated", "-e", "patch_serial=2",
               playbook="backupops.jobs.rolling_patch")
    assert run.rc == 2, run
    gated = [e["host"] for e in run.entries if e["task"].endswith(GATE)]
    # Batch by batch (within a batch, in the order the workers finish): before, before, after.
    assert [sorted(gated[:2]), sorted(gated[2:4]), sorted(gated[4:])] == [["db01", "web02"], ["old01", "web01"], ["old01", "web01"]], run
    patched = sorted(h for h, e in by_task(run, "Patch the host").items() if e["status"] == "ok")
    assert patched == ["old01", "web01"], run
    # The gate after the batch (max_age 26 h) holds old01, whose last backup is 30 h old.
    after = [e for e in run.entries if e["task"].endswith(GATE) and e["host"] == "old01"]
    assert [e["result"]["open"] for e in after] == [True, False]
    assert held_hosts(run) == ["db01", "old01", "web02"]
    assert len(logins(emu, "nakivo")) == 3, "one query before each batch, one after the batch that was patched"
    # One verdict summary per gate run (not per host), each listing its batch.
    summaries = [e["result"]["msg"] for e in run.entries if e["task"].endswith(SUMMARY)]
    assert [[line.split(":")[0] for line in s] for s in summaries] == [["db01", "web02"], ["web01", "old01"], ["web01", "old01"]]
    # One summary at the end, in one task; then each held host fails with its line (and only they).
    report = by_task(run, "List the held hosts")
    assert len(report) == 1, report
    msg = next(iter(report.values()))["result"]["msg"]
    assert [line.split(":")[0] for line in msg["held"]] == ["db01", "web02", "old01"], msg
    assert "old01: HELD | " in msg["held"][2] and "more than the 26 h allowed" in msg["held"][2], msg
    assert msg["patched_and_open"] == ["web01"], msg
    failed = by_task(run, "Fail a host the gate held")
    assert sorted(failed) == ["db01", "old01", "web02"] and all(e["status"] == "failed" for e in failed.values())
    assert failed["db01"]["result"]["msg"] == by_task(run, GATE)["db01"]["result"]["msg"]
    recap = run.stdout[run.stdout.index("PLAY RECAP"):]
    for host in ("db01", "web02", "old01"):
        assert re.search(host + r" +:.*failed=1", recap), recap
    assert re.search(r"web01 +:.*failed=0", recap), recap
    assert "...ignoring" in run.stdout


def test_shipped_rolling_patch_without_a_held_host_ends_ok(ansible, tmp_path, emulator_factory):
    emu = start(emulator_factory, "gate_static")
    run = gate(ansible, tmp_path, emu, "nakivo", ["web01", "old01"], "-e", "patch_hosts=gated", "-e", "patch_serial=1",
               "-e", "patch_max_age=48", playbook="backupops.jobs.rolling_patch")
    assert run.rc == 0, run
    msg = next(iter(by_task(run, "List the held hosts").values()))["result"]["msg"]
    assert msg == {"held": [], "patched_and_open": ["web01", "old01"]}, msg
    # The emulator serves plain HTTP here, which is warned of; nothing else may be.
    others = re.sub(r"\[WARNING\]: url http://\S+ is plain HTTP:.*?use https://\.", "", run.output, flags=re.S)
    assert "WARNING" not in others, run


def role_play(tmp_path, role_vars):
    """A playbook that passes ``role_vars`` as role parameters (play level: invisible through hostvars)."""
    path = tmp_path / "role-params.yml"
    path.write_text(json.dumps([dict(name="gate", hosts="gated", gather_facts=False,
                                     roles=[dict(role="backupops.jobs.maintenance_gate", **role_vars)])]))
    return str(path)


def test_objects_from_inventory_variables_templated_per_host(ansible, tmp_path, emulator_factory):
    emu = start(emulator_factory, "gate_static")
    hosts = [("app-a", {"vm_name": "web01.example.com"}), ("app-b", {"vm_name": "db01"})]
    lines = inventory(tmp_path, hosts)
    with open(lines, "a") as out:
        out.write('maintenance_gate_objects=["{{ vm_name }}"]\n')
    run = ansible("playbook", "role_gate.yml", "-i", lines, "-e", json.dumps(dict(
        maintenance_gate_platform="nakivo", maintenance_gate_wait_sleep=1)), env=credentials("nakivo", emu))
    v = verdicts(run)
    assert v["app-a"][0] is True, v
    assert v["app-b"][0] is False and v["app-b"][1] == "the last backup failed: fix or re-run job 2", v
    assert len(logins(emu, "nakivo")) == 1


def test_objects_as_a_role_parameter_the_same_for_every_host(ansible, tmp_path, emulator_factory):
    emu = start(emulator_factory, "gate_static")
    book = role_play(tmp_path, {"maintenance_gate_objects": ["vc01.example.com", "{{ inventory_hostname }}"]})
    run = gate(ansible, tmp_path, emu, "commvault", ["web03.example.com", "web04"], playbook=book)
    v = verdicts(run)
    assert v["web03.example.com"][0] is True, v
    assert v["web04"][0] is False and v["web04"][1] == "the last backup failed: fix or re-run job 105", v


def test_objects_templated_per_host_as_a_role_parameter(ansible, tmp_path, emulator_factory):
    """Role parameters are not visible through hostvars: each host notes its own objects before the one query."""
    emu = start(emulator_factory, "gate_static")
    book = role_play(tmp_path, {"maintenance_gate_objects": ["{{ vm_name }}"]})
    run = gate(ansible, tmp_path, emu, "nakivo", [("app-a", {"vm_name": "web01.example.com"}), ("app-b", {"vm_name": "db01"})],
               playbook=book)
    v = verdicts(run)
    assert v["app-a"][0] is True, v
    assert v["app-b"][0] is False and v["app-b"][1] == "the last backup failed: fix or re-run job 2", v
    assert held_hosts(run) == ["app-b"]
    assert len(logins(emu, "nakivo")) == 1


def test_audit_facts_are_each_hosts_own(ansible, tmp_path, emulator_factory):
    """Every host keeps its own verdict facts (a run_once task must not leave hosts sharing one fact dictionary)."""
    emu = start(emulator_factory, "gate_static")
    hosts = ["web01", "db01", "nojob01", "web02"]
    run = gate(ansible, tmp_path, emu, "nakivo", hosts, maintenance_gate_fail=False)
    v = verdicts(run)
    shown = {host: e["result"]["msg"] for host, e in by_task(run, "Verdict facts").items()}
    assert set(shown) == set(hosts)
    for host in hosts:
        assert (shown[host]["open"], shown[host]["reason"]) == v[host], host
    assert [v[h][0] for h in hosts] == [True, False, False, False]


def test_verdict_facts_stay_out_of_a_persistent_fact_cache(ansible, tmp_path, emulator_factory):
    """A fact cache must not offer next run a verdict of this one (where ansible-core lets an action say so)."""
    from ansible.plugins import action  # the ansible-core under test: this test runs in its venv

    emu = start(emulator_factory, "gate_static")
    cache = tmp_path / "facts"
    env = dict(credentials("nakivo", emu), ANSIBLE_CACHE_PLUGIN="jsonfile", ANSIBLE_CACHE_PLUGIN_CONNECTION=str(cache))
    run = gate(ansible, tmp_path, emu, "nakivo", ["web01", "db01"], maintenance_gate_fail=False, env=env)
    assert run.rc == 0, run
    assert verdicts(run)["web01"][0] is True and verdicts(run)["db01"][0] is False
    # One file per host; its layout differs between ansible-core versions (2.21 wraps the JSON in a payload).
    cached = {path.name: path.read_text() for path in cache.glob("*")} if cache.exists() else {}
    in_cache = sorted(host for host in ("db01", "web01")
                      if any(name.endswith(host) and "maintenance_gate_open" in text for name, text in cached.items()))
    if hasattr(action, "VariableLayer"):
        assert in_cache == [], cached
    else:
        assert in_cache == ["db01", "web01"], "older ansible-core: documented to land in the fact cache"
