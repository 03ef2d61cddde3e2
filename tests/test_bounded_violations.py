"""The validator's cap on violations: the first N in the order found, then a count or "more than N", with
work bounded by N rather than by the packet (issue 15). No wall-clock assertions: the bounds are counted."""

from __future__ import annotations

import copy
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.core.violations import DEFAULT_MAX_VIOLATIONS, ValidationResult, Violation
from harness.validation import get_validator, validate_packet

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden() -> dict[str, Any]:
    packet: dict[str, Any] = json.loads((GOLDEN / "DongBoHoSoMC.extended.json").read_text(encoding="utf-8"))
    return packet


def empty_items(count: int) -> dict[str, Any]:
    """A DongBoHoSoMC whose `data` holds `count` empty objects: about a dozen missing fields each."""
    return {**golden(), "data": [{} for _ in range(count)]}


def returned_without_return_date(count: int) -> dict[str, Any]:
    """`count` schema-valid dossiers, each breaking one semantic rule (status 10 "returned" without NgayTra)."""
    packet = golden()
    dossier = packet["data"][0]
    packet["data"] = [
        {
            **copy.deepcopy(dossier),
            "MaHoSo": f"{dossier['MaHoSo'][:-4]}{i + 1:04d}",
            "TrangThaiHoSo": "10",
            "NgayTra": "",
        }
        for i in range(count)
    ]
    return packet


def test_a_hostile_packet_lists_the_cap_and_says_more() -> None:
    result = validate_packet(empty_items(10_000), "DongBoHoSoMC")
    assert not result.valid
    assert len(result.violations) == DEFAULT_MAX_VIOLATIONS
    assert result.truncated and result.violation_count is None and not result.counted
    assert result.count_text() == f"{DEFAULT_MAX_VIOLATIONS} of more than {DEFAULT_MAX_VIOLATIONS} violations shown"
    assert result.to_dict()["violations_truncated"] is True and result.to_dict()["violation_count"] is None


def test_the_first_violations_are_those_of_the_uncapped_run_in_the_same_order() -> None:
    packet = empty_items(40)  # about 480 violations: small enough to list them all
    every = validate_packet(packet, "DongBoHoSoMC", max_violations=None)
    assert len(every.violations) > 300 and not every.truncated
    for cap in (1, 7, 100, 300):
        capped = validate_packet(packet, "DongBoHoSoMC", max_violations=cap)
        assert capped.violations == every.violations[:cap]
        assert capped.truncated


def test_rule_findings_past_the_cap_are_counted_exactly() -> None:
    packet = returned_without_return_date(30)
    every = validate_packet(packet, "DongBoHoSoMC", max_violations=None)
    assert every.rules == {"QCVN120-DOSSIER-RETURN-DATE"} and len(every.violations) == 30
    capped = validate_packet(packet, "DongBoHoSoMC", max_violations=5)
    assert capped.violations == every.violations[:5]
    assert (capped.omitted, capped.counted, capped.violation_count) == (25, True, 30)
    assert capped.count_text() == "5 of 30 violations shown"
    assert capped.to_dict()["violation_count"] == 30


def test_a_result_within_the_cap_is_unchanged() -> None:
    packet = returned_without_return_date(3)
    result = validate_packet(packet, "DongBoHoSoMC", max_violations=3)
    assert len(result.violations) == 3 and not result.truncated
    assert result.count_text() == "3 violations"
    assert set(result.to_dict()) == {"valid", "type", "violations"}  # the documented shape
    assert validate_packet(golden(), "DongBoHoSoMC", max_violations=1).valid


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        validate_packet(golden(), "DongBoHoSoMC", max_violations=0)


def test_count_text_forms() -> None:
    one = Violation("R", "/a", "m", "s")
    assert ValidationResult("T", "strict", (one,)).count_text() == "1 violation"
    assert ValidationResult("T", "strict", (one, one), omitted=3).count_text() == "2 of 5 violations shown"
    marker = ValidationResult("T", "strict", (one,), omitted=1, counted=False)
    assert marker.count_text() == "1 of more than 1 violations shown"


def test_lenient_reads_many_integers_without_copying_the_whole_packet() -> None:
    packet = returned_without_return_date(1)
    dossier = packet["data"][0]
    dossier["TrangThaiHoSo"] = 9  # an integer: read as "9" leniently, a violation strictly
    packet["data"] = [dossier, *({**dossier, "MaHoSo": f"{dossier['MaHoSo'][:-4]}{i + 2:04d}"} for i in range(199))]
    assert get_validator("DongBoHoSoMC", "lenient").validate(packet).valid
    strict = get_validator("DongBoHoSoMC", "strict").validate(packet, max_violations=10)
    assert strict.rules == {"FMT-STRING-SCALAR"} and strict.truncated
    assert all(item["TrangThaiHoSo"] == 9 for item in packet["data"])  # the caller's packet is untouched


def test_lenient_hostile_packet_is_bounded_too() -> None:
    packet = empty_items(5_000)
    packet["data"][0] = {"TrangThaiHoSo": 1}
    result = get_validator("DongBoHoSoMC", "lenient").validate(packet)
    assert len(result.violations) == DEFAULT_MAX_VIOLATIONS and not result.counted


@pytest.fixture
def counted_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many errors the detailed engine produced (jsonschema's `iter_errors` is lazy)."""
    validator = get_validator("DongBoHoSoMC", "strict")
    detailed = validator._detailed
    produced = [0]

    class Counting:
        def iter_errors(self, instance: Any) -> Iterator[Any]:
            for error in detailed.iter_errors(instance):
                produced[0] += 1
                yield error

    monkeypatch.setattr(validator, "_detailed", Counting())
    yield produced


def test_the_detailed_walk_stops_once_the_cap_is_passed(counted_errors: list[int]) -> None:
    validate_packet(empty_items(10_000), "DongBoHoSoMC", max_violations=10)
    assert 0 < counted_errors[0] <= 11  # each error is at least one violation: 10 kept + 1 to know of more


def test_memory_for_a_hostile_packet_stays_small() -> None:
    packet = empty_items(10_000)
    validate_packet(packet, "DongBoHoSoMC")  # warm: compiled validators and caches exist
    tracemalloc.start()
    try:
        result = validate_packet(packet, "DongBoHoSoMC")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.violations) == DEFAULT_MAX_VIOLATIONS
    assert peak < 5_000_000  # every violation of it (120,000) took ~500 MB before the cap


def test_many_unknown_fields_in_one_object_are_capped() -> None:
    packet = golden()
    packet["data"][0].update({f"x{i}": "" for i in range(20_000)})  # one error naming 20,000 fields
    result = validate_packet(packet, "DongBoHoSoMC", max_violations=50)
    assert len(result.violations) == 50 and result.truncated
    assert result.violations[0].pointer == "/data/0/x0"
