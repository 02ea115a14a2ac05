"""Fault switches: validation of fault specs and the choice of which faults apply to one request."""

import threading

FAULT_KINDS = ("status", "latency", "slow", "drop", "body", "expire_session", "login_blocked")
BODY_KINDS = (
    "html", "truncated_json", "wrong_content_type", "garbage",
    "xml_doctype", "xml_billion_laughs", "xml_external_entity", "huge",
)
DROP_WHEN = ("before_reply", "mid_body")
MATCH_KEYS = ("vendor", "call", "path_contains", "method")
# Modifiers stack with each other and with one outcome fault; every other kind is an outcome.
MODIFIER_KINDS = ("latency", "slow", "expire_session")
NAKIVO_LOGIN_CALL = "AuthenticationManagement.login"

# Extra keys each kind accepts, with their defaults.
_KIND_OPTIONS = {
    "status": {"status": 503, "retry_after": None},
    "latency": {"ms": 100},
    "slow": {"seconds": 5},
    "drop": {"when": "before_reply"},
    "body": {"body": None, "size_mb": 5},
    "expire_session": {},
    "login_blocked": {"wait_ms": 60000},
}


class FaultSpecError(ValueError):
    """A fault spec is malformed; the message says which key."""


def _number(spec, key, minimum=0):
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise FaultSpecError(f"{key}: expected a number >= {minimum}, got {value!r}")
    return value


def normalize_fault(spec):
    """Return a complete copy of a fault spec with defaults filled in, or raise FaultSpecError."""
    if not isinstance(spec, dict):
        raise FaultSpecError(f"a fault spec must be a mapping, got {type(spec).__name__}")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise FaultSpecError(f"kind: must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
    options = _KIND_OPTIONS[kind]
    allowed = {"kind", "name", "match", "after", "count", *options}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise FaultSpecError(f"unknown key(s) for kind {kind}: {', '.join(unknown)}")
    result = {"kind": kind, "name": spec.get("name") or kind, "after": spec.get("after", 0), "count": spec.get("count", 1)}
    for key, default in options.items():
        result[key] = spec.get(key, default)
    match = spec.get("match") or {}
    if not isinstance(match, dict) or set(match) - set(MATCH_KEYS):
        raise FaultSpecError(f"match: a mapping with keys among {', '.join(MATCH_KEYS)}, got {match!r}")
    result["match"] = dict(match)
    _number(result, "after")
    if result["count"] is not None:
        _number(result, "count", minimum=1)
    if kind == "status":
        status = result["status"]
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise FaultSpecError(f"status: expected an HTTP status code, got {status!r}")
    elif kind == "latency":
        _number(result, "ms")
    elif kind == "slow":
        _number(result, "seconds")
    elif kind == "drop" and result["when"] not in DROP_WHEN:
        raise FaultSpecError(f"when: must be one of {', '.join(DROP_WHEN)}, got {result['when']!r}")
    elif kind == "body":
        if result["body"] not in BODY_KINDS:
            raise FaultSpecError(f"body: must be one of {', '.join(BODY_KINDS)}, got {result['body']!r}")
        _number(result, "size_mb")
    elif kind == "login_blocked":
        _number(result, "wait_ms")
    return result


class _ArmedFault:
    """One fault in force: its spec and how many matching requests it has seen and may still hit."""

    def __init__(self, spec):
        self.spec = spec
        self.seen = 0
        self.remaining = spec["count"]

    def matches(self, vendor, call, path, method):
        match = self.spec["match"]
        if self.spec["kind"] == "login_blocked" and "call" not in match and call != NAKIVO_LOGIN_CALL:
            return False
        if "vendor" in match and match["vendor"] != vendor:
            return False
        if "method" in match and str(match["method"]).upper() != method:
            return False
        if "path_contains" in match and str(match["path_contains"]) not in path:
            return False
        if "call" in match:
            wanted = str(match["call"])
            calls = (call or "").split(",")
            if not any(one == wanted or one.endswith("." + wanted) for one in calls):
                return False
        return True


class FaultSet:
    """The faults in force, in the order they were added; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, spec):
        """Validate and arm one fault spec; return the normalized spec."""
        normalized = normalize_fault(spec)
        with self._lock:
            self._faults.append(_ArmedFault(normalized))
        return normalized

    def clear(self):
        with self._lock:
            self._faults.clear()

    def specs(self):
        """The armed faults with their counters, for the control API."""
        with self._lock:
            return [dict(fault.spec, seen=fault.seen, remaining=fault.remaining) for fault in self._faults]

    def pick(self, vendor, call, path, method):
        """Return the specs that apply to this request: any modifiers, then at most one outcome fault.

        Every matching fault counts the request towards its `after`, whether or not it applies.
        """
        applied = []
        outcome = None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(vendor, call, path, method):
                    continue
                fault.seen += 1
                if fault.seen <= fault.spec["after"]:
                    continue
                is_modifier = fault.spec["kind"] in MODIFIER_KINDS
                if not is_modifier and outcome is not None:
                    continue
                if is_modifier:
                    applied.append(fault.spec)
                else:
                    outcome = fault.spec
                if fault.remaining is not None:
                    fault.remaining -= 1
            self._faults = [fault for fault in self._faults if fault.remaining is None or fault.remaining > 0]
        if outcome is not None:
            applied.append(outcome)
        return applied
