# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of the NAKIVO modules."""

from __future__ import annotations


class ModuleDocFragment:
    """Documented once here; the options are defined once in module_utils/_options.py."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the NAKIVO Director, for example V(https://director.example.com:4443).
      - The module adds C(/c/router), or C(/t/<tenant>/c/router) with O(tenant).
      - If not set, the value of the E(NAKIVO_URL) environment variable is used.
    type: str
  username:
    description:
      - Director user to log in as. For a tenant, a master admin of the Director.
      - If not set, the value of the E(NAKIVO_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username). Never logged or returned.
      - A login that the Director refuses is not retried, so a wrong password cannot lock the account.
      - If not set, the value of the E(NAKIVO_PASSWORD) environment variable is used.
    type: str
  tenant:
    description:
      - UUID (or exact name) of a tenant of a multi-tenant Director. The module logs in on the Director's
        root endpoint and queries the tenant's endpoint with the same session.
      - If not set, the value of the E(NAKIVO_TENANT) environment variable is used; if neither is set,
        the Director's own jobs are queried.
    type: str
  validate_certs:
    description:
      - Whether to verify the Director's TLS certificate. Keep V(true) and give O(ca_path) for a
        self-signed or private-CA certificate; V(false) is for test systems only.
      - If not set, the value of the E(NAKIVO_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed the Director's certificate. It takes precedence over
        E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE).
      - If not set, the value of the E(NAKIVO_CA_PATH) environment variable is used.
    type: path
attributes:
  action_group:
    support: full
    membership:
      - backupops.jobs.nakivo
    description: Use C(group/backupops.jobs.nakivo) in C(module_defaults) to set the connection options once.
requirements:
  - requests
notes:
  - Connection options can be set once per play with C(module_defaults) and the action group
    C(group/backupops.jobs.nakivo), or through the E(NAKIVO_*) environment variables that an AWX/AAP
    credential injects. An option given on the task wins over the environment.
"""
