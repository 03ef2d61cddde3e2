"""Runs the suites in a child `python -m pytest` and relays its progress events (see `_progress_plugin`).

A child process rather than an in-process `pytest.main`: a run starts servers in threads, fixes Hypothesis'
global seed and imports the suites; a fresh interpreter gives every run a clean state, lets the caller (a CI
job, or the project's own tests running certify inside pytest) survive a crash or a hang, and keeps pytest's
console output out of ours (it goes to `pytest.log` beside the report).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Protocol

from harness.core.errors import HarnessError
from harness.reporting._progress_plugin import ENV_VAR

PLUGIN = "harness.reporting._progress_plugin"
_POLL_S = 0.1
_GRACE_S = 20.0


class Progress(Protocol):
    """Receives the child's events; `at` is the child's wall-clock time of the event (`time.time()`)."""

    def collected(self, total: int, at: float) -> None: ...

    def test_done(self, nodeid: str, outcome: str, at: float) -> None: ...

    # optional: `wiring(lines: list[str])`, the national side's URLs and what the SUT must use, as soon as known


class _EventFeed:
    """Reads the JSON lines the child appends, keeping a partly written line for the next read."""

    def __init__(self, stream: IO[str], progress: Progress | None) -> None:
        self._stream = stream
        self._progress = progress
        self._partial = ""

    def pump(self) -> None:
        text = self._partial + self._stream.read()
        *lines, self._partial = text.split("\n")
        for line in lines:
            with contextlib.suppress(ValueError):
                self._dispatch(json.loads(line))

    def _dispatch(self, event: dict[str, object]) -> None:
        if self._progress is None:
            return
        at = float(str(event.get("t", 0.0)))
        if event.get("e") == "collected":
            self._progress.collected(int(str(event.get("n", 0))), at)
        elif event.get("e") == "test":
            self._progress.test_done(str(event.get("id", "")), str(event.get("o", "")), at)
        elif event.get("e") == "wiring" and isinstance(lines := event.get("lines"), list):
            announce = getattr(self._progress, "wiring", None)
            if callable(announce):
                announce([str(line) for line in lines])


def run_pytest(args: Sequence[str], *, log_path: Path, progress: Progress | None = None) -> int:
    """`python -m pytest ARGS` with the progress plugin; its output goes to `log_path`; returns its exit code."""
    with tempfile.TemporaryDirectory(prefix="dvc-certify-") as tmp:
        events = Path(tmp) / "progress.ndjson"
        events.touch()
        env = {**os.environ, ENV_VAR: str(events)}
        command = [sys.executable, "-m", "pytest", "-p", PLUGIN, *args]
        with log_path.open("w", encoding="utf-8") as log, events.open(encoding="utf-8") as stream:
            feed = _EventFeed(stream, progress)
            child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
            try:
                while True:
                    try:
                        child.wait(timeout=_POLL_S)
                    except subprocess.TimeoutExpired:
                        feed.pump()
                        continue
                    feed.pump()
                    return child.returncode
            except KeyboardInterrupt:
                _stop(child)
                raise HarnessError(f"interrupted: the conformance run was stopped (its output: {log_path})") from None


def _stop(child: subprocess.Popen[bytes]) -> None:
    """The child got the same Ctrl-C: give it time to close its servers, then kill it."""
    try:
        child.wait(timeout=_GRACE_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def failure_line(log_path: Path) -> str:
    """The one line of a pytest log that says why the run stopped."""
    try:
        lines = [line.strip() for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return "(no output)"
    lines = [line for line in lines if line]
    for marker in ("Exit: ", "INTERNALERROR> ", "ERROR: "):
        found = [line for line in lines if marker in line]
        if found:
            return found[-1].split(marker, 1)[1].strip(" !") or found[-1]
    located = [line for line in lines if line.startswith("ERROR ")]  # the short summary: where
    raised = [line[1:].strip() for line in lines if line.startswith("E ")]  # the exception: why
    if located or raised:
        return ": ".join(part[-1] for part in (located, raised) if part)
    return (lines or ["(no output)"])[-1]
