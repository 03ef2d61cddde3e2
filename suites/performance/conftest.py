"""The performance smoke runs once per module (fixture `smoke`); its numbers and the status of the
thresholds (assumptions: TT 22/2019 Phụ lục IV is not public) are printed after the tests.

Parameters (environment variable, else ini key, else default; bounded: at most 100 users and 30 s):
`DVC_HARNESS_SMOKE_USERS` / `dvc_smoke_users` (10), `DVC_HARNESS_SMOKE_DURATION_S` / `dvc_smoke_duration_s`
(5), `DVC_HARNESS_SMOKE_SPAWN_RATE` / `dvc_smoke_spawn_rate` (all users within the first second).
"""

from __future__ import annotations

import pytest

from harness.conformance import ConformanceEnvironment, Observe
from harness.core.errors import HarnessError, UsageError
from harness.load import SMOKE_SOURCES
from suites.performance._smoke import Smoke, run_smoke

SMOKE_KEY = pytest.StashKey[Smoke]()


def pytest_addoption(parser: pytest.Parser) -> None:
    for field, variable, key in SMOKE_SOURCES:
        parser.addini(key, f"performance smoke {field} (env {variable})", default=None)


@pytest.fixture(scope="module")
def smoke(dvc_env: ConformanceEnvironment, dvc_seed: int, pytestconfig: pytest.Config) -> Smoke:
    """The smoke run and its verdicts: Locust runs once, each test judges one threshold."""
    try:
        run = run_smoke(dvc_env, dvc_seed, pytestconfig.getini)
    except UsageError as exc:
        pytest.exit(f"dvc-harness: {exc}", returncode=exc.exit_code)
    except HarnessError as exc:
        pytest.fail(f"the performance smoke could not run: {exc}", pytrace=False)
    if run.result.exceptions:
        raised = "; ".join(f"{e.count}× {e.message}" for e in run.result.exceptions)
        pytest.fail(f"the load scenarios raised (a harness defect, not a verdict on the SUT): {raised}", pytrace=False)
    pytestconfig.stash[SMOKE_KEY] = run
    observe = Observe()
    observe.step(f"Locust smoke against {run.result.host}: {run.result.summary()}")
    target = run.verdicts["concurrent_users"].threshold
    for verdict in run.verdicts.values():  # the smoke proves the limits at its own scale only
        observe.partial(
            verdict.requirement,
            f"smoke scale: {run.settings.users} users for {run.settings.duration_s:g} s; the profile defines it at "
            f"{target.op.value} {target.value:g} concurrent users (certify --load-result: a load run at that level)",
        )
    return run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    run = config.stash.get(SMOKE_KEY, None)
    if run is not None:
        terminalreporter.section("dvc-harness performance smoke (TT 22/2019 Điều 7)")
        for line in run.summary_lines():
            terminalreporter.write_line(line)
