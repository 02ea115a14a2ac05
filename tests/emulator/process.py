"""The emulator as a subprocess, for the demo, the benchmarks and the soak: its CPU is not theirs."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class EmulatorProcess:
    """``python -m tests.emulator`` on a random port; ``url`` is its first stdout line. Stopped with SIGTERM, always."""

    def __init__(self, scenario):
        # stderr to a file: a pipe nobody reads could fill up and stall the emulator in a long run.
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--scenario", str(scenario), "--port", "0"],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError("the emulator did not start: %s" % self.stderr()[-2000:])

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def control(self, method, name, payload=None):
        """Call the control API (``/_emulator/<name>``) and return its JSON answer."""
        data = json.dumps(payload if payload is not None else {}).encode() if method == "POST" else None
        request = urllib.request.Request(self.url + "/_emulator/" + name, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as reply:  # nosec - the local emulator only
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
