"""Strict loading: each bad input stops the load with one clear message naming the file and the entry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from harness.core.errors import UsageError
from harness.requirements import ENV_VAR, RequirementCatalogueError, load_catalogue, requirements_root
from tests.requirements.conftest import WriteCatalogue, requirement


def error_of(root: Path) -> str:
    with pytest.raises(RequirementCatalogueError) as info:
        load_catalogue(root)
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2
    return str(info.value)


def test_a_minimal_catalogue_loads(write_catalogue: WriteCatalogue) -> None:
    catalogue = load_catalogue(write_catalogue({"a.toml": [requirement("X-A"), requirement("X-B")]}))
    assert [r.id for r in catalogue] == ["X-A", "X-B"]
    assert catalogue.profile().requirement_ids == {"X-A", "X-B"}
    assert catalogue.get("X-A").origin == "a.toml"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"txt_vi": "x"}, "unknown key 'txt_vi'"),
        ({"summary_en": None}, "missing 'summary_en'"),
        ({"level": "MUST"}, "level 'MUST' is not one of 'SHALL', 'SHOULD', 'MAY'"),
        ({"testability": "manual"}, "testability 'manual' is not one of"),
        ({"area": "ui"}, "area 'ui' is not one of"),
        ({"confidence": "HIGH"}, "confidence 'HIGH' is not one of 'H', 'M', 'L'"),
        ({"text_source": "official"}, "text_source 'official' is not one of"),
        ({"testability": "not_tested"}, "testability 'not_tested' needs a 'reason'"),
        ({"testability": "attestation", "evidence": ["a report"]}, "testability 'attestation' needs a 'reason'"),
        ({"testability": "attestation", "reason": "paper only"}, "needs 'evidence' (what a certifier must attach)"),
        ({"evidence": ["a report"]}, "'evidence' is only for 'attestation' or 'partial' requirements"),
        ({"reason": "  "}, "'reason' must be a non-empty string"),
        ({"clause": 2}, "'clause' must be a non-empty string, not 2"),
        ({"related": "X-B"}, "'related' must be a list of non-empty strings"),
        ({"related": ["X-NOPE"]}, "related 'X-NOPE' is not a requirement ID"),
        ({"related": ["X-A"]}, "related 'X-A' refers to itself"),
    ],
)
def test_a_bad_entry_is_named_with_its_file_and_position(
    write_catalogue: WriteCatalogue, fields: dict[str, Any], expected: str
) -> None:
    root = write_catalogue({"a.toml": [requirement("X-B"), requirement("X-A", **fields)]})
    message = error_of(root)
    assert expected in message
    assert str(root / "a.toml") in message
    assert "'X-A'" in message


@pytest.mark.parametrize("bad_id", ["x-a", "XA", "X_A", "X-", "X--A", "TT22-Đ4-K2"])
def test_a_malformed_id_is_refused(write_catalogue: WriteCatalogue, bad_id: str) -> None:
    message = error_of(write_catalogue({"a.toml": [requirement(bad_id)]}))
    assert f"id {bad_id!r} is not well-formed" in message
    assert "requirement #1" in message


def test_a_duplicate_id_names_both_places(write_catalogue: WriteCatalogue) -> None:
    root = write_catalogue({"a.toml": [requirement("X-A")], "b.toml": [requirement("X-B"), requirement("X-A")]})
    message = error_of(root)
    assert message == f"{root / 'b.toml'}: requirement #2 'X-A': duplicate ID (first defined in a.toml, requirement #1)"


def test_unreadable_and_misshapen_files(write_catalogue: WriteCatalogue) -> None:
    root = write_catalogue({"a.toml": [requirement("X-A")]})
    (root / "b.toml").write_text("[[requirement]]\nid = 'X-B'\nid = 'X-C'\n", encoding="utf-8")
    assert re.match(rf"{re.escape(str(root / 'b.toml'))}: not valid TOML", error_of(root))
    (root / "b.toml").write_text("[[requirment]]\nid = 'X-B'\n", encoding="utf-8")
    assert "unknown key 'requirment' (allowed: requirement)" in error_of(root)
    (root / "b.toml").write_text("requirement = ['X-B']\n", encoding="utf-8")
    assert "'requirement' must be an array of tables" in error_of(root)


def test_a_directory_without_profiles_is_not_a_catalogue(tmp_path: Path) -> None:
    assert f"{tmp_path}: not a requirement catalogue directory (no profiles.toml)" == error_of(tmp_path)


# --- profiles ------------------------------------------------------------------------------------------------


def profiles_error(write_catalogue: WriteCatalogue, profiles: dict[str, dict[str, Any]], default: str = "p") -> str:
    entries = [requirement("X-A"), requirement("X-B"), requirement("X-C", level="SHOULD")]
    message = error_of(write_catalogue({"a.toml": entries}, profiles, default))
    assert "profiles.toml" in message
    return message


def test_an_extends_cycle_is_refused(write_catalogue: WriteCatalogue) -> None:
    message = profiles_error(
        write_catalogue,
        {"p": {"files": ["a.toml"]}, "q": {"extends": "r"}, "r": {"extends": "s"}, "s": {"extends": "q"}},
    )
    assert message.endswith("profile 'q': 'extends' cycle q -> r -> s -> q")


def test_a_profile_extending_itself_is_a_cycle(write_catalogue: WriteCatalogue) -> None:
    message = profiles_error(write_catalogue, {"p": {"files": ["a.toml"], "extends": "p"}})
    assert message.endswith("profile 'p': 'extends' cycle p -> p")


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"extends": "nope"}, "profile 'p': extends unknown profile 'nope'"),
        ({"files": ["b.toml"]}, "profile 'p': file 'b.toml' is not a requirement file (known: a.toml)"),
        ({"include": ["X-Z"]}, "profile 'p': include 'X-Z' is not a requirement ID"),
        ({"files": ["a.toml"], "exclude": ["X-Z"]}, "profile 'p': exclude 'X-Z' is not a requirement ID"),
        ({"include": ["X-A"], "exclude": ["X-B"]}, "profile 'p': exclude 'X-B' is not active here"),
        ({"include": []}, "profile 'p': selects no requirement"),
        ({"files": ["a.toml"], "status": "final"}, "status 'final' is not one of 'active', 'draft'"),
        ({"files": ["a.toml"], "level": "strict"}, "profile 'p': unknown key 'level'"),
        ({"files": ["a.toml", "a.toml"]}, "'files' lists a value twice"),
    ],
)
def test_a_bad_profile_is_named(write_catalogue: WriteCatalogue, profile: dict[str, Any], expected: str) -> None:
    assert expected in profiles_error(write_catalogue, {"p": profile})


def test_the_default_profile_must_exist(write_catalogue: WriteCatalogue) -> None:
    assert "default profile 'tt99' is not defined" in profiles_error(
        write_catalogue, {"p": {"files": ["a.toml"]}}, "tt99"
    )


def test_profiles_file_shape(write_catalogue: WriteCatalogue) -> None:
    root = write_catalogue({"a.toml": [requirement("X-A")]}, raw_profiles='default = "p"\n')
    assert "missing 'profile'" in error_of(root)
    root = write_catalogue({"a.toml": [requirement("X-A")]}, raw_profiles='default = "p"\nprofile = 1\nextra = 2\n')
    assert "unknown key 'extra'" in error_of(root)


THRESHOLD = {
    "value": 3.0,
    "unit": "s",
    "op": "<=",
    "requirement": "X-A",
    "assumption": True,
    "source": "tests",
    "note": "a guess",
}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"note": None}, "threshold 'mean': an assumed threshold needs a 'note' saying why"),
        ({"value": "3"}, "threshold 'mean': 'value' must be a number, not '3'"),
        ({"value": True}, "'value' must be a number, not True"),
        ({"assumption": "yes"}, "'assumption' must be true or false"),
        ({"op": "<"}, "op '<' is not one of '<=', '>='"),
        ({"requirement": "X-Z"}, "threshold 'mean': requirement 'X-Z' is not a requirement ID"),
        ({"requirement": "X-C"}, "threshold 'mean': requirement 'X-C' is not active here"),
        ({"unit": None}, "threshold 'mean': missing 'unit'"),
        ({"limit": 3}, "threshold 'mean': unknown key 'limit'"),
    ],
)
def test_a_bad_threshold_is_named(write_catalogue: WriteCatalogue, fields: dict[str, Any], expected: str) -> None:
    threshold = {k: v for k, v in {**THRESHOLD, **fields}.items() if v is not None}
    message = profiles_error(write_catalogue, {"p": {"include": ["X-A", "X-B"], "threshold": {"mean": threshold}}})
    assert expected in message and "profile 'p': threshold 'mean'" in message


def test_a_child_threshold_override_must_leave_a_complete_threshold(write_catalogue: WriteCatalogue) -> None:
    profiles: dict[str, dict[str, Any]] = {
        "p": {"files": ["a.toml"]},
        "q": {"extends": "p", "threshold": {"new": {"value": 1}}},
    }
    assert "profile 'q': threshold 'new': missing 'unit'" in profiles_error(write_catalogue, profiles)


# --- where the catalogue is found ------------------------------------------------------------------------------


def test_the_environment_variable_overrides_the_location(
    write_catalogue: WriteCatalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_catalogue({"a.toml": [requirement("X-A")]})
    monkeypatch.setenv(ENV_VAR, str(root))
    assert requirements_root() == root
    assert [r.id for r in load_catalogue()] == ["X-A"]
    monkeypatch.setenv(ENV_VAR, str(root / "missing"))
    with pytest.raises(RequirementCatalogueError, match=f"{ENV_VAR}=.*missing: no profiles.toml in that directory"):
        load_catalogue()


def test_without_override_the_checkout_catalogue_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert requirements_root() == Path(__file__).resolve().parents[2] / "suites" / "requirements"
