"""One HTTP exchange: the Request as the vendor emulations see it, the Reply they build, and the body faults that corrupt it."""

import json
import re
from dataclasses import dataclass, field
from email.message import Message
from xml.sax.saxutils import escape, quoteattr

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>'

_REASONS = {
    301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class Request:
    """A vendor request. The vendor emulation fills in call, tenant and authenticated for the log."""

    method: str
    path: str
    query: dict
    headers: Message
    body: str
    vendor: str | None = None
    call: str | None = None
    tenant: str | None = None
    authenticated: bool = False
    parsed: object = None

    def header(self, name, default=None):
        """A request header, by case-insensitive name."""
        return self.headers.get(name, default)


@dataclass
class Reply:
    """One HTTP reply: status, body bytes, Content-Type, the format name for the log, and extra headers."""

    status: int
    body: bytes
    content_type: str
    reply_format: str
    headers: list = field(default_factory=list)


def json_reply(data, status=200, headers=None):
    return Reply(status, json.dumps(data, separators=(",", ":")).encode("utf-8"), JSON_TYPE, "json", list(headers or []))


def text_reply(text, status=200, headers=None):
    return Reply(status, text.encode("utf-8"), TEXT_TYPE, "text", list(headers or []))


def html_reply(status, message=None, headers=None):
    """A small HTML error page such as a proxy or Tomcat would send."""
    title = f"{status} {_REASONS.get(status, 'Error')}"
    text = (f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center>"
            f"{'<p>' + escape(message) + '</p>' if message else ''}<hr><center>nginx</center></body></html>")
    return Reply(status, text.encode("utf-8"), HTML_TYPE, "html", list(headers or []))


def xml_text(value):
    """How a value is written as an XML attribute: every attribute is a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_element(name, value, out):
    attributes = []
    children = []
    for key, item in value.items():
        if isinstance(item, dict):
            children.append((key, item))
        elif isinstance(item, list):
            children.extend((key, entry if isinstance(entry, dict) else {"val": entry}) for entry in item)
        else:
            attributes.append(f" {key}={quoteattr(xml_text(item))}")
    out.append(f"<{name}{''.join(attributes)}")
    if not children:
        out.append("/>")
        return
    out.append(">")
    for child_name, child in children:
        _xml_element(child_name, child, out)
    out.append(f"</{name}>")


def to_xml(root, data):
    """Serialize a dict the Commvault way: scalars become attributes, dicts child elements, lists repeated elements."""
    out = [XML_DECLARATION]
    _xml_element(root, data, out)
    return "".join(out)


def xml_reply(root, data, status=200, headers=None):
    return Reply(status, to_xml(root, data).encode("utf-8"), XML_TYPE, "xml", list(headers or []))


LOGIN_PORTAL_HTML = (
    "<!DOCTYPE html><html><head><title>Sign in - Corporate Access Gateway</title></head>"
    "<body><h1>Sign in</h1><p>Your session has ended. Please sign in to continue.</p>"
    '<form method="post" action="/portal/login"><input name="user"><input name="password" type="password">'
    "<button>Sign in</button></form></body></html>"
)
_GARBAGE = b"\x89\x00\xff\xfe\x1f\x8bgarbage\x00\x01\x02\xc3\x28\xa0\xa1{[<\x9c\x80"
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.-]*)")


def _xml_root(reply):
    """The root element of an XML reply without its declaration, or a generic one for other replies."""
    if reply.reply_format == "xml":
        text = reply.body.decode("utf-8")
        if text.startswith("<?xml"):
            text = text[text.index("?>") + 2:]
        match = _ROOT_RE.search(text)
        return match.group(1), text
    return "response", "<response/>"


def _xml_with_dtd(reply, dtd, body=None):
    root, document = _xml_root(reply)
    if body is not None:
        document = f"<{root}>{body}</{root}>"
    return Reply(200, f'{XML_DECLARATION}<!DOCTYPE {root}{dtd}>{document}'.encode("utf-8"), XML_TYPE, "xml", list(reply.headers))


def _huge(reply, size):
    """A syntactically valid reply of about `size` bytes: a padding member (JSON), a trailing comment (XML), or filler."""
    filler = b"x" * max(size - len(reply.body), 0)
    body = reply.body
    if reply.reply_format == "json" and body.startswith(b"{"):
        separator = b"," if body.strip() != b"{}" else b""
        body = b'{"padding":"' + filler + b'"' + separator + body[1:]
    elif reply.reply_format == "xml":
        body = body + b"<!--" + filler + b"-->"
    else:
        body = body + b" " * len(filler)
    return Reply(reply.status, body, reply.content_type, reply.reply_format, list(reply.headers))


def apply_body_fault(reply, spec):
    """Replace or corrupt a reply as a `body` fault spec asks."""
    kind = spec["body"]
    if kind == "html":
        return Reply(200, LOGIN_PORTAL_HTML.encode("utf-8"), HTML_TYPE, "html", list(reply.headers))
    if kind == "truncated_json":
        content_type = JSON_TYPE if reply.reply_format in ("json", "text", "html") else reply.content_type
        return Reply(reply.status, reply.body[:max(len(reply.body) // 2, 1)], content_type, reply.reply_format, list(reply.headers))
    if kind == "wrong_content_type":
        content_type = HTML_TYPE if reply.reply_format == "json" else JSON_TYPE
        return Reply(reply.status, reply.body, content_type, reply.reply_format, list(reply.headers))
    if kind == "garbage":
        return Reply(reply.status, _GARBAGE * 8, reply.content_type, reply.reply_format, list(reply.headers))
    if kind == "xml_doctype":
        return _xml_with_dtd(reply, ' SYSTEM "http://schemas.example.com/response.dtd"')
    if kind == "xml_billion_laughs":
        entities = ['<!ENTITY lol "lol">'] + [
            f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">' for level in range(1, 10)
        ]
        return _xml_with_dtd(reply, " [" + "".join(entities) + "]", body="&lol9;")
    if kind == "xml_external_entity":
        return _xml_with_dtd(reply, ' [<!ENTITY xxe SYSTEM "file:///etc/passwd">]', body="<error><errList>&xxe;</errList></error>")
    if kind == "huge":
        return _huge(reply, int(spec["size_mb"] * 1024 * 1024))
    raise ValueError(f"unknown body fault {kind!r}")
