"""harness.load.run_load: Locust in a subprocess against the sample site, whose own counts tell what the
stats must say (requests, failures, which answers were slow); and the clear errors of a run that cannot
start, crashes or hangs."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load import LoadParameterError, LoadRunError, LoadSpec, loadtests_root, run_load
from harness.load import _spec as spec_module
from tests.load.conftest import SAMPLE, SpecFactory
from tests.load.sample_site import SLOW_S, SampleSite


def test_the_stats_match_what_the_site_served(site: tuple[SampleSite, str], spec_for: SpecFactory) -> None:
    sample, _ = site
    result = run_load(spec_for())

    assert result.requests == sum(sample.served.values()) > 0
    assert result.failures == sample.failed > 0
    assert result.error_ratio == pytest.approx(sample.failed / result.requests)
    flaky = result.endpoint("/flaky", "GET")
    assert (flaky.requests, flaky.failures) == (sample.served["/flaky"], sample.failed)
    assert [(e.name, e.occurrences) for e in result.errors] == [("/flaky", sample.failed)]
    assert result.errors[0].error.startswith("500 Server Error")

    slow, ok = result.endpoint("/slow"), result.endpoint("/ok")
    assert slow.requests == sample.served["/slow"] and slow.failures == 0
    assert slow.min_ms >= SLOW_S * 1000 and slow.mean_ms >= SLOW_S * 1000
    assert ok.mean_ms < slow.mean_ms
    assert result.max_ms >= slow.max_ms >= slow.mean_ms
    assert result.mean_ms >= SLOW_S * 1000 * slow.requests / result.requests  # the slow answers weigh in
    assert result.max_ms >= result.mean_ms >= result.min_ms and result.p95_ms >= result.median_ms

    assert (result.target_users, result.peak_users, result.users_served) == (4, 4, 4)
    assert result.users_with_failures >= 1  # the Flaky users
    assert result.elapsed_s >= 2.0 and result.rps > 0 and not result.cut_off
    assert not result.exceptions
    assert "failures" in result.summary()


def test_scenario_exceptions_are_reported_not_hidden(spec_for: SpecFactory) -> None:
    result = run_load(spec_for(users=1, duration_s=0.5, user_classes=("Broken",)))
    assert result.requests == 0
    assert result.exceptions and "a bug in the scenario" in result.exceptions[0].message


def test_a_shape_drives_the_users(spec_for: SpecFactory) -> None:
    shapes = str(loadtests_root() / "shapes.py")
    spec = spec_for(locustfiles=(str(SAMPLE), shapes), shape="peak-day", user_classes=("Slow",), duration_s=1.5)
    result = run_load(spec)
    assert 1 <= result.peak_users <= 4 and result.requests > 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"user_classes": ("Nobody",)}, "no user class Nobody"),
        ({"shape": "no-such-day"}, "no load shape 'no-such-day'"),
        ({"exclude_tags": ("broken",), "user_classes": ("Broken",)}, "no task is left once the tags broken are"),
    ],
)
def test_what_the_child_cannot_use_is_a_parameter_error(
    spec_for: SpecFactory, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(LoadParameterError, match=message):
        run_load(spec_for(**overrides))


def _locustfile(tmp_path: Path, body: str) -> str:
    path = tmp_path / "scenario.py"
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_a_locustfile_that_does_not_import_is_a_parameter_error(spec_for: SpecFactory, tmp_path: Path) -> None:
    spec = spec_for(locustfiles=(_locustfile(tmp_path, "import no_such_module_here\n"),))
    with pytest.raises(LoadParameterError, match=r"cannot be loaded: ModuleNotFoundError: No module named"):
        run_load(spec)


def test_a_crashed_child_is_a_run_error_with_its_stderr(spec_for: SpecFactory, tmp_path: Path) -> None:
    body = "import os, sys\nsys.stderr.write('going down\\n')\nsys.stderr.flush()\nos._exit(3)\n"
    with pytest.raises(LoadRunError, match=r"exited with 3 without a result(.|\n)*going down"):
        run_load(spec_for(locustfiles=(_locustfile(tmp_path, body),)))


def test_a_hung_child_is_killed(spec_for: SpecFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec_module, "STARTUP_ALLOWANCE_S", -1.5)  # limit: 1 s run + 2.5 s grace - 1.5 s
    hangs = _locustfile(tmp_path, "import time\ntime.sleep(60)\n")
    spec = spec_for(duration_s=1.0, request_timeout_s=0.5, locustfiles=(hangs,))
    with pytest.raises(LoadRunError, match=r"did not finish within 2 s and was killed"):
        run_load(spec)


def test_the_spec_travels_as_json(spec_for: SpecFactory) -> None:
    spec = spec_for(exclude_tags=("catalogue",))
    assert LoadSpec.from_json(spec.to_json()) == spec
    with pytest.raises(LoadParameterError, match="exactly the keys"):
        LoadSpec.from_json('{"host": "http://127.0.0.1"}')
