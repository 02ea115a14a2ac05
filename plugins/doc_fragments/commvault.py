# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options of the Commvault modules."""

from __future__ import annotations


class ModuleDocFragment:
    """Documented once here; the options are defined once in module_utils/_options.py."""

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Web service root of the Commvault Web Server, for example V(https://cv.example.com/commandcenter/api),
        V(https://cv.example.com/webconsole/api) or V(http://cv.example.com:81/SearchSvc/CVWebService.svc).
      - If not set, the value of the E(COMMVAULT_URL) environment variable is used.
    type: str
  username:
    description:
      - Commvault user to log in as. Not needed with O(auth_token), but with both the module can log in
        again when the token expires during a wait.
      - If not set, the value of the E(COMMVAULT_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username), sent base64-encoded as the Web Server expects. Never logged or returned.
      - A login that the Web Server refuses is not retried, so a wrong password cannot lock the account.
      - If not set, the value of the E(COMMVAULT_PASSWORD) environment variable is used.
    type: str
  auth_token:
    description:
      - An existing token (C(QSDK ...), C(SAML ...), C(Bearer ...), or bare, which gets C(QSDK ) in front),
        used instead of a login. The module never logs out a token it was given.
      - If not set, the value of the E(COMMVAULT_AUTH_TOKEN) environment variable is used.
    type: str
  domain:
    description:
      - Directory domain of O(username), for a directory (Active Directory, LDAP) user.
      - If not set, the value of the E(COMMVAULT_DOMAIN) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the Web Server's TLS certificate. Keep V(true) and give O(ca_path) for a
        private-CA certificate; V(false) is for test systems only.
      - If not set, the value of the E(COMMVAULT_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed the Web Server's certificate. It takes precedence over
        E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE).
      - If not set, the value of the E(COMMVAULT_CA_PATH) environment variable is used.
    type: path
attributes:
  action_group:
    support: full
    membership:
      - backupops.jobs.commvault
    description: Use C(group/backupops.jobs.commvault) in C(module_defaults) to set the connection options once.
requirements:
  - requests
  - xmltodict (for XML replies - O(api_format=xml), or V(auto) against an older Web Server)
notes:
  - Connection options can be set once per play with C(module_defaults) and the action group
    C(group/backupops.jobs.commvault), or through the E(COMMVAULT_*) environment variables that an AWX/AAP
    credential injects. An option given on the task wins over the environment.
  - XML replies are parsed with any DOCTYPE or entity declaration refused, so no entity is expanded
    and nothing external is read.
"""
