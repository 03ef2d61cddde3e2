"""pytest plugin loaded by `dvc-harness certify` in its pytest process (`-p harness.reporting._progress_plugin`):
writes one JSON line per event to the file named by `$DVC_HARNESS_PROGRESS`, which certify reads to show progress.

Events: `{"e": "wiring", "lines": [...], "t": time}` when the national side is up (where it listens, what the SUT
must use), `{"e": "collected", "n": N, "t": time}` once, then `{"e": "test", "id": nodeid, "o": outcome, "t": time}`
per finished test (outcome: passed, failed, error, skipped, deviation; time: the child's `time.time()`).
"""

from __future__ import annotations

import json
import os
import time
from typing import IO

import pytest

ENV_VAR = "DVC_HARNESS_PROGRESS"
_RANK = ("passed", "skipped", "deviation", "failed", "error")


class ProgressWriter:
    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._outcomes: dict[str, str] = {}

    def _emit(self, **event: object) -> None:
        self._stream.write(json.dumps({**event, "t": time.time()}, ensure_ascii=False) + "\n")
        self._stream.flush()

    def pytest_dvc_wiring(self, config: pytest.Config, lines: list[str]) -> None:
        self._emit(e="wiring", lines=lines)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._emit(e="collected", n=len(session.items))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            outcome = "failed" if report.when == "call" else "error"
        elif report.skipped:
            outcome = "deviation" if hasattr(report, "wasxfail") else "skipped"
        elif report.when == "call":
            outcome = "passed"
        else:
            return
        previous = self._outcomes.get(report.nodeid, "passed")
        self._outcomes[report.nodeid] = max(previous, outcome, key=_RANK.index)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self._emit(e="test", id=nodeid, o=self._outcomes.pop(nodeid, "passed"))

    def pytest_unconfigure(self) -> None:
        self._stream.close()


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(ENV_VAR)
    if path and not config.pluginmanager.has_plugin("dvc-harness-progress"):
        config.pluginmanager.register(ProgressWriter(open(path, "a", encoding="utf-8")), "dvc-harness-progress")  # noqa: SIM115
