# -*- coding: utf-8 -*-
"""The fault matrix of issue 6: job_info (NAKIVO) and job_detail (Commvault) under the emulator's fault switches.

Every case is one host of one ``ansible-playbook`` run per module, the hosts running in parallel
(forks), each against its own emulator, so that an emulator's log holds exactly one case's requests.
A case passes when the task ends as it should (the right result, or a failure whose message says
what happened), no traceback shows anywhere, and the log holds exactly the attempts the retry
settings allow: that is how "nothing hangs" is shown, never by timing.

The matrix runs at -vvvv, so the same runs also prove that no password, token or session cookie
shows in any output. ``run_matrix`` and ``CASES`` are shared with test_secrets.py and test_tls.py.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from dataclasses import dataclass, field

import pytest

from ansible_collections.backupops.jobs.tests.emulator import Emulator
from ansible_collections.backupops.jobs.tests.integration.conftest import SCENARIOS, VENV_BIN, Run, base_env

NK_PASSWORD = "Nk-Fault-Zebra-7731!"
CV_PASSWORD = "Cv-Fault-Okapi-4482!"
NK_WRONG = "Nk-Wrong-Lynx-9102!"
CV_WRONG = "Cv-Wrong-Ibex-5520!"
CV_PRESET = "QSDK 5eed5eed0123456789abcdef0123456789abcdef5eed5eed"
MODULES = {"nakivo": "backupops.jobs.job_info", "commvault": "backupops.jobs.job_detail"}
CV_ROOT = "/webconsole/api"

NK_LOGIN, NK_INFO = "AuthenticationManagement.login", "JobSummaryManagement.getJobInfo"
NK_LOGOUT, NK_GROUPS = "AuthenticationManagement.logoutCurrentUser", "JobSummaryManagement.getGroupInfo"
# Job-clock seconds a "long" job runs; the clock driver jumps past it once the case has shown what it must. Both stay
# below the idle timeouts of a NAKIVO session (600 s) and a Commvault token (1800 s), so the jump expires neither.
LONG = 300
JUMP = 400
# What an expanded entity or a read /etc/passwd would put in the output.
EXPANSIONS = ("lollollol", "root:x:0:0", "/bin/bash", "/usr/sbin/nologin")


def nk_scenario(**options):
    base = dict(
        users=[dict(username="admin", password=NK_PASSWORD)],
        lost_session="exception",
        jobs=[dict(id=1, name="Backup web", type="BACKUP", objects=[dict(name="web01.example.com")],
                   runs=[dict(start=-3600, duration=60, result="OK", data_kb=1024)]),
              dict(id=2, name="Backup db", type="BACKUP", objects=[dict(name="db01.example.com")],
                   runs=[dict(start=0, duration=LONG, result="OK")])],
    )
    base.update(options)
    return dict(nakivo=base)


def cv_scenario(**options):
    job = dict(client="db01.example.com", backupset="defaultBackupSet", app="Windows File System", type="Backup",
               backup_type="Incremental", result="Completed", size_bytes=45633966)
    base = dict(
        users=[dict(username="admin", password=CV_PASSWORD)],
        preset_tokens=[CV_PRESET],
        clients=[dict(name="db01.example.com", id=11)],
        jobs=[dict(job, id=1248, subclient="default", start=-3600, duration=300),
              dict(job, id=1249, subclient="logs", start=0, duration=LONG)],
    )
    base.update(options)
    return dict(commvault=base)


@dataclass
class Case:
    """One fault case of one module: what to arm, what to ask, and what must come out.

    ``args`` and ``env`` values may name ``@ca`` (the emulator's CA file) or ``@other_ca`` (a CA that
    signed nothing here). ``attempts`` maps a log ``call`` to the exact number of requests;
    ``statuses`` to the exact statuses in order. ``finish_after`` = (call, n): once the log holds n
    such requests, the job clock jumps past every running job (a wait that must end, ends).
    """

    vendor: str
    name: str
    args: dict
    expect: str = "ok"
    words: tuple = ()
    faults: tuple = ()
    scenario: object = None
    emulator: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    password: str = None
    attempts: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)
    finish_after: tuple = None
    check: object = None

    @property
    def id(self):
        return "%s-%s" % (self.vendor, self.name)

    @property
    def host(self):
        return self.id.replace("_", "-")


def fault(kind, call, **spec):
    spec.setdefault("match", dict(call=call))
    return dict(spec, kind=kind)


def states(**expected):
    def check(result, log):
        assert {str(job["id"]): job["state"] for job in result["jobs"]} == expected
    return check


def both(*checks):
    def check(result, log):
        for one in checks:
            one(result, log)
    return check


def relogin(lost_call, logins_call):
    """One request found the session gone, and exactly one new login followed."""
    def check(result, log):
        assert [e["call"] for e in log].count(logins_call) == 2
        refused = [e for e in log if e["call"] == lost_call and not e["authenticated"]]
        assert len(refused) == 1, refused
    return check


def bulk_nakivo(result, log):
    assert len(result["jobs"]) == 1000 and result["summary"]["total"] == 1000
    assert result["summary"]["active"] == 100


def bulk_commvault(result, log):
    assert result["jobs"] and {job["platform"] for job in result["jobs"]} == {"commvault"}
    assert all(job["name"].startswith("client01.example.com/") for job in result["jobs"])


def nakivo_cases():
    ok = dict(job_ids=[1])
    info = NK_INFO
    return [
        # Gateway bursts: shorter than the budget (each status once, then the answer), longer (all attempts fail).
        Case("nakivo", "burst_short", dict(ok, retries=3), faults=(fault("status", info, status=502), fault("status", info, status=503),
                                                                   fault("status", info, status=504)),
             statuses={info: [502, 503, 504, 200]}, attempts={NK_LOGIN: 1, NK_LOGOUT: 1}, check=states(**{"1": "succeeded"})),
        Case("nakivo", "burst_long", dict(ok, retries=2), "failed", ("kept failing: 3 attempt(s)", "HTTP 503", "/c/router"),
             faults=(fault("status", info, status=503, count=None),), statuses={info: [503, 503, 503]}, attempts={NK_LOGIN: 1}),
        Case("nakivo", "login_gateway_burst", dict(ok, retries=2), faults=(fault("status", NK_LOGIN, status=504, count=2),),
             statuses={NK_LOGIN: [504, 504, 200], info: [200]}),
        Case("nakivo", "burst_retry_after", dict(ok, retries=1), faults=(fault("status", info, status=503, retry_after=1),),
             statuses={info: [503, 200]}),
        # Transport faults.
        Case("nakivo", "reset_mid_reply", dict(ok, retries=1), faults=(fault("drop", info, when="mid_body"),),
             attempts={info: 2, NK_LOGIN: 1}, check=states(**{"1": "succeeded"})),
        Case("nakivo", "reset_before_reply", dict(ok, retries=1), faults=(fault("drop", info),), statuses={info: [None, 200]}),
        Case("nakivo", "reset_every_reply", dict(ok, retries=2), "failed", ("kept failing: 3 attempt(s)", "cut short"),
             faults=(fault("drop", info, when="mid_body", count=None),), attempts={info: 3}),
        Case("nakivo", "login_reset", dict(ok, retries=3), "failed", ("Logins are not retried",),
             faults=(fault("drop", NK_LOGIN, when="mid_body"),), attempts={NK_LOGIN: 1, info: 0}),
        Case("nakivo", "slow_once", dict(ok, retries=1, timeout=3), faults=(fault("slow", info, seconds=8),), attempts={info: 2}),
        Case("nakivo", "slow_always", dict(ok, retries=1, timeout=3), "failed", ("kept failing: 2 attempt(s)", "no answer within 3.0s"),
             faults=(fault("slow", info, seconds=8, count=None),), attempts={info: 2}),
        # The session gone between two polls of a wait: both forms of the Director's answer.
        Case("nakivo", "session_lost_exception", dict(job_ids=[2], wait=True, wait_sleep=0.5, wait_timeout=120),
             faults=(fault("expire_session", info, after=1),), finish_after=(NK_LOGIN, 2),
             check=both(relogin(info, NK_LOGIN), states(**{"2": "succeeded"}))),
        Case("nakivo", "session_lost_http401", dict(job_ids=[2], wait=True, wait_sleep=0.5, wait_timeout=120),
             scenario=nk_scenario(lost_session="http401"), faults=(fault("expire_session", info, after=1),), finish_after=(NK_LOGIN, 2),
             check=both(relogin(info, NK_LOGIN), states(**{"2": "succeeded"}))),
        Case("nakivo", "session_lost_twice", dict(job_ids=[1]), "failed", ("dropped the session again right after a new login",),
             faults=(fault("expire_session", info, count=2),), attempts={NK_LOGIN: 2, info: 2}),
        # Logins: blocked, wrong password (one login, never another, no logout of a session that never was).
        Case("nakivo", "login_blocked", dict(ok, retries=3), "failed", ("blocks logins", "wait about 90 second(s)", "never retried"),
             faults=(fault("login_blocked", NK_LOGIN, wait_ms=90000),), attempts={NK_LOGIN: 1, info: 0, NK_LOGOUT: 0}),
        Case("nakivo", "wrong_password", dict(ok, retries=3, wait=True), "failed", ("refused the login for 'admin'", "tried once"),
             password=NK_WRONG, attempts={NK_LOGIN: 1, info: 0, NK_LOGOUT: 0}),
        # Bodies that are not JSON-RPC.
        Case("nakivo", "html_portal", dict(ok, retries=3), "failed", ("an HTML page", "not JSON-RPC", "not a proxy or portal"),
             faults=(fault("body", info, body="html"),), attempts={info: 1}),
        Case("nakivo", "html_on_login", dict(ok, retries=3), "failed", ("an HTML page",),
             faults=(fault("body", NK_LOGIN, body="html"),), attempts={NK_LOGIN: 1, info: 0}),
        Case("nakivo", "truncated_json", dict(ok, retries=3), "failed", ("not JSON-RPC",),
             faults=(fault("body", info, body="truncated_json"),), attempts={info: 1}),
        # The body is good JSON-RPC under a text/html label: the Director client reads the body.
        Case("nakivo", "wrong_content_type", dict(ok, retries=3), faults=(fault("body", info, body="wrong_content_type"),),
             attempts={info: 1}, check=states(**{"1": "succeeded"})),
        Case("nakivo", "garbage", dict(ok, retries=3), "failed", ("not JSON-RPC",), faults=(fault("body", info, body="garbage"),),
             attempts={info: 1}),
        Case("nakivo", "xml_doctype", dict(ok), "failed", ("not JSON-RPC",), faults=(fault("body", info, body="xml_doctype"),),
             attempts={info: 1}),
        Case("nakivo", "xml_billion_laughs", dict(ok), "failed", ("not JSON-RPC",),
             faults=(fault("body", info, body="xml_billion_laughs"),), attempts={info: 1}),
        Case("nakivo", "xml_external_entity", dict(ok), "failed", ("not JSON-RPC",),
             faults=(fault("body", info, body="xml_external_entity"),), attempts={info: 1}),
        # Size: above max_response_mb refused, below read; 1,000 jobs with the default limit.
        Case("nakivo", "huge_refused", dict(ok, max_response_mb=1, retries=3), "failed", ("more than 1 MiB", "raise max_response_mb"),
             faults=(fault("body", info, body="huge", size_mb=2),), attempts={info: 1}),
        Case("nakivo", "huge_allowed", dict(ok, max_response_mb=3), faults=(fault("body", info, body="huge", size_mb=2),),
             attempts={info: 1}, check=states(**{"1": "succeeded"})),
        Case("nakivo", "bulk_1000_jobs", {}, scenario="bulk", password="Nakivo-P@ss1", attempts={NK_GROUPS: 1, info: 1},
             check=bulk_nakivo),
    ]


def commvault_cases():
    ok = dict(job_ids=[1248])
    xml = dict(ok, api_format="xml")
    details = "JobDetails"
    return [
        Case("commvault", "burst_short", dict(ok, retries=3), faults=(fault("status", details, status=502),
                                                                      fault("status", details, status=503),
                                                                      fault("status", details, status=504)),
             statuses={details: [502, 503, 504, 200]}, attempts={"Login": 1, "Logout": 1}, check=states(**{"1248": "succeeded"})),
        Case("commvault", "burst_long", dict(ok, retries=2), "failed", ("kept failing: 3 attempt(s)", "HTTP 502", "JobDetails"),
             faults=(fault("status", details, status=502, count=None),), statuses={details: [502, 502, 502]}, attempts={"Login": 1}),
        Case("commvault", "login_gateway_burst", dict(ok, retries=2), faults=(fault("status", "Login", status=503, count=2),),
             statuses={"Login": [503, 503, 200], details: [200]}),
        Case("commvault", "reset_mid_reply", dict(ok, retries=1), faults=(fault("drop", details, when="mid_body"),),
             attempts={details: 2, "Login": 1}, check=states(**{"1248": "succeeded"})),
        Case("commvault", "reset_before_reply", dict(ok, retries=1), faults=(fault("drop", details),), statuses={details: [None, 200]}),
        Case("commvault", "login_reset", dict(ok, retries=3), "failed", ("Logins are not retried",),
             faults=(fault("drop", "Login", when="mid_body"),), attempts={"Login": 1, details: 0}),
        Case("commvault", "slow_once", dict(ok, retries=1, timeout=3), faults=(fault("slow", details, seconds=8),),
             attempts={details: 2}),
        Case("commvault", "slow_always", dict(ok, retries=1, timeout=3), "failed", ("kept failing: 2 attempt(s)", "no answer within 3.0s"),
             faults=(fault("slow", details, seconds=8, count=None),), attempts={details: 2}),
        Case("commvault", "token_expired_in_wait", dict(job_ids=[1249], wait=True, wait_sleep=0.5, wait_timeout=120),
             faults=(fault("expire_session", details, after=1),), finish_after=("Login", 2),
             check=both(relogin(details, "Login"), states(**{"1249": "succeeded"}))),
        Case("commvault", "wrong_password", dict(ok, retries=3, wait=True), "failed", ("refused the login for 'admin'", "tried once"),
             password=CV_WRONG, attempts={"Login": 1, details: 0, "Logout": 0}),
        Case("commvault", "html_portal", dict(ok, retries=3), "failed", ("an HTML page", "not a proxy or login portal"),
             faults=(fault("body", details, body="html"),), attempts={details: 1}),
        Case("commvault", "html_on_login", dict(ok, retries=3), "failed", ("an HTML page",),
             faults=(fault("body", "Login", body="html"),), attempts={"Login": 1, details: 0}),
        Case("commvault", "truncated_json", dict(ok, retries=3), "failed", ("neither JSON nor XML",),
             faults=(fault("body", details, body="truncated_json"),), attempts={details: 1}),
        # JSON under a text/html label: read by its first character, as the Director client does.
        Case("commvault", "wrong_content_type_json", dict(ok, api_format="json"), faults=(fault("body", details, body="wrong_content_type"),),
             attempts={details: 1}, check=states(**{"1248": "succeeded"})),
        # XML under a JSON label: read by its first character, the right answer.
        Case("commvault", "wrong_content_type_xml", xml, faults=(fault("body", details, body="wrong_content_type"),),
             attempts={details: 1}, check=states(**{"1248": "succeeded"})),
        Case("commvault", "garbage", dict(ok, retries=3), "failed", ("neither JSON nor XML",),
             faults=(fault("body", details, body="garbage"),), attempts={details: 1}),
        Case("commvault", "xml_doctype", xml, "failed", ("declares a DOCTYPE or entities",),
             faults=(fault("body", details, body="xml_doctype"),), attempts={details: 1}),
        Case("commvault", "xml_billion_laughs", xml, "failed", ("declares a DOCTYPE or entities",),
             faults=(fault("body", details, body="xml_billion_laughs"),), attempts={details: 1}),
        Case("commvault", "xml_external_entity", xml, "failed", ("declares a DOCTYPE or entities",),
             faults=(fault("body", details, body="xml_external_entity"),), attempts={details: 1}),
        # An XML bomb where JSON was asked for is refused the same way.
        Case("commvault", "xml_bomb_for_json", dict(ok, api_format="json"), "failed", ("declares a DOCTYPE or entities",),
             faults=(fault("body", details, body="xml_billion_laughs"),), attempts={details: 1}),
        Case("commvault", "xml_entity_on_login", dict(ok), "failed", ("declares a DOCTYPE or entities",),
             faults=(fault("body", "Login", body="xml_external_entity"),), attempts={"Login": 1, details: 0}),
        Case("commvault", "huge_refused", dict(ok, max_response_mb=1, retries=3), "failed", ("more than 1 MiB", "raise max_response_mb"),
             faults=(fault("body", details, body="huge", size_mb=2),), attempts={details: 1}),
        Case("commvault", "huge_allowed", dict(ok, max_response_mb=3), faults=(fault("body", details, body="huge", size_mb=2),),
             attempts={details: 1}, check=states(**{"1248": "succeeded"})),
        Case("commvault", "huge_listing_refused", dict(clients=["db01"], max_response_mb=1), "failed", ("more than 1 MiB",),
             faults=(fault("body", "Job", body="huge", size_mb=2),), attempts={"Job": 1, details: 0}),
        Case("commvault", "bulk_listing", dict(clients=["client01.example.com"]), scenario="bulk", password="Cv-P@ss1",
             attempts={"Job": 1}, check=bulk_commvault),
    ]


CASES = nakivo_cases() + commvault_cases()


# ---------------------------------------------------------------- running a matrix


class Outcome:
    """What one case left behind: its task result, its emulator's log, and the whole run it was part of."""

    def __init__(self, case, entry, log, run):
        self.case = case
        self.entry = entry
        self.result = entry["result"] if entry else {}
        self.status = entry["status"] if entry else None
        self.log = log
        self.run = run

    def calls(self, name):
        return [e for e in self.log if e["call"] == name]


def start_emulator(case):
    scenario = case.scenario if case.scenario is not None else (nk_scenario() if case.vendor == "nakivo" else cv_scenario())
    if isinstance(scenario, str):
        scenario = str(SCENARIOS / (scenario + ".yml"))
    emu = Emulator(scenario, **case.emulator).start()
    for spec in case.faults:
        emu.add_fault(**spec)
    return emu


def _resolve(value, emu, other_ca):
    if value == "@ca":
        return emu.ca_path
    if value == "@other_ca":
        return other_ca
    return value


def host_vars(case, emu, other_ca=None):
    """The task's options for one case: connection (url, credentials) plus the case's own."""
    url = emu.url + (CV_ROOT if case.vendor == "commvault" else "")
    if case.args.get("url") == "@other_scheme":  # http:// to a TLS port, https:// to a plain one
        url = ("http://" if url.startswith("https://") else "https://") + url.split("://", 1)[1]
    options = dict(url=url, username="admin", password=case.password or (NK_PASSWORD if case.vendor == "nakivo" else CV_PASSWORD))
    options.update({key: value for key, value in case.args.items() if value != "@other_scheme"})
    options = {key: _resolve(value, emu, other_ca) for key, value in options.items() if value is not None}
    return dict(case_options=options, case_env={key: _resolve(value, emu, other_ca) for key, value in case.env.items()})


class ClockDriver(threading.Thread):
    """Moves an emulator's job clock past every running job once its log holds ``n`` requests of ``call``."""

    def __init__(self, pairs):
        super().__init__(daemon=True)
        self.pairs = list(pairs)
        self.done = threading.Event()

    def run(self):
        while self.pairs and not self.done.wait(0.05):
            for pair in list(self.pairs):
                emu, (call, count) = pair
                if sum(1 for e in emu.log if e["call"] == call) >= count:
                    emu.advance(JUMP)
                    self.pairs.remove(pair)


def run_matrix(cases, workdir, *cli, other_ca=None, forks=None, env=None):
    """Run ``cases`` (one vendor) as hosts of one playbook, ``env`` added to ansible's; returns {case id: Outcome}."""
    vendors = {case.vendor for case in cases}
    assert len(vendors) == 1, vendors
    module = MODULES[vendors.pop()]
    workdir.mkdir(parents=True, exist_ok=True)
    emulators = {}
    driver = None
    try:
        for case in cases:
            emulators[case.id] = start_emulator(case)
        inventory = dict(all=dict(children=dict(matrix=dict(hosts={
            case.host: host_vars(case, emulators[case.id], other_ca) for case in cases}))))
        keys = sorted({key for case in cases for key in host_vars(case, emulators[case.id], other_ca)["case_options"]})
        task = {"name": "case", "environment": "{{ case_env }}",
                module: {key: "{{ case_options.%s | default(omit) }}" % key for key in keys}}
        play = [dict(name="fault matrix", hosts="matrix", gather_facts=False, tasks=[task])]
        (workdir / "inventory.json").write_text(json.dumps(inventory, indent=1))
        (workdir / "play.json").write_text(json.dumps(play, indent=1))
        driver = ClockDriver((emulators[case.id], case.finish_after) for case in cases if case.finish_after)
        driver.start()
        results = workdir / "results.json"
        environment = base_env(workdir, BACKUPOPS_RESULTS=results, **(env or {}))
        command = [str(VENV_BIN / "ansible-playbook"), "-i", str(workdir / "inventory.json"), "-c", "local",
                   "-f", str(forks or len(cases)), str(workdir / "play.json")] + list(cli)
        completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600, check=False)
        run = Run(command, completed, results)
        entries = {e["host"]: e for e in run.entries if e["task"] == "case"}
        return {case.id: Outcome(case, entries.get(case.host), emulators[case.id].log, run) for case in cases}
    finally:
        if driver is not None:
            driver.done.set()
        for emu in emulators.values():
            emu.stop()


def secrets_of(logs):
    """Every secret of runs with these emulator logs: passwords (plain and base64), NAKIVO cookies, Commvault tokens (hex part)."""
    found = {NK_PASSWORD, CV_PASSWORD, NK_WRONG, CV_WRONG, "Nakivo-P@ss1", "Cv-P@ss1", CV_PRESET.split(" ", 1)[1]}
    found |= {base64.b64encode(secret.encode()).decode() for secret in set(found)}
    for log in logs:
        for entry in log:
            headers = entry["headers"]
            for part in (headers.get("Cookie") or "").split(";"):
                if "=" in part and part.split("=", 1)[1].strip():
                    found.add(part.split("=", 1)[1].strip())
            token = (headers.get("Authtoken") or "").strip()
            if token:
                found.add(token.split(" ", 1)[-1])
    return found


def check_outcome(outcome):
    """Every promise of one case; returns nothing, raises AssertionError naming the case."""
    case, result = outcome.case, outcome.result
    where = "%s: status=%s result=%s" % (case.id, outcome.status, json.dumps(result)[:1500])
    assert outcome.entry is not None, "%s: no task result at all\n%r" % (case.id, outcome.run)
    text = json.dumps(result)
    assert "Traceback" not in text and "MODULE FAILURE" not in text and not result.get("module_stderr"), where
    # ansible-core 2.19+ adds exception: "(traceback unavailable)" to every fail_json; a real traceback is what must not be there.
    assert "most recent call last" not in str(result.get("exception") or ""), where
    if case.expect == "ok":
        assert outcome.status == "ok", where
    else:
        assert outcome.status == "failed", where
        for words in case.words:
            assert words in result.get("msg", ""), "%s: %r not in msg" % (where, words)
    for call, count in case.attempts.items():
        assert len(outcome.calls(call)) == count, "%s: %d %s request(s), expected %d: %s" % (
            case.id, len(outcome.calls(call)), call, count, [(e["status"], e["fault"]) for e in outcome.calls(call)])
    for call, expected in case.statuses.items():
        assert [e["status"] for e in outcome.calls(call)] == expected, "%s: %s statuses %s" % (
            case.id, call, [e["status"] for e in outcome.calls(call)])
    if case.check is not None:
        case.check(result, outcome.log)
    for text in EXPANSIONS:
        assert text not in outcome.run.output and text not in json.dumps(result), "%s: %r in the output" % (case.id, text)


TOKEN_HEX = CV_PRESET.split(" ", 1)[1]
# ansible-core 2.21 adds the invocation block to results only when asked (older releases always do): ask, to check it.
LOUD_ENV = dict(ANSIBLE_INJECT_INVOCATION="true")
NO_PASSWORD = dict(username=None, password=None)

# Runs beyond the fault matrix: a token given by the user (as an option, bare, and expiring), a tenant, check mode.
EXTRA = [
    Case("commvault", "given_token_option", dict(job_ids=[1248], auth_token=CV_PRESET, **NO_PASSWORD),
         attempts={"Login": 0, "Logout": 0}, check=states(**{"1248": "succeeded"})),
    Case("commvault", "given_bare_token_expiring", dict(job_ids=[1248], auth_token=TOKEN_HEX, **NO_PASSWORD), "failed",
         ("rejected the token (HTTP 401)",), faults=(fault("expire_session", "JobDetails"),), attempts={"Login": 0}),
    Case("nakivo", "tenant_by_name", dict(tenant="acme", allow_missing=True, names=["*"]),
         scenario=nk_scenario(tenants=[dict(uuid="3a0b6c9e-5d7f-4e2a-9c1b-8f6e4d2a7b10", name="acme",
                                            jobs=[dict(id=7, name="Acme", type="BACKUP", objects=[dict(name="a1")], runs=[])])])),
]
ALL = CASES + EXTRA


def assert_no_secret(secrets, **texts):
    for where, text in texts.items():
        leaked = sorted(secret for secret in secrets if secret in text)
        assert not leaked, "%s holds %s" % (where, leaked)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """{vendor: {case id: Outcome}}, each vendor's cases run once (in one playbook, at -vvvv) on first use."""
    done = {}

    def get(vendor):
        if vendor not in done:
            done[vendor] = run_matrix([case for case in ALL if case.vendor == vendor], tmp_path_factory.mktemp("faults-" + vendor),
                                      "-vvvv", env=LOUD_ENV)
        return done[vendor]

    return get


@pytest.mark.parametrize("case", ALL, ids=[case.id for case in ALL])
def test_fault_case(matrix, case):
    outcome = matrix(case.vendor)[case.id]
    check_outcome(outcome)
    # At -vvvv too, each result is clean of its own case's secrets.
    assert_no_secret(secrets_of([outcome.log]), result=json.dumps(outcome.entry))


@pytest.mark.parametrize("vendor", sorted(MODULES))
def test_the_run_as_a_whole(matrix, vendor):
    outcomes = matrix(vendor)
    run = next(iter(outcomes.values())).run
    # Some cases must fail: ansible-playbook reports failed hosts (2), never an internal error or an unreachable host.
    assert run.rc == 2, run
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output, run
    assert sorted(e["host"] for e in run.entries) == sorted(o.case.host for o in outcomes.values())
    # Every request the modules made was answered or ended: nothing still in flight on any emulator.
    for outcome in outcomes.values():
        assert all(e["status"] is not None or e["fault"] for e in outcome.log), outcome.case.id


@pytest.mark.parametrize("vendor", sorted(MODULES))
def test_no_secret_anywhere_at_vvvv(matrix, vendor):
    outcomes = matrix(vendor)
    secrets = secrets_of(o.log for o in outcomes.values())
    # The run saw real session material: cookies (NAKIVO) or tokens (Commvault) beyond the fixed secrets.
    learned = {s for o in outcomes.values() for e in o.log for s in secrets if s in json.dumps(e["headers"])}
    assert learned - {TOKEN_HEX}, "no cookie or token seen on the wire"
    run = next(iter(outcomes.values())).run
    assert "<localhost>" in run.stdout or "ESTABLISH LOCAL CONNECTION" in run.stdout, "not at -vvvv?"
    assert_no_secret(secrets, stdout=run.stdout, stderr=run.stderr, entries=json.dumps(run.entries))
    for outcome in outcomes.values():
        invocation = outcome.result.get("invocation", {}).get("module_args", {})
        assert invocation, "%s: no invocation block to check" % outcome.case.id
        for option in ("password", "auth_token"):
            assert invocation.get(option) in (None, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"), (outcome.case.id, option)
