"""What each conformance test observed: the national exchanges it judged and the control/HTTP steps it took.

A verdict says only what was observed. Every test's result carries the sequence numbers of the exchanges it
read (through `Evidence`, or named explicitly with `dvc_observe.exchanges(rows)`) and the HTTP requests it
made to the SUT or the national side (recorded at the httpx transport, so the suites' own clients count too).
What a fixture observed while it was set up is credited to every test that uses it, so tests over a
module-scoped flow share that flow's evidence. A test that passes having observed nothing is reported as not
tested ("nothing observed"), never as a pass.

Only the thread that runs the tests records: the embedded reference portal and mock run in threads of the
same process, and their own traffic is not the test's observation. Harness plumbing is not an observation
either: the mock's admin API, the SUT's health check and outbox flushes (`/_control/health`, `/_control/sync`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

#: request paths that are harness plumbing, not something a test observed of the SUT
_PLUMBING = ("/_admin/", "/_control/health", "/_control/sync")
#: steps kept per observation (a test polling a page keeps the first ones; the count stays exact)
MAX_STEPS = 200


@dataclass
class Observation:
    """Exchanges (seq → service) and steps seen in one scope: a test's call, or one set-up of a fixture."""

    exchanges: dict[int, str] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)
    step_count: int = 0
    #: requirement ID → what stays unverified, known only at run time (e.g. the scale of a load smoke)
    partial: dict[str, str] = field(default_factory=dict)

    def add_step(self, text: str) -> None:
        self.step_count += 1
        if len(self.steps) < MAX_STEPS:
            self.steps.append(text)

    def merge(self, other: Observation) -> None:
        self.exchanges.update(other.exchanges)
        self.partial.update(other.partial)
        for step in other.steps:
            self.add_step(step)
        self.step_count += max(0, other.step_count - len(other.steps))

    @property
    def empty(self) -> bool:
        return not self.exchanges and not self.step_count


class Observer:
    """A stack of open observations; records go to the innermost one (a fixture set up inside a test's set-up
    records into its own, which the test then inherits)."""

    def __init__(self) -> None:
        self._owner = threading.get_ident()
        self._stack: list[Observation] = []
        self._paused = 0

    def _current(self) -> Observation | None:
        if not self._stack or self._paused or threading.get_ident() != self._owner:
            return None
        return self._stack[-1]

    @contextmanager
    def unobserved(self) -> Iterator[None]:
        """Harness work that is no test's observation (starting the run, proving the wiring)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    @contextmanager
    def scope(self) -> Iterator[Observation]:
        observation = Observation()
        self._stack.append(observation)
        try:
            yield observation
        finally:
            self._stack.remove(observation)

    def exchange(self, row: Mapping[str, Any]) -> None:
        current = self._current()
        if current is not None and "seq" in row:
            current.exchanges[int(row["seq"])] = str(row.get("service") or row.get("url") or "")

    def exchanges(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.exchange(row)

    def step(self, text: str) -> None:
        current = self._current()
        if current is not None:
            current.add_step(text)

    def partial(self, requirement: str, unverified: str) -> None:
        current = self._current()
        if current is not None:
            current.partial[requirement] = unverified

    def http(self, request: httpx.Request, status: int | str) -> None:
        if self._current() is None or request.url.path.startswith(_PLUMBING):
            return
        self.step(f"{request.method} {request.url.copy_with(query=None)} → {status}")


#: the process's observer (one pytest session per process; xdist workers are processes)
OBSERVER = Observer()
_original_handle = httpx.HTTPTransport.handle_request
_installed = False


def _observed_handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    try:
        response = _original_handle(self, request)
    except httpx.HTTPError as exc:
        OBSERVER.http(request, type(exc).__name__)
        raise
    OBSERVER.http(request, response.status_code)
    return response


def install_http_recording() -> None:
    """Record every httpx request the test thread makes (idempotent; for the rest of the process)."""
    global _installed
    if not _installed:
        httpx.HTTPTransport.handle_request = _observed_handle  # type: ignore[method-assign]
        _installed = True


class Observe:
    """The `dvc_observe` fixture: name what a test judged when `Evidence` and HTTP recording cannot see it
    (e.g. rows filtered from a whole-run query, or work done in a subprocess)."""

    def exchanges(self, rows: Iterable[Mapping[str, Any]]) -> None:
        OBSERVER.exchanges(rows)

    def step(self, text: str) -> None:
        OBSERVER.step(text)

    def partial(self, requirement: str, unverified: str) -> None:
        """This test verifies `requirement` only in part, for a reason known at run time."""
        OBSERVER.partial(requirement, unverified)
