"""Rules compiled into the happy path's schema engine give the same verdicts as the rules walked in Python.

`FMT-DATETIME-CALENDAR` (a calendar pattern on the Timestamp, OptionalTimestamp and Date8 definitions)
and `CODE-DOSSIER-TT01` (the TT 01 form on DossierCode) are checked by the compiled schema when every
value they concern must satisfy its definition; a packet that schema refuses takes the detailed path,
where the rules are walked as before.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness import valid_packets
from harness.core.profiles import Profile
from harness.core.timestamps import (
    CALENDAR_DATE8_PATTERN,
    CALENDAR_TIMESTAMP_PATTERN,
    is_calendar_date8,
    is_calendar_timestamp,
)
from harness.specs import load_catalogue
from harness.specs.store import Located, load_store
from harness.validation import validator as validator_module
from harness.validation._paths import always_applied
from harness.validation.rules import SCHEMA_PATTERNS
from harness.validation.validator import PacketValidator

catalogue = load_catalogue()
SCALARS = "https://schemas.dvc-harness.org/v1/common/scalars.schema.json"
TIMESTAMP_REF = f"{SCALARS}#/$defs/Timestamp"
DATE_NAMES = frozenset({"Timestamp", "OptionalTimestamp", "Date8"})


def _walked_only(type_name: str, profile: str) -> PacketValidator:
    """The validator as it was before: no rule compiled into the schema."""
    original = validator_module.SCHEMA_PATTERNS
    validator_module.SCHEMA_PATTERNS = {}
    try:
        return PacketValidator(catalogue.packet_type(type_name), Profile.parse(profile), catalogue=catalogue)
    finally:
        validator_module.SCHEMA_PATTERNS = original


def _verdict(validator: PacketValidator, packet: Any) -> list[tuple[str, str, str]]:
    return [(v.rule, v.pointer, v.message) for v in validator.validate(packet, agency="000.00.31.H56").violations]


# --- the patterns say what the functions say ---------------------------------------------------------


def test_calendar_patterns_equal_the_functions_on_every_month_and_day_of_many_years() -> None:
    date8, timestamp = re.compile(CALENDAR_DATE8_PATTERN), re.compile(CALENDAR_TIMESTAMP_PATTERN)
    years = [*range(0, 30), *range(1890, 2110), 2396, 2400, 2800, 9996, 9999]
    for year in years:
        for month in range(0, 20):
            for day in range(0, 40):
                value = f"{year:04d}{month:02d}{day:02d}"
                assert bool(date8.match(value)) == is_calendar_date8(value), value
    for hour in range(0, 30):
        for minute in range(0, 100):
            for day in ("20240229", "20230229", "19000229", "20000229", "20241231"):
                value = f"{day}{hour:02d}{minute:02d}{minute % 61:02d}"
                assert bool(timestamp.match(value)) == is_calendar_timestamp(value), value


@given(st.from_regex(r"\A[0-9]{14}\Z"))
def test_calendar_timestamp_pattern_equals_the_function_on_any_fourteen_digits(value: str) -> None:
    assert bool(re.match(CALENDAR_TIMESTAMP_PATTERN, value)) == is_calendar_timestamp(value)


# --- where the compiled check may stand in for the walk -----------------------------------------------


def test_values_inside_alternatives_or_conditions_keep_the_walk() -> None:
    store = load_store()
    plain = {"properties": {"a": {"$ref": TIMESTAMP_REF}, "b": {"items": {"$ref": TIMESTAMP_REF}}}}
    assert always_applied(store, Located(plain, SCALARS), DATE_NAMES)
    for keyword in ("anyOf", "oneOf"):
        alternative = {"properties": {"a": {keyword: [{"$ref": TIMESTAMP_REF}, {"type": "integer"}]}}}
        assert not always_applied(store, Located(alternative, SCALARS), DATE_NAMES), keyword
    conditional = {"if": {"required": ["x"]}, "then": {"properties": {"a": {"$ref": TIMESTAMP_REF}}}}
    assert not always_applied(store, Located(conditional, SCALARS), DATE_NAMES)


def test_the_dossier_sync_validator_compiles_its_typed_value_rules() -> None:
    validator = PacketValidator(catalogue.packet_type("DongBoHoSoMC"), Profile.STRICT, catalogue=catalogue)
    walked = _walked_only("DongBoHoSoMC", "strict")
    assert len(walked._packet_checks) == 2  # FMT-DATETIME-CALENDAR, CODE-DOSSIER-TT01
    assert validator._packet_checks == [] and len(validator._all_packet_checks) == 2


def test_a_pattern_never_admits_what_its_predicate_refuses() -> None:
    from harness.validation.rules.codes import _tt01_or_not_a_code

    tt01 = re.compile(SCHEMA_PATTERNS["CODE-DOSSIER-TT01"]["DossierCode"])
    for code in ["000.00.31.H56-240101-0001", "000.00.31.H56-240101-00001", "G09.20-20240101-0000001", "x"]:
        if tt01.match(code):
            assert _tt01_or_not_a_code(code), code
    assert tt01.match("000.00.31.H56-240101-0001") and not tt01.match("000.00.31.H56-240101-00001")


# --- same verdicts ---------------------------------------------------------------------------------------

GOLDEN = orjson.loads((Path(__file__).parent / "golden" / "DongBoHoSoMC.extended.json").read_bytes())
TIMESTAMP_FIELDS = [k for k, v in GOLDEN["data"][0].items() if isinstance(v, str) and re.fullmatch(r"[0-9]{14}", v)]
DIGITS_14 = st.one_of(
    st.from_regex(r"\A[0-9]{14}\Z"),
    st.builds(
        lambda y, m, d, t: f"{y:04d}{m:02d}{d:02d}{t}",
        st.sampled_from([1900, 2000, 2023, 2024, 2100]),
        st.integers(0, 13),
        st.integers(0, 32),
        st.sampled_from(["000000", "235959", "240000", "126000", "120060"]),
    ),
)


@pytest.mark.parametrize("profile", ["strict", "lenient"])
def test_dossier_timestamps_get_the_same_verdict_compiled_or_walked(profile: str) -> None:
    compiled = PacketValidator(catalogue.packet_type("DongBoHoSoMC"), Profile.parse(profile), catalogue=catalogue)
    walked = _walked_only("DongBoHoSoMC", profile)
    assert TIMESTAMP_FIELDS, "the golden dossier carries timestamps"

    @given(st.dictionaries(st.sampled_from(TIMESTAMP_FIELDS), st.one_of(DIGITS_14, st.just("")), max_size=4))
    def check(changes: dict[str, str]) -> None:
        packet = orjson.loads(orjson.dumps(GOLDEN))
        packet["data"][0].update(changes)
        assert _verdict(compiled, packet) == _verdict(walked, packet)

    check()


DOSSIER_CODES = st.one_of(
    st.from_regex(r"\A[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4,5}\Z"),
    st.from_regex(r"\A[A-Y][0-9]{2}(\.[0-9A-Z]+)*-[0-9]{8}-[0-9]{7}\Z"),
    st.sampled_from(["000.00.31.H56-240101-0001", "000.00.31.H56-240101-00001", "HS-2024-0001", ""]),
)


@pytest.mark.parametrize("profile", ["strict", "lenient"])
def test_dossier_codes_get_the_same_verdict_compiled_or_walked(profile: str) -> None:
    compiled = PacketValidator(catalogue.packet_type("DongBoHoSoMC"), Profile.parse(profile), catalogue=catalogue)
    walked = _walked_only("DongBoHoSoMC", profile)

    @given(DOSSIER_CODES)
    def check(code: str) -> None:
        packet = orjson.loads(orjson.dumps(GOLDEN))
        packet["data"][0]["MaHoSo"] = code
        assert _verdict(compiled, packet) == _verdict(walked, packet)

    check()


@pytest.mark.parametrize("type_name", sorted(catalogue.types))
def test_generated_packets_get_the_same_verdict_compiled_or_walked(type_name: str) -> None:
    compiled = PacketValidator(catalogue.packet_type(type_name), Profile.STRICT, catalogue=catalogue)
    walked = _walked_only(type_name, "strict")

    @given(valid_packets(type_name, "strict"), st.randoms(use_true_random=False), DIGITS_14)
    def check(packet: Any, random: Any, digits: str) -> None:
        # put a possibly impossible date into one string value that looks like a timestamp
        places = _timestamp_places(packet)
        if places:
            container, key = random.choice(places)
            container[key] = digits if len(str(container[key])) == 14 else digits[:8]
        assert _verdict(compiled, packet) == _verdict(walked, packet)

    check()


def _timestamp_places(value: Any) -> list[tuple[Any, Any]]:
    places: list[tuple[Any, Any]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(item, str) and re.fullmatch(r"[0-9]{8}|[0-9]{14}", item):
            places.append((value, key))
        else:
            places.extend(_timestamp_places(item))
    return places
