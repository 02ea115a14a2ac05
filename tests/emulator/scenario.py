"""Scenarios of the emulator: loading, validation, and job timelines on the job clock.

A scenario is a YAML file (or the same structure as a dict). Every key is optional unless marked
"required"; an unknown key is an error, so a typo never goes unnoticed. Times written as `start`,
`appears_at`, `next_run_in` are seconds on the JOB CLOCK: 0 is the moment the emulator started (or was
reset), negative is before it. The job clock runs with real time; `advance(seconds)` moves it on.
Absolute dates are the wall clock at start/reset plus job-clock seconds, so "start: -7200" is really
two hours ago.

nakivo:
  users: [{username: admin, password: admin, blocked_ms: 0}]   # default: admin/admin; blocked_ms>0 = locked that long
  lockout_after: 5             # failed logins in a row before FAIL_BLOCKED_WAIT (0 = never)
  lockout_ms: 300000           # how long such a lockout lasts
  session_cookie: JSESSIONID
  session_idle_timeout: 600    # seconds idle (job clock) before a session dies
  remember_me_timeout: 1209600 # idle timeout of sessions made with remember_me true
  lost_session: exception      # exception | http401: answer to a call that needs a session and has none
  unknown_job: omit            # omit | exception | null: getJobInfo/getJobShortInfo for an id that does not exist
  date_format: offset          # z | offset | offset_nocolon
  utc_offset: "+00:00"         # offset of the Director's dates, e.g. "+07:00" (ignored by z)
  cr_state_after_run: waiting  # waiting (WAITING_SCHEDULE/WAITING_DEMAND) | result (OK/FAILED/STOPPED) when idle after a run
  tenants_key: children        # children | items: where getTenants puts its list
  license: {installed: true, client: Example Corp, expires_in: 31536000, sockets: 0}
                               # LicensingManagement.getLicenseInfo; expires_in: job-clock seconds until it expires
  jobs: [JOB...]               # the Director's own jobs
  groups: [{id: 2, name: Web, parent: 1}]   # sub-groups; 1 is the root group "Jobs"
  generate: GEN | [GEN...]     # many jobs at once, see below
  tenants: [{uuid: "...", name: "...", jobs: [...], groups: [...], generate: ...}]

  JOB: {id: 1 (required), name (required), type: BACKUP, hv_type: VMWARE, enabled: true, group: 1,
        objects: [{name (required), size_bytes: 42949672960, disks: 1, power_state: ON, source_vid}],
        schedules: [{type: DAILY, enabled: true, next_run_in: 3600, every: 1, every_type: HOUR,
                     timezone: (default "UTC", or "UTC+HH:MM" after utc_offset)}],
        runs: [RUN...], run_duration: 5, run_result: OK,    # what JobManagement.run starts
        status: null (GREEN/YELLOW/RED/GRAY: overrides the colour), storage, transporter,
        retention: {retentionMode: RULESET, maxCount: 10, ...}}
  RUN: {start (required), duration: 600 (null = never finishes), result: OK|FAILED|STOPPED
        (default: FAILED if an object failed, else STOPPED if one stopped, else OK),
        objects: {object name: SUCCEEDED|FAILED|STOPPED|SKIPPED|UNTOUCHED} (unlisted objects SUCCEEDED when
        the map is given; without a map every object follows result), data_kb, adhoc: false}
        UNTOUCHED: the run never reached the object. Its lrState (and its other lr* figures) stay those of
        the latest earlier finished run that reached it (null when none did); the job's lrVmOk/lrVmFailed/
        lrVmStopped, the default result, lrDataKb and the per-object data split count only reached objects;
        while the run is in progress the object stays WAITING, and a stop leaves it UNTOUCHED.
  GEN: {count (required), first_id (default: next free id), name: "Generated job {id}", type: BACKUP,
        objects: 1 (per job, named gen-{id}-{n}.example.com), results: [OK] (cycled), last_run_start: -7200,
        duration: 600, schedule: DAILY (null = none), group: 1, running_every: 0 (every Nth job is running now)}

commvault:
  users: [{username: admin, password: admin, domain: null}]   # default admin/admin; DOMAIN\\user logs in a domain user
  preset_tokens: []            # tokens valid from the start, e.g. "QSDK 0123..."
  token_idle_timeout: 1800
  unauthorized_body: text      # empty | text | json: body of a 401
  unknown_job: errlist         # errlist | empty: JobDetails for an id that does not exist
  json_job_details: ok         # ok | root_error | empty: how an old server treats a JSON JobDetails body
  wrap_job_detail: false       # JSON JobDetails wrapped in {"JobManager_JobDetailResponse": ...}
  json_style: native           # native | xml_converted: JSON job lists and JobDetails as older servers convert their XML
                               # (wrapped in the root element, "@"-keys with text values, a single item not in a list)
  progress_state_when_done: true   # a finished job's JobDetails still carries progressInfo.state
  renew_expired_token: true    # RenewLoginToken also renews a token that idled out (never one logged out)
  webconsole_redirect: null    # {status: 301|302|307|308, host: null}: /webconsole/api/... answers a redirect to
                               # /commandcenter/api/... on the same host, or on `host` (same port) when given
  commserv: {name: cs01, hostname: cs01.example.com, version: "11.36.12", time_zone: "(UTC) Coordinated Universal Time"}
  status_case: as_is           # as_is | lower | upper | spaced (lower case with doubled spaces)
  clients: [{name: db01.example.com, id: 11}]   # clients not listed get ids from 1001 up
  jobs: [CVJOB...]
  generate: CVGEN | [CVGEN...]

  CVJOB: {id (required), client (required), client_id (default: from clients), subclient: default,
          backupset: defaultBackupSet, app: Windows File System (Virtual Server with vms),
          instance: DefaultInstanceName (VMware with vms), type: Backup, backup_type: (see type),
          start: -3600, duration: 300 (null = never finishes), appears_at: start (invisible before),
          status_pending: Pending (between appears_at and start), status_running: Running, result: Completed,
          pending_reason: "", size_bytes: 45633966, files: 75, started_by: admin, media_agent: ma01,
          storage_policy: SP-Default, final_percent: 100 for Completed*/Committed else 40, dest_client,
          vms: [{name (required), status: 0|1|2, failure_reason: "", size_bytes, guid, backup_end: null}]}
    type: free text; the kinds the gate's tests use are Backup, Synthetic Full, Snap Backup (the backup
          kinds), Restore, Aux Copy and Data Verification. jobSummary.jobType and generalInfo.operationType/
          jobType carry it; GET Job without jobFilter lists the backup kinds, jobFilter= (empty) every kind,
          else the kinds named (case, spaces and "_" ignored; SYNTHFULL = Synthetic Full). Only Backup has
          the Scan/Backup/Archive Index phases; any other kind has one phase named after it.
    backup_type: default Incremental for Backup and Snap Backup, Synthetic Full for Synthetic Full, else N/A.
    dest_client: default the client; always destClientName in the listing, and in JobDetails
          generalInfo.destinationClient for a kind that is not a backup kind (backup kinds: id 0, name "").
    backup_end: a stale VM entry, one this job did not process: job-clock seconds (may be negative, must be
          before the job's start) of the earlier backup it shows. Its BackupEndTime is that time,
          BackupStartTime one VM slot earlier (the job's duration shared among the VMs it did process), and
          Status is `status` (default 0) in every phase of the job; the other VMs share the job's window.
  CVGEN: {count (required), first_id, clients: [names] or client_count: 3, type: Backup, app, results:
          [Completed] (cycled), start: -86400 (first job), spacing: 60, duration: 300, size_bytes}

faults: [FAULT...]             # armed at start and after every reset; see faults.py
description: "..."             # free text
"""

import copy
import hashlib
import os
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field

import yaml

from .faults import FaultSpecError, normalize_fault

NAKIVO_JOB_TYPES = (
    "REPLICATION", "BACKUP", "RECOVERY_VMS", "RECOVERY_FILES", "RECOVERY_OBJECTS", "BACKUP_COPY",
    "FLASH_BOOT", "REPLICA_FAILOVER", "SITE_RECOVERY",
)
NAKIVO_RUN_RESULTS = ("OK", "FAILED", "STOPPED")
# UNTOUCHED is the scenario's word for an object the run never reached; the Director has no such state.
UNTOUCHED = "UNTOUCHED"
NAKIVO_OBJECT_RESULTS = ("SUCCEEDED", "FAILED", "STOPPED", "SKIPPED", UNTOUCHED)
NAKIVO_SCHEDULE_TYPES = ("DAILY", "PERIODICALLY", "NONE", "MONTHLY_YEARLY", "TRIGGER")
NAKIVO_COLOURS = ("GREEN", "YELLOW", "RED", "GRAY")
ROOT_GROUP_ID = 1
# A run that never finishes still shows progress; it creeps towards 99 % over this many seconds.
FOREVER_NOMINAL_SECONDS = 3600.0
_EVERY_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}
_COMPLETE_STATUSES = ("completed", "committed")
# Commvault job kinds that back a subclient up; the others act on jobs already written, or restore.
COMMVAULT_BACKUP_KINDS = ("Backup", "Synthetic Full", "Snap Backup")
_MISSING = object()


class ScenarioError(ValueError):
    """The scenario does not follow the schema; the message starts with the path of the offending key."""


def _kind_ok(value, kind):
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


class _Mapping:
    """One mapping of the scenario: typed reads with defaults, then a check that no unknown key (a typo) is left."""

    def __init__(self, data, path):
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ScenarioError(f"{path}: expected a mapping, got {type(data).__name__}")
        self.data = data
        self.path = path
        self._used = set()

    def fail(self, key, message):
        raise ScenarioError(f"{self.path}.{key}: {message}")

    def get(self, key, default=None, *, kind=None, nullable=False, required=False, minimum=None):
        self._used.add(key)
        if key not in self.data:
            if required:
                self.fail(key, "is required")
            return default
        value = self.data[key]
        if value is None:
            if not nullable:
                self.fail(key, "must not be null")
            return None
        if kind is not None and not _kind_ok(value, kind):
            names = " or ".join(one.__name__ for one in (kind if isinstance(kind, tuple) else (kind,)))
            self.fail(key, f"expected {names}, got {value!r}")
        if minimum is not None and value < minimum:
            self.fail(key, f"must be >= {minimum}, got {value!r}")
        return value

    def choice(self, key, choices, default):
        value = self.get(key, default, kind=str)
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
        return self.fail(key, f"must be one of {', '.join(choices)}, got {value!r}")

    def mapping(self, key):
        return _Mapping(self.get(key, None, nullable=True), f"{self.path}.{key}")

    def items(self, key):
        """The entries of a list-valued key, each with its path; a single mapping counts as a list of one."""
        value = self.get(key, None, nullable=True)
        if value is None:
            return []
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {type(value).__name__}")
        return [(entry, f"{self.path}.{key}[{index}]") for index, entry in enumerate(value)]

    def done(self):
        unknown = sorted(str(key) for key in set(self.data) - self._used)
        if unknown:
            raise ScenarioError(f"{self.path}: unknown key(s) {', '.join(unknown)}")


def stable_number(text, modulo=90000, base=10000):
    """A number derived from a name, the same in every run, for plausible vids and ids."""
    return base + zlib.crc32(text.encode("utf-8")) % modulo


def stable_uuid(text):
    return str(uuid.UUID(bytes=hashlib.sha256(text.encode("utf-8")).digest()[:16]))


# ---------------------------------------------------------------- job clock

class JobClock:
    """The emulator's job clock: seconds since start or reset, real time plus whatever advance() added."""

    def __init__(self):
        self._lock = threading.Lock()
        self._mono_zero = time.monotonic()
        self._wall_zero = time.time()
        self._advanced = 0.0

    def restart(self):
        with self._lock:
            self._mono_zero = time.monotonic()
            self._wall_zero = time.time()
            self._advanced = 0.0

    def now(self):
        return time.monotonic() - self._mono_zero + self._advanced

    def advance(self, seconds):
        with self._lock:
            self._advanced += float(seconds)
        return self.now()

    def wall(self, job_seconds):
        """Unix time of a job-clock second."""
        return self._wall_zero + job_seconds


# ---------------------------------------------------------------- NAKIVO

@dataclass
class NakivoObject:
    """A VM or host that a NAKIVO job protects."""

    name: str
    size_bytes: int
    disks: int
    power_state: str
    source_vid: str


@dataclass
class NakivoSchedule:
    """One schedule of a NAKIVO job; next_run_in is on the job clock."""

    type: str
    enabled: bool
    next_run_in: float
    every: int
    every_type: str
    timezone: str | None
    position: int

    def period(self):
        if self.type == "DAILY":
            return 86400.0
        if self.type == "PERIODICALLY":
            return float(self.every * _EVERY_SECONDS[self.every_type])
        if self.type == "MONTHLY_YEARLY":
            return 30 * 86400.0
        return None

    def next_run(self, now):
        """Job-clock second of the next run after `now`, rolling on by the period; None when it never fires by time."""
        period = self.period()
        if not self.enabled or period is None:
            return None
        when = self.next_run_in
        if when <= now:
            when += (int((now - when) // period) + 1) * period
        return when


@dataclass
class NakivoRun:
    """One run of a NAKIVO job on the job clock; duration None never finishes."""

    start: float
    duration: float | None
    result: str
    objects: dict
    data_kb: int | None
    adhoc: bool = False

    @property
    def end(self):
        return None if self.duration is None else self.start + self.duration

    def is_active(self, now):
        return self.start <= now and (self.end is None or now < self.end)

    def is_finished(self, now):
        return self.end is not None and self.end <= now

    def fraction(self, now):
        """How far the run has got, 0 to 0.99 while it runs."""
        span = self.duration if self.duration else FOREVER_NOMINAL_SECONDS
        return min(max(now - self.start, 0.0) / span, 0.99)

    def object_result(self, name):
        if name in self.objects:
            return self.objects[name]
        if self.objects:
            return "SUCCEEDED"
        return {"OK": "SUCCEEDED", "FAILED": "FAILED", "STOPPED": "STOPPED"}[self.result]

    def reached(self, name):
        return self.object_result(name) != UNTOUCHED


@dataclass
class NakivoJob:
    """A NAKIVO job and its runs; its state at any job-clock second follows from them."""

    id: int
    name: str
    type: str
    hv_type: str
    enabled: bool
    group: int
    objects: list
    schedules: list
    runs: list
    run_duration: float | None
    run_result: str
    status: str | None
    storage: str
    transporter: str
    retention: dict

    def current_run(self, now):
        active = [run for run in self.runs if run.is_active(now)]
        return max(active, key=lambda run: run.start) if active else None

    def finished_runs(self, now):
        return [run for run in self.runs if run.is_finished(now)]

    def last_run(self, now, reaching=None):
        """The latest finished run; with `reaching`, the latest that reached that object."""
        finished = [run for run in self.finished_runs(now) if reaching is None or run.reached(reaching)]
        return max(finished, key=lambda run: (run.end, run.start)) if finished else None

    def has_enabled_schedule(self):
        return self.enabled and any(schedule.enabled and schedule.type != "NONE" for schedule in self.schedules)

    def object_states(self, run, now):
        """Per object (state, progress) while `run` is in progress: done objects show their result, one runs, the rest wait."""
        # The run goes through the objects it reaches one after another; the others wait to the end.
        reached = {name: index for index, name in enumerate(obj.name for obj in self.objects if run.reached(obj.name))}
        done_upto = run.fraction(now) * (len(reached) or 1)
        states = []
        for obj in self.objects:
            index = reached.get(obj.name)
            if index is not None and index + 1 <= done_upto:
                result = run.object_result(obj.name)
                states.append((result if result in ("FAILED", "SKIPPED") else "SUCCEEDED", 100))
            elif index is not None and index <= done_upto:
                states.append(("RUNNING", int((done_upto - index) * 100)))
            else:
                states.append(("WAITING", 0))
        return states


@dataclass
class NakivoGroup:
    """A job group; parent None is the root group."""

    id: int
    name: str
    parent: int | None


@dataclass
class NakivoSpace:
    """The jobs and groups one login sees: the Director's own, or one tenant's."""

    jobs: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)


@dataclass
class NakivoTenant:
    """A tenant of a multi-tenant Director, with its own jobs."""

    uuid: str
    name: str
    space: NakivoSpace


@dataclass
class NakivoUser:
    """A Director (master admin) login."""

    username: str
    password: str
    blocked_ms: int


@dataclass
class NakivoConfig:
    """The nakivo section of a scenario."""

    users: list
    lockout_after: int
    lockout_ms: int
    session_cookie: str
    session_idle_timeout: float
    remember_me_timeout: float
    lost_session: str
    unknown_job: str
    date_format: str
    utc_offset: str
    cr_state_after_run: str
    tenants_key: str
    root: NakivoSpace
    tenants: dict
    license: dict = field(default_factory=dict)


def _parse_nakivo_run(entry, path, job_objects):
    section = _Mapping(entry, path)
    objects = {}
    for name, result in (section.get("objects", {}, kind=dict) or {}).items():
        if name not in job_objects:
            section.fail("objects", f"{name!r} is not one of the job's objects")
        if not isinstance(result, str) or result.upper() not in NAKIVO_OBJECT_RESULTS:
            section.fail("objects", f"{name}: must be one of {', '.join(NAKIVO_OBJECT_RESULTS)}, got {result!r}")
        objects[name] = result.upper()
    # UNTOUCHED counts as neither: the default result follows the objects the run reached.
    default_result = "FAILED" if "FAILED" in objects.values() else "STOPPED" if "STOPPED" in objects.values() else "OK"
    run = NakivoRun(
        start=float(section.get("start", kind=float, required=True)),
        duration=section.get("duration", 600, kind=float, nullable=True, minimum=0),
        result=section.choice("result", NAKIVO_RUN_RESULTS, default_result),
        objects=objects,
        data_kb=section.get("data_kb", None, kind=int, nullable=True, minimum=0),
        adhoc=section.get("adhoc", False, kind=bool),
    )
    section.done()
    return run


def _parse_nakivo_schedule(entry, path, position):
    section = _Mapping(entry, path)
    schedule = NakivoSchedule(
        type=section.choice("type", NAKIVO_SCHEDULE_TYPES, "DAILY"),
        enabled=section.get("enabled", True, kind=bool),
        next_run_in=float(section.get("next_run_in", 3600, kind=float)),
        every=section.get("every", 1, kind=int, minimum=1),
        every_type=section.choice("every_type", tuple(_EVERY_SECONDS), "HOUR"),
        timezone=section.get("timezone", None, kind=str, nullable=True),
        position=position,
    )
    section.done()
    return schedule


def _parse_nakivo_job(entry, path):
    section = _Mapping(entry, path)
    job_id = section.get("id", kind=int, required=True, minimum=1)
    objects = []
    for obj_entry, obj_path in section.items("objects"):
        obj = _Mapping(obj_entry, obj_path)
        name = obj.get("name", kind=str, required=True)
        objects.append(NakivoObject(
            name=name,
            size_bytes=obj.get("size_bytes", 40 * 1024 ** 3, kind=int, minimum=0),
            disks=obj.get("disks", 1, kind=int, minimum=0),
            power_state=obj.choice("power_state", ("ON", "OFF", "SUSPENDED", "UNKNOWN"), "ON"),
            source_vid=obj.get("source_vid", f"vm-{stable_number(name)}", kind=str),
        ))
        obj.done()
    names = {obj.name for obj in objects}
    runs = sorted((_parse_nakivo_run(run, run_path, names) for run, run_path in section.items("runs")), key=lambda run: run.start)
    for earlier, later in zip(runs, runs[1:]):
        if earlier.end is None or earlier.end > later.start:
            section.fail("runs", f"run starting at {later.start} overlaps the run starting at {earlier.start}")
    status = section.get("status", None, kind=str, nullable=True)
    if status is not None and status.upper() not in NAKIVO_COLOURS:
        section.fail("status", f"must be one of {', '.join(NAKIVO_COLOURS)}")
    job = NakivoJob(
        id=job_id,
        name=section.get("name", kind=str, required=True),
        type=section.choice("type", NAKIVO_JOB_TYPES, "BACKUP"),
        hv_type=section.get("hv_type", "VMWARE", kind=str),
        enabled=section.get("enabled", True, kind=bool),
        group=section.get("group", ROOT_GROUP_ID, kind=int),
        objects=objects,
        schedules=[_parse_nakivo_schedule(item, item_path, index + 1) for index, (item, item_path) in enumerate(section.items("schedules"))],
        runs=runs,
        run_duration=section.get("run_duration", 5, kind=float, nullable=True, minimum=0),
        run_result=section.choice("run_result", NAKIVO_RUN_RESULTS, "OK"),
        status=status.upper() if status else None,
        storage=section.get("storage", "Onboard repository", kind=str),
        transporter=section.get("transporter", "Onboard transporter", kind=str),
        retention=section.get("retention", {}, kind=dict),
    )
    section.done()
    return job


def _generate_nakivo_jobs(entry, path, taken):
    section = _Mapping(entry, path)
    count = section.get("count", kind=int, required=True, minimum=0)
    first_id = section.get("first_id", max(taken, default=0) + 1, kind=int, minimum=1)
    name_format = section.get("name", "Generated job {id}", kind=str)
    job_type = section.choice("type", NAKIVO_JOB_TYPES, "BACKUP")
    per_job = section.get("objects", 1, kind=int, minimum=0)
    results = section.get("results", ["OK"], kind=list)
    last_start = float(section.get("last_run_start", -7200, kind=float))
    duration = float(section.get("duration", 600, kind=float, minimum=0))
    schedule = section.get("schedule", "DAILY", kind=str, nullable=True)
    group = section.get("group", ROOT_GROUP_ID, kind=int)
    running_every = section.get("running_every", 0, kind=int, minimum=0)
    section.done()
    if not results or any(not isinstance(result, str) or result.upper() not in NAKIVO_RUN_RESULTS for result in results):
        raise ScenarioError(f"{path}.results: a non-empty list of {', '.join(NAKIVO_RUN_RESULTS)}")
    jobs = []
    for index in range(count):
        job_id = first_id + index
        runs = [{"start": last_start - index, "duration": duration, "result": results[index % len(results)].upper()}]
        if running_every and (index + 1) % running_every == 0:
            runs.append({"start": 0, "duration": None})
        jobs.append({
            "id": job_id, "name": name_format.format(id=job_id, index=index), "type": job_type, "group": group,
            "objects": [{"name": f"gen-{job_id}-{number}.example.com"} for number in range(1, per_job + 1)],
            "schedules": [{"type": schedule, "next_run_in": 3600 + index}] if schedule else [],
            "runs": runs,
        })
    return jobs


def _parse_nakivo_space(section):
    space = NakivoSpace()
    space.groups[ROOT_GROUP_ID] = NakivoGroup(ROOT_GROUP_ID, "Jobs", None)
    for entry, path in section.items("groups"):
        group = _Mapping(entry, path)
        group_id = group.get("id", kind=int, required=True, minimum=1)
        if group_id in space.groups:
            group.fail("id", f"group {group_id} is defined twice (1 is the root group)")
        space.groups[group_id] = NakivoGroup(group_id, group.get("name", kind=str, required=True), group.get("parent", ROOT_GROUP_ID, kind=int))
        group.done()
    for group in space.groups.values():
        if group.parent is not None and group.parent not in space.groups:
            raise ScenarioError(f"{section.path}.groups: group {group.id} has unknown parent {group.parent}")
    raw_jobs = list(section.items("jobs"))
    taken = {entry.get("id") for entry, _path in raw_jobs if isinstance(entry, dict)}
    for entry, path in section.items("generate"):
        generated = _generate_nakivo_jobs(entry, path, {job_id for job_id in taken if isinstance(job_id, int)})
        raw_jobs.extend((job, f"{path}#{job['id']}") for job in generated)
        taken.update(job["id"] for job in generated)
    for entry, path in raw_jobs:
        job = _parse_nakivo_job(entry, path)
        if job.id in space.jobs:
            raise ScenarioError(f"{path}.id: job id {job.id} is used twice")
        if job.group not in space.groups:
            raise ScenarioError(f"{path}.group: unknown group {job.group}")
        space.jobs[job.id] = job
    return space


def _parse_nakivo(data):
    section = _Mapping(data, "nakivo")
    users = []
    for entry, path in section.items("users") if "users" in section.data else [({"username": "admin", "password": "admin"}, "nakivo.users[0]")]:
        user = _Mapping(entry, path)
        users.append(NakivoUser(user.get("username", kind=str, required=True), str(user.get("password", "", kind=(str, int))),
                                user.get("blocked_ms", 0, kind=int, minimum=0)))
        user.done()
    utc_offset = section.get("utc_offset", "+00:00", kind=str)
    if len(utc_offset) != 6 or utc_offset[0] not in "+-" or utc_offset[3] != ":" or not (utc_offset[1:3] + utc_offset[4:]).isdigit():
        section.fail("utc_offset", f"expected +HH:MM, got {utc_offset!r}")
    tenants = {}
    for entry, path in section.items("tenants"):
        tenant = _Mapping(entry, path)
        tenant_uuid = tenant.get("uuid", kind=str, required=True)
        tenants[tenant_uuid] = NakivoTenant(tenant_uuid, tenant.get("name", kind=str, required=True), _parse_nakivo_space(tenant))
        tenant.done()
    config = NakivoConfig(
        users=users,
        lockout_after=section.get("lockout_after", 5, kind=int, minimum=0),
        lockout_ms=section.get("lockout_ms", 300000, kind=int, minimum=0),
        session_cookie=section.get("session_cookie", "JSESSIONID", kind=str),
        session_idle_timeout=float(section.get("session_idle_timeout", 600, kind=float, minimum=0)),
        remember_me_timeout=float(section.get("remember_me_timeout", 14 * 86400, kind=float, minimum=0)),
        lost_session=section.choice("lost_session", ("exception", "http401"), "exception"),
        unknown_job=section.choice("unknown_job", ("omit", "exception", "null"), "omit"),
        date_format=section.choice("date_format", ("z", "offset", "offset_nocolon"), "offset"),
        utc_offset=utc_offset,
        cr_state_after_run=section.choice("cr_state_after_run", ("waiting", "result"), "waiting"),
        tenants_key=section.choice("tenants_key", ("children", "items"), "children"),
        root=_parse_nakivo_space(section),
        tenants=tenants,
        license=_parse_nakivo_license(section.mapping("license")),
    )
    section.done()
    return config


def _parse_nakivo_license(section):
    license_info = {
        "installed": section.get("installed", True, kind=bool),
        "client": section.get("client", "Example Corp", kind=str),
        "expires_in": float(section.get("expires_in", 365 * 86400, kind=float)),
        "sockets": section.get("sockets", 0, kind=int, minimum=0),
    }
    section.done()
    return license_info


# ---------------------------------------------------------------- Commvault

@dataclass
class CommvaultVm:
    """A VM of a Virtual Server job; status 0 success, 1 failed, 2 partial; backup_end set = a stale entry from an earlier job."""

    name: str
    status: int
    failure_reason: str
    size_bytes: int
    guid: str
    backup_end: float | None = None


@dataclass
class CommvaultJob:
    """A Commvault job: one run, visible from appears_at, pending until start, running, then done."""

    id: int
    client: str
    client_id: int
    subclient: str
    backupset: str
    app: str
    instance: str
    type: str
    backup_type: str
    start: float
    duration: float | None
    appears_at: float
    status_pending: str
    status_running: str
    result: str
    pending_reason: str
    size_bytes: int
    files: int
    started_by: str
    media_agent: str
    storage_policy: str
    final_percent: int
    dest_client: str
    vms: list

    @property
    def end(self):
        return None if self.duration is None else self.start + self.duration

    @property
    def is_backup(self):
        return commvault_kind(self.type) in {commvault_kind(kind) for kind in COMMVAULT_BACKUP_KINDS}

    def phase(self, now):
        """hidden (not yet visible), pending (visible, not started), running, or done."""
        if now < self.appears_at:
            return "hidden"
        if now < self.start:
            return "pending"
        if self.end is None or now < self.end:
            return "running"
        return "done"

    def status(self, now):
        """The status in canonical case and spacing (status_case is applied when formatting)."""
        return {"pending": self.status_pending, "running": self.status_running, "done": self.result}.get(self.phase(now), "")

    def fraction(self, now):
        span = self.duration if self.duration else FOREVER_NOMINAL_SECONDS
        return min(max(now - self.start, 0.0) / span, 0.99)

    def percent(self, now):
        phase = self.phase(now)
        if phase == "done":
            return self.final_percent
        return int(self.fraction(now) * 100) if phase == "running" else 0

    def vm_windows(self, now):
        """Per VM: (vm, status code as shown now, job-clock start or None, end or None); VMs are backed up one after another."""
        span = self.duration if self.duration is not None else FOREVER_NOMINAL_SECONDS
        slot = span / (sum(1 for vm in self.vms if vm.backup_end is None) or 1)
        phase = self.phase(now)
        windows = []
        index = 0
        for vm in self.vms:
            if vm.backup_end is not None:
                # A stale entry shows the earlier backup whatever this job is doing.
                windows.append((vm, vm.status, vm.backup_end - slot, vm.backup_end))
                continue
            vm_start = self.start + slot * index
            vm_end = self.start + slot * (index + 1)
            if phase == "done" or (phase == "running" and now >= vm_end):
                windows.append((vm, vm.status, vm_start, vm_end))
            elif phase == "running" and now >= vm_start:
                windows.append((vm, 3, vm_start, None))
            else:
                windows.append((vm, 3, None, None))
            index += 1
        return windows


@dataclass
class CommvaultUser:
    """A Web Server login; domain users log in as DOMAIN\\user or with a domain field."""

    username: str
    password: str
    domain: str | None


@dataclass
class CommvaultConfig:
    """The commvault section of a scenario."""

    users: list
    preset_tokens: list
    token_idle_timeout: float
    unauthorized_body: str
    unknown_job: str
    json_job_details: str
    wrap_job_detail: bool
    progress_state_when_done: bool
    status_case: str
    clients: dict
    jobs: dict
    renew_expired_token: bool = True
    json_style: str = "native"
    webconsole_redirect: dict | None = None
    commserv: dict = field(default_factory=dict)


def _default_final_percent(result):
    return 100 if result.lower().startswith(_COMPLETE_STATUSES) else 40


def commvault_kind(text):
    """A job kind as a key that ignores case, spaces and underscores: "Synthetic Full", "SyntheticFull" and "SYNTHETIC_FULL" agree."""
    return text.replace(" ", "").replace("_", "").lower()


def _default_backup_type(job_type):
    kind = commvault_kind(job_type)
    if kind == commvault_kind("Synthetic Full"):
        return "Synthetic Full"
    return "Incremental" if kind in (commvault_kind("Backup"), commvault_kind("Snap Backup")) else "N/A"


def _parse_commvault_vm(entry, path, job_start):
    vm = _Mapping(entry, path)
    name = vm.get("name", kind=str, required=True)
    status = vm.get("status", 0, kind=int)
    if status not in (0, 1, 2):
        vm.fail("status", "0 (success), 1 (failed) or 2 (partial)")
    backup_end = vm.get("backup_end", None, kind=float, nullable=True)
    if backup_end is not None and backup_end >= job_start:
        vm.fail("backup_end", f"must be before the job's start ({job_start:g}), got {backup_end!r}")
    parsed = CommvaultVm(name, status, vm.get("failure_reason", "", kind=str), vm.get("size_bytes", 5396461258, kind=int, minimum=0),
                         vm.get("guid", stable_uuid(name), kind=str), None if backup_end is None else float(backup_end))
    vm.done()
    return parsed


def _parse_commvault_job(entry, path, clients):
    section = _Mapping(entry, path)
    client = section.get("client", kind=str, required=True)
    client_id = section.get("client_id", None, kind=int, nullable=True)
    if client_id is None:
        client_id = clients.setdefault(client, 1001 + len(clients))
    start = float(section.get("start", -3600, kind=float))
    result = section.get("result", "Completed", kind=str)
    vms = [_parse_commvault_vm(vm_entry, vm_path, start) for vm_entry, vm_path in section.items("vms")]
    job_type = section.get("type", "Backup", kind=str)
    job = CommvaultJob(
        id=section.get("id", kind=int, required=True, minimum=1),
        client=client,
        client_id=client_id,
        subclient=section.get("subclient", "default", kind=str),
        backupset=section.get("backupset", "defaultBackupSet", kind=str),
        app=section.get("app", "Virtual Server" if vms else "Windows File System", kind=str),
        instance=section.get("instance", "VMware" if vms else "DefaultInstanceName", kind=str),
        type=job_type,
        backup_type=section.get("backup_type", _default_backup_type(job_type), kind=str),
        start=start,
        duration=section.get("duration", 300, kind=float, nullable=True, minimum=0),
        appears_at=float(section.get("appears_at", start, kind=float)),
        status_pending=section.get("status_pending", "Pending", kind=str),
        status_running=section.get("status_running", "Running", kind=str),
        result=result,
        pending_reason=section.get("pending_reason", "", kind=str),
        size_bytes=section.get("size_bytes", 45633966, kind=int, minimum=0),
        files=section.get("files", 75, kind=int, minimum=0),
        started_by=section.get("started_by", "admin", kind=str),
        media_agent=section.get("media_agent", "ma01", kind=str),
        storage_policy=section.get("storage_policy", "SP-Default", kind=str),
        final_percent=section.get("final_percent", _default_final_percent(result), kind=int, minimum=0),
        dest_client=section.get("dest_client", client, kind=str),
        vms=vms,
    )
    section.done()
    if job.appears_at > job.start:
        raise ScenarioError(f"{path}.appears_at: must not be after start")
    return job


def _generate_commvault_jobs(entry, path, taken):
    section = _Mapping(entry, path)
    count = section.get("count", kind=int, required=True, minimum=0)
    first_id = section.get("first_id", max(taken, default=1000) + 1, kind=int, minimum=1)
    client_count = section.get("client_count", 3, kind=int, minimum=1)
    clients = section.get("clients", [f"client{number:02d}.example.com" for number in range(1, client_count + 1)], kind=list)
    job_type = section.get("type", "Backup", kind=str)
    app = section.get("app", "Windows File System", kind=str)
    results = section.get("results", ["Completed"], kind=list)
    start = float(section.get("start", -86400, kind=float))
    spacing = float(section.get("spacing", 60, kind=float))
    duration = float(section.get("duration", 300, kind=float, minimum=0))
    size_bytes = section.get("size_bytes", 45633966, kind=int, minimum=0)
    section.done()
    if not clients or not results:
        raise ScenarioError(f"{path}: clients and results must not be empty")
    return [{
        "id": first_id + index, "client": str(clients[index % len(clients)]), "type": job_type, "app": app,
        "result": str(results[index % len(results)]), "start": start + index * spacing, "duration": duration,
        "size_bytes": size_bytes,
    } for index in range(count)]


def _parse_commvault(data):
    section = _Mapping(data, "commvault")
    users = []
    for entry, path in section.items("users") if "users" in section.data else [({"username": "admin", "password": "admin"}, "commvault.users[0]")]:
        user = _Mapping(entry, path)
        users.append(CommvaultUser(user.get("username", kind=str, required=True), str(user.get("password", "", kind=(str, int))),
                                   user.get("domain", None, kind=str, nullable=True)))
        user.done()
    clients = {}
    for entry, path in section.items("clients"):
        client = _Mapping(entry, path)
        clients[client.get("name", kind=str, required=True)] = client.get("id", 1001 + len(clients), kind=int)
        client.done()
    raw_jobs = list(section.items("jobs"))
    taken = {entry.get("id") for entry, _path in raw_jobs if isinstance(entry, dict) and isinstance(entry.get("id"), int)}
    for entry, path in section.items("generate"):
        generated = _generate_commvault_jobs(entry, path, taken)
        raw_jobs.extend((job, f"{path}#{job['id']}") for job in generated)
        taken.update(job["id"] for job in generated)
    jobs = {}
    for entry, path in raw_jobs:
        job = _parse_commvault_job(entry, path, clients)
        if job.id in jobs:
            raise ScenarioError(f"{path}.id: job id {job.id} is used twice")
        jobs[job.id] = job
    tokens = section.get("preset_tokens", [], kind=list)
    if any(not isinstance(token, str) or not token.strip() for token in tokens):
        section.fail("preset_tokens", "a list of token strings")
    config = CommvaultConfig(
        users=users,
        preset_tokens=[token.strip() for token in tokens],
        token_idle_timeout=float(section.get("token_idle_timeout", 1800, kind=float, minimum=0)),
        unauthorized_body=section.choice("unauthorized_body", ("empty", "text", "json"), "text"),
        unknown_job=section.choice("unknown_job", ("errlist", "empty"), "errlist"),
        json_job_details=section.choice("json_job_details", ("ok", "root_error", "empty"), "ok"),
        wrap_job_detail=section.get("wrap_job_detail", False, kind=bool),
        progress_state_when_done=section.get("progress_state_when_done", True, kind=bool),
        status_case=section.choice("status_case", ("as_is", "lower", "upper", "spaced"), "as_is"),
        clients=clients,
        jobs=jobs,
        renew_expired_token=section.get("renew_expired_token", True, kind=bool),
        json_style=section.choice("json_style", ("native", "xml_converted"), "native"),
        webconsole_redirect=_parse_redirect(section),
        commserv=_parse_commserv(section.mapping("commserv")),
    )
    section.done()
    return config


def _parse_redirect(section):
    if section.get("webconsole_redirect", None, nullable=True) is None:
        return None
    redirect = section.mapping("webconsole_redirect")
    status = redirect.get("status", 308, kind=int)
    if status not in (301, 302, 303, 307, 308):
        redirect.fail("status", f"a redirect status (301, 302, 303, 307, 308), got {status!r}")
    parsed = {"status": status, "host": redirect.get("host", None, kind=str, nullable=True)}
    redirect.done()
    return parsed


def _parse_commserv(section):
    commserv = {
        "name": section.get("name", "cs01", kind=str),
        "hostname": section.get("hostname", "cs01.example.com", kind=str),
        "version": section.get("version", "11.36.12", kind=str),
        "time_zone": section.get("time_zone", "(UTC) Coordinated Universal Time", kind=str),
    }
    if len(commserv["version"].split(".")) != 3 or not all(part.isdigit() for part in commserv["version"].split(".")):
        section.fail("version", f"expected release.feature.maintenance numbers such as 11.36.12, got {commserv['version']!r}")
    section.done()
    return commserv


# ---------------------------------------------------------------- whole scenario

@dataclass
class Scenario:
    """A validated scenario. `raw` keeps the source so that reset() can rebuild a fresh copy of every job."""

    nakivo: NakivoConfig
    commvault: CommvaultConfig
    faults: list
    raw: dict
    source: str | None = None

    def fresh(self):
        """A new Scenario from the same source, with no run added or stopped since loading."""
        return _build(self.raw, self.source)


def _build(raw, source):
    top = _Mapping(copy.deepcopy(raw), "scenario")
    nakivo = _parse_nakivo(top.get("nakivo", None, nullable=True))
    commvault = _parse_commvault(top.get("commvault", None, nullable=True))
    faults = []
    for entry, path in top.items("faults"):
        try:
            faults.append(normalize_fault(entry))
        except FaultSpecError as error:
            raise ScenarioError(f"{path}: {error}") from None
    top.get("description", None, kind=str, nullable=True)
    top.done()
    return Scenario(nakivo, commvault, faults, raw, source)


def load_scenario(source):
    """Load and validate a scenario from a dict, a YAML file path, or a name under scenarios/ ("basic" or "basic.yml")."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        return _build(copy.deepcopy(source), None)
    path = os.fspath(source)
    if not os.path.exists(path):
        bundled = os.path.join(os.path.dirname(__file__), "scenarios", path if path.endswith((".yml", ".yaml")) else path + ".yml")
        if os.path.exists(bundled):
            path = bundled
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping at the top")
    return _build(raw, path)
