"""The emulator as a subprocess, for the demo, the benchmarks, the soak and the fidelity tests: its CPU is not theirs.

Standard library only, and importable by file path: the fidelity tests load it that way from a venv where another
``tests`` package shadows the collection's.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class EmulatorProcess:
    """``python -m tests.emulator`` on a random port; ``url`` is its first stdout line. Stopped with SIGTERM, always.

    ``python`` is the interpreter to run it with (one that has PyYAML, and trustme for ``tls``); with ``tls``,
    ``ca_path`` is the CA it printed and the control API is verified against it.
    """

    def __init__(self, scenario, python=sys.executable, tls=False, cert_dir=None):
        # stderr to a file: a pipe nobody reads could fill up and stall the emulator in a long run.
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        command = [str(python), "-m", "tests.emulator", "--scenario", str(scenario), "--port", "0"]
        if tls:
            command += ["--tls"] + (["--cert-dir", str(cert_dir)] if cert_dir else [])
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        self.url = self.proc.stdout.readline().strip()
        self.ca_path = self.proc.stdout.readline().strip().partition("ca=")[2] if tls else None
        if not self.url.startswith("http") or (tls and not self.ca_path):
            self.stop()
            raise RuntimeError("the emulator did not start: %s" % self.stderr()[-2000:])
        self._context = ssl.create_default_context(cafile=self.ca_path) if tls else None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def control(self, method, name, payload=None):
        """Call the control API (``/_emulator/<name>``) and return its JSON answer."""
        data = json.dumps(payload if payload is not None else {}).encode() if method == "POST" else None
        request = urllib.request.Request(self.url + "/_emulator/" + name, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30, context=self._context) as reply:  # nosec - the local emulator only
            return json.loads(reply.read())

    def log(self):
        return self.control("GET", "log")

    def stderr(self):
        self._stderr.seek(0)
        return self._stderr.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
