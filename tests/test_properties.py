"""Property tests over every packet type: generated valid packets validate, generated single-defect
packets fail with exactly their labelled rule (JSON and, where the type has one, XML form).

Hypothesis prints a reproduction blob for every failure; `HYPOTHESIS_PROFILE=thorough` runs 1000
examples per test instead of the CI profile's 40.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from harness import invalid_packets, valid_packets, validate
from harness.generation import mutation_rules
from harness.specs import load_catalogue
from harness.validation.files import parse_packet, validate_loaded
from harness.xml import packet_to_xml, xml_to_packet

catalogue = load_catalogue()
TYPES = sorted(catalogue.types)
XML_TYPES = sorted(name for name, t in catalogue.types.items() if t.xml)
PROFILES = ["strict", "lenient"]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("type_name", TYPES)
def test_generated_valid_packets_validate(type_name: str, profile: str) -> None:
    @given(valid_packets(type_name, profile))
    def check(packet: object) -> None:
        result = validate(packet, type_name, profile)
        assert result.valid, [v.to_dict() for v in result.violations]

    check()


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("type_name", TYPES)
def test_generated_invalid_packets_break_exactly_their_rule(type_name: str, profile: str) -> None:
    @given(invalid_packets(type_name, profile))
    def check(case: object) -> None:
        result = validate(case.packet, type_name, profile)  # type: ignore[attr-defined]
        assert result.rules == {case.rule}, (
            case.rule,
            case.pointer,  # type: ignore[attr-defined]
            [v.to_dict() for v in result.violations],
        )

    check()


@pytest.mark.parametrize("type_name", ["DongBoHoSoMC", "CapNhatTienDoHoSoMC", "payment.INIT", "sso.id_token"])
def test_every_rule_a_type_can_break_is_generated_and_caught(type_name: str) -> None:
    """Drive each rule on purpose (not just what random choice happens to pick)."""
    for rule_id in sorted(mutation_rules(type_name, "strict")):

        @given(invalid_packets(type_name, "strict", rule=rule_id))
        def check(case: object) -> None:
            result = validate(case.packet, type_name, "strict")  # type: ignore[attr-defined]
            assert result.rules == {case.rule}, [v.to_dict() for v in result.violations]  # type: ignore[attr-defined]

        check()


@pytest.mark.parametrize("type_name", XML_TYPES)
def test_valid_packets_validate_in_xml_form(type_name: str) -> None:
    @given(valid_packets(type_name, "strict", encoding="xml"))
    def check(document: bytes) -> None:
        loaded = parse_packet(document)
        assert loaded.encoding == "xml" and loaded.xml_type == type_name
        result = validate_loaded(loaded, profile="strict")
        assert result.valid, [v.to_dict() for v in result.violations]

    check()


@pytest.mark.parametrize("type_name", XML_TYPES)
def test_xml_mapping_is_lossless_for_valid_packets(type_name: str) -> None:
    @given(valid_packets(type_name, "strict"))
    def check(packet: object) -> None:
        assert xml_to_packet(packet_to_xml(packet, type_name)) == (type_name, packet)

    check()


@pytest.mark.parametrize("type_name", XML_TYPES)
def test_invalid_packets_fail_with_their_rule_in_xml_form(type_name: str) -> None:
    @given(invalid_packets(type_name, "strict"), st.data())
    def check(case: object, data: st.DataObject) -> None:
        document = packet_to_xml(case.packet, type_name)  # type: ignore[attr-defined]
        # A wrong JSON type (7 for "7") has no XML spelling: only defects XML can carry are compared.
        assume(xml_to_packet(document)[1] == case.packet)  # type: ignore[attr-defined]
        result = validate_loaded(parse_packet(document), profile="strict")
        assert result.rules == {case.rule}, [v.to_dict() for v in result.violations]  # type: ignore[attr-defined]

    check()
