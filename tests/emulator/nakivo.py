"""NAKIVO Backup & Replication Director emulation: the JSON-RPC router, sessions, tenants and job records."""

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .exchange import html_reply, json_reply
from .scenario import ROOT_GROUP_ID, UNTOUCHED, NakivoRun, stable_number

ROUTER_RE = re.compile(r"^(?:/t/(?P<tenant>[^/]+))?/c/router/?$")
LOGIN = ("AuthenticationManagement", "login")
# Calls that answer without a session.
PUBLIC_CALLS = {LOGIN, ("AuthenticationManagement", "isLogged"), ("AuthenticationManagement", "logoutCurrentUser")}
SESSION_LOST_MESSAGE = "Session expired or user is not logged in"
_COLOURS = {"OK": "GREEN", "FAILED": "RED", "STOPPED": "YELLOW"}
_RETENTION_DEFAULTS = {"retentionMode": "RULESET", "maxCount": 10, "keepDayCount": 10, "keepWeekCount": 4, "keepMonthCount": 12, "keepYearCount": 3}
_REPOSITORY_BYTES = 4 * 1024 ** 4
_RUNNING_SPEED = 104857600
# Without a data_kb in the run, a run moves this share of what it protects (an incremental).
_INCREMENTAL_SHARE = 0.05


@dataclass
class _Session:
    session_id: str
    username: str
    last_used: float
    timeout: float


@dataclass
class _Call:
    """One rpc call being answered: its envelope and what it may use."""

    envelope: dict
    request: object
    session: object
    tenant: object
    space: object
    blocked_wait_ms: object
    set_cookies: list = field(default_factory=list)

    @property
    def data(self):
        return self.envelope.get("data")


class RpcError(Exception):
    """Ends one call with an exception envelope."""

    def __init__(self, message, cause="IllegalArgumentException"):
        super().__init__(message)
        self.message = message
        self.cause = cause


def _int_list(value, what):
    if not isinstance(value, list):
        raise RpcError(f"Invalid parameters: {what} must be a list of job IDs")
    ids = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, str)) or not str(item).lstrip("-").isdigit():
            raise RpcError(f"Invalid parameters: {item!r} is not a job ID")
        ids.append(int(item))
    return ids


def _stopped_object(run, name, state):
    """What a stop leaves of one object: its result when done, untouched when the run was never going to reach it, else STOPPED."""
    if not run.reached(name):
        return UNTOUCHED
    return state if state in ("SUCCEEDED", "FAILED", "SKIPPED") else "STOPPED"


class NakivoService:
    """The Director's router on /c/router and /t/<tenant uuid>/c/router."""

    vendor = "nakivo"

    def __init__(self, config, clock, tls):
        self.clock = clock
        self.tls = tls
        self._lock = threading.RLock()
        self.config = config
        self._tz = timezone.utc
        self._sessions = {}
        self._failures = {}
        self._blocked_until = {}
        self._methods = {
            LOGIN: self._login,
            ("AuthenticationManagement", "logoutCurrentUser"): self._logout,
            ("AuthenticationManagement", "isLogged"): self._is_logged,
            ("JobSummaryManagement", "getJobInfo"): self._get_job_info,
            ("JobSummaryManagement", "getJobShortInfo"): self._get_job_short_info,
            ("JobSummaryManagement", "getGroupInfo"): self._get_group_info,
            ("MultitenancyManagement", "getTenants"): self._get_tenants,
            ("JobManagement", "run"): self._run_jobs,
            ("JobManagement", "stop"): self._stop_jobs,
            ("JobManagement", "enable"): self._enable_job,
            ("LicensingManagement", "getLicenseInfo"): self._get_license_info,
        }
        self.reset(config)

    def reset(self, config):
        """Take a fresh config: no session, no failed login, users blocked as the scenario says."""
        with self._lock:
            self.config = config
            sign = -1 if config.utc_offset.startswith("-") else 1
            self._tz = timezone(sign * timedelta(hours=int(config.utc_offset[1:3]), minutes=int(config.utc_offset[4:6])))
            self._sessions.clear()
            self._failures.clear()
            self._blocked_until.clear()
            now = self.clock.now()
            for user in config.users:
                if user.blocked_ms:
                    self._blocked_until[user.username] = now + user.blocked_ms / 1000.0

    # ------------------------------------------------------------ request plumbing

    @staticmethod
    def owns(path):
        return ROUTER_RE.match(path) is not None

    def identify(self, request):
        """Parse the envelope(s) and name the call and tenant for the log and for fault matching."""
        request.tenant = ROUTER_RE.match(request.path).group("tenant")
        try:
            parsed = json.loads(request.body) if request.body.strip() else None
        except ValueError:
            parsed = None
        envelopes = parsed if isinstance(parsed, list) else [parsed]
        if not envelopes or not all(isinstance(env, dict) for env in envelopes):
            request.parsed = None
            return
        request.parsed = (isinstance(parsed, list), envelopes)
        request.call = ",".join(f"{env.get('action')}.{env.get('method')}" for env in envelopes)

    def _session_id(self, request):
        for part in (request.header("Cookie") or "").split(";"):
            name, _sep, value = part.strip().partition("=")
            if name == self.config.session_cookie and value:
                return value.strip('"')
        return None

    def _live_session(self, request, touch):
        with self._lock:
            session_id = self._session_id(request)
            session = self._sessions.get(session_id)
            if session is None:
                return None
            now = self.clock.now()
            if now - session.last_used > session.timeout:
                del self._sessions[session_id]
                return None
            if touch:
                session.last_used = now
            return session

    def is_authenticated(self, request):
        return self._live_session(request, touch=False) is not None

    def expire_carried(self, request):
        with self._lock:
            self._sessions.pop(self._session_id(request), None)

    def expire_all(self):
        with self._lock:
            self._sessions.clear()

    def handle(self, request, blocked_wait_ms=None):
        """Answer one router request; a JSON array body is a batch and gets an array back."""
        if request.method != "POST":
            return html_reply(405, "The router only answers POST")
        session = self._live_session(request, touch=True)
        request.authenticated = session is not None
        if request.parsed is None:
            return json_reply(self._exception({}, "Invalid request: the body is not a JSON-RPC envelope", "JsonParseException"))
        is_batch, envelopes = request.parsed
        tenant = None
        if request.tenant is not None:
            tenant = self.config.tenants.get(request.tenant)
            if tenant is None:
                replies = [self._exception(env, "Tenant not found", "TenantNotFoundException") for env in envelopes]
                return json_reply(replies if is_batch else replies[0])
        space = tenant.space if tenant else self.config.root
        if session is None and self.config.lost_session == "http401":
            if any((env.get("action"), env.get("method")) not in PUBLIC_CALLS for env in envelopes):
                return html_reply(401, SESSION_LOST_MESSAGE)
        replies = []
        cookies = []
        for env in envelopes:
            call = _Call(env, request, session, tenant, space, blocked_wait_ms)
            replies.append(self._dispatch(call))
            cookies.extend(call.set_cookies)
        return json_reply(replies if is_batch else replies[0], headers=[("Set-Cookie", cookie) for cookie in cookies])

    def _dispatch(self, call):
        key = (call.envelope.get("action"), call.envelope.get("method"))
        if call.session is None and key not in PUBLIC_CALLS:
            return self._exception(call.envelope, SESSION_LOST_MESSAGE, "SessionExpiredException")
        method = self._methods.get(key)
        if method is None:
            return self._exception(call.envelope, f"Method {key[0]}.{key[1]} is not found", "MethodNotFoundException")
        try:
            return self._rpc(call.envelope, method(call))
        except RpcError as error:
            return self._exception(call.envelope, error.message, error.cause)

    @staticmethod
    def _rpc(env, data):
        tid = env.get("tid")
        return {"action": env.get("action"), "method": env.get("method"), "tid": None if tid is None else str(tid), "type": "rpc",
                "message": None, "where": None, "cause": None, "data": data}

    @staticmethod
    def _exception(env, message, cause):
        tid = env.get("tid")
        return {"action": env.get("action"), "method": env.get("method"), "tid": None if tid is None else str(tid), "type": "exception",
                "message": message, "where": f"{env.get('action')}.{env.get('method')}", "cause": cause, "data": None}

    # ------------------------------------------------------------ authentication

    def _login(self, call):
        if call.request.tenant is not None:
            raise RpcError("Login is not allowed on a tenant path: log in on the Director's /c/router", "AccessDeniedException")
        data = call.data
        if not isinstance(data, list) or len(data) < 2 or not all(isinstance(item, str) for item in data[:2]):
            raise RpcError("Invalid parameters: expected [username, password, rememberMe]")
        username, password = data[0], data[1]
        remember = len(data) > 2 and bool(data[2])
        with self._lock:
            now = self.clock.now()
            failures = self._failures.get(username, 0)
            if call.blocked_wait_ms is not None:
                return self._blocked(failures, int(call.blocked_wait_ms))
            blocked_until = self._blocked_until.get(username)
            if blocked_until is not None and now < blocked_until:
                return self._blocked(failures, int((blocked_until - now) * 1000))
            if blocked_until is not None:
                del self._blocked_until[username]
                failures = self._failures[username] = 0
            user = next((user for user in self.config.users if user.username == username), None)
            if user is None or user.password != password:
                failures += 1
                self._failures[username] = failures
                if self.config.lockout_after and failures >= self.config.lockout_after:
                    self._blocked_until[username] = now + self.config.lockout_ms / 1000.0
                return {"result": "FAIL_OTHER", "reason": "Incorrect user name or password", "userInfo": None,
                        "canTry": {"failedAttempts": failures, "waitTimeLeft": 0}}
            self._failures.pop(username, None)
            session_id = secrets.token_hex(16).upper()
            timeout = self.config.remember_me_timeout if remember else self.config.session_idle_timeout
            self._sessions[session_id] = _Session(session_id, username, now, timeout)
        cookie = f"{self.config.session_cookie}={session_id}; Path=/; HttpOnly"
        call.set_cookies.append(cookie + "; Secure" if self.tls else cookie)
        index = self.config.users.index(user)
        return {"result": "OK", "reason": None, "canTry": None, "userInfo": {
            "id": index + 1, "name": user.username, "login": user.username, "email": f"{user.username}@example.com",
            "role": "MASTER_ADMIN", "rememberMe": remember, "isMasterAdmin": True, "tenantUuid": None,
            "lastLoginDate": self.format_date(now), "timezoneOffsetMs": int(self._tz.utcoffset(None).total_seconds() * 1000),
        }}

    @staticmethod
    def _blocked(failures, wait_ms):
        return {"result": "FAIL_BLOCKED_WAIT", "reason": "Too many failed login attempts. Try again later.", "userInfo": None,
                "canTry": {"failedAttempts": failures, "waitTimeLeft": wait_ms}}

    def _logout(self, call):
        if call.session is not None:
            with self._lock:
                self._sessions.pop(call.session.session_id, None)
        return None

    @staticmethod
    def _is_logged(call):
        return call.session is not None

    # ------------------------------------------------------------ job summary

    def _lookup(self, call, job_ids):
        """The records' jobs in the order asked; unknown ids as unknown_job says (None = a null entry)."""
        jobs = []
        for job_id in job_ids:
            job = call.space.jobs.get(job_id)
            if job is not None:
                jobs.append(job)
            elif self.config.unknown_job == "exception":
                raise RpcError(f"Job with ID {job_id} is not found", "ItemNotFoundException")
            elif self.config.unknown_job == "null":
                jobs.append(None)
        return jobs

    def _get_job_info(self, call):
        data = call.data
        if not isinstance(data, list) or not data:
            raise RpcError("Invalid parameters: expected [[job IDs], clientTimeOffsetToUtc]")
        now = self.clock.now()
        return {"children": [None if job is None else self.job_record(job, now) for job in self._lookup(call, _int_list(data[0], "idList"))]}

    def _get_job_short_info(self, call):
        data = call.data
        if not isinstance(data, list) or not data:
            raise RpcError("Invalid parameters: expected [[job IDs]]")
        now = self.clock.now()
        children = []
        for job in self._lookup(call, _int_list(data[0], "idList")):
            if job is None:
                children.append(None)
                continue
            record = self.job_record(job, now)
            children.append({key: record[key] for key in ("id", "name", "vid", "crState", "lrState", "crProgress", "status", "isEnabled")})
        return {"children": children}

    def _get_group_info(self, call):
        data = call.data if isinstance(call.data, list) else []
        requested = data[0] if data and isinstance(data[0], list) else [None]
        collect = len(data) > 2 and bool(data[2])
        groups = call.space.groups
        chosen = []
        for group_id in requested:
            group_id = ROOT_GROUP_ID if group_id is None else group_id
            if group_id not in groups:
                raise RpcError(f"Group with ID {group_id} is not found", "ItemNotFoundException")
            chosen.append(group_id)
        if collect:
            queue = list(chosen)
            while queue:
                parent = queue.pop(0)
                for child in sorted(group.id for group in groups.values() if group.parent == parent):
                    if child not in chosen:
                        chosen.append(child)
                        queue.append(child)
        now = self.clock.now()
        return {"children": [self._group_record(call.space, groups[group_id], now) for group_id in chosen]}

    def _group_record(self, space, group, now):
        descendants = {group.id}
        changed = True
        while changed:
            before = len(descendants)
            descendants.update(other.id for other in space.groups.values() if other.parent in descendants)
            changed = len(descendants) != before
        jobs = sorted((job for job in space.jobs.values() if job.group in descendants), key=lambda job: job.id)
        last_states = [last.result for last in (job.last_run(now) for job in jobs) if last is not None]
        return {
            "id": group.id, "vid": f"JOB_GROUP-{group.id}", "name": group.name, "parentId": group.parent, "isRoot": group.parent is None,
            "childJobIds": [job.id for job in jobs],
            "immediateChildJobIds": [job.id for job in jobs if job.group == group.id],
            "childGroupIds": sorted(other.id for other in space.groups.values() if other.parent == group.id),
            "jobCount": len(jobs),
            "crJobRunning": sum(1 for job in jobs if job.current_run(now) is not None),
            "lrJobOk": last_states.count("OK"), "lrJobFailed": last_states.count("FAILED"), "lrJobStopped": last_states.count("STOPPED"),
        }

    def _get_tenants(self, call):
        tenants = [call.tenant] if call.tenant is not None else list(self.config.tenants.values())
        children = [{"uuid": tenant.uuid, "name": tenant.name, "id": index + 1, "enabled": True, "jobCount": len(tenant.space.jobs)}
                    for index, tenant in enumerate(tenants)]
        return {self.config.tenants_key: children, "total": len(children)}

    def _get_license_info(self, call):
        """The licence fields nakivo_prometheus_exporter reads (prom_parser.py:72-125); expiresIn in ms from now."""
        del call
        info = self.config.license
        spaces = [self.config.root] + [tenant.space for tenant in self.config.tenants.values()]
        protected = {obj.name for space in spaces for job in space.jobs.values() for obj in job.objects}
        expires_in_ms = max(int((info["expires_in"] - self.clock.now()) * 1000), 0)
        return {
            "installed": info["installed"], "client": info["client"], "type": "SUBSCRIPTION", "usedVms": len(protected),
            "usedSockets": info["sockets"], "usedEc2Instances": 0, "usedPhysicalServers": 0, "usedPhysicalWorkstations": 0,
            "usedOffice365Users": 0, "usedOracleDatabases": 0, "usedMonitoredVms": 0, "expiresIn": expires_in_ms,
        }

    # ------------------------------------------------------------ job control

    def _job_ids_argument(self, call):
        data = call.data
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise RpcError('Invalid parameters: expected [{"jobIds": [...]}]')
        jobs = []
        for job_id in _int_list(data[0].get("jobIds"), "jobIds"):
            if job_id not in call.space.jobs:
                raise RpcError(f"Job with ID {job_id} is not found", "ItemNotFoundException")
            jobs.append(call.space.jobs[job_id])
        return jobs

    def _run_jobs(self, call):
        with self._lock:
            now = self.clock.now()
            for job in self._job_ids_argument(call):
                if job.current_run(now) is None:
                    job.runs.append(NakivoRun(start=now, duration=job.run_duration, result=job.run_result, objects={}, data_kb=None, adhoc=True))
        return None

    def _stop_jobs(self, call):
        with self._lock:
            now = self.clock.now()
            for job in self._job_ids_argument(call):
                run = job.current_run(now)
                if run is None:
                    continue
                states = job.object_states(run, now)
                run.objects = {obj.name: _stopped_object(run, obj.name, state) for obj, (state, _progress) in zip(job.objects, states)}
                run.duration = now - run.start
                run.result = "STOPPED"
        return None

    def _enable_job(self, call):
        data = call.data
        if not isinstance(data, list) or len(data) < 2:
            raise RpcError("Invalid parameters: expected [jobId, enabled]")
        ids = data[0] if isinstance(data[0], list) else [data[0]]
        with self._lock:
            for job_id in _int_list(ids, "jobIds"):
                if job_id not in call.space.jobs:
                    raise RpcError(f"Job with ID {job_id} is not found", "ItemNotFoundException")
                call.space.jobs[job_id].enabled = bool(data[1])
        return None

    # ------------------------------------------------------------ records

    def format_date(self, job_seconds):
        """A job-clock second as the Director writes dates (date_format, utc_offset); None stays None."""
        if job_seconds is None:
            return None
        stamp = self.clock.wall(job_seconds)
        if self.config.date_format == "z":
            moment = datetime.fromtimestamp(stamp, timezone.utc)
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        text = datetime.fromtimestamp(stamp, self._tz).isoformat(timespec="milliseconds")
        return text[:-3] + text[-2:] if self.config.date_format == "offset_nocolon" else text

    @staticmethod
    def _run_data_kb(job, run):
        if run.data_kb is not None:
            return run.data_kb
        moved = sum(obj.size_bytes for obj in job.objects if run.object_result(obj.name) == "SUCCEEDED")
        return int(moved * _INCREMENTAL_SHARE / 1024)

    def _schedule_record(self, job, schedule, now):
        next_run = schedule.next_run(now) if job.enabled else None
        local = datetime.fromtimestamp(self.clock.wall(next_run if next_run is not None else schedule.next_run_in), self._tz)
        offset = self._tz.utcoffset(None)
        monthly = schedule.type == "MONTHLY_YEARLY"
        return {
            "enabled": schedule.enabled, "type": schedule.type, "position": schedule.position,
            "startTime": local.strftime("%I:%M:%S %p"), "endTime": None,
            "timezone": schedule.timezone or (f"UTC{self.config.utc_offset}" if offset else "UTC"),
            "on": 127 if schedule.type == "DAILY" else None,
            "everyType": schedule.every_type if schedule.type in ("PERIODICALLY", "TRIGGER") else None,
            "every": schedule.every if schedule.type in ("PERIODICALLY", "TRIGGER") else None,
            "monthlyEveryType": "DAY" if monthly else None, "dayOfMonth": local.day if monthly else None,
            "dayOfWeek": None, "month": local.month if monthly else None,
            "triggerItem": None, "triggerRunType": "IMMEDIATELY" if schedule.type == "TRIGGER" else None,
            "triggerEvents": ["RUN_SUCCESS"] if schedule.type == "TRIGGER" else [],
            "nextRun": self.format_date(next_run), "effectiveDate": None,
            "triggerItemName": None, "triggerItemTypeName": None,
            "timezoneOffsetMs": int(offset.total_seconds() * 1000),
            "nextRunRelative": None if next_run is None else int((next_run - now) * 1000),
        }

    def _object_last_run(self, job, obj, now):
        """An object's lr* fields: from the latest finished run that reached it, which is older than the job's last run when that one did not."""
        run = job.last_run(now, reaching=obj.name)
        if run is None:
            return {"lrState": None, "lrSpeed": 0, "lrDataTransferredUncompressed": 0, "lrDuration": None, "lrTransporterModes": []}
        # The run's data and time are shared among the objects it reached, never the untouched ones.
        count = sum(1 for other in job.objects if run.reached(other.name)) or 1
        lr_state = run.object_result(obj.name)
        moved_kb = self._run_data_kb(job, run) // count if lr_state == "SUCCEEDED" else 0
        return {
            "lrState": lr_state,
            "lrSpeed": int(moved_kb * 1024 / max(run.duration / count, 1)) if moved_kb else 0,
            "lrDataTransferredUncompressed": moved_kb * 1024,
            "lrDuration": int(run.duration * 1000 / count),
            "lrTransporterModes": ["HOT_ADD"],
        }

    def _object_records(self, job, current, now):
        count = len(job.objects) or 1
        running_states = job.object_states(current, now) if current else None
        idle_state = "SCHEDULED" if job.has_enabled_schedule() else "DEMAND"
        records = []
        for index, obj in enumerate(job.objects):
            cr_state, cr_progress = running_states[index] if running_states else (idle_state, 0)
            records.append({
                "vid": f"JOB_OBJECT-{job.id}-{index + 1}", "sourceVid": obj.source_vid, "sourceName": obj.name,
                "sourcePowerState": obj.power_state, "sourceSubType": f"{job.hv_type}_VM",
                "targetVid": f"BACKUP-{stable_number(obj.name + str(job.id))}", "targetName": obj.name,
                "targetPowerState": None, "targetSubType": "BACKUP" if job.type == "BACKUP" else f"{job.hv_type}_VM",
                "crState": cr_state, "crProgress": cr_progress,
                "crSpeed": _RUNNING_SPEED if cr_state == "RUNNING" else 0,
                "crDataTransferredUncompressed": int(obj.size_bytes * _INCREMENTAL_SHARE * cr_progress / 100) if running_states else 0,
                "crDuration": int(max(now - current.start, 0) * 1000 / count) if running_states and cr_state != "WAITING" else 0,
                "crBandwidthLimit": None, "crTransporterModes": ["HOT_ADD"] if running_states else [],
                **self._object_last_run(job, obj, now), "lrBandwidthLimit": None,
                "verificationState": None, "screenshotName": None, "screenshotPath": None, "flashBootState": None,
            })
        return records

    def job_record(self, job, now):
        """The full getJobInfo record of a job at job-clock second `now`, with every field of the Get Job Info page."""
        current = job.current_run(now)
        last = job.last_run(now)
        finished = job.finished_runs(now)
        if current is not None:
            cr_state = "RUNNING"
        elif last is not None and self.config.cr_state_after_run == "result":
            cr_state = last.result
        else:
            cr_state = "WAITING_SCHEDULE" if job.has_enabled_schedule() else "WAITING_DEMAND"
        objects = self._object_records(job, current, now)
        cr_objects = [record["crState"] for record in objects] if current else []
        # The last run's counts leave out the objects it never reached (their lrState is older).
        lr_objects = [last.object_result(obj.name) for obj in job.objects if last.reached(obj.name)] if last else []
        last_kb = self._run_data_kb(job, last) if last else None
        colour = job.status or ("GRAY" if not job.enabled or last is None else _COLOURS[last.result])
        durations = [run.duration for run in finished]
        return {
            "name": job.name, "id": job.id, "vid": f"JOB-{job.id}", "hvType": job.hv_type,
            "hvTypeBackupCount": {job.hv_type: len(job.objects)}, "hvTypeBackupHasRootDiskCount": {},
            "jobType": job.type, "status": colour, "fromBackup": False,
            "added": self.format_date(-30 * 86400.0), "updated": self.format_date(-2 * 86400.0),
            "vmCount": len(job.objects), "diskCount": sum(obj.disks for obj in job.objects),
            "sourcesSize": sum(obj.size_bytes for obj in job.objects),
            "isEnabled": job.enabled, "isLicensed": True, "isEdited": False, "isLocked": False, "isRemoved": False, "lockReasons": [],
            "averageDurationMs": int(sum(durations) * 1000 / len(durations)) if durations else 0,
            "averageDurationSampleCount": len(durations),
            "crState": cr_state,
            "crDate": self.format_date(current.start) if current else None,
            "crDateRelative": int((now - current.start) * 1000) if current else None,
            "crVmPlanned": len(job.objects) if current else 0,
            "crVmOk": cr_objects.count("SUCCEEDED"), "crVmFailed": cr_objects.count("FAILED"), "crVmStopped": cr_objects.count("STOPPED"),
            "crProgress": int(current.fraction(now) * 100) if current else 0,
            "crAdhoc": bool(current and current.adhoc),
            "crSiteRecoveryRunType": None, "crRecoveryTimeObjectiveType": None, "crRecoveryTimeObjective": None, "crFailoverType": None,
            "crActionExecutions": [],
            "hasLastRun": last is not None,
            "lrState": last.result if last else None,
            "lrDate": self.format_date(last.start) if last else None,
            "lrFinishDate": self.format_date(last.end) if last else None,
            "lrDurationMs": int(last.duration * 1000) if last else None,
            "lrSpeed": int(last_kb * 1024 / last.duration) if last and last.duration else 0,
            "lrDataKb": last_kb,
            "lrVmOk": lr_objects.count("SUCCEEDED"), "lrVmFailed": lr_objects.count("FAILED"), "lrVmStopped": lr_objects.count("STOPPED"),
            "lrAdhoc": bool(last and last.adhoc), "lrCompressionRatio": 2 if last else 0,
            "lrSiteRecoveryRunType": None, "lrRecoveryTimeObjectiveType": None, "lrRecoveryTimeObjective": None, "lrFailoverType": None,
            "lrActionFailed": 0, "lrActionSkipped": 0, "lrActionSucceed": 0, "lrActionStopped": 0, "lrActionExecutions": [],
            "actions": [],
            "recoveryTimeObjectiveType": None, "recoveryTimeObjective": None,
            "preScriptExecutionMode": "NEVER", "preScriptBehavior": "NONE", "preScriptErrorMode": "NONE", "preScriptPath": None,
            "postScriptExecutionMode": "NEVER", "postScriptBehavior": "NONE", "postScriptErrorMode": "NONE", "postScriptPath": None,
            "powerSourceVmsOff": False, "sqlLogTruncationMode": "NONE", "exchangelogTruncationMode": "NONE",
            "fullBackupRunSettingsType": "EVERY", "fullBackupMode": "SYNTHETIC",
            "differentialTrackingMode": "HYPERVISOR", "thinDiskMode": "AUTO", "ebsVolumeMode": "AUTO", "temporaryVolumeType": None,
            "networkAccelerationMode": "NONE", "encryptionMode": "NONE", "applicationAwareMode": "VSS_IGNORE_ERRORS",
            "retentionPolicy": dict(_RETENTION_DEFAULTS, **job.retention),
            "powerVmsOn": False, "generateMac": False, "recoveryType": None, "transporterMode": "AUTO",
            "screenshotVerificationMode": "NEVER",
            "objects": objects,
            "transporters": [{
                "isAuto": True, "usedAsSource": True, "usedAsTarget": True, "maxLoadFactor": 6,
                "currentTotalLoad": 1 if current else 0, "vid": f"TRANSPORTER-{stable_number(job.transporter)}",
                "name": job.transporter, "state": "OK",
            }],
            "storages": [{
                "vid": f"BACKUP_REPOSITORY-{stable_number(job.storage)}", "name": job.storage,
                "size": _REPOSITORY_BYTES, "free": _REPOSITORY_BYTES * 3 // 5, "used": _REPOSITORY_BYTES * 2 // 5,
                "state": "OK", "online": True, "infiniteSize": False, "type": "INCREMENTAL_WITH_FULL_BACKUPS",
            }],
            "schedules": [self._schedule_record(job, schedule, now) for schedule in job.schedules],
        }
