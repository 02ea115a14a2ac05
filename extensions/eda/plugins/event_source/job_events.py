# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source: an event when a NAKIVO or Commvault backup job starts or finishes."""

from __future__ import annotations

DOCUMENTATION = r"""
name: job_events
short_description: Backup job changes of NAKIVO or Commvault as events
version_added: 0.2.0
description:
  - Polls a NAKIVO Director or a Commvault Web Server every O(interval) seconds and puts one event on the
    queue for each change of the selected jobs - a run that started, a run that finished - so that a
    rulebook can open a ticket on a failed backup or start maintenance the moment the backup is done.
  - "Each event is C({backupops: {platform, change, previous_state, job}, meta: {hosts}}). C(change) is
    V(started) or V(finished); C(job) is the collection's job record (docs/job-record.md) without C(raw),
    its C(state) telling how a run ended (V(succeeded), V(warning), V(partial), V(failed), V(stopped));
    C(previous_state) is the state seen at the poll before (null for events of the first poll).
    C(meta.hosts) lists the hosts the job touches, so that C(run_playbook) acts on those hosts only."
  - A run that starts and ends between two polls gives V(finished) (its start or finish time changed).
    A run's finish is reported once. Commvault gives each run its own job id - for a selected client, a new
    id that is active gives V(started), one that is already finished gives V(finished).
  - NAKIVO - each poll is one C(getJobInfo) for every selected job, plus one C(getGroupInfo) when jobs are
    selected by name, by object or not at all. Commvault - each poll is one job listing (C(GET Job), paged),
    plus C(JobDetails) only for the jobs that give an event, or one C(JobDetails) per selected active job id.
  - Runs until cancelled. A server that is down, slow, answers garbage or drops the session is retried with
    a growing pause, each failure logged; the session is kept between polls and renewed when it expires.
    Bad configuration - an unknown option, a bad value, a url that is not http(s), a login the server
    refuses, a certificate that O(ca_path) and O(validate_certs) do not trust, a tenant the Director does not
    have - stops the source at once with one message. A refused login is never tried again, so a wrong
    password cannot lock the account. No secret is ever logged.
  - The HTTP calls run in a worker thread; the event loop is never blocked.
options:
  platform:
    description: The backup server's kind.
    type: str
    required: true
    choices: [nakivo, commvault]
  url:
    description:
      - NAKIVO - base URL of the Director, for example V(https://director.example.com:4443).
      - Commvault - the web service root, for example V(https://cv.example.com/commandcenter/api).
      - If not set, E(NAKIVO_URL) or E(COMMVAULT_URL) is used.
    type: str
  username:
    description: User to log in as. If not set, E(NAKIVO_USERNAME) or E(COMMVAULT_USERNAME) is used.
    type: str
  password:
    description: Password of O(username); never logged. If not set, E(NAKIVO_PASSWORD) or E(COMMVAULT_PASSWORD) is used.
    type: str
  tenant:
    description: NAKIVO only - UUID or exact name of a tenant. If not set, E(NAKIVO_TENANT) is used.
    type: str
  auth_token:
    description: Commvault only - an existing token used instead of a login. If not set, E(COMMVAULT_AUTH_TOKEN) is used.
    type: str
  domain:
    description: Commvault only - directory domain of the user. If not set, E(COMMVAULT_DOMAIN) is used.
    type: str
  validate_certs:
    description: Whether to verify the server's TLS certificate. If not set, E(NAKIVO_VALIDATE_CERTS) or E(COMMVAULT_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description: PEM file of the CA that signed the server's certificate. If not set, E(NAKIVO_CA_PATH) or E(COMMVAULT_CA_PATH) is used.
    type: path
  timeout:
    description: Seconds to wait for each HTTP reply.
    type: float
    default: 30
  retries:
    description: Retries of one HTTP request within a poll (connection errors, timeouts, HTTP 502/503/504); then the poll fails and is tried again later.
    type: int
    default: 3
  max_response_mb:
    description: Largest reply accepted, in MiB.
    type: int
    default: 256
  job_ids:
    description: Ids of the jobs to watch (NAKIVO job ids; Commvault job ids, each one run).
    type: list
    elements: int
  names:
    description: NAKIVO only - job names, without regard to case, wildcards allowed.
    type: list
    elements: str
  protected_objects:
    description: NAKIVO only - names of VMs or hosts; selects the jobs that protect one of them (short and fully qualified names match).
    type: list
    elements: str
  clients:
    description: Commvault only - client names; selects every job of these clients (and restores to them). Wildcards allowed.
    type: list
    elements: str
  api_format:
    description: Commvault only - V(auto) asks in JSON and falls back to XML for older Web Servers.
    type: str
    choices: [auto, json, xml]
    default: auto
  commcell_id:
    description: Commvault only - CommCell id sent with each C(JobDetails) request.
    type: int
  concurrency:
    description: Commvault only - how many C(JobDetails) requests run at once.
    type: int
    default: 8
  interval:
    description: Seconds between two polls.
    type: float
    default: 60
  emit_initial:
    description:
      - With V(false), the states found at start give no event; only changes after it do.
      - With V(true), the first poll gives V(started) for every active job and V(finished) for every job
        that has run (C(previous_state) null).
    type: bool
    default: false
  lookback:
    description:
      - At start, runs that finished within this many seconds before are reported once as V(finished), so
        that a restarted activation does not lose a failure. 0 reports none.
      - The activation that ran before may have reported them already - rules should not mind a repeat.
    type: float
    default: 0
notes:
  - O(job_ids), O(names), O(protected_objects) and O(clients) combine as a union; with none of them, every
    job of the Director (or tenant), or every job the Commvault listing shows.
  - A selection that matches nothing is logged as a warning and polled on, since the job may appear later.
  - NAKIVO - if a job's run ends and the next run starts between two polls, only the new run's V(started)
    is reported.
seealso:
  - name: docs/event-driven.md
    description: Rulebooks for the ansible-rulebook CLI and for EDA controller, credentials, decision environment.
    link: https://github.com/backupops/ansible-collection-jobs/blob/main/docs/event-driven.md
author:
  - backupops maintainers (@backupops)
"""

EXAMPLES = r"""
- name: Page the on-call team when a backup fails
  hosts: all
  sources:
    - backupops.jobs.job_events:
        platform: nakivo
        url: https://director.example.com:4443
        username: eda
        password: "{{ nakivo_password }}"
        ca_path: /etc/pki/nakivo-ca.pem
        names: ["nightly-*"]
        interval: 60
        lookback: 3600
  rules:
    - name: A backup failed
      condition: >-
        event.backupops.change == "finished" and event.backupops.job.state == "failed"
      action:
        run_playbook:
          name: page_on_call.yml

- name: Start maintenance once the backup of the host is done
  hosts: all
  sources:
    - backupops.jobs.job_events:
        platform: commvault
        clients: ["db*.example.com"]
  rules:
    - name: Backup done
      condition: >-
        event.backupops.change == "finished" and event.backupops.job.state in ["succeeded", "warning"]
      action:
        run_job_template:
          name: Patch hosts
          organization: Default
          job_args:
            limit: "{{ event.meta.hosts | join(',') }}"
"""

import asyncio
import logging
import math
import os
import sys
import threading
import time


def _collection_on_path():
    """Make ``ansible_collections.backupops.jobs`` importable: ansible-rulebook runs this file by its path, without
    ansible's collection loader, so the folder holding ``ansible_collections`` may not be on sys.path."""
    folder = os.path.abspath(__file__)
    for _level in range(7):  # event_source, plugins, eda, extensions, jobs, backupops, ansible_collections
        folder = os.path.dirname(folder)
    root = os.path.dirname(folder)
    if os.path.basename(folder) == "ansible_collections" and root not in sys.path:
        # First, so that this file's own copy of the collection wins over another one on the path.
        sys.path.insert(0, root)


_collection_on_path()

from ansible_collections.backupops.jobs.plugins.module_utils._changes import JobChanges, job_event
from ansible_collections.backupops.jobs.plugins.module_utils._clients import vendor_client
from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultJobs
from ansible_collections.backupops.jobs.plugins.module_utils._commvault_record import commvault_summary_record
from ansible_collections.backupops.jobs.plugins.module_utils._connect import (
    CONNECTION_OPTIONS,
    PLATFORMS,
    connection_problem,
    env_name,
    number_problem,
    open_session,
    plain_http_warning,
)
from ansible_collections.backupops.jobs.plugins.module_utils._match import host_matches
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo import NakivoJobs
from ansible_collections.backupops.jobs.plugins.module_utils._record import RecordError
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError, SettingsRefused, check_url

LOGGER = logging.getLogger("backupops.jobs.job_events")

# name: (type, default); the connection options come from _connect's table.
SOURCE_OPTIONS = dict(platform=("str", None), job_ids=("ints", None), interval=("float", 60), emit_initial=("bool", False),
                      lookback=("float", 0))
PLATFORM_OPTIONS = {
    "nakivo": dict(names=("strs", None), protected_objects=("strs", None)),
    "commvault": dict(clients=("strs", None), api_format=("str", "auto"), commcell_id=("int", None), concurrency=("int", 8)),
}
CHOICES = dict(platform=PLATFORMS, api_format=("auto", "json", "xml"))
SOURCE_NUMBERS = dict(interval=(0, False), lookback=(0, True), job_ids=(1, True), commcell_id=(1, True), concurrency=(1, True))
# Keys ansible-rulebook adds to a source's arguments (eda_feedback_queue, and any later eda_* of its own).
ENGINE_PREFIX = "eda_"
# Longest pause between two failed polls, however short the interval.
MAX_BACKOFF = 600.0
# The Commvault listing reaches this much further back than the last good poll, for the time a poll takes.
LISTING_MARGIN = 300.0
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class ConfigError(ValueError):
    """The source's arguments cannot work; the message says what to fix."""


def read_config(args):
    """The checked settings from a rulebook's source arguments and the vendor's environment variables; ConfigError."""
    args = {key: value for key, value in (args or {}).items() if not str(key).startswith(ENGINE_PREFIX)}
    platform = args.get("platform")
    if platform not in PLATFORMS:
        raise ConfigError("backupops.jobs.job_events: platform must be one of %s, got %r." % (", ".join(PLATFORMS), platform))
    options = dict(SOURCE_OPTIONS, **PLATFORM_OPTIONS[platform])
    options.update((name, (kind, default)) for name, (kind, default, _env, _secret) in CONNECTION_OPTIONS[platform].items())
    unknown = sorted(str(key) for key in args if key not in options)
    if unknown:
        raise ConfigError("backupops.jobs.job_events: unknown option(s) %s for platform %s; its options are %s."
                          % (", ".join(unknown), platform, ", ".join(sorted(options))))
    config = {}
    for name, (kind, default) in options.items():
        value = args.get(name)
        if value is None and name in CONNECTION_OPTIONS[platform] and env_name(platform, name):
            value = os.environ.get(env_name(platform, name)) or None
        config[name] = default if value is None else _convert(name, kind, value)
    for name, choices in CHOICES.items():
        if name in config and config[name] not in choices:
            raise ConfigError("backupops.jobs.job_events: %s must be one of %s, got %r." % (name, ", ".join(choices), config[name]))
    problem = number_problem(config, **SOURCE_NUMBERS) or connection_problem(platform, config, where="in the source's arguments")
    if problem:
        raise ConfigError("backupops.jobs.job_events: " + problem)
    try:
        check_url(config["url"])
    except ApiError as error:
        raise ConfigError("backupops.jobs.job_events: %s" % error)
    return config


def _convert(name, kind, value):
    """``value`` as ``kind``; ConfigError naming the option otherwise. Strings are accepted as they come from the environment."""
    try:
        if kind in ("str", "path"):
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise TypeError
            return os.path.expanduser(str(value)) if kind == "path" else str(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).strip().lower() in _TRUE + _FALSE:
                return str(value).strip().lower() in _TRUE
            raise ValueError
        if kind in ("int", "float"):
            if isinstance(value, bool):
                raise TypeError
            if kind == "int":
                return _whole(value)
            number = float(value)
            if math.isfinite(number):  # nan and inf slip past every bound
                return number
            raise ValueError
        if kind in ("ints", "strs"):
            items = value.split(",") if isinstance(value, str) else value
            if not isinstance(items, (list, tuple)):
                items = [items]
            return [_whole(item) for item in items] if kind == "ints" else [_convert(name, "str", item).strip() for item in items]
    except ConfigError:
        raise
    except (TypeError, ValueError, OverflowError):
        pass
    words = {"str": "a string", "path": "a path", "bool": "true or false", "int": "a whole number", "float": "a number",
             "ints": "a list of whole numbers", "strs": "a list of strings"}[kind]
    raise ConfigError("backupops.jobs.job_events: %s must be %s, got %r." % (name, words, value))


def _whole(value):
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float) and not value.is_integer():
        raise ValueError
    return int(str(value).strip()) if isinstance(value, str) else int(value)


class _NakivoPoll:
    """NAKIVO: the selected jobs as they are now, in one getJobInfo (plus one getGroupInfo to select by name or object)."""

    def __init__(self, client, config):
        self.jobs = NakivoJobs(client, config["job_ids"], config["names"], config["protected_objects"])

    def read(self, window):
        return self.jobs.select()

    def complete(self, records):
        return records


class _CommvaultPoll:
    """Commvault: the selected ids (detailed again while active) and the jobs of one listing; details only for events."""

    def __init__(self, client, config):
        self.client = client
        self.config = config
        self.fixed = CommvaultJobs(client, config["job_ids"], None, api_format=config["api_format"],
                                   commcell_id=config["commcell_id"], concurrency=config["concurrency"]) if config["job_ids"] else None
        self.listing = bool(config["clients"]) or not config["job_ids"]

    def read(self, window):
        records, missing = [], {}
        if self.fixed:
            records.extend(self.fixed.poll())
            missing["job_ids"] = [job_id for job_id in self.config["job_ids"] if job_id not in self.fixed.details]
        if self.listing:
            summaries = self.client.list_jobs(lookup_seconds=window, fmt=self.config["api_format"])
            listed = [commvault_summary_record(summary) for summary in summaries]
            patterns = self.config["clients"]
            if patterns:
                missing["clients"] = [p for p in patterns if not any(host_matches(p, name) for r in listed for name in r["hosts"])]
                listed = [r for r in listed if any(host_matches(p, name) for p in patterns for name in r["hosts"])]
            fixed = set(self.config["job_ids"] or ())
            records.extend(record for record in listed if record["id"] not in fixed)
        return records, missing

    def complete(self, records):
        """Listed records read with JobDetails, which names the VMs a job protects; the listed record where that fails."""
        detailed = self.fixed.details if self.fixed else {}
        wanted = [record["id"] for record in records if record["id"] not in detailed]
        found = {}
        if wanted:
            jobs = CommvaultJobs(self.client, wanted, None, api_format=self.config["api_format"],
                                 commcell_id=self.config["commcell_id"], concurrency=self.config["concurrency"])
            try:
                found = {record["id"]: record for record in jobs.select()[0]}
            except SettingsRefused:
                raise
            except (ApiError, RecordError) as error:
                LOGGER.warning("JobDetails failed (%s); the events carry the listing's record.", error)
        return [found.get(record["id"], detailed.get(record["id"], record)) for record in records]


class JobEventSource:
    """One source: a session kept between polls, the last records seen, the events of each poll."""

    def __init__(self, config):
        self.config = config
        self.platform = config["platform"]
        self.interval = config["interval"]
        self.changes = JobChanges(config["emit_initial"], config["lookback"], ids_are_runs=self.platform == "commvault")
        self.session = self.client = self.poller = None
        self._last_good = None
        self._missing = None
        self._lock = threading.Lock()

    def describe(self):
        selection = ["%s %s" % (name, ", ".join(str(v) for v in self.config[name]))
                     for name in ("job_ids", "names", "protected_objects", "clients") if self.config.get(name)]
        return "%s at %s every %g s (%s)" % (self.platform, self.config["url"], self.interval, "; ".join(selection) or "every job")

    def poll(self):
        """The events of one poll. Blocking: runs in a worker thread. ApiError when the server fails."""
        with self._lock:
            if self.client is None:
                self._connect()
            started = time.monotonic()
            window = self._window(started)
            try:
                records, missing = self.poller.read(window)
                self._warn_missing(missing)
                changes = self.changes.changes(records)
                completed = self.poller.complete([change.record for change in changes])
            except RecordError as error:
                raise ApiError("The server sent a job record that cannot be read: %s" % error)
            finally:
                self._warn_session()
            self._last_good = started
            for change, record in zip(changes, completed):
                change.record = record
            return [job_event(self.platform, change) for change in changes]

    def close(self, wait=5.0):
        """Log out and close the session; gives up after ``wait`` seconds when a poll still holds it."""
        if not self._lock.acquire(timeout=wait):
            return
        try:
            client, self.client, self.poller = self.client, None, None
            if client is not None:
                client.__exit__(None, None, None)
        finally:
            self._lock.release()

    def _connect(self):
        warning = plain_http_warning(self.config["url"])
        if warning:
            LOGGER.warning("%s", warning)
        self.session = open_session(self.config, pool_size=max(1, self.config.get("concurrency") or 1))
        try:
            client = vendor_client(self.platform, self.session, self.config)
        except ApiError as error:  # no credentials: configuration, not an outage
            self.session.close()
            raise ConfigError("backupops.jobs.job_events: %s" % error)
        try:
            client.__enter__()
        except BaseException:
            client.__exit__(None, None, None)  # logs out if the login went through, and closes the session
            raise
        self.client = client
        self.poller = (_NakivoPoll if self.platform == "nakivo" else _CommvaultPoll)(client, self.config)

    def _window(self, now):
        """Seconds back the Commvault listing reaches: to the last good poll (or lookback, at start), plus a margin."""
        since = max(self.config["lookback"], self.interval) if self._last_good is None else now - self._last_good
        return int(since + max(self.interval, LISTING_MARGIN)) + 1

    def _warn_missing(self, missing):
        missing = {key: value for key, value in missing.items() if value}
        if missing != self._missing and missing:
            LOGGER.warning("no %s job matches %s (yet); polling on.", self.platform,
                           "; ".join("%s %s" % (key, ", ".join(str(v) for v in value)) for key, value in sorted(missing.items())))
        self._missing = missing

    def _warn_session(self):
        if self.session is not None:
            for warning in dict.fromkeys(self.session.warnings):
                LOGGER.warning("%s", warning)
            del self.session.warnings[:]

    def backoff(self, failures):
        """Seconds to wait after the ``failures``-th failed poll in a row: the interval, doubled each time, at most MAX_BACKOFF."""
        return min(self.interval * 2 ** (failures - 1), max(self.interval, MAX_BACKOFF))


async def main(queue, args):
    """Put an event on ``queue`` for every job change, until cancelled; ConfigError or refused settings stop it at once."""
    source = JobEventSource(read_config(args))
    LOGGER.info("watching %s", source.describe())
    failures = 0
    try:
        while True:
            try:
                events = await asyncio.to_thread(source.poll)
            except SettingsRefused:
                raise
            except ApiError as error:
                failures += 1
                pause = source.backoff(failures)
                LOGGER.warning("poll of %s failed (%d in a row): %s Next try in %g s.",
                               source.platform, failures, error, pause)
                await asyncio.sleep(pause)
                continue
            if failures:
                LOGGER.warning("%s answers again after %d failed poll(s).", source.platform, failures)
                failures = 0
            for event in events:
                await queue.put(event)
            await asyncio.sleep(source.interval)
    finally:
        await asyncio.to_thread(source.close)


if __name__ == "__main__":
    # By hand: python job_events.py platform=nakivo url=... (credentials from NAKIVO_* in the environment); prints events.
    class _PrintQueue:
        async def put(self, event):
            print(event, flush=True)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), dict(arg.split("=", 1) for arg in sys.argv[1:])))
