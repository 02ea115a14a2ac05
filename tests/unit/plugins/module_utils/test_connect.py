"""Connection options outside AnsibleModule (_connect): one table, checks said to the user, a client per platform."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.backupops.jobs.plugins.module_utils._clients import vendor_client
from ansible_collections.backupops.jobs.plugins.module_utils._commvault import CommvaultClient
from ansible_collections.backupops.jobs.plugins.module_utils._connect import (
    CONNECTION_OPTIONS,
    connection_problem,
    env_name,
    open_session,
    plain_http_warning,
)
from ansible_collections.backupops.jobs.plugins.module_utils._nakivo import NakivoClient
from ansible_collections.backupops.jobs.plugins.module_utils._options import commvault_argument_spec, nakivo_argument_spec
from ansible_collections.backupops.jobs.plugins.module_utils._session import ApiError

GOOD = dict(url="https://director.example.com:4443", username="admin", password="s3cret", validate_certs=True,
            ca_path=None, timeout=30, retries=3, max_response_mb=256)


def test_environment_names_follow_the_vendor_prefix():
    assert env_name("nakivo", "url") == "NAKIVO_URL"
    assert env_name("nakivo", "tenant") == "NAKIVO_TENANT"
    assert env_name("commvault", "auth_token") == "COMMVAULT_AUTH_TOKEN"
    assert env_name("commvault", "timeout") is None


@pytest.mark.parametrize("spec, platform", [(nakivo_argument_spec(), "nakivo"), (commvault_argument_spec(), "commvault")])
def test_module_argument_specs_come_from_the_table(spec, platform):
    assert set(spec) == set(CONNECTION_OPTIONS[platform])
    secrets = {name for name, option in spec.items() if option.get("no_log")}
    assert secrets == ({"password"} if platform == "nakivo" else {"password", "auth_token"})
    assert spec["url"]["fallback"][1] == [platform.upper() + "_URL"]
    assert spec["validate_certs"]["default"] is True and "fallback" not in spec["timeout"]


@pytest.mark.parametrize("change, words", [
    (dict(url=None), "url is required: set it in the options or in NAKIVO_URL."),
    (dict(timeout=0), "timeout must be more than 0, got 0."),
    (dict(retries=-1), "retries must be at least 0, got -1."),
    (dict(max_response_mb=0), "max_response_mb must be at least 1, got 0."),
    (dict(ca_path="/nonexistent/ca.pem"), "ca_path /nonexistent/ca.pem is not a readable file"),
])
def test_connection_problems_say_what_to_fix(change, words):
    assert words in connection_problem("nakivo", dict(GOOD, **change))


def test_usable_settings_have_no_problem_and_where_is_the_callers():
    assert connection_problem("nakivo", GOOD) is None
    assert connection_problem("commvault", dict(GOOD, url=""), where="in the inventory file") == (
        "url is required: set it in the inventory file or in COMMVAULT_URL.")


def test_plain_http_is_warned_and_https_is_not():
    assert "plain HTTP" in plain_http_warning("HTTP://10.0.0.5:4443 ")
    assert plain_http_warning("https://10.0.0.5:4443") is None


def test_a_client_per_platform_on_the_session_with_the_password_kept_secret():
    seen = []
    session = open_session(GOOD, on_secret=seen.append)
    assert isinstance(vendor_client("nakivo", session, GOOD), NakivoClient)
    assert isinstance(vendor_client("commvault", session, dict(GOOD, auth_token="QSDK abc")), CommvaultClient)
    assert "s3cret" in seen and "QSDK abc" in seen
    assert session.scrub("password s3cret") == "password ********"


def test_an_unknown_platform_or_missing_credentials_are_errors():
    session = open_session(GOOD)
    with pytest.raises(ApiError, match="platform must be one of nakivo, commvault"):
        vendor_client("veeam", session, GOOD)
    with pytest.raises(ApiError, match="username and password are required"):
        vendor_client("nakivo", session, dict(GOOD, password=None))


def test_the_module_glue_loads_no_vendor_client():
    """A module imports _options and its own vendor's client: the other vendor's code must not come along."""
    collections = Path(__file__).resolve().parents[7]
    code = ("import sys; sys.path.insert(0, %r)\n" % str(collections)
            + "import ansible_collections.backupops.jobs.plugins.module_utils._options\n"
            + "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('ansible_collections.backupops')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip()
    assert "_commvault" not in loaded and "_nakivo" not in loaded, loaded
