"""A test per rule: every rule of the catalogue is broken on its own by the generators and caught by
the validator under that exact ID (the XML-only rule has its own hand-made case)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from harness import invalid_packets, validate
from harness.generation import mutation_rules
from harness.specs import load_catalogue
from harness.validation.files import parse_packet, validate_loaded

catalogue = load_catalogue()
RULES = sorted(r for r in catalogue.rules if r != "QCVN120-XML-SCHEMA")
ROOT = Path(__file__).resolve().parent.parent


def carrier(rule_id: str) -> tuple[str, str]:
    """The first (type, profile) whose schema and entities let the generators break this rule."""
    for profile in ("strict", "lenient"):
        for type_name in sorted(catalogue.types):
            if rule_id in mutation_rules(type_name, profile):
                return type_name, profile
    raise AssertionError(f"no packet type can exercise rule {rule_id}")


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_is_caught_alone(rule_id: str) -> None:
    type_name, profile = carrier(rule_id)

    @settings(max_examples=15)
    @given(invalid_packets(type_name, profile, rule=rule_id))
    def check(case: object) -> None:
        result = validate(case.packet, type_name, profile)  # type: ignore[attr-defined]
        assert result.rules == {rule_id}, [v.to_dict() for v in result.violations]
        assert all(v.source for v in result.violations)

    check()


def test_xml_attribute_outside_the_xsd_is_reported_under_the_xml_rule() -> None:
    document = (ROOT / "examples" / "xml" / "DongBoHoSoMC.xml").read_bytes()
    assert validate_loaded(parse_packet(document)).valid
    tampered = document.replace(b"<MaHoSo>", b'<MaHoSo ghichu="x">', 1)
    assert tampered != document
    result = validate_loaded(parse_packet(tampered))
    assert result.rules == {"QCVN120-XML-SCHEMA"}
    assert "ghichu" in result.violations[0].message
    # The lenient profile judges the JSON content only.
    assert validate_loaded(parse_packet(tampered), profile="lenient").valid
