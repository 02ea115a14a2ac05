# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options of the inventory plugins: the connection of each vendor (with its environment variables) and the shared ones."""

from __future__ import annotations


class ModuleDocFragment:
    """Documented once here; read by plugins/plugin_utils/_inventory.py. DOCUMENTATION: what both plugins share;
    NAKIVO_CONNECTION, COMMVAULT_CONNECTION: each vendor's own connection options and every option's environment variable."""

    DOCUMENTATION = r"""
options:
  plugin:
    description: The name of the plugin; it makes the file the plugin's.
    type: str
    required: true
  password:
    description:
      - Password of O(username). May be vault-encrypted (C(!vault)) or a template (V({{ lookup('env', 'X'\) }}));
        a value from the environment is never templated.
      - A refused login is not retried, so a wrong password cannot lock the account.
    type: str
  validate_certs:
    description: Verify the server's TLS certificate; keep V(true) and give O(ca_path) for a self-signed or private-CA one.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed the server's certificate; it takes precedence over E(REQUESTS_CA_BUNDLE).
        Empty means the system's trust store.
    type: str
  host_names:
    description:
      - How an object's name becomes the inventory host's name.
      - V(as_given) keeps the name the backup server gives (V(Web01.example.com)); V(lower) lower-cases it;
        V(short) keeps the part before the first dot (not of an IP address); V(short_lower) does both.
      - The gate still matches the server's own names, so a shortened host keeps its jobs.
    type: str
    choices: [as_given, lower, short, short_lower]
    default: as_given
  gate:
    description:
      - Options of the verdict in C(backup_gate), as the options of the same names of M(backupops.jobs.gate);
        what is left out keeps that action's default (no age limit, warnings accepted, partial not).
    type: dict
    default: {}
    suboptions:
      require_job:
        description: Hold a host that no backup job protects.
        type: bool
      require_success:
        description: Hold a host unless the run that decides of each job that protects it succeeded for it.
        type: bool
      accept_warning:
        description: Count V(warning) as a success.
        type: bool
      accept_partial:
        description: Count V(partial) as a success.
        type: bool
      max_age:
        description: Hours; hold unless the deciding runs succeeded within this many hours.
        type: float
      quiet_minutes:
        description: Hold when a job of the host is scheduled to start within this many minutes.
        type: float
notes:
  - Host variables - C(backup_platform) (V(nakivo) or V(commvault)); C(backup_jobs), the host's protecting jobs
    (and any other job that holds it now, such as a running restore) as the collection's job records without
    C(raw), each with C(host_state) (the state that judged this host), C(host_decided_by), C(host_objects),
    C(host_finished_at) and C(decides), and only the host's own entries in C(objects) and C(hosts);
    C(backup_state), the state that decides for the host - an active job's own state while one runs, else the
    worst of its jobs, V(unprotected) when no backup job protects it; C(backup_active); C(backup_last_success_at),
    when the newest accepted run of its jobs finished (ISO 8601 UTC), null when none did - only the run that
    decides is read, so after one failure it is null (NAKIVO reports only each job's last run); C(backup_checked_at),
    when the server was read; C(backup_next_run_at), the earliest scheduled start of its jobs (NAKIVO only);
    C(backup_gate), C(open) and C(reason) as M(backupops.jobs.gate) decides with O(gate).
  - Groups - C(backup_<backup_state>) (C(backup_succeeded), C(backup_failed), C(backup_running), C(backup_unprotected),
    ...), C(backup_gate_open), C(backup_gate_held), and C(backup_job_<job name>) (lower case; any character but a
    letter, a digit or C(_) turned into C(_)), all before O(compose), O(groups) and O(keyed_groups).
  - Every string from the server is marked unsafe, so a job or VM name is never templated.
  - With O(cache) and a persistent cache plugin, a run within O(cache_timeout) sends no request and the verdicts
    are as old as C(backup_checked_at) says; C(--flush-cache) reads the server again. The inventory plans;
    the role P(backupops.jobs.maintenance_gate#role) gates at the moment of change.
  - A bad configuration, a refused login or a server out of reach fails the source with one line.
"""

    NAKIVO_CONNECTION = r"""
options:
  url:
    description:
      - Base URL of the NAKIVO Director, for example V(https://director.example.com:4443). Required, here or in
        the environment.
    type: str
    env:
      - name: NAKIVO_URL
  username:
    description: Director user to log in as (required); for a tenant, a master admin of the Director.
    type: str
    env:
      - name: NAKIVO_USERNAME
  password:
    env:
      - name: NAKIVO_PASSWORD
  tenant:
    description: UUID or exact name of a tenant of a multi-tenant Director; empty for the Director's own jobs.
    type: str
    env:
      - name: NAKIVO_TENANT
  validate_certs:
    env:
      - name: NAKIVO_VALIDATE_CERTS
  ca_path:
    env:
      - name: NAKIVO_CA_PATH
"""

    COMMVAULT_CONNECTION = r"""
options:
  url:
    description:
      - Web service root of the Commvault Web Server, for example V(https://cv.example.com/commandcenter/api).
        Required, here or in the environment.
    type: str
    env:
      - name: COMMVAULT_URL
  username:
    description: Commvault user to log in as; not needed with O(auth_token).
    type: str
    env:
      - name: COMMVAULT_USERNAME
  password:
    env:
      - name: COMMVAULT_PASSWORD
  auth_token:
    description: An existing token used instead of a login; never logged out by the plugin.
    type: str
    env:
      - name: COMMVAULT_AUTH_TOKEN
  domain:
    description: Directory domain of O(username).
    type: str
    env:
      - name: COMMVAULT_DOMAIN
  validate_certs:
    env:
      - name: COMMVAULT_VALIDATE_CERTS
  ca_path:
    env:
      - name: COMMVAULT_CA_PATH
"""
