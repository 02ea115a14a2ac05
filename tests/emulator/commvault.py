"""Commvault Web Server emulation: Login/Logout/RenewLoginToken/WhoAmI, JobDetails, the job lists and CommServ, in JSON or XML."""

import base64
import binascii
import json
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

from .exchange import HTML_TYPE, TEXT_TYPE, Reply, html_reply, json_reply, text_reply, xml_reply, xml_text
from .scenario import COMMVAULT_BACKUP_KINDS, commvault_kind, stable_number, stable_uuid

ROOTS = ("/SearchSvc/CVWebService.svc", "/webconsole/api", "/commandcenter/api")
ENDPOINTS = ("Login", "Logout", "RenewLoginToken", "WhoAmI", "JobDetails", "Jobs", "Job", "CommServ")
# The bare root is an endpoint too: cvpysdk accepts a web service only when GET <root>/ answers 200.
PATH_RE = re.compile(
    r"^(?P<root>" + "|".join(re.escape(root) for root in ROOTS) + r")(?:/(?P<endpoint>" + "|".join(ENDPOINTS)
    + r")(?:/(?P<job>\d+))?)?/?$",
    re.IGNORECASE,
)
ROOT_CALL = "Root"
_ENDPOINT_NAMES = {name.lower(): name for name in ENDPOINTS}
_METHODS = {"Login": "POST", "Logout": "POST", "RenewLoginToken": "POST", "WhoAmI": "POST", "JobDetails": "POST", "Jobs": "POST",
            "Job": "GET", "CommServ": "GET", ROOT_CALL: "GET"}
# POST Jobs "category" (cvpysdk job.py:597-601) as the GET Job jobCategory it means.
_JOBS_CATEGORIES = {0: "All", 1: "Active", 2: "Finished"}
REDIRECTED_ROOT, REDIRECT_TARGET_ROOT = "/webconsole/api", "/commandcenter/api"
ROOT_ERROR_MESSAGE = ("JSON root object has multiple properties. The root object must have a single property in order to create "
                      "a valid XML document.")
UNAUTHORIZED_TEXT = "Unauthorized: the authentication token is invalid or has expired."
_BACKUP_LEVELS = {"full": 1, "incremental": 2, "differential": 4, "synthetic full": 64}
# generalInfo.opType by kind; the numbers of the vendor's jobFilter list (Aux Copy without scalable resource allocation).
_OPERATION_TYPES = {"backup": 4, "restore": 3, "syntheticfull": 14, "snapbackup": 59, "dataverification": 82, "auxcopy": 13}
# jobFilter names of the vendor's list that differ from the kind's own name.
_FILTER_ALIASES = {"synthfull": "syntheticfull"}
_BACKUP_PHASES = (("Scan", 0.1), ("Backup", 0.85), ("Archive Index", 0.05))
# Share of the application size that ends up written after deduplication and compression.
_WRITTEN_SHARE = 0.2385
_CLIENT_GROUPS = [{"_type_": 28, "clientGroupId": 1, "clientGroupName": "Infrastructure"}]


def xml_converted(value):
    """JSON as older Web Servers write it from their XML (pinkopy reads both: jobs.py:38-47, 84-105, clients.py:34-37):
    attributes as "@"-keys with text values, an element that occurs once as an object rather than a list of one."""
    if isinstance(value, dict):
        return {key if isinstance(item, (dict, list)) else "@" + key: xml_converted(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [xml_converted(item if isinstance(item, dict) else {"val": item}) for item in value]
        return items[0] if len(items) == 1 else items
    return xml_text(value)


@dataclass
class _Token:
    username: str
    last_used: float
    # Idled out (or expired by a test): refused everywhere, but RenewLoginToken may still renew it.
    expired: bool = False


class CommvaultService:
    """The Web Server's REST API under every web service root."""

    vendor = "commvault"

    def __init__(self, config, clock, tls):
        self.clock = clock
        self.tls = tls
        self._lock = threading.RLock()
        self.config = config
        self._tokens = {}
        self.reset(config)

    def reset(self, config):
        """Take a fresh config: only the preset tokens are valid."""
        with self._lock:
            self.config = config
            self._tokens.clear()
            owner = config.users[0].username if config.users else "admin"
            for token in config.preset_tokens:
                self._tokens[token] = _Token(owner, self.clock.now())

    # ------------------------------------------------------------ request plumbing

    @staticmethod
    def owns(path):
        return PATH_RE.match(path) is not None

    def identify(self, request):
        match = PATH_RE.match(request.path)
        request.call = _ENDPOINT_NAMES[match.group("endpoint").lower()] if match.group("endpoint") else ROOT_CALL
        request.parsed = int(match.group("job")) if match.group("job") else None

    @staticmethod
    def _token_of(request):
        return (request.header("Authtoken") or "").strip()

    def _live_token(self, request, touch):
        with self._lock:
            token = self._token_of(request)
            entry = self._tokens.get(token)
            if entry is None or entry.expired:
                return None
            now = self.clock.now()
            if now - entry.last_used > self.config.token_idle_timeout:
                entry.expired = True
                return None
            if touch:
                entry.last_used = now
            return token

    def _renewable(self, token):
        """The entry of a token RenewLoginToken may renew: a live one, or (renew_expired_token) one that idled out."""
        entry = self._tokens.get(token)
        if entry is None:
            return None
        if entry.expired or self.clock.now() - entry.last_used > self.config.token_idle_timeout:
            entry.expired = True
            return entry if self.config.renew_expired_token else None
        return entry

    def is_authenticated(self, request):
        return self._live_token(request, touch=False) is not None

    def expire_carried(self, request):
        with self._lock:
            entry = self._tokens.get(self._token_of(request))
            if entry is not None:
                entry.expired = True

    def expire_all(self):
        with self._lock:
            for entry in self._tokens.values():
                entry.expired = True

    @staticmethod
    def _wants_xml(request):
        accept = (request.header("Accept") or "").lower()
        xml_at, json_at = accept.find("xml"), accept.find("json")
        return xml_at >= 0 and (json_at < 0 or xml_at < json_at)

    def _reply(self, request, root, payload, status=200):
        """JSON or XML as the Accept header asks; XML puts the payload under `root`."""
        if self._wants_xml(request):
            return xml_reply(root, payload, status)
        return json_reply(payload, status)

    def _unauthorized(self):
        body = self.config.unauthorized_body
        if body == "empty":
            return Reply(401, b"", TEXT_TYPE, "text")
        if body == "json":
            return json_reply({"errorCode": 401, "errorMessage": UNAUTHORIZED_TEXT}, 401)
        return text_reply(UNAUTHORIZED_TEXT, 401)

    def handle(self, request, blocked_wait_ms=None):
        """Answer one request; blocked_wait_ms (a NAKIVO login fault) does not apply here."""
        del blocked_wait_ms
        redirect = self.config.webconsole_redirect
        if redirect is not None and request.path.lower().startswith(REDIRECTED_ROOT):
            return self._redirect(request, redirect)
        endpoint = request.call
        if request.method != _METHODS[endpoint] and not (endpoint == ROOT_CALL and request.method == "HEAD"):
            return html_reply(405, f"{endpoint} answers {_METHODS[endpoint]} only")
        if endpoint == ROOT_CALL:
            # Any 200 will do for cvpysdk (cvpysdk.py:138-147); the Web Server answers its root without a token.
            return Reply(200, b"<html><head><title>Commvault REST API</title></head><body>REST API</body></html>", HTML_TYPE, "html")
        token = self._live_token(request, touch=True)
        request.authenticated = token is not None
        if endpoint == "Login":
            return self._login(request)
        if endpoint == "Logout":
            return self._logout(request)
        if endpoint == "RenewLoginToken":
            return self._renew(request)
        if token is None:
            return self._unauthorized()
        if endpoint == "WhoAmI":
            return self._who_am_i(request, token)
        if endpoint == "JobDetails":
            return self._job_details(request)
        if endpoint == "Jobs":
            return self._jobs_post(request)
        if endpoint == "CommServ":
            return self._commserv(request)
        return self._job_list(request)

    def _redirect(self, request, redirect):
        """webconsole/api moved to commandcenter/api (2024): the same path and query under the new root."""
        host = request.header("Host") or ""
        if redirect["host"]:
            port = host.rsplit(":", 1)[1] if ":" in host.rsplit("]", 1)[-1] else ""
            host = redirect["host"] + (":" + port if port else "")
        query = "?" + urlencode(request.query, doseq=True) if request.query else ""
        location = f"{'https' if self.tls else 'http'}://{host}{REDIRECT_TARGET_ROOT}{request.path[len(REDIRECTED_ROOT):]}{query}"
        return html_reply(redirect["status"], f"Moved to {location}", headers=[("Location", location)])

    # ------------------------------------------------------------ authentication

    @staticmethod
    def _login_fields(request):
        """username, password (still base64) and domain from a JSON or XML login body; None if unreadable."""
        body = request.body.strip()
        try:
            if body.startswith("<"):
                if "<!DOCTYPE" in body.upper():
                    return None
                element = ET.fromstring(body)
                return element.get("username", ""), element.get("password", ""), element.get("domain")
            fields = json.loads(body)
        except (ValueError, ET.ParseError):
            return None
        if not isinstance(fields, dict):
            return None
        return str(fields.get("username") or ""), str(fields.get("password") or ""), fields.get("domain")

    def _find_user(self, username, encoded_password, domain):
        if "\\" in username:
            domain, username = username.split("\\", 1)
        try:
            password = base64.b64decode(encoded_password, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        for user in self.config.users:
            if (user.username.lower() == username.lower() and (user.domain or "").lower() == (domain or "").lower()
                    and user.password == password):
                return user
        return None

    def _login(self, request):
        fields = self._login_fields(request)
        if fields is None:
            error = {"errList": [{"errLogMessage": "Invalid login request", "errorCode": 2}]}
            return self._reply(request, "DM2ContentIndexing_CheckCredentialResp", error, 400)
        user = self._find_user(*fields)
        if user is None:
            error = {"loginAttempts": 1, "remainingLockTime": 0, "errList": [{"errLogMessage": "Invalid Username or Password", "errorCode": 5}]}
            return self._reply(request, "DM2ContentIndexing_CheckCredentialResp", error)
        token = f"QSDK {secrets.token_hex(24)}"
        with self._lock:
            self._tokens[token] = _Token(user.username, self.clock.now())
        shown_name = f"{user.domain}\\{user.username}" if user.domain else user.username
        index = self.config.users.index(user)
        reply = {
            "aliasName": str(index + 1), "userGUID": stable_uuid(shown_name).upper(), "loginAttempts": 0, "remainingLockTime": 0,
            "smtpAddress": f"{user.username}@example.com", "userName": shown_name, "providerType": 2 if user.domain else 1,
            "ccn": 0, "token": token, "capability": 9663676414, "forcePasswordChange": False, "isAccountLocked": False,
            "ownerOrganization": {"providerId": 0, "providerDomainName": "Commcell", "GUID": stable_uuid("Commcell")},
            "errList": [],
        }
        return self._reply(request, "DM2ContentIndexing_CheckCredentialResp", reply)

    def _logout(self, request):
        """A logged-out token is gone for good: not even RenewLoginToken brings it back."""
        with self._lock:
            token = self._live_token(request, touch=False)
            if token is None:
                return text_reply("Invalid authorization token provided.")
            del self._tokens[token]
        return text_reply("User logged out")

    def _renew(self, request):
        """A new token for the user of the token carried and of sessionId (cvpysdk.py:255-262 sends both, after a 401).

        The old token stays valid until it idles out (renewals may race); with renew_expired_token (default) a token that
        idled out is renewed too, as cvpysdk relies on (cvpysdk.py:494-499: it renews the token that just got its 401).
        """
        try:
            fields = json.loads(request.body) if request.body.strip() else {}
        except ValueError:
            fields = {}
        asked = str(fields.get("sessionId") or "").strip() if isinstance(fields, dict) else ""
        new_token = f"QSDK {secrets.token_hex(24)}"
        with self._lock:
            carried = self._renewable(self._token_of(request))
            if carried is None or (asked and self._renewable(asked) is None):
                return self._unauthorized()
            self._tokens[new_token] = _Token(carried.username, self.clock.now())
        return self._reply(request, "App_RenewLoginTokenResponse", {"token": new_token, "userName": carried.username})

    def _who_am_i(self, request, token):
        """The token's user, as cvpysdk reads it for a token login (cvpysdk.py:338-347: user.userName, errorCode 0)."""
        owner = self._tokens[token].username
        index = next((number for number, user in enumerate(self.config.users) if user.username == owner), 0)
        return self._reply(request, "CvEntities_ProcessingInstructionInfo",
                           {"user": {"userName": owner, "userId": index + 1}, "errorCode": 0})

    def _commserv(self, request):
        """GET CommServ with the fields cvpysdk reads (commcell.py:1000-1039); versions as the Web Server writes them."""
        info = self.config.commserv
        release, feature, _maintenance = info["version"].split(".")
        payload = {
            "hostName": info["hostname"], "currentSPVersion": int(feature), "csVersionInfo": info["version"],
            "releaseName": f"{release}.{feature}", "timeZone": f"0:0:{info['time_zone']}",
            "csTimeZone": {"TimeZoneName": info["time_zone"]},
            "commcell": {"commCellName": info["name"], "commCellId": 2, "csGUID": stable_uuid(info["name"]).upper()},
        }
        return self._reply(request, "App_GetCommServResponse", payload)

    # ------------------------------------------------------------ job details

    def _requested_job_id(self, request):
        """The job id from an XML or JSON JobDetails body, or a Reply when the server would answer otherwise."""
        body = request.body.strip()
        if body.startswith("<"):
            if "<!DOCTYPE" in body.upper():
                return self._bad_request(request, "DOCTYPE is not allowed")
            try:
                fields = ET.fromstring(body).attrib
            except ET.ParseError:
                return self._bad_request(request, "The request body is not well-formed XML")
        else:
            try:
                fields = json.loads(body)
            except ValueError:
                return self._bad_request(request, "The request body is not valid JSON")
            if not isinstance(fields, dict):
                return self._bad_request(request, "The request body must be a JSON object")
            mode = self.config.json_job_details
            if mode == "empty":
                return self._empty_detail(request)
            if mode == "root_error" and len(fields) != 1:
                return self._reply(request, "CVGui_GenericResp", {"errorCode": -1, "errorMessage": ROOT_ERROR_MESSAGE})
            if isinstance(fields.get("JobManager_JobDetailRequest"), dict):
                # "@jobId" is the attribute in the .NET JSON-to-XML convention the Web Server reads (pinkopy jobs.py:127-132).
                fields = {key[1:] if key.startswith("@") else key: value for key, value in fields["JobManager_JobDetailRequest"].items()}
            elif mode == "root_error":
                return self._empty_detail(request)
        job_id = fields.get("jobId")
        if isinstance(job_id, bool) or not str(job_id).strip().isdigit():
            return self._bad_request(request, f"Invalid jobId {job_id!r}")
        return int(str(job_id).strip())

    def _bad_request(self, request, message):
        return self._reply(request, "JobManager_JobDetailResponse", {"error": {"errList": [{"errorCode": 2, "errLogMessage": message}]}}, 400)

    def _job_reply(self, request, root, payload):
        """A job list or JobDetails reply; json_style xml_converted writes JSON the way older Web Servers convert their XML."""
        if self._wants_xml(request):
            return xml_reply(root, payload)
        if self.config.json_style == "xml_converted":
            return json_reply({root: xml_converted(payload)})
        return json_reply({root: payload} if self.config.wrap_job_detail and root == "JobManager_JobDetailResponse" else payload)

    def _detail_reply(self, request, payload):
        return self._job_reply(request, "JobManager_JobDetailResponse", payload)

    def _empty_detail(self, request):
        if self._wants_xml(request):
            return xml_reply("JobManager_JobDetailResponse", {})
        return self._detail_reply(request, {"job": {}})

    def _job_details(self, request):
        job_id = self._requested_job_id(request)
        if isinstance(job_id, Reply):
            return job_id
        now = self.clock.now()
        job = self.config.jobs.get(job_id)
        if job is None or job.phase(now) == "hidden":
            if self.config.unknown_job == "empty":
                return self._empty_detail(request)
            message = f"Job ID {job_id} does not exist or you do not have permission"
            return self._detail_reply(request, {"error": {"errList": [{"errorCode": 1, "errLogMessage": message}]}})
        return self._detail_reply(request, {"job": {"jobDetail": self.job_detail(job, now)}})

    def cased(self, status):
        """A status string in the scenario's status_case."""
        mode = self.config.status_case
        if mode == "lower":
            return status.lower()
        if mode == "upper":
            return status.upper()
        if mode == "spaced":
            # Double the first and the last space: "completed  w/ one or more  errors".
            words = status.lower().split()
            if len(words) < 3:
                return "  ".join(words)
            return f"{words[0]}  {' '.join(words[1:-1])}  {words[-1]}"
        return status

    def _wall(self, job_seconds):
        return int(self.clock.wall(job_seconds))

    def _subclient(self, job):
        return {
            "clientName": job.client, "clientId": job.client_id, "displayName": job.client,
            "instanceName": job.instance, "instanceId": stable_number(job.instance, 90, 1),
            "backupsetName": job.backupset, "backupsetId": stable_number(job.client + job.backupset, 9000, 1000),
            "subclientName": job.subclient, "subclientId": stable_number(job.client + job.backupset + job.subclient, 9000, 1000),
            "appName": job.app, "applicationId": 106 if job.app == "Virtual Server" else 33,
        }

    def _phases(self, job):
        if job.type.lower() == "backup":
            return _BACKUP_PHASES
        return ((job.type if job.type.lower() != "restore" else "Restore", 1.0),)

    def _current_phase(self, job, now):
        if job.phase(now) != "running":
            return ""
        fraction = job.fraction(now)
        reached = 0.0
        for name, share in self._phases(job):
            reached += share
            if fraction < reached:
                return name
        return self._phases(job)[-1][0]

    def _attempts(self, job, now):
        phase = job.phase(now)
        if phase in ("hidden", "pending"):
            return []
        span = job.duration if job.duration is not None else 0.0
        attempts = []
        begin = job.start
        phases = self._phases(job)
        current = self._current_phase(job, now)
        for number, (name, share) in enumerate(phases, start=1):
            finish = begin + span * share
            last = number == len(phases)
            if phase == "done":
                status = job.result if last else "Completed"
            elif name == current:
                status = job.status_running
            else:
                status = "Completed"
            ended = phase == "done" or name != current
            attempts.append({
                "attemptNumber": 1, "phaseNumber": number, "phaseName": name, "status": self.cased(status),
                "startTime": self._wall(begin), "endTime": self._wall(finish) if ended else 0,
                "numOfStreams": 1, "mediaAgentName": job.media_agent,
            })
            if name == current:
                break
            begin = finish
        return attempts

    def _vm_status(self, job, now):
        records = []
        for vm, status, vm_start, vm_end in job.vm_windows(now):
            records.append({
                "vmName": vm.name, "Status": str(status), "FailureReason": vm.failure_reason if status == 1 else "",
                "BackupStartTime": str(self._wall(vm_start)) if vm_start is not None else "0",
                "BackupEndTime": str(self._wall(vm_end)) if vm_end is not None else "0",
                "GUID": vm.guid, "Size": str(vm.size_bytes), "UsedSpace": str(int(vm.size_bytes * 0.847)),
                "GuestSize": str(int(vm.size_bytes * 0.967)), "OperatingSystem": "Microsoft Windows Server 2019 (64-bit)",
                "ArchivedByCurrentJob": "0", "CBTStatus": "Used", "BackupType": "2", "Agent": "VSA_proxy01",
                "ToolsVersion": "Running (Current)", "clientId": str(stable_number(vm.name, 9000, 4000)), "Host": "esx01.example.com",
                "HardwareVersion": "vmx-19", "StubStatus": "0", "TransportMode": "hotadd", "PoweredOffByCurrentJob": "0",
                "PoweredOffSince": "0",
            })
        return records

    def job_detail(self, job, now):
        """The jobDetail of a visible job at job-clock second `now`: progressInfo while active, detailInfo once done."""
        phase = job.phase(now)
        status = self.cased(job.status(now))
        started = phase in ("running", "done")
        fraction = 1.0 if phase == "done" else job.fraction(now) if started else 0.0
        size_now = int(job.size_bytes * fraction)
        is_backup = job.is_backup
        general = {
            "agingOn": 0, "vsaParentJobID": 0, "opType": _OPERATION_TYPES.get(commvault_kind(job.type), 0),
            "useScalableResourceAllocation": "No", "readThroughtputInMBPerSec": 0, "writeThroughtputInMBPerSec": 0,
            "totalFilesToDownload": 0, "jobStartedBy": job.started_by, "jobAttributes": 288230376151711744, "jobAttributesEx": 0,
            "backupOption": 0, "priority": 166, "jobId": job.id, "operationType": job.type, "jobType": job.type,
            "verificationType": 2, "scanType": 4, "snapToTapeStatus": 0, "backupType": job.backup_type,
            "jobStartedFrom": "Interactive", "startTime": self._wall(job.start) if started else 0,
            "jobIdActedOn": 0, "pendingReasonErrorCode": "", "mediaInventoryType": 0, "snapDeferredCatalogStatus": 0,
            "dataVerificationType": 3, "softwareCompression": "Storage Policy", "systemState": "No", "encrypted": "No",
            "dataSizeInMB": size_now // (1024 * 1024), "totalNumOfFiles": job.files if phase == "done" else 0,
            "workflow": {"workflowName": ""}, "mediaLibrary": {"libraryId": 0},
            "logStoragePolicy": {"storagePolicyName": "", "storagePolicyId": 0},
            "destInstance": {"instanceName": "", "instanceId": 0},
            "subclient": self._subclient(job), "DDBdetails": {"sidbStoreId": 0},
            "mediaAgent": {"mediaAgentName": job.media_agent},
            "storagePolicy": {"storagePolicyName": job.storage_policy, "storagePolicyId": stable_number(job.storage_policy, 900, 1)},
            "destinationClient": {"clientId": 0 if is_backup else self.config.clients.get(job.dest_client, job.client_id),
                                  "clientName": "" if is_backup else job.dest_client},
            "commcell": {"commCellId": 2},
        }
        detail = {"generalInfo": general}
        elapsed = int(max(now - job.start, 0)) if started else 0
        if phase != "done":
            end_estimate = job.start + job.duration if job.duration is not None else None
            detail["progressInfo"] = {
                "reasonForJobDelay": job.pending_reason if phase == "pending" or job.status_running != "Running" else "",
                "state": status, "currentPhase": self._current_phase(job, now), "elapsedTime": elapsed,
                "numOfFilesTransferred": int(job.files * fraction), "sizeOfApplication": size_now, "transferTime": elapsed,
                "estimatedCompletionTime": self._wall(end_estimate) if end_estimate is not None and started else 0,
                "lastJobUpdateTime": self._wall(now) if started else self._wall(job.appears_at),
                "percentComplete": job.percent(now), "currentAttemptThroughput": 12.5 if phase == "running" else 0,
                "averageThroughput": 11.8 if phase == "running" else 0, "failures": "0 Folders, 0 Files",
            }
        else:
            if self.config.progress_state_when_done:
                detail["progressInfo"] = {"reasonForJobDelay": "", "state": status, "numOfFilesTransferred": job.files}
            written = int(job.size_bytes * _WRITTEN_SHARE)
            detail["detailInfo"] = {
                "sizeOfApplication": str(job.size_bytes), "scanFolderFailures": 0, "dataWritten": str(written),
                "numOfObjects": job.files, "scanFileFailures": 0, "startTime": self._wall(job.start), "skippedItems": 0,
                "workflowInputsXml": "", "failures": "0 Folders, 0 Files" if job.final_percent == 100 else f"0 Folders, {max(job.files // 10, 1)} Files",
                "backupFileFailures": 0, "transferTime": str(int(job.duration)), "unCompressedBytes": f"{float(job.size_bytes):.6E}",
                "dataXferedNetwork": str(written + 14016), "backupFolderFailures": 0, "numOfStreams": 4,
                "sizeOfMediaOnDisk": written, "savingsPercent": f"{(1 - _WRITTEN_SHARE) * 100:.2f}",
                "throughPut": f"{job.size_bytes / 1024 ** 3 / max(job.duration / 3600, 1e-9):.2f}", "endTime": self._wall(job.end),
                "compressedBytes": int(job.size_bytes * (_WRITTEN_SHARE - 0.005)),
                "detailThroughput": {"readThroughPut": {"averageThroughput": 2.25}},
                "xmlJobInfo": {"adminJobInfo": {}, "rstJobInfo": {}, "bkpJobInfo": {"genericJobDetails": {"compressionDetails": {"hardwareCompression": 0}}}},
            }
        detail["clientStatusInfo"] = {"clientGroups": _CLIENT_GROUPS, "vmStatus": self._vm_status(job, now)} if job.vms else {"clientGroups": _CLIENT_GROUPS}
        detail["attemptsInfo"] = self._attempts(job, now)
        return detail

    # ------------------------------------------------------------ job list

    def job_summary(self, job, now):
        """One jobSummary of the Job list."""
        phase = job.phase(now)
        started = phase in ("running", "done")
        fraction = 1.0 if phase == "done" else job.fraction(now) if started else 0.0
        canonical = job.status(now)
        size_now = int(job.size_bytes * fraction)
        return {
            "jobId": job.id, "status": self.cased(canonical), "localizedStatus": canonical, "jobType": job.type,
            "localizedOperationName": job.type, "percentComplete": job.percent(now),
            "jobStartTime": self._wall(job.start) if started else 0, "jobEndTime": self._wall(job.end) if phase == "done" else 0,
            "lastUpdateTime": self._wall(job.end if phase == "done" else now if started else job.appears_at),
            "jobElapsedTime": int(min(now, job.end if job.end is not None else now) - job.start) if started else 0,
            "pendingReason": job.pending_reason if phase == "pending" or canonical != "Completed" else "",
            "currentPhaseName": self._current_phase(job, now), "backupLevel": _BACKUP_LEVELS.get(job.backup_type.lower(), 0),
            "backupLevelName": job.backup_type, "appTypeName": job.app, "destClientName": job.dest_client,
            "sizeOfApplication": size_now, "sizeOfMediaOnDisk": int(size_now * _WRITTEN_SHARE), "totalNumOfFiles": int(job.files * fraction),
            "totalFailedFiles": 0, "totalFailedFolders": 0, "percentSavings": round((1 - _WRITTEN_SHARE) * 100, 2),
            "isVisible": True, "isAged": False, "vsaParentJobID": 0, "currentThroughput": 12.5 if phase == "running" else 0.0,
            "userName": {"userName": job.started_by, "userId": 1},
            "subclient": self._subclient(job),
            "storagePolicy": {"storagePolicyName": job.storage_policy, "storagePolicyId": stable_number(job.storage_policy, 900, 1)},
        }

    @staticmethod
    def _query_text(query, name, default=""):
        """A query parameter as text; a repeated parameter reads as its values joined by commas."""
        value = query.get(name)
        if isinstance(value, list):
            value = ",".join(value)
        return (value or default).strip()

    def _wanted_kinds(self, query):
        """The job kinds jobFilter asks for: without it the backup kinds, with an empty one (jobFilter=) every kind (None)."""
        if "jobFilter" not in query:
            return {commvault_kind(kind) for kind in COMMVAULT_BACKUP_KINDS}
        names = [commvault_kind(name.strip()) for name in self._query_text(query, "jobFilter").split(",") if name.strip()]
        return {_FILTER_ALIASES.get(name, name) for name in names} if names else None

    def _selected_jobs(self, query, now):
        jobs = [job for job in self.config.jobs.values() if job.phase(now) != "hidden"]
        category = self._query_text(query, "jobCategory", "All").lower()
        if category == "active":
            jobs = [job for job in jobs if job.phase(now) != "done"]
        elif category == "finished":
            jobs = [job for job in jobs if job.phase(now) == "done"]
        wanted = self._wanted_kinds(query)
        if wanted is not None:
            jobs = [job for job in jobs if commvault_kind(job.type) in wanted]
        lookup = self._query_text(query, "completedJobLookupTime")
        if lookup.isdigit():
            jobs = [job for job in jobs if job.phase(now) != "done" or job.end >= now - int(lookup)]
        client_id = self._query_text(query, "clientId")
        if client_id.lstrip("-").isdigit():
            jobs = [job for job in jobs if job.client_id == int(client_id)]
        return sorted(jobs, key=lambda job: (job.start, job.id), reverse=True)

    @staticmethod
    def _paging_header(request, name, default):
        value = str(request.header(name) or "").strip()
        return int(value) if value.isdigit() else default

    def _jobs_post(self, request):
        """POST Jobs, the job list cvpysdk's JobController reads (job.py:597-638 builds the body, job.py:700-775 reads the reply).

        category 0/1/2, pagingConfig offset/limit sorted by jobId (sortDirection 1 newest first), jobFilter with
        completedJobLookupTime, clientList and jobTypeList (empty: every kind). Same envelope as GET Job.
        """
        try:
            body = json.loads(request.body) if request.body.strip() else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._reply(request, "JobManager_JobListResponse", {"errorCode": 2, "errorMessage": "The request body is not a JSON object"}, 400)
        paging = body.get("pagingConfig") if isinstance(body.get("pagingConfig"), dict) else {}
        job_filter = body.get("jobFilter") if isinstance(body.get("jobFilter"), dict) else {}
        query = {"jobCategory": _JOBS_CATEGORIES.get(body.get("category"), "All"),
                 "jobFilter": ",".join(str(kind) for kind in job_filter.get("jobTypeList") or [])}
        if job_filter.get("completedJobLookupTime") is not None:
            query["completedJobLookupTime"] = str(job_filter["completedJobLookupTime"])
        now = self.clock.now()
        selected = self._selected_jobs(query, now)
        client_ids = {entry.get("clientId") for entry in job_filter.get("clientList") or [] if isinstance(entry, dict)}
        if client_ids:
            selected = [job for job in selected if job.client_id in client_ids]
        selected.sort(key=lambda job: job.id, reverse=paging.get("sortDirection", 1) == 1)
        offset, limit = int(paging.get("offset") or 0), int(paging.get("limit") or 100)
        payload = {"totalRecordsWithoutPaging": len(selected),
                   "jobs": [{"jobSummary": self.job_summary(job, now)} for job in selected[offset:offset + limit]]}
        return self._job_reply(request, "JobManager_JobListResponse", payload)

    def _job_list(self, request):
        now = self.clock.now()
        job_id = request.parsed
        if job_id is not None:
            job = self.config.jobs.get(job_id)
            selected = [job] if job is not None and job.phase(now) != "hidden" else []
            page = selected
        else:
            selected = self._selected_jobs(request.query, now)
            offset = self._paging_header(request, "offset", 0)
            limit = self._paging_header(request, "limit", 100)
            page = selected[offset:offset + limit]
        payload = {"totalRecordsWithoutPaging": len(selected), "jobs": [{"jobSummary": self.job_summary(job, now)} for job in page]}
        return self._job_reply(request, "JobManager_JobListResponse", payload)
