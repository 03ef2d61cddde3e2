"""pytest hooks and fixtures of the conformance suites (loaded through `harness.pytest_plugin`).

Options (each also an environment variable and an ini key, Locust style). Every flag starts with `--dvc-`, so the
plugin loads beside pytest-profiling (`--profile`), pytest-randomly and pytest-xdist; `--sut`, `--mock-url`,
`--mock-admin-token` and `--expected-deviations` stay as aliases (no known plugin uses them):

| option | env | ini | meaning |
|---|---|---|---|
| `--dvc-sut FILE` | `DVC_HARNESS_SUT` | `dvc_sut` | sut.toml; without it the bundled reference portal is the SUT |
| `--dvc-mock-url URL` | `DVC_HARNESS_MOCK_URL` | `dvc_mock_url` | use a running mock instead of starting one |
| `--dvc-mock-port N` | `DVC_HARNESS_MOCK_PORT` | `dvc_mock_port` | its port (8787 with a sut.toml; 0 free) |
| `--dvc-mock-admin-token T` | `DVC_HARNESS_MOCK_ADMIN_TOKEN` | `dvc_mock_admin_token` | its admin token |
| `--dvc-profile NAME` | `DVC_HARNESS_PROFILE` | `dvc_profile` | regulation profile (default tt22-2019) |
| `--dvc-seed N` | `DVC_HARNESS_SEED` | `dvc_seed` | Hypothesis and data seed; printed and recorded |
| `--dvc-expected-deviations FILE` | `DVC_HARNESS_EXPECTED_DEVIATIONS` | `dvc_expected_deviations` | known deviations |
| `--dvc-report FILE` | `DVC_HARNESS_REPORT` | `dvc_report` | per-requirement results as JSON |
| `--dvc-evidence FILE` | `DVC_HARNESS_EVIDENCE` | `dvc_evidence` | the run's exchanges, NDJSON, redacted |
| `--dvc-stateful-examples N` | `DVC_HARNESS_STATEFUL_EXAMPLES` | `dvc_stateful_examples` | stateful sequences |
| `--dvc-operator terminal` | `DVC_HARNESS_OPERATOR` | `dvc_operator` | interactive mode at this terminal (use `-s`) |
| `--dvc-skip-wiring-check` | `DVC_HARNESS_SKIP_WIRING_CHECK` | `dvc_skip_wiring_check` | no wiring proof first |
| `--dvc-req ID` (repeatable) | | | run only the tests tagged with these requirement IDs |

Before any test the run prints where the national side listens and what the SUT must be configured with,
configures the national side from sut.toml (`POST /_admin/sut`) and proves the wiring: the SUT sends one
DongBoHoSoMC to it, or the session stops with exit 4 naming the URL (a wiring problem is never a SUT failure).

Markers: `req(*ids, partial="what stays unverified")` names the requirements a test verifies (fully, or in part
with `partial`); `capability(name)` omits a test unless the SUT declares it; `dvc_prerequisite(name)` marks the
test that establishes a prerequisite (it runs first) and `dvc_needs(*names)` the tests that depend on it: when
the prerequisite test fails, they are reported `blocked` at once instead of each waiting out its timeout.

Each test's result carries what it observed (`_observations`); a test that passes having observed nothing is
reported skipped, "nothing observed", and its requirements are not tested.

Nothing starts unless a test asks for a conformance fixture, so the plugin is inert in other projects.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Callable, Generator
from typing import Any

import pytest

from harness.conformance._environment import ConformanceEnvironment, ConformanceOptions
from harness.conformance._evidence import Evidence, Exchange, ExchangeNotReceived
from harness.conformance._observations import OBSERVER, Observation, Observe, install_http_recording
from harness.conformance._results import RootCause, RunResults, TestResult
from harness.core.errors import HarnessError, UsageError
from harness.requirements import default_profile

_OPTIONS = (
    # (flags, dest, env, help): the first flag is the name, the others aliases no known plugin uses
    (("--dvc-sut", "--sut"), "dvc_sut", "DVC_HARNESS_SUT", "sut.toml of the SUT (default: the reference portal)"),
    (("--dvc-mock-url", "--mock-url"), "dvc_mock_url", "DVC_HARNESS_MOCK_URL", "a running national mock to use"),
    (("--dvc-mock-port",), "dvc_mock_port", "DVC_HARNESS_MOCK_PORT", "port of the mock the run starts (0: free)"),
    (
        ("--dvc-mock-admin-token", "--mock-admin-token"),
        "dvc_mock_admin_token",
        "DVC_HARNESS_MOCK_ADMIN_TOKEN",
        "the mock's admin token",
    ),
    (("--dvc-profile",), "dvc_profile", "DVC_HARNESS_PROFILE", "regulation profile (default tt22-2019)"),
    (("--dvc-seed",), "dvc_seed", "DVC_HARNESS_SEED", "seed for Hypothesis and generated data (printed, recorded)"),
    (
        ("--dvc-expected-deviations", "--expected-deviations"),
        "dvc_expected_deviations",
        "DVC_HARNESS_EXPECTED_DEVIATIONS",
        "TOML of known deviations",
    ),
    (("--dvc-report",), "dvc_report", "DVC_HARNESS_REPORT", "write per-requirement results as JSON to this file"),
    (
        ("--dvc-operator",),
        "dvc_operator",
        "DVC_HARNESS_OPERATOR",
        'interactive mode: "terminal" (a tester here) or the operator relay of certify --interactive (host:port)',
    ),
    (("--dvc-evidence",), "dvc_evidence", "DVC_HARNESS_EVIDENCE", "export the run's exchanges (NDJSON, redacted)"),
    (
        ("--dvc-stateful-examples",),
        "dvc_stateful_examples",
        "DVC_HARNESS_STATEFUL_EXAMPLES",
        "sequences each stateful property test drives (default: a few, for CI; more for a thorough run)",
    ),
)
RESULTS_KEY = pytest.StashKey[RunResults]()
ENV_KEY = pytest.StashKey[ConformanceEnvironment]()
SEED_KEY = pytest.StashKey[int]()
OPTIONS_KEY = pytest.StashKey[ConformanceOptions]()
CALL_OBSERVED_KEY = pytest.StashKey[Observation]()
#: the requirement IDs of the test being set up or run (interactive steps name them)
CURRENT_REQUIREMENTS_KEY = pytest.StashKey[tuple[str, ...]]()
#: prerequisite name → the failed prerequisite test's root cause (per session)
FAILED_PREREQUISITES_KEY = pytest.StashKey[dict[str, RootCause]]()
#: the last set-up's observation of each fixture definition (by id), credited to the tests that use it
_FIXTURE_OBSERVED: dict[int, Observation] = {}
NOTHING_OBSERVED = "nothing observed: the test judged no national exchange and took no step against the SUT"
BLOCKED_PREFIX = "blocked by "


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from harness.conformance import _hookspecs

    pluginmanager.add_hookspecs(_hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dvc-harness", "dvc-harness conformance suites")
    for flags, dest, env, text in _OPTIONS:
        group.addoption(*flags, dest=dest, default=None, help=f"{text} [env {env}]")
        parser.addini(dest, f"{text} (same as {flags[0]})", default=None)
    group.addoption(
        "--dvc-skip-wiring-check",
        dest="dvc_skip_wiring_check",
        action="store_true",
        default=False,
        help="do not prove the SUT's wiring to the national side before the tests [env DVC_HARNESS_SKIP_WIRING_CHECK]",
    )
    parser.addini("dvc_skip_wiring_check", "same as --dvc-skip-wiring-check", type="bool", default=False)
    group.addoption(
        "--dvc-req", dest="dvc_req", action="append", default=[], help="run only tests tagged with this requirement ID"
    )
    group.addoption(
        "--dvc-reference-defect",
        dest="dvc_reference_defects",
        action="append",
        default=[],
        help="(self-tests) start the embedded reference portal with this defect switch",
    )


def _option(config: pytest.Config, dest: str, env: str) -> str | None:
    value = config.getoption(dest) or os.environ.get(env) or config.getini(dest)
    return str(value) if value else None


def _options(config: pytest.Config) -> ConformanceOptions:
    if OPTIONS_KEY in config.stash:
        return config.stash[OPTIONS_KEY]
    values = {dest: _option(config, dest, env) for _, dest, env, _ in _OPTIONS}
    seed, port = _integer(values, "dvc_seed"), _integer(values, "dvc_mock_port")
    skip_wiring = config.getoption("dvc_skip_wiring_check") or os.environ.get("DVC_HARNESS_SKIP_WIRING_CHECK", "")
    options = ConformanceOptions(
        sut_file=values["dvc_sut"],
        mock_url=values["dvc_mock_url"],
        mock_admin_token=values["dvc_mock_admin_token"] or "demo-admin",
        profile=values["dvc_profile"] or default_profile(),
        seed=seed,
        expected_deviations=values["dvc_expected_deviations"],
        reference_defects=frozenset(config.getoption("dvc_reference_defects") or ()),
        mock_port=port,
        operator=values["dvc_operator"],
        check_wiring=not (
            str(skip_wiring).lower() in ("1", "true", "yes") or bool(config.getini("dvc_skip_wiring_check"))
        ),
    )
    config.stash[OPTIONS_KEY] = options
    return options


def _integer(values: dict[str, str | None], dest: str) -> int | None:
    text = values[dest]
    try:
        return int(text) if text is not None else None
    except ValueError:
        flag = "--" + dest.replace("_", "-")
        raise pytest.UsageError(f"{flag} must be an integer, got {text!r}") from None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "req(*ids): the requirement IDs a conformance test verifies")
    config.addinivalue_line("markers", "capability(name): skip (omit) unless the SUT declares this capability")
    config.addinivalue_line("markers", "dvc_run_wide: runs after every other test (checks the whole run's evidence)")
    config.addinivalue_line("markers", "dvc_prerequisite(name): this test establishes a prerequisite; runs first")
    config.addinivalue_line("markers", "dvc_needs(*names): blocked, not run, when one of these prerequisites failed")
    config.addinivalue_line(
        "markers", "dvc_control_api(why): needs a control-API hook no tester can play: omitted in interactive mode"
    )
    install_http_recording()


def _requirement_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for marker in item.iter_markers("req"):
        ids.extend(str(arg) for arg in marker.args)
    return sorted(set(ids))


def _partial_links(item: pytest.Item) -> dict[str, str]:
    """Requirement ID → what the test leaves unverified, from `req` markers with `partial=`. A requirement that
    another marker of the same test names without `partial` is verified fully."""
    partial: dict[str, str] = {}
    full: set[str] = set()
    for marker in item.iter_markers("req"):
        remainder = marker.kwargs.get("partial")
        for rid in map(str, marker.args):
            if remainder:
                partial.setdefault(rid, str(remainder))
            else:
                full.add(rid)
    return {rid: text for rid, text in partial.items() if rid not in full}


def _ordering(item: pytest.Item) -> int:
    """Prerequisites first, run-wide checks last (a stable sort keeps the rest in collection order)."""
    if item.get_closest_marker("dvc_prerequisite") is not None:
        return 0
    return 2 if item.get_closest_marker("dvc_run_wide") is not None else 1


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    tagged = [item for item in items if item.get_closest_marker("req") is not None]
    if not tagged:
        return
    from harness.requirements import RequirementCatalogueError, load_catalogue

    options = _options(config)
    try:
        catalogue = load_catalogue()
        catalogue.for_profile(options.profile)
    except (RequirementCatalogueError, UsageError) as exc:
        raise pytest.UsageError(str(exc)) from None
    known = set(catalogue.requirements)
    for item in tagged:
        unknown = [rid for rid in _requirement_ids(item) if rid not in known]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown requirement ID(s) {', '.join(unknown)}")
        for rid in _requirement_ids(item):
            item.user_properties.append(("requirement", rid))

    wanted = set(config.getoption("dvc_req") or ())
    if wanted:
        keep = [i for i in items if wanted & set(_requirement_ids(i))]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep

    deviations: dict[str, str] = {}
    if options.expected_deviations:
        from harness.conformance._deviations import load_deviations

        try:
            deviations = load_deviations(options.expected_deviations, known)
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    for item in items:
        hit = [rid for rid in _requirement_ids(item) if rid in deviations]
        if hit:
            reason = "; ".join(f"{rid}: {deviations[rid]}" for rid in hit)
            item.add_marker(pytest.mark.xfail(reason=f"expected deviation — {reason}", strict=False))

    items.sort(key=_ordering)
    _fix_seed(config, options)
    config.stash[RESULTS_KEY] = RunResults(seed=config.stash[SEED_KEY], profile=options.profile)


def _fix_seed(config: pytest.Config, options: ConformanceOptions) -> None:
    """One seed for the run: --seed, else --hypothesis-seed, else a fresh one; printed and recorded."""
    seed = options.seed
    if seed is None:
        given = config.getoption("hypothesis_seed", default=None)
        seed = int(given) if given is not None and str(given).isdigit() else random.SystemRandom().randrange(2**31)
    from hypothesis import core

    core.global_force_seed = seed  # type: ignore[assignment]
    config.stash[SEED_KEY] = seed


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str]:
    if SEED_KEY not in config.stash:
        return []
    options = _options(config)
    sut = options.sut_file or "the bundled reference portal"
    return [
        f"dvc-harness: profile {options.profile}, SUT {sut}, seed {config.stash[SEED_KEY]} "
        f"(reproduce with --dvc-seed {config.stash[SEED_KEY]})"
    ]


def _state(report: pytest.TestReport, item: pytest.Item) -> str:
    if hasattr(report, "wasxfail"):
        return "deviation" if report.skipped else "pass"
    if report.skipped:
        if f"Skipped: {BLOCKED_PREFIX}" in str(report.longrepr):
            return "blocked"
        if f"Skipped: {OMITTED_BY_OPERATOR}" in str(report.longrepr):
            return "omit"
        marker = item.get_closest_marker("capability")
        return "omit" if marker is not None and "not declared" in str(report.longrepr) else "skip"
    if report.failed:
        return "fail" if report.when == "call" else "error"
    return "pass"


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, Any, Any]:
    with OBSERVER.scope() as observed:
        try:
            return (yield)
        finally:
            _FIXTURE_OBSERVED[id(fixturedef)] = observed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with OBSERVER.scope() as observed:
        try:
            return (yield)
        finally:
            item.stash[CALL_OBSERVED_KEY] = observed


def _observed(item: pytest.Item) -> Observation:
    """What the test's call and the fixtures it uses observed."""
    total = Observation()
    info = getattr(item, "_fixtureinfo", None)
    for name in getattr(item, "fixturenames", ()):
        for fixturedef in info.name2fixturedefs.get(name, ()) if info is not None else ():
            fixture_observed = _FIXTURE_OBSERVED.get(id(fixturedef))
            if fixture_observed is not None:
                total.merge(fixture_observed)
    call_observed = item.stash.get(CALL_OBSERVED_KEY, None)
    if call_observed is not None:
        total.merge(call_observed)
    return total


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    results = item.config.stash.get(RESULTS_KEY, None)
    requirements = _requirement_ids(item)
    if results is None or not requirements:
        return report
    observed = _observed(item) if report.when == "call" else Observation()
    _operator_outcome(item, call, report)
    if report.when == "call" and report.passed and not hasattr(report, "wasxfail") and observed.empty:
        # a verdict says only what was observed: a pass on nothing is no pass
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {NOTHING_OBSERVED}")
    if report.when == "call" or report.failed or report.skipped:
        _record(results, item, report, requirements, observed)
        if report.failed:
            _note_prerequisite_failure(item, report, requirements)
    return report


OMITTED_BY_OPERATOR = "omitted by the operator"


def _operator_outcome(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Interactive mode: a step the operator cannot do omits the test, with the operator's reason; an operator
    who is gone (stdin closed) or who breaks the protocol stops the session (what was judged so far stays)."""
    from harness.sut._steps import OperatorGone, OperatorProtocolError, StepCannot

    if call.excinfo is None or not report.failed:
        return
    error = call.excinfo.value
    if isinstance(error, StepCannot):
        report.outcome = "skipped"
        reason = f"Skipped: {OMITTED_BY_OPERATOR} at {error.step.id}: {error.reason}"
        report.longrepr = (str(item.path), item.location[1] or 0, reason)
    elif isinstance(error, OperatorGone | OperatorProtocolError):
        item.session.shouldstop = f"dvc-harness: the operator: {error}"


def _message(report: pytest.TestReport) -> str:
    if not (report.failed or report.skipped):
        return ""
    crash = getattr(report.longrepr, "reprcrash", None)
    return str(crash.message) if crash is not None else str(report.longrepr)[-2000:]


def _record(
    results: RunResults, item: pytest.Item, report: pytest.TestReport, requirements: list[str], observed: Observation
) -> None:
    state = _state(report, item)
    blocked_by = ""
    if state == "blocked":
        blocked_by = _message(report).split(BLOCKED_PREFIX, 1)[-1].split(" ", 1)[0].rstrip(":")
    results.add(
        TestResult(
            item.nodeid,
            requirements,
            state,
            _message(report),
            round(report.duration, 3),
            exchanges=sorted(observed.exchanges),
            steps=list(observed.steps),
            step_count=observed.step_count,
            partial={**_partial_links(item), **observed.partial},
            blocked_by=blocked_by,
        )
    )


def _note_prerequisite_failure(item: pytest.Item, report: pytest.TestReport, requirements: list[str]) -> None:
    marker = item.get_closest_marker("dvc_prerequisite")
    if marker is None:
        return
    failed = item.config.stash.setdefault(FAILED_PREREQUISITES_KEY, {})
    for name in map(str, marker.args):
        if name not in failed:
            cause = RootCause(name, item.nodeid, requirements, _message(report)[:2000])
            failed[name] = cause
            item.config.stash[RESULTS_KEY].root_causes.append(cause)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    results = config.stash.get(RESULTS_KEY, None)
    env = config.stash.get(ENV_KEY, None)
    if results is not None:
        import time

        results.finished_at = time.time()
        if env is not None:
            results.sut = env.description.as_dict(redact=True)
            results.national_url = env.national_url
        target = _option(config, "dvc_report", "DVC_HARNESS_REPORT")
        if target:
            results.write(target)
    evidence_file = _option(config, "dvc_evidence", "DVC_HARNESS_EVIDENCE")
    if env is not None and evidence_file:
        env.evidence.export_ndjson(evidence_file)
    if env is not None:
        env.close()


# --- fixtures ---------------------------------------------------------------------------------------


def _environment(config: pytest.Config) -> ConformanceEnvironment:
    """The session's national mock and SUT, started on first use (a fixture or the capability gate)."""
    if ENV_KEY in config.stash:
        return config.stash[ENV_KEY]
    try:
        with OBSERVER.unobserved():
            env = ConformanceEnvironment.start(
                _options(config),
                announce=lambda lines: _announce(config, lines),
                terminal_operator=lambda: _TerminalOperator(config),
                current_requirements=lambda: config.stash.get(CURRENT_REQUIREMENTS_KEY, ()),
            )
    except HarnessError as exc:
        pytest.exit(f"dvc-harness: {exc}", returncode=exc.exit_code)
    config.stash[ENV_KEY] = env
    return env


def _announce(config: pytest.Config, lines: list[str]) -> None:
    """The wiring, first: on the terminal (even under -q) and to any listener (certify prints it)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)
    config.hook.pytest_dvc_wiring(config=config, lines=lines)


class _TerminalOperator:
    """A tester at the terminal of this pytest process: output capture is suspended while a step is shown."""

    def __init__(self, config: pytest.Config) -> None:
        from rich.console import Console

        from harness.sut._operator import TerminalOperator

        self._config = config
        self._operator = TerminalOperator(Console(highlight=False))

    def _uncaptured(self) -> Any:
        capture = self._config.pluginmanager.get_plugin("capturemanager")
        return capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext()

    def ask(self, step: Any) -> Any:
        with self._uncaptured():
            return self._operator.ask(step)

    def result(self, step_id: str, outcome: Any) -> None:
        with self._uncaptured():
            self._operator.result(step_id, outcome)

    def end(self, exit_code: int) -> None:
        self._operator.end(exit_code)


@pytest.fixture(scope="session")
def dvc_env(pytestconfig: pytest.Config) -> ConformanceEnvironment:
    """The national mock and the SUT for this session (started on first use, stopped at the end)."""
    return _environment(pytestconfig)


@pytest.fixture(scope="session")
def dvc_sut(dvc_env: ConformanceEnvironment) -> Any:
    """The SUT driver (`harness.sut.SutDriver`): create dossiers, act, view, pay, flush the outbox."""
    return dvc_env.driver


@pytest.fixture(scope="session")
def dvc_evidence(dvc_env: ConformanceEnvironment) -> Evidence:
    """Every exchange the national side saw or sent: `.exchanges(service=, ma_ho_so=)`, `.wait_for(...)`."""
    return dvc_env.evidence


@pytest.fixture(scope="session")
def dvc_seed(pytestconfig: pytest.Config) -> int:
    """The run's seed (--seed, or a fresh one printed in the header and recorded in the report)."""
    return pytestconfig.stash.get(SEED_KEY, 0)


WaitForExchange = Callable[..., Exchange]


@pytest.fixture
def wait_for_exchange(dvc_env: ConformanceEnvironment) -> WaitForExchange:
    """`wait_for_exchange(service, ma_ho_so, timeout=None, where=None, since=None)`: the first matching
    exchange; fails with ExchangeNotReceived ("... not received within N s") when the SUT does not send it
    within `timeout` (default: the SUT's declared sync delay). The SUT's outbox is flushed while waiting."""

    def wait(
        service: str,
        ma_ho_so: str | None = None,
        timeout: float | None = None,
        where: Callable[[Exchange], bool] | None = None,
        since: int | None = None,
    ) -> Exchange:
        return dvc_env.evidence.wait_for(
            service,
            ma_ho_so,
            timeout=timeout if timeout is not None else dvc_env.description.sync_delay_s,
            where=where,
            since=since,
            nudge=dvc_env.driver.flush_sync,
        )

    return wait


@pytest.fixture(scope="session")
def dvc_stateful_examples(pytestconfig: pytest.Config) -> int | None:
    """`--dvc-stateful-examples N`: how many sequences each stateful property test drives (None: its default)."""
    value = _integer(
        {"dvc_stateful_examples": _option(pytestconfig, "dvc_stateful_examples", "DVC_HARNESS_STATEFUL_EXAMPLES")},
        "dvc_stateful_examples",
    )
    if value is not None and value < 1:
        raise pytest.UsageError(f"--dvc-stateful-examples must be at least 1, got {value}")
    return value


@pytest.fixture
def dvc_observe() -> Observe:
    """Name what a test judged when the harness cannot see it: `dvc_observe.exchanges(rows)` for rows filtered
    out of a whole-run query, `dvc_observe.step("...")` for work done elsewhere (e.g. a load run)."""
    return Observe()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Block a test whose prerequisite failed, and omit one whose capability the SUT does not declare, before
    any fixture (module-scoped flows included) runs against it. Only tests with the capability marker start the
    environment here."""
    item.config.stash[CURRENT_REQUIREMENTS_KEY] = tuple(_requirement_ids(item))
    failed = item.config.stash.get(FAILED_PREREQUISITES_KEY, {})
    for needs in item.iter_markers("dvc_needs"):
        for name in map(str, needs.args):
            cause = failed.get(name)
            if cause is not None:
                root = cause.requirements[0] if cause.requirements else name
                pytest.skip(f"{BLOCKED_PREFIX}{root}: prerequisite {name!r} failed ({cause.nodeid})")
    control_only = item.get_closest_marker("dvc_control_api")
    if control_only is not None and _environment(item.config).interactive:
        why = str(control_only.args[0]) if control_only.args else "a control-API hook"
        pytest.skip(f"{OMITTED_BY_OPERATOR}: needs {why}, which no tester can play (interactive mode)")
    marker = item.get_closest_marker("capability")
    if marker is None:
        return
    description = _environment(item.config).description
    for name in marker.args:
        if not description.declares(str(name)):
            pytest.skip(f"capability {name!r} not declared by the SUT (omitted)")


__all__ = ["ExchangeNotReceived"]
