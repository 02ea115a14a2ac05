"""The emulator's HTTP(S) server: connection ids, request log, faults, the control API, and the in-process Emulator."""

import collections
import http.server
import json
import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
from urllib.parse import parse_qs, urlsplit

from .commvault import CommvaultService
from .exchange import HTML_TYPE, Reply, Request, apply_body_fault, html_reply, json_reply
from .faults import MODIFIER_KINDS, FaultSet, FaultSpecError
from .nakivo import NakivoService
from .scenario import JobClock, load_scenario

CONTROL_PREFIX = "/_emulator"
VENDORS = ("nakivo", "commvault")
WEB_UI_CALL = "WebUI"
# The Director's web UI answers GET / with 200, and nakivo_prometheus_exporter opens its session there
# (ofunctions/requestor/__init__.py:239-270, called from nakivo_api.py:46-51): any page will do.
WEB_UI_PAGE = b"<!DOCTYPE html><html><head><title>Backup console</title></head><body><div id=\"app\"></div></body></html>"


class _Server(http.server.ThreadingHTTPServer):
    """ThreadingHTTPServer that numbers connections, does TLS handshakes in the handler thread, and closes every socket on stop."""

    daemon_threads = True

    def __init__(self, address, emulator, tls_context):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.emulator = emulator
        self.tls_context = tls_context
        self._lock = threading.Lock()
        self._open = {}
        self.connection_count = 0
        super().__init__(address, _Handler)

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), a DNS lookup that can stall start-up.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        sock, address = super().get_request()
        if self.tls_context is not None:
            # The handshake happens in the handler thread, so a slow or failing client never blocks accept().
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def register(self, sock):
        with self._lock:
            self.connection_count += 1
            self._open[self.connection_count] = sock
            return self.connection_count

    def forget(self, conn_id):
        with self._lock:
            self._open.pop(conn_id, None)

    def close_all(self):
        with self._lock:
            sockets = list(self._open.values())
            self._open.clear()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        # Clients that hang up, time out or fail the TLS handshake are part of the tests, not errors.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 handler: every method goes to Emulator.serve()."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "BackupOpsEmulator/1.0"
    sys_version = ""
    conn_id = 0

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()
        self.conn_id = self.server.register(self.request)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.forget(self.conn_id)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        del args

    def _serve(self):
        self.server.emulator.serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def read_body(self):
        """The request body, from Content-Length or chunked transfer encoding."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, reply, partial=False):
        """Write a reply with its full Content-Length; with partial, only the first half of the body."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        body = reply.body[:len(reply.body) // 2] if partial else reply.body
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def drop(self):
        """Close the connection now, without (the rest of) a reply."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _query_dict(query):
    return {key: values[0] if len(values) == 1 else values for key, values in parse_qs(query, keep_blank_values=True).items()}


class Emulator:
    """NAKIVO Director and Commvault Web Server emulation on one local HTTP(S) port.

    `scenario` is a dict, a Scenario, a YAML path, or the name of a bundled scenario ("basic").
    With tls (or cert_hostname) the server speaks HTTPS with a trustme certificate for localhost,
    127.0.0.1 and ::1 (or only cert_hostname), and ca_path names the CA file to trust.
    """

    def __init__(self, scenario, tls=False, cert_hostname=None, *, host="127.0.0.1", port=0, cert_dir=None, log_limit=100000):
        loaded = load_scenario(scenario)
        # A Scenario object passed in may be shared; JobManagement.run/stop change jobs, so work on a copy.
        self.scenario = loaded.fresh() if loaded is scenario else loaded
        self.clock = JobClock()
        self.tls = bool(tls or cert_hostname)
        self.cert_hostname = cert_hostname
        self.host = host
        self.port = port
        self.cert_dir = cert_dir
        self.nakivo = NakivoService(self.scenario.nakivo, self.clock, self.tls)
        self.commvault = CommvaultService(self.scenario.commvault, self.clock, self.tls)
        self.faults = FaultSet()
        for spec in self.scenario.faults:
            self.faults.add(spec)
        self._lock = threading.Lock()
        self._log = collections.deque(maxlen=log_limit)
        self._seq = 0
        self._connections = set()
        self._requests = 0
        self._in_flight = 0
        self.max_in_flight = 0
        self._mono_start = time.monotonic()
        self._server = None
        self._thread = None
        self._tls_files = None
        self.url = None
        self.ca_path = None

    # ------------------------------------------------------------ life cycle

    def start(self):
        """Bind, serve in a daemon thread, start the job clock; returns self."""
        if self._server is not None:
            return self
        context = None
        if self.tls:
            from .tls import ServerTls  # pylint: disable=import-outside-toplevel  # trustme only when TLS is asked for
            self._tls_files = ServerTls(self.cert_hostname, self.cert_dir)
            context = self._tls_files.context
            self.ca_path = self._tls_files.ca_path
        self._server = _Server((self.host, self.port), self, context)
        self.port = self._server.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"{'https' if self.tls else 'http'}://{host}:{self.port}"
        self._mono_start = time.monotonic()
        self.clock.restart()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="backupops-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and close every connection; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all()
        server.server_close()
        self._thread.join(timeout=5)
        if self._tls_files is not None:
            self._tls_files.cleanup()
            self._tls_files = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # ------------------------------------------------------------ test controls

    @property
    def log(self):
        """A copy of the request log, in arrival order; a request still being answered has ended and status None."""
        with self._lock:
            entries = [dict(entry) for entry in self._log]
        return sorted(entries, key=lambda entry: entry["seq"])

    def clear_log(self):
        with self._lock:
            self._log.clear()
            self._connections.clear()
            self._requests = 0
            self.max_in_flight = self._in_flight

    @property
    def connections(self):
        """Distinct TCP connections that carried a vendor request since the last clear_log()."""
        with self._lock:
            return len(self._connections)

    def stats(self):
        with self._lock:
            return {"connections": len(self._connections), "requests": self._requests, "max_in_flight": self.max_in_flight,
                    "in_flight": self._in_flight, "connections_accepted": self._server.connection_count if self._server else 0}

    def add_fault(self, **spec):
        """Arm one fault (see faults.py); returns the spec with its defaults filled in."""
        return self.faults.add(spec)

    def clear_faults(self):
        self.faults.clear()

    def expire_sessions(self, vendor=None):
        """Invalidate every NAKIVO session and/or Commvault token now."""
        if vendor not in (None, *VENDORS):
            raise ValueError(f"vendor must be one of {VENDORS} or None, got {vendor!r}")
        if vendor in (None, "nakivo"):
            self.nakivo.expire_all()
        if vendor in (None, "commvault"):
            self.commvault.expire_all()

    def advance(self, seconds):
        """Move the job clock forward; returns the new job-clock second."""
        return self.clock.advance(seconds)

    def reset(self):
        """Job clock to zero, jobs as the scenario has them, no session/token, scenario faults re-armed, log cleared."""
        self.clock.restart()
        self.scenario = self.scenario.fresh()
        self.nakivo.reset(self.scenario.nakivo)
        self.commvault.reset(self.scenario.commvault)
        self.faults.clear()
        for spec in self.scenario.faults:
            self.faults.add(spec)
        self.clear_log()

    # ------------------------------------------------------------ serving

    def _elapsed(self):
        return time.monotonic() - self._mono_start

    def serve(self, handler):
        """Answer one request on a handler thread: the control API, or a vendor call through the faults."""
        started = self._elapsed()
        body = handler.read_body()
        url = urlsplit(handler.path)
        if url.path == CONTROL_PREFIX or url.path.startswith(CONTROL_PREFIX + "/"):
            handler.send(self._control(handler.command, url.path, body))
            return
        request = Request(handler.command, url.path, _query_dict(url.query), handler.headers, body.decode("utf-8", "replace"))
        service = next((one for one in (self.nakivo, self.commvault) if one.owns(request.path)), None)
        if service is not None:
            request.vendor = service.vendor
            service.identify(request)
        elif request.path == "/":
            request.call = WEB_UI_CALL
        applied = self.faults.pick(request.vendor, request.call, request.path, request.method)
        # Logged on arrival (ended/status still None), so a request the client gave up on is already in the log.
        entry = {
            "seq": None, "conn": handler.conn_id, "started": started, "ended": None, "method": request.method, "path": request.path,
            "query": request.query, "vendor": request.vendor, "call": request.call, "tenant": request.tenant, "status": None,
            "headers": dict(request.headers.items()), "body": request.body, "reply_format": None,
            "fault": ",".join(spec["name"] for spec in applied) or None, "authenticated": False,
        }
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._log.append(entry)
            self._requests += 1
            self._connections.add(handler.conn_id)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        reply, ending = None, "drop"
        try:
            reply, ending = self._answer(request, service, applied)
        finally:
            # The entry is complete before the reply leaves, so a client that reads the log right after its reply finds it.
            with self._lock:
                self._in_flight -= 1
                entry.update(ended=self._elapsed(), status=reply.status if reply else None,
                             reply_format=reply.reply_format if reply else None, authenticated=request.authenticated)
        if reply is not None:
            try:
                handler.send(reply, partial=ending == "partial")
            except OSError:
                handler.close_connection = True
        if ending != "full":
            handler.drop()

    def _answer(self, request, service, applied):
        """Apply the faults picked for a request and the vendor's answer; returns (reply or None, "full" | "partial" | "drop")."""
        for spec in applied:
            if spec["kind"] == "latency":
                time.sleep(spec["ms"] / 1000.0)
            elif spec["kind"] == "slow":
                time.sleep(spec["seconds"])
            elif spec["kind"] == "expire_session" and service is not None:
                service.expire_carried(request)
        outcome = applied[-1] if applied and applied[-1]["kind"] not in MODIFIER_KINDS else {"kind": None}
        if outcome["kind"] in ("status", "drop") and outcome.get("when") != "mid_body":
            request.authenticated = service.is_authenticated(request) if service is not None else False
            if outcome["kind"] == "drop":
                return None, "drop"
            headers = [] if outcome["retry_after"] is None else [("Retry-After", str(outcome["retry_after"]))]
            return html_reply(outcome["status"], headers=headers), "full"
        if service is None and request.call == WEB_UI_CALL and request.method in ("GET", "HEAD"):
            return Reply(200, WEB_UI_PAGE, HTML_TYPE, "html"), "full"
        if service is None:
            return html_reply(404, f"No emulated endpoint at {request.path}"), "full"
        try:
            reply = service.handle(request, outcome.get("wait_ms") if outcome["kind"] == "login_blocked" else None)
        except Exception:  # pylint: disable=broad-exception-caught  # an emulator bug must show as a 500, not a hung client
            traceback.print_exc()
            reply = html_reply(500, "Emulator error")
        if outcome["kind"] == "body":
            reply = apply_body_fault(reply, outcome)
        return reply, "partial" if outcome["kind"] == "drop" else "full"

    # ------------------------------------------------------------ control API

    def _control(self, method, path, body):
        """The /_emulator/ API for tests and tools in other processes; never logged, never faulted."""
        name = path[len(CONTROL_PREFIX):].strip("/")
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            return json_reply({"error": "the body is not JSON"}, 400)
        if not isinstance(payload, dict):
            return json_reply({"error": "the body must be a JSON object"}, 400)
        try:
            return self._control_route(method, name, payload)
        except (FaultSpecError, ValueError, TypeError) as error:
            return json_reply({"error": str(error)}, 400)

    def _control_route(self, method, name, payload):
        if (method, name) == ("GET", "health"):
            return json_reply({"status": "ok", "url": self.url, "tls": self.tls, "ca_path": self.ca_path, "clock": self.clock.now(),
                               "epoch": self.clock.wall(0)})
        if (method, name) == ("GET", "log"):
            return json_reply(self.log)
        if (method, name) == ("GET", "stats"):
            return json_reply(self.stats())
        if (method, name) == ("GET", "faults"):
            return json_reply(self.faults.specs())
        if (method, name) == ("POST", "faults"):
            return json_reply({"ok": True, "fault": self.add_fault(**payload)})
        if (method, name) == ("POST", "expire"):
            self.expire_sessions(payload.get("vendor"))
            return json_reply({"ok": True})
        if (method, name) == ("POST", "advance"):
            seconds = payload.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise ValueError("seconds: a number is required")
            return json_reply({"ok": True, "clock": self.advance(seconds)})
        if (method, name) == ("POST", "reset"):
            self.reset()
            return json_reply({"ok": True})
        if method == "DELETE" and name in ("log", "faults"):
            if name == "log":
                self.clear_log()
            else:
                self.clear_faults()
            return json_reply({"ok": True})
        return json_reply({"error": f"no control endpoint {method} {CONTROL_PREFIX}/{name}"}, 404)
