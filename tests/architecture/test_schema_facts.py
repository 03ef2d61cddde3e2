"""Facts of the schemas and profiles are read from them, not typed again: the control API's value sets, the
default regulation profile, the scalar patterns, and one payment-signing function for every signer."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

import harness
from harness.conformance import ConformanceOptions
from harness.requirements import default_profile, requirements_root
from harness.specs import scalar_enum, scalar_pattern, scalar_pattern_text
from harness.sut._models import ACTIONS, APPLICANT_TYPES, CHANNELS, STATUSES

ROOT = Path(__file__).resolve().parents[2]
SCALARS = json.loads((ROOT / "schemas" / "common" / "scalars.schema.json").read_text(encoding="utf-8"))["$defs"]
#: code that checks single values (the suites keep their own parsers; the portal's intake keeps its own, stricter,
#: policy for ID and phone numbers, and reads the procedure code and e-mail shapes from the schema)
CHECKED = ("mock_portal", "harness/sut", "harness/cli", "harness/conformance", "reference_portal")


def test_control_api_value_sets_come_from_the_schemas() -> None:
    assert STATUSES == tuple(SCALARS["DossierStatus"]["enum"]) == scalar_enum("DossierStatus")
    assert tuple(SCALARS["Channel"]["enum"]) == CHANNELS
    assert tuple(SCALARS["ApplicantType"]["enum"]) == APPLICANT_TYPES
    openapi = yaml.safe_load((ROOT / "schemas" / "control" / "openapi.yaml").read_text(encoding="utf-8"))
    assert tuple(openapi["components"]["schemas"]["Action"]["enum"]) == ACTIONS  # `Action` is a type: checked here


def test_the_default_profile_is_profiles_toml_default() -> None:
    default = tomllib.loads((requirements_root() / "profiles.toml").read_text(encoding="utf-8"))["default"]
    assert default_profile() == default == ConformanceOptions().profile


def test_scalar_patterns_read_from_the_schema_mean_end_of_string() -> None:
    for name, definition in SCALARS.items():
        if "pattern" in definition:
            assert scalar_pattern_text(name) == definition["pattern"]
            compiled = scalar_pattern(name)
            for example in definition.get("examples", []):
                assert compiled.match(example), (name, example)
    assert scalar_pattern("CitizenId").match("038090000001")
    assert not scalar_pattern("CitizenId").match("038090000001\n")


def test_no_scalar_pattern_is_typed_again_in_the_code() -> None:
    patterns = {name: d["pattern"].strip("^$") for name, d in SCALARS.items() if len(d.get("pattern", "")) > 10}
    copies = [
        f"{path.relative_to(ROOT)}: {name}"
        for top in CHECKED
        for path in sorted((ROOT / top).rglob("*.py"))
        for name, pattern in patterns.items()
        if pattern in path.read_text(encoding="utf-8") or re.escape(pattern) in path.read_text(encoding="utf-8")
    ]
    assert not copies, "scalar patterns copied from schemas/common/scalars.schema.json:\n" + "\n".join(copies)


def test_one_payment_signing_function() -> None:
    from mock_portal.payment import packets
    from reference_portal.national.payment import PaymentClient

    assert packets.sign is harness.sign_payment
    packet = {"LoaiBanTin": "QUERY", "PhienBan": "1.0.6", "MaDoiTac": "P", "MaThamChieu": "R", "ThoiGianGD": "1"}
    client = PaymentClient(None, partner="P", secret="s")  # type: ignore[arg-type]  # signing needs no HTTP
    signed = client.sign(dict(packet), "payment.QUERY")
    assert signed["MaXacThuc"] == harness.sign_payment(dict(packet), "payment.QUERY", "s")["MaXacThuc"]
    assert signed["MaXacThuc"] == harness.payment_checksum_of(packet, "payment.QUERY", "s")
