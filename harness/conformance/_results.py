"""Per-test results with their requirement IDs, collected during a run and written as JSON (`--dvc-report`)
for `dvc-harness certify` and any other reporter: one event list, every reporter reads the same data."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: result states (inferno-core): pass, fail, error, skip, omit (capability not declared), deviation
#: (an expected deviation that failed as expected), blocked (a prerequisite failed: not run)
STATES = ("pass", "fail", "error", "skip", "omit", "deviation", "blocked")


@dataclass
class TestResult:
    nodeid: str
    requirements: list[str]
    state: str
    message: str = ""
    duration_s: float = 0.0
    #: sequence numbers of the national exchanges the test (and its fixtures) judged
    exchanges: list[int] = field(default_factory=list)
    #: control/HTTP steps the test (and its fixtures) took (the first ones; `step_count` is exact)
    steps: list[str] = field(default_factory=list)
    step_count: int = 0
    #: requirement ID → what this test leaves unverified (`@pytest.mark.req(..., partial="...")`)
    partial: dict[str, str] = field(default_factory=dict)
    #: the requirement ID of the failed prerequisite that blocked it
    blocked_by: str = ""


@dataclass
class RootCause:
    """A prerequisite test that failed: the tests needing it were blocked, not run."""

    prerequisite: str
    nodeid: str
    requirements: list[str]
    message: str


@dataclass
class RunResults:
    seed: int | None = None
    profile: str = ""
    sut: dict[str, Any] = field(default_factory=dict)
    national_url: str = ""
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    tests: list[TestResult] = field(default_factory=list)
    root_causes: list[RootCause] = field(default_factory=list)

    def add(self, result: TestResult) -> None:
        for index, existing in enumerate(self.tests):
            if existing.nodeid == result.nodeid:  # setup/call/teardown of one test: the worst state wins
                if STATES.index(result.state) > 0 and existing.state in ("pass", "skip", "omit"):
                    if not result.exchanges and not result.steps:  # a teardown error keeps what the call saw
                        result.exchanges, result.steps = existing.exchanges, existing.steps
                        result.step_count = existing.step_count
                    self.tests[index] = result
                return
        self.tests.append(result)

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "profile": self.profile,
            "sut": self.sut,
            "national_url": self.national_url,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "python": platform.python_version(),
            "tests": [asdict(t) for t in self.tests],
            "root_causes": [asdict(r) for r in self.root_causes],
        }

    def write(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
