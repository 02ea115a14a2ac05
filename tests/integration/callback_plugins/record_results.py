# -*- coding: utf-8 -*-
"""Test-only callback: writes every task result of a run to the JSON file named by BACKUPOPS_RESULTS."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Record every task result in a JSON file (tests only)
description:
  - Writes a list of C({task, host, status, result}) to the file named by E(BACKUPOPS_RESULTS).
requirements:
  - enabled in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    """Keeps each result as the controller saw it, including the invocation block."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = []

    def _record(self, result, status):
        self.entries.append(dict(task=result._task.get_name(), host=result._host.get_name(),
                                 status=status, result=result._result))
        self._write()

    def _write(self):
        path = os.environ.get("BACKUPOPS_RESULTS")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(self.entries, handle, default=str)

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")
