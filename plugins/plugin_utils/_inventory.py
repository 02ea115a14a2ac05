# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory of the hosts the backups protect, with their backup state and the gate's verdict, for any vendor.

Private to the backupops.jobs collection: not a public API, it may change at any time.
``build_inventory`` turns one job query result into hosts and variables (pure, no I/O); ``groups_of``
names a host's groups; ``BackupInventory`` is the plugin both vendors' inventory plugins are, each
giving only its job selection. Documented in the doc fragment ``backupops.jobs.inventory``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable, to_safe_group_name
from ansible.utils.unsafe_proxy import wrap_var

try:
    from ansible.template import trust_as_template  # noqa: F401  pylint: disable=unused-import
except ImportError:  # before ansible-core 2.19 a plugin marks its strings unsafe itself
    mark_unsafe = wrap_var
else:  # ansible-core 2.19+ trusts no string an inventory plugin sets (trusted_by_default false): wrapping would only copy
    def mark_unsafe(value):
        return value

from ansible_collections.backupops.jobs.plugins.module_utils._clients import vendor_client
from ansible_collections.backupops.jobs.plugins.module_utils._connect import (
    CONNECTION_OPTIONS,
    connection_problem,
    open_session,
    plain_http_warning,
)
from ansible_collections.backupops.jobs.plugins.module_utils._gate import JobIndex, accepted_states, host_state, verdicts
from ansible_collections.backupops.jobs.plugins.module_utils._match import IP_RE, host_matches
from ansible_collections.backupops.jobs.plugins.module_utils._query import run_query
from ansible_collections.backupops.jobs.plugins.module_utils._record import ACTIVE_STATES, protects
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError
from ansible_collections.backupops.jobs.plugins.module_utils._time import utc_datetime

HOST_NAME_STYLES = ("as_given", "lower", "short", "short_lower")
# The state of a host that no backup job protects: not a job state, so it has a word of its own.
UNPROTECTED = "unprotected"
# The gate's options the inventory passes on; what is left out keeps verdict()'s default, the gate action's.
GATE_SPEC = dict(require_job=dict(type="bool"), require_success=dict(type="bool"), accept_warning=dict(type="bool"),
                 accept_partial=dict(type="bool"), max_age=dict(type="float"), quiet_minutes=dict(type="float"))
# Bumped when the cached data changes shape, so that an older cache is read again from the server.
CACHE_FORMAT = 1
_WILDCARD_RE = re.compile(r"[*?\[]")
_RECORD_PRIVATE = ("raw", "_own", "_others")


def host_name(name, style="as_given"):
    """The inventory name of a server's object name in a ``host_names`` style."""
    if style in ("short", "short_lower") and "." in name and not IP_RE.search(name):
        name = name.split(".", 1)[0]
    return name.lower() if style in ("lower", "short_lower") else name


def job_group(name):
    """``backup_job_<name>``: lower case, every character a group name may not hold turned into ``_``."""
    return "backup_job_" + to_safe_group_name(str(name).lower())


def groups_of(variables):
    """The groups a host's backup variables put it in: its state, its gate, one per job."""
    groups = ["backup_" + variables["backup_state"], "backup_gate_open" if variables["backup_gate"]["open"] else "backup_gate_held"]
    for record in variables["backup_jobs"]:
        group = job_group(record.get("name"))
        if group not in groups:
            groups.append(group)
    return groups


def _moment(value):
    return utc_datetime(value) if value else None


def _host_record(record, patterns):
    """A judged record as a host variable: without raw, its objects and hosts only the host's own entries."""
    own = set(record.get("host_objects") or ())
    shown = {key: value for key, value in record.items() if key not in _RECORD_PRIVATE}
    shown["objects"] = [dict(obj) for obj in record.get("objects") or () if isinstance(obj, dict) and obj.get("name") in own]
    shown["hosts"] = [name for name in record.get("hosts") or () if any(host_matches(p, name) for p in patterns)]
    return shown


def _host_variables(platform, judged, patterns, checked_at, accepted):
    jobs = [_host_record(job, patterns) for job in judged["jobs"] if protects(job) or job.get("decides")]
    state = host_state(judged) or UNPROTECTED
    successes = [job for job in jobs if protects(job) and not job.get("active") and job.get("host_state") in accepted
                 and _moment(job.get("host_finished_at"))]
    last_success = max(successes, key=lambda job: _moment(job["host_finished_at"]))["host_finished_at"] if successes else None
    scheduled = [job for job in judged["jobs"] if _moment(job.get("next_run_at"))]
    next_run = min(scheduled, key=lambda job: _moment(job["next_run_at"]))["next_run_at"] if scheduled else None
    return {
        "backup_platform": platform,
        "backup_jobs": jobs,
        "backup_state": state,
        "backup_active": state in ACTIVE_STATES,
        "backup_last_success_at": last_success,
        "backup_checked_at": checked_at,
        "backup_next_run_at": next_run,
        "backup_gate": {"open": judged["open"], "reason": judged["reason"]},
    }


def _covered(index, pattern):
    """True when an object of a protecting job matches ``pattern``."""
    return any(protects(record) and any(host_matches(pattern, obj.get("name") or "") for obj in record.get("objects") or ())
               for record in index.candidates([pattern]))


def build_inventory(platform, result, named=(), host_names="as_given", gate=None, checked_at=None):
    """{inventory host name: its backup variables} from one job query result (``run_query``'s).

    Hosts are the objects of the protecting jobs, and each name in ``named`` (not a wildcard) that no
    protecting job's object matches: such a host is held because no backup job protects it. ``gate`` holds
    the gate's options; ``checked_at`` (ISO 8601 UTC) is when the result was read and the gate's clock.
    """
    records = [record for record in result.get("jobs") or () if isinstance(record, dict)]
    server_names = {}
    for record in records:
        if protects(record):
            for obj in record.get("objects") or ():
                name = obj.get("name") if isinstance(obj, dict) else None
                if isinstance(name, str) and name:
                    names = server_names.setdefault(host_name(name, host_names), [])
                    if name not in names:
                        names.append(name)
    index = JobIndex(records)
    for pattern in named:
        if pattern and not _WILDCARD_RE.search(pattern) and not _covered(index, pattern):
            server_names.setdefault(host_name(pattern, host_names), []).append(pattern)
    options = dict(gate or {})
    judged = verdicts(result, server_names, now=checked_at, **options)
    accepted = accepted_states(options.get("accept_warning", True), options.get("accept_partial", False))
    return {host: _host_variables(platform, judged[host], server_names[host], checked_at, accepted) for host in sorted(server_names)}


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class BackupInventory(BaseInventoryPlugin, Constructable, Cacheable):
    """An inventory of the hosts one vendor's backup jobs protect. A vendor plugin sets the class attributes
    and ``job_query``; reading options, the cache, the connection, hosts, variables and groups are here."""

    PLATFORM = None
    # The options that select jobs, the first of them the one that names hosts (protected_objects, clients).
    SELECTION = ()

    def verify_file(self, path):
        """Only ``*.<platform>.yml`` and ``*.<platform>.yaml`` files are this plugin's."""
        suffixes = tuple(".%s.%s" % (self.PLATFORM, ext) for ext in ("yml", "yaml"))
        return super().verify_file(path) and path.endswith(suffixes)

    def job_query(self, client, selection):
        """The vendor's job selection for run_query on a logged-in client."""
        raise NotImplementedError

    def credentials_problem(self, settings):
        """What is missing from the credentials, or None."""
        raise NotImplementedError

    def pool_size(self):
        """Connections the query may use at once."""
        return 1

    def options_problem(self):
        """What is wrong with the vendor's own options, or None; checked before any request."""
        return None

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        unknown = sorted(set(config) - set(self._options) - {"plugin"})
        if unknown:
            raise AnsibleParserError("%s: unknown option(s) %s for %s; the options are: %s." % (
                path, ", ".join(unknown), self.NAME, ", ".join(sorted(set(self._options) - {"plugin"}))))
        problem = self.options_problem()
        if problem:
            raise AnsibleParserError("%s: %s" % (path, problem))
        selection = self._selection(path)
        shape = dict(host_names=self.get_option("host_names"), gate=self._gate_options(path))
        fingerprint = self._fingerprint(selection, shape)

        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        data = None
        if use_cache:
            try:
                data = self._cache[self.get_cache_key(path)]
            except KeyError:
                update_cache = True
            if data is not None and not (isinstance(data, dict) and data.get("fingerprint") == fingerprint):
                data, update_cache = None, True  # another configuration or format: read again
        if data is None:
            data = self._read_server(path, config, selection, shape)
            data["fingerprint"] = fingerprint
        if update_cache:
            self._cache[self.get_cache_key(path)] = data
        self._populate(data["hosts"])

    def _selection(self, path):
        selection = {}
        for name in self.SELECTION:
            value = self.get_option(name)
            if name == "job_ids" and value:
                try:
                    value = [int(item) for item in value]
                except (TypeError, ValueError):
                    raise AnsibleParserError("%s: job_ids must be whole numbers, got %s." % (path, value)) from None
            selection[name] = value or []
        return selection

    def _gate_options(self, path):
        checked = ArgumentSpecValidator(GATE_SPEC).validate(dict(self.get_option("gate") or {}))
        if checked.error_messages:
            raise AnsibleParserError("%s: gate: %s" % (path, "; ".join(checked.error_messages)))
        return {key: value for key, value in checked.validated_parameters.items() if value is not None}

    def _fingerprint(self, selection, shape):
        """What the cached data depends on (never a secret): another value reads the server again."""
        seen = dict(selection, platform=self.PLATFORM, format=CACHE_FORMAT, url=self.get_option("url"),
                    username=self.get_option("username"), **shape)
        for name in ("tenant", "domain"):
            if name in CONNECTION_OPTIONS[self.PLATFORM]:
                seen[name] = self.get_option(name)
        return hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode("utf-8")).hexdigest()

    def _settings(self, path, config):
        """The connection settings; a template given in the file is rendered (values from the environment never are)."""
        settings = {}
        for name in CONNECTION_OPTIONS[self.PLATFORM]:
            if name not in self._options:
                continue
            value = self.get_option(name)
            given = config.get(name)
            if isinstance(given, str) and self.templar.is_template(given):
                try:
                    value = self.templar.template(given)
                except Exception as e:  # pylint: disable=broad-exception-caught  # a template's error is the user's
                    why = (str(e).strip().splitlines() or [type(e).__name__])[0]
                    raise AnsibleParserError("%s: %s could not be templated: %s" % (path, name, why)) from None
            settings[name] = str(value) if value is not None and CONNECTION_OPTIONS[self.PLATFORM][name][0] == "str" else value
        if settings.get("ca_path"):
            settings["ca_path"] = os.path.expanduser(settings["ca_path"])
        return settings

    def _read_server(self, path, config, selection, shape):
        settings = self._settings(path, config)
        problem = connection_problem(self.PLATFORM, settings, where="in %s" % path) or self.credentials_problem(settings)
        if problem:
            raise AnsibleParserError(problem)
        warning = plain_http_warning(settings["url"])
        if warning:
            self.display.warning(warning)
        try:
            session = open_session(settings, pool_size=self.pool_size())
            with vendor_client(self.PLATFORM, session, settings) as client:
                query = self.job_query(client, selection)
                result = run_query(query, include_raw=False, allow_missing=True)
        except ApiError as e:
            raise AnsibleParserError(str(e)) from None
        for warning in dict.fromkeys(session.warnings):
            self.display.warning(warning)
        named = selection.get(self.SELECTION[0]) or []
        self._warn_missing(result.get("missing") or {})
        checked_at = _now()
        hosts = build_inventory(self.PLATFORM, result, named, shape["host_names"], shape["gate"], checked_at)
        return dict(checked_at=checked_at, hosts=hosts)

    def _warn_missing(self, missing):
        """Ids, names and wildcards that matched no job add no host: say so. A host named outright is listed, held."""
        for option, items in missing.items():
            items = [item for item in items if option != self.SELECTION[0] or _WILDCARD_RE.search(str(item))]
            if items:
                self.display.warning("%s: no job matches %s %s, so they add no host." % (
                    self.NAME, option, ", ".join(str(item) for item in items)))

    def _populate(self, hosts):
        strict = self.get_option("strict")
        compose, conditionals, keyed = self.get_option("compose"), self.get_option("groups"), self.get_option("keyed_groups")
        made = set()
        for name, variables in hosts.items():
            name, variables = mark_unsafe(name), mark_unsafe(variables)  # every string from the server is data, never a template
            self.inventory.add_host(name)
            for key, value in variables.items():
                self.inventory.set_variable(name, key, value)
            for group in groups_of(variables):
                if group not in made:
                    self.inventory.add_group(group)
                    made.add(group)
                self.inventory.add_child(group, name)
            self._set_composite_vars(compose, variables, name, strict=strict)
            self._add_host_to_composed_groups(conditionals, variables, name, strict=strict)
            self._add_host_to_keyed_groups(keyed, variables, name, strict=strict)
