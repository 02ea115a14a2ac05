"""The event source backupops.jobs.job_events: main(queue, args) driven against the emulator, jobs moved by its clock.

The plugin runs from its file as ansible-rulebook runs it (runpy.run_path does the same for a plain file; under
pytest, ansible's collection loader hooks file paths, so run_path itself is proven in a subprocess below).
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.backupops.jobs.tests.emulator import Emulator

ROOT = Path(__file__).resolve().parents[6]
PLUGIN = ROOT / "extensions" / "eda" / "plugins" / "event_source" / "job_events.py"
SOURCE = {"__file__": str(PLUGIN), "__name__": "<run_path>"}
exec(compile(PLUGIN.read_text(encoding="utf-8"), str(PLUGIN), "exec"), SOURCE)  # pylint: disable=exec-used
NAKIVO_PASSWORD = "Nakivo-P@ss1"
COMMVAULT_PASSWORD = "Cv-P@ss1"
GET_JOB_INFO = "JobSummaryManagement.getJobInfo"
NAKIVO_LOGIN = "AuthenticationManagement.login"

# Job-clock seconds. Runs far from 0, so that only advance() moves them, whatever the machine's speed.
NAKIVO = {
    "nakivo": {
        "users": [{"username": "admin", "password": NAKIVO_PASSWORD}],
        "session_idle_timeout": 100000,
        "jobs": [
            {"id": 1, "name": "Backup web", "objects": [{"name": "web01.example.com"}, {"name": "web02.example.com"}],
             "runs": [{"start": -90000, "duration": 600, "result": "OK"}, {"start": 1000, "duration": 1000, "result": "OK"}]},
            {"id": 2, "name": "Backup db", "objects": [{"name": "db01.example.com"}],
             "runs": [{"start": -90000, "duration": 600, "result": "OK"}, {"start": 1000, "duration": 1000, "result": "FAILED"}]},
            {"id": 3, "name": "Backup app", "objects": [{"name": "app01.example.com"}],
             "runs": [{"start": -1800, "duration": 600, "result": "FAILED"}, {"start": 2500, "duration": 100, "result": "FAILED"}]},
        ],
    },
}
COMMVAULT = {
    "commvault": {
        "users": [{"username": "admin", "password": COMMVAULT_PASSWORD}],
        "token_idle_timeout": 100000,
        "jobs": [
            {"id": 2000, "client": "web01.example.com", "start": -3600, "duration": 300, "result": "Completed"},
            {"id": 2001, "client": "web01.example.com", "start": 1000, "duration": 100, "result": "Completed"},
            {"id": 2002, "client": "web01.example.com", "start": 1200, "duration": 50, "result": "Failed"},
            {"id": 2003, "client": "db01.example.com", "appears_at": -10, "start": 1000, "duration": 100, "result": "Failed"},
            {"id": 2004, "client": "vcenter01.example.com", "subclient": "prod-vms", "start": 1300, "duration": 60,
             "result": "Completed w/ one or more errors",
             "vms": [{"name": "vm-a.example.com"}, {"name": "vm-b.example.com", "status": 1}]},
        ],
    },
}


def nakivo_args(emu, **extra):
    return dict(platform="nakivo", url=emu.url, username="admin", password=NAKIVO_PASSWORD, interval=0.1, retries=0, **extra)


def commvault_args(emu, **extra):
    return dict(platform="commvault", url=emu.url + "/webconsole/api", username="admin", password=COMMVAULT_PASSWORD,
                interval=0.1, retries=0, **extra)


def answered(emu, call):
    return sum(1 for entry in emu.log if entry["call"] == call and entry["status"] == 200 and entry["ended"] is not None)


def summary(event):
    body = event["backupops"]
    return (body["change"], body["previous_state"], body["job"]["id"], body["job"]["state"])


class Running:
    """main(queue, args) as a task; waits on the emulator's log, never on wall-clock guesses alone."""

    def __init__(self, emu, args, poll_call=GET_JOB_INFO):
        self.emu = emu
        self.queue = asyncio.Queue()
        self.poll_call = poll_call
        self.task = asyncio.ensure_future(SOURCE["main"](self.queue, args))

    async def polls(self, count=3, timeout=20):
        """Until ``count`` more polls than now have been answered with HTTP 200.

        Polls run one after another: when the third is answered, the second has put its events on the queue, and
        the second began after the first, which may have been in flight already.
        """
        target = answered(self.emu, self.poll_call) + count
        deadline = time.monotonic() + timeout
        while answered(self.emu, self.poll_call) < target:
            if self.task.done():
                self.task.result()
                raise AssertionError("the source stopped")
            assert time.monotonic() < deadline, "no %d polls within %s s" % (count, timeout)
            await asyncio.sleep(0.02)

    async def advance(self, seconds):
        """Move the job clock, then wait until a poll that began after the move has put its events on the queue."""
        self.emu.advance(seconds)
        await self.polls(3)

    def events(self):
        found = []
        while not self.queue.empty():
            found.append(self.queue.get_nowait())
        return found

    async def stop(self):
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 90))


@pytest.fixture
def nakivo():
    with Emulator(NAKIVO) as emu:
        yield emu


@pytest.fixture
def commvault():
    with Emulator(COMMVAULT) as emu:
        yield emu


def test_a_job_starts_and_finishes_ok_or_failed_and_a_run_between_polls_is_finished(nakivo):
    async def scenario():
        source = Running(nakivo, nakivo_args(nakivo))
        await source.polls(2)
        assert source.events() == [], "emit_initial false: nothing for the states found at start"
        await source.advance(1100)
        started = source.events()
        assert sorted(map(summary, started)) == [("started", "succeeded", 1, "running"), ("started", "succeeded", 2, "running")]
        await source.advance(1000)
        finished = {event["backupops"]["job"]["id"]: event for event in source.events()}
        assert sorted(map(summary, finished.values())) == [("finished", "running", 1, "succeeded"), ("finished", "running", 2, "failed")]
        assert finished[1]["meta"] == {"hosts": ["web01.example.com", "web02.example.com"]}
        assert finished[2]["backupops"]["platform"] == "nakivo" and "raw" not in finished[2]["backupops"]["job"]
        assert finished[2]["backupops"]["job"]["finished_at"] and finished[2]["backupops"]["job"]["name"] == "Backup db"
        # Job 3 runs from 2500 to 2600, wholly between two polls.
        await source.advance(600)
        assert [summary(event) for event in source.events()] == [("finished", "failed", 3, "failed")]
        await source.polls(5)
        assert source.events() == [], "no run is finished twice"
        await source.stop()
        return nakivo.log

    log = run(scenario())
    assert [entry["call"] for entry in log].count(NAKIVO_LOGIN) == 1, "one session for the whole run"
    assert log[-1]["call"] == "AuthenticationManagement.logoutCurrentUser", "cancelled: logged out"


def test_a_restart_with_emit_initial_false_reports_nothing_old_and_lookback_reports_a_recent_failure_once(nakivo):
    async def scenario():
        nakivo.advance(2100)  # jobs 1 and 2 have finished; job 3 failed at -1800 + 600 = 1200 s before
        quiet = Running(nakivo, nakivo_args(nakivo))
        await quiet.polls(4)
        await quiet.stop()
        assert quiet.events() == []
        # Job 2 failed 100 s ago, job 1 succeeded 100 s ago, job 3's failure is 900 s older than the lookback.
        recent = Running(nakivo, nakivo_args(nakivo, lookback=300))
        await recent.polls(4)
        await recent.stop()
        assert sorted(map(summary, recent.events())) == [("finished", None, 1, "succeeded"), ("finished", None, 2, "failed")]
        everything = Running(nakivo, nakivo_args(nakivo, emit_initial=True, lookback=300))
        await everything.polls(4)
        await everything.stop()
        assert sorted(map(summary, everything.events())) == [("finished", None, 1, "succeeded"), ("finished", None, 2, "failed"),
                                                             ("finished", None, 3, "failed")]

    run(scenario())


def test_an_outage_in_the_middle_is_retried_with_backoff_and_the_change_it_hid_comes_after(nakivo, caplog):
    caplog.set_level(logging.INFO)

    async def scenario():
        source = Running(nakivo, nakivo_args(nakivo))
        await source.polls(2)
        nakivo.add_fault(kind="status", status=503, match={"call": "getJobInfo"}, count=3)
        nakivo.advance(1100)
        await source.polls(5)  # the three refused and two more
        failures = [r.getMessage() for r in caplog.records if "failed (" in r.getMessage()]
        assert [f.split("failed (")[1].split(" in a row")[0] for f in failures] == ["1", "2", "3"], failures
        assert all("HTTP 503" in f for f in failures) and "Next try in 0.1 s" in failures[0] and "Next try in 0.4 s" in failures[2]
        assert any("answers again after 3 failed poll(s)" in r.getMessage() for r in caplog.records)
        assert sorted(map(summary, source.events())) == [("started", "succeeded", 1, "running"), ("started", "succeeded", 2, "running")]
        refused = [entry for entry in nakivo.log if entry["call"] == GET_JOB_INFO and entry["status"] == 503]
        assert len(refused) == 3
        gaps = [later["started"] - earlier["started"] for earlier, later in zip(refused, refused[1:])]
        assert gaps[1] > gaps[0] * 1.5, "the pause grows: %s" % gaps
        await source.stop()

    run(scenario())
    assert NAKIVO_PASSWORD not in caplog.text and "JSESSIONID" not in caplog.text


@pytest.mark.parametrize("fault, words", [
    (dict(kind="body", body="html"), "HTML page"),
    (dict(kind="latency", ms=1500), "no answer within 0.3s"),
], ids=["garbage", "slower than the timeout"])
def test_a_reply_that_is_garbage_or_too_late_fails_one_poll_and_the_next_one_sees_the_change(nakivo, caplog, fault, words):
    async def scenario():
        source = Running(nakivo, nakivo_args(nakivo, timeout=0.3))
        await source.polls(2)
        nakivo.add_fault(match={"call": "getJobInfo"}, count=1, **fault)
        await source.advance(1100)
        assert sorted(map(summary, source.events())) == [("started", "succeeded", 1, "running"), ("started", "succeeded", 2, "running")]
        await source.stop()

    run(scenario())
    assert any("failed (1 in a row)" in r.getMessage() and words in r.getMessage() for r in caplog.records)


def test_an_expired_session_is_renewed_without_a_failed_poll_and_without_losing_the_change(nakivo, caplog):
    async def scenario():
        source = Running(nakivo, nakivo_args(nakivo))
        await source.polls(2)
        nakivo.expire_sessions("nakivo")
        await source.advance(1100)
        assert sorted(map(summary, source.events())) == [("started", "succeeded", 1, "running"), ("started", "succeeded", 2, "running")]
        await source.stop()

    run(scenario())
    assert [entry["call"] for entry in nakivo.log].count(NAKIVO_LOGIN) == 2
    assert not [r for r in caplog.records if "failed (" in r.getMessage()]


def test_a_wrong_password_stops_the_source_after_one_login_attempt_without_the_password_in_the_message(nakivo, caplog):
    async def scenario():
        queue = asyncio.Queue()
        await SOURCE["main"](queue, dict(nakivo_args(nakivo), password="Wrong-P@ss9", interval=0.05))

    with pytest.raises(Exception, match="refused the login for 'admin'") as caught:
        run(scenario())
    assert type(caught.value).__name__ == "NakivoLoginRefused"
    time.sleep(0.3)  # a retry, if there were one, would have come by now
    assert [entry["call"] for entry in nakivo.log] == [NAKIVO_LOGIN]
    assert "Wrong-P@ss9" not in str(caught.value) + caplog.text


def test_an_untrusted_certificate_or_an_unknown_tenant_stops_the_source_at_once():
    """Settings the server refuses are configuration, not an outage: no retry, one message."""
    with Emulator(NAKIVO, tls=True) as emu:
        with pytest.raises(Exception, match="TLS to https://127.0.0.1:[0-9]+/c/router failed") as caught:
            run(SOURCE["main"](asyncio.Queue(), dict(nakivo_args(emu), interval=0.05)))
        assert type(caught.value).__name__ == "SettingsRefused"
        time.sleep(0.3)  # a retry, if there were one, would have come by now
        assert emu.stats()["requests"] == 0  # the handshake failed: no request ever reached the server
        with pytest.raises(Exception, match="has no tenant 'nope'") as caught:
            run(SOURCE["main"](asyncio.Queue(), dict(nakivo_args(emu), ca_path=emu.ca_path, tenant="nope", interval=0.05)))
        assert type(caught.value).__name__ == "SettingsRefused"
        time.sleep(0.3)
        calls = [entry["call"] for entry in emu.log]
        assert calls.count(NAKIVO_LOGIN) == 1 and GET_JOB_INFO not in calls, calls


def test_bad_configuration_stops_at_once_with_one_message_and_no_request(nakivo):
    bad = [
        (dict(nakivo_args(nakivo), names=["x"], clients=["y"]), "unknown option(s) clients for platform nakivo"),
        (dict(nakivo_args(nakivo), platform="veeam"), "platform must be one of nakivo, commvault, got 'veeam'"),
        (dict(nakivo_args(nakivo), url="ftp://director:4443"), "url must start with https://"),
        (dict(nakivo_args(nakivo), interval=0), "interval must be more than 0, got 0.0"),
        (dict(nakivo_args(nakivo), lookback="nan"), "lookback must be a number, got 'nan'"),
        (dict(nakivo_args(nakivo), job_ids=["one"]), "job_ids must be a list of whole numbers, got ['one']"),
        (dict(nakivo_args(nakivo), emit_initial="maybe"), "emit_initial must be true or false, got 'maybe'"),
        (dict(nakivo_args(nakivo), password=None), "username and password are required"),
    ]
    for args, words in bad:
        with pytest.raises(ValueError) as caught:
            run(SOURCE["main"](asyncio.Queue(), args))
        assert words in str(caught.value) and str(caught.value).startswith("backupops.jobs.job_events: "), caught.value
    assert nakivo.log == []


def test_what_ansible_rulebook_adds_and_the_environment_are_taken(nakivo, monkeypatch):
    monkeypatch.setenv("NAKIVO_URL", nakivo.url)
    monkeypatch.setenv("NAKIVO_USERNAME", "admin")
    monkeypatch.setenv("NAKIVO_PASSWORD", NAKIVO_PASSWORD)
    monkeypatch.setenv("NAKIVO_TENANT", "")  # an AWX injector sets empty variables for empty fields

    async def scenario():
        source = Running(nakivo, dict(platform="nakivo", job_ids="1,2", interval="0.1", retries=0, emit_initial="true",
                                      eda_feedback_queue=asyncio.Queue(), eda_other_key=1))
        await source.polls(2)
        await source.stop()
        return source.events()

    assert sorted(map(summary, run(scenario()))) == [("finished", None, 1, "succeeded"), ("finished", None, 2, "succeeded")]
    polls = {entry["call"] for entry in nakivo.log}
    assert "JobSummaryManagement.getGroupInfo" not in polls, "job ids alone: one getJobInfo per poll"


def test_the_http_calls_never_block_the_event_loop(nakivo):
    nakivo.add_fault(kind="latency", ms=400, match={"call": "getJobInfo"}, count=None)

    async def scenario():
        source = Running(nakivo, nakivo_args(nakivo))
        lags = []
        while answered(nakivo, GET_JOB_INFO) < 3:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append(time.monotonic() - before)
        await source.stop()
        return lags

    lags = run(scenario())
    assert max(lags) < 0.2, "the loop stalled for %.2f s while getJobInfo took 0.4 s" % max(lags)


def test_commvault_new_ids_are_started_or_finished_and_events_carry_the_detailed_record(commvault):
    async def scenario():
        source = Running(commvault, commvault_args(commvault, clients=["web01", "vcenter01"]), poll_call="Job")
        await source.polls(2)
        assert source.events() == []
        await source.advance(1050)  # 2001 runs
        assert [summary(event) for event in source.events()] == [("started", None, 2001, "running")]
        await source.advance(100)  # 2001 done
        assert [summary(event) for event in source.events()] == [("finished", "running", 2001, "succeeded")]
        commvault.expire_sessions("commvault")
        await source.advance(250)  # 2002 (1200-1250) and 2004 (1300-1360) ran between two polls
        missed = source.events()
        assert sorted(map(summary, missed)) == [("finished", None, 2002, "failed"), ("finished", None, 2004, "partial")]
        vms = next(event for event in missed if event["backupops"]["job"]["id"] == 2004)
        assert "vm-b.example.com" in vms["meta"]["hosts"], "the VMs come from JobDetails, not from the listing"
        await source.polls(4)
        assert source.events() == []
        await source.stop()

    run(scenario())
    calls = [entry["call"] for entry in commvault.log]
    assert calls.count("Login") == 2, "one login, one more after the token expired"
    details = [entry["body"] for entry in commvault.log if entry["call"] == "JobDetails"]
    assert len(details) == 4, "JobDetails only for the jobs that gave an event: %s" % details


def test_commvault_job_ids_are_detailed_while_active_and_a_wrong_password_is_tried_once(commvault):
    async def scenario():
        source = Running(commvault, commvault_args(commvault, job_ids=[2003, 9999]), poll_call="JobDetails")
        await source.polls(3)
        await source.advance(1050)  # queued to running: active all along, no event
        assert source.events() == []
        commvault.advance(100)
        event = await asyncio.wait_for(source.queue.get(), 20)
        await asyncio.sleep(0.5)
        await source.stop()
        return [event] + source.events()

    events = run(scenario())
    assert [summary(event) for event in events] == [("finished", "running", 2003, "failed")]
    details = [entry["body"] for entry in commvault.log if entry["call"] == "JobDetails"]
    assert sum(1 for body in details if "9999" in str(body)) == 1, "an id the server does not know is asked once"
    commvault.clear_log()
    with pytest.raises(Exception, match="refused the login") as caught:
        run(SOURCE["main"](asyncio.Queue(), dict(commvault_args(commvault, clients=["web01"]), password="Wrong-P@ss9")))
    assert type(caught.value).__name__ == "CommvaultLoginRefused"
    time.sleep(0.3)
    assert [entry["call"] for entry in commvault.log] == ["Login"]


def test_the_plugin_loads_from_its_file_alone_and_imports_nothing_of_ansible(tmp_path):
    """As ansible-rulebook runs it: runpy.run_path on the file, no collection loader, no collection folder on sys.path."""
    probe = ("import asyncio, runpy, sys; found = runpy.run_path(sys.argv[1]); "
             "assert asyncio.iscoroutinefunction(found['main']); assert 'DOCUMENTATION' in found; "
             "print(sorted(m for m in sys.modules if m == 'ansible' or m.startswith('ansible.')))")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "ANSIBLE_COLLECTIONS_PATH")}
    done = subprocess.run([sys.executable, "-I", "-c", probe, str(PLUGIN)], cwd=str(tmp_path), env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("platform", ["nakivo", "commvault"])
def test_the_eda_credential_types_inject_the_variables_the_source_reads_and_flag_its_secrets(platform):
    import yaml

    from ansible_collections.backupops.jobs.plugins.module_utils._connect import CONNECTION_OPTIONS, env_name

    definition = yaml.safe_load((ROOT / "docs" / "rulebooks" / "credential_types" / (platform + ".yml")).read_text())
    read = {env_name(platform, option): option for option in CONNECTION_OPTIONS[platform] if env_name(platform, option)}
    injected = definition["injectors"]["env"]
    assert set(injected) == set(read), "every variable the source reads, and no other"
    fields = {field["id"]: field for field in definition["inputs"]["fields"]}
    for variable, template in injected.items():
        option = read[variable]
        used = [name for name in fields if "{{ %s }}" % name in template or "if %s " % name in template]
        assert used, (variable, template)
        secret = CONNECTION_OPTIONS[platform][option][3]
        assert all(bool(fields[name].get("secret")) == secret for name in used), (variable, used)
    assert "eda.filename.ca_cert" in injected[env_name(platform, "ca_path")], "EDA's name for a file injector"
