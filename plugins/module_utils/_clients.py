# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vendor client for a platform's name, for callers that serve both vendors (inventory plugins, the event source).

Private to the backupops.jobs collection: not a public API, it may change at any time.
Modules name their own vendor's client instead, so that none of them loads the other vendor's code.
"""

from __future__ import annotations

from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultClient
from ansible_collections.backupops.jobs.plugins.module_utils._connect import PLATFORMS
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo import NakivoClient
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError


def vendor_client(platform, session, settings):
    """The platform's client on ``session``, not yet logged in (``with`` logs in and out); ApiError without credentials."""
    if platform == "nakivo":
        return NakivoClient(session, settings.get("username"), settings.get("password"), settings.get("tenant"))
    if platform == "commvault":
        return CommvaultClient(session, settings.get("username"), settings.get("password"), settings.get("domain"),
                               settings.get("auth_token"))
    raise ApiError("platform must be one of %s, got %r." % (", ".join(PLATFORMS), platform))
