"""`dvc-harness requirements list|coverage` over small catalogues and suites written to tmp dirs
(`DVC_HARNESS_REQUIREMENTS`, `DVC_HARNESS_SUITES`), so they do not depend on the real coverage state."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.cli import main
from tests.requirements.conftest import Entry, profiles_toml, requirement, requirements_toml

Run = Callable[..., tuple[int, str, str]]

ENTRIES = [
    requirement("X-AUTO", article="Điều 1"),
    requirement("X-TWO", article="Điều 2", clause="Khoản 1"),
    requirement("X-ATTEST", article="Điều 2", testability="attestation", reason="paper", evidence=["a signed plan"]),
    requirement("X-NOT", article="Điều 3", testability="not_tested", reason="annex not public"),
    requirement("X-SHOULD", article="Điều 3", level="SHOULD"),
    requirement("Y-OTHER", regulation="TT 98/2098/TT-TEST", article="Điều 9"),
]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exited.value.code or 0), out, err

    return invoke


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[list[Entry]], Path]:
    def write(entries: list[Entry]) -> Path:
        root = tmp_path / "requirements"
        root.mkdir(exist_ok=True)
        (root / "a.toml").write_text(requirements_toml(entries), encoding="utf-8")
        profiles = {"p": {"files": ["a.toml"], "exclude": ["Y-OTHER"]}, "q": {"files": ["a.toml"]}}
        (root / "profiles.toml").write_text(profiles_toml(profiles), encoding="utf-8")
        monkeypatch.setenv("DVC_HARNESS_REQUIREMENTS", str(root))
        return root

    write(ENTRIES)
    return write


@pytest.fixture
def suites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Write one suite module (a name unique to the test: collection runs in this process) and point at it."""
    directory = tmp_path / "suites"
    directory.mkdir()
    monkeypatch.setenv("DVC_HARNESS_SUITES", str(directory))

    def write(body: str) -> Path:
        name = re.sub(r"\W", "_", tmp_path.name)
        (directory / f"test_fixture_{name}.py").write_text("import pytest\n\n" + body, encoding="utf-8")
        return directory

    return write


TAGGED = """
@pytest.mark.req("X-AUTO")
def test_auto():
    pass

@pytest.mark.req("X-TWO", "X-AUTO")
@pytest.mark.parametrize("n", [1, 2])
def test_two(n):
    pass

def test_untagged():
    pass
"""


@pytest.mark.usefixtures("catalogue")
def test_list_groups_the_catalogue_by_article(run: Run) -> None:
    code, out, _ = run("requirements", "list")
    assert code == 0
    assert out.splitlines()[0] == "6 requirements in the whole catalogue, 4 articles"
    assert "TT 99/2099/TT-TEST — Điều 2" in out and "TT 98/2098/TT-TEST — Điều 9" in out
    article_two = out.split("— Điều 2")[1].split("— Điều 3")[0]
    assert "X-TWO" in article_two and "X-ATTEST" in article_two and "X-AUTO" not in article_two


@pytest.mark.usefixtures("catalogue")
def test_list_json_for_a_profile(run: Run) -> None:
    code, out, _ = run("requirements", "list", "--profile", "p", "--json")
    document = json.loads(out)
    assert code == 0 and document["profile"] == "p" and document["requirements"] == 5
    assert [(a["regulation"], a["article"]) for a in document["articles"]] == [
        ("TT 99/2099/TT-TEST", "Điều 1"),
        ("TT 99/2099/TT-TEST", "Điều 2"),
        ("TT 99/2099/TT-TEST", "Điều 3"),
    ]
    attest = document["articles"][1]["requirements"][1]
    assert attest["id"] == "X-ATTEST" and attest["evidence"] == ["a signed plan"]
    assert attest["citation"] == "TT 99/2099/TT-TEST, Điều 2" and attest["profiles"] == ["p", "q"]


@pytest.mark.usefixtures("catalogue")
def test_an_unknown_profile_is_a_usage_error(run: Run) -> None:
    for command in ("list", "coverage"):
        code, out, err = run("requirements", command, "--profile", "nope")
        assert code == 2 and out == ""
        assert err.strip() == "dvc-harness: unknown regulation profile 'nope'; known profiles: p, q"


@pytest.mark.usefixtures("catalogue")
def test_coverage_passes_when_every_shall_has_a_test_an_attestation_or_a_reason(
    run: Run, suites: Callable[[str], Path]
) -> None:
    suites(TAGGED)
    code, out, err = run("requirements", "coverage", "--profile", "p")
    assert (code, err) == (0, "")
    assert out.strip() == (
        "coverage of profile p: 5 requirements — 2 tested, 1 attested, 1 declared not tested, "
        "1 SHOULD/MAY without a test, 0 SHALL missing"
    )


@pytest.mark.usefixtures("catalogue")
def test_coverage_lists_the_missing_shall_requirements_and_exits_3(run: Run, suites: Callable[[str], Path]) -> None:
    suites('@pytest.mark.req("X-TWO")\ndef test_two():\n    pass\n')
    code, out, _ = run("requirements", "coverage", "--profile", "p")
    assert code == 3
    assert "1 SHALL missing" in out
    assert re.search(r"^  X-AUTO +TT 99/2099/TT-TEST, Điều 1: A test requirement\.$", out, re.MULTILINE)
    assert "X-SHOULD" not in out.split("missing (")[1]  # a SHOULD gap is reported in the count, not failing


@pytest.mark.usefixtures("catalogue")
def test_coverage_fails_on_an_unknown_requirement_id_and_names_the_test(
    run: Run, suites: Callable[[str], Path]
) -> None:
    directory = suites(TAGGED + '\n@pytest.mark.req("X-TYPO")\ndef test_typo():\n    pass\n')
    code, out, _ = run("requirements", "coverage", "--profile", "p")
    assert code == 3 and "0 SHALL missing" in out
    (module,) = directory.glob("test_*.py")
    assert f"  X-TYPO                       suites/{module.name}::test_typo" in out


@pytest.mark.usefixtures("catalogue")
def test_coverage_json(run: Run, suites: Callable[[str], Path]) -> None:
    directory = suites(TAGGED + '\n@pytest.mark.req("X-TYPO", "Y-OTHER")\ndef test_typo():\n    pass\n')
    code, out, _ = run("requirements", "coverage", "--profile", "p", "--json")
    document = json.loads(out)
    (module,) = directory.glob("test_*.py")
    assert code == 3 and document["ok"] is False
    assert document["tested"] == ["X-AUTO", "X-TWO"] and document["attested"] == ["X-ATTEST"]
    assert document["declared_not_tested"] == ["X-NOT"] and document["optional_gaps"] == ["X-SHOULD"]
    assert document["missing"] == [] and document["inactive_ids"] == ["Y-OTHER"]
    assert document["unknown_id_tests"] == {"X-TYPO": [f"suites/{module.name}::test_typo"]}
    assert document["tests_collected"] == 5 and document["suites"] == str(directory)
    assert document["untagged_tests"] == [f"suites/{module.name}::test_untagged"]


def test_coverage_uses_the_default_profile(
    run: Run, suites: Callable[[str], Path], catalogue: Callable[[list[Entry]], Path]
) -> None:
    catalogue([requirement("X-AUTO"), requirement("Y-OTHER")])
    suites('@pytest.mark.req("X-AUTO")\ndef test_auto():\n    pass\n')
    code, out, _ = run("requirements", "coverage")
    assert code == 0 and out.startswith("coverage of profile p: 1 requirements — 1 tested")
    code, out, _ = run("requirements", "coverage", "--profile", "q")
    assert code == 3 and "\n  Y-OTHER " in out


@pytest.mark.usefixtures("catalogue")
def test_a_suite_that_cannot_be_collected_is_one_line_and_exit_4(run: Run, suites: Callable[[str], Path]) -> None:
    suites("import module_that_does_not_exist\n")
    code, out, err = run("requirements", "coverage")
    assert code == 4 and out == ""
    assert len(err.strip().splitlines()) == 1 and "cannot collect the suites" in err
    assert "ModuleNotFoundError" in err and "module_that_does_not_exist" in err


@pytest.fixture
def fresh_suites_package() -> Iterator[None]:
    """Under this test run `suites` is the project's `tests/suites`; a CLI process has no such module yet."""
    saved = {name: module for name, module in sys.modules.items() if name.partition(".")[0] == "suites"}
    for name in saved:
        del sys.modules[name]
    try:
        yield
    finally:
        for name in [name for name in sys.modules if name.partition(".")[0] == "suites"]:
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.mark.usefixtures("fresh_suites_package")
def test_coverage_of_the_real_suites_reads_the_real_catalogue(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Smoke test only: the gate's answer on the project's own suites changes while suites are written."""
    monkeypatch.delenv("DVC_HARNESS_REQUIREMENTS", raising=False)
    monkeypatch.delenv("DVC_HARNESS_SUITES", raising=False)
    code, out, err = run("requirements", "coverage", "--json")
    assert out, err
    document = json.loads(out)
    assert code == (0 if document["ok"] else 3)
    assert document["profile"] == "tt22-2019" and document["suites"] == str(Path(__file__).parents[2] / "suites")
    assert document["tests_collected"] > 0 and document["tested"] and document["unknown_ids"] == []
