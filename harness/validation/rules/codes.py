"""Dossier-code semantics (TT 01/2018/TT-VPCP Đ19; the TD province guard, docs/reference/dvcqg-interfaces.md §3.4)."""

from __future__ import annotations

import re
from typing import Any

from harness.core.timestamps import is_calendar_timestamp
from harness.validation.rules._registry import (
    Finding,
    Path,
    RuleContext,
    entity_rule,
    typed_value_rule,
)

TT01_FORM = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}\Z")
_ANY_FORM = re.compile(
    r"(?:(?P<agency>[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.(?P<l1>[A-Z][0-9]{2}))-(?P<d6>[0-9]{6})-[0-9]{4,5}"
    r"|(?P<l1n>[A-Y][0-9]{2})(?:\.[0-9A-Z]+)*-(?P<d8>[0-9]{8})-[0-9]{7})\Z"
)
_AGENCY = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.([A-Z][0-9]{2})\Z")


def parse_dossier_code(code: Any) -> re.Match[str] | None:
    return _ANY_FORM.match(code) if isinstance(code, str) else None


def level1_of_code(match: re.Match[str]) -> str:
    return match.group("l1") or match.group("l1n")


def date_of_code(match: re.Match[str]) -> str:
    """yyyyMMdd of the code's date segment (YYMMDD is read as 20YY)."""
    short = match.group("d6")
    return "20" + short if short else match.group("d8")


@entity_rule("CODE-DOSSIER-DATE", "dossier")
def code_date_is_receipt_date(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    match = parse_dossier_code(entity.get("MaHoSo"))
    received = entity.get("NgayTiepNhan")
    if match is None or not isinstance(received, str) or not is_calendar_timestamp(received):
        return None
    segment = date_of_code(match)
    if segment != received[:8]:
        return [
            Finding(
                "CODE-DOSSIER-DATE",
                (*path, "MaHoSo"),
                f"MaHoSo date segment is {segment[2:] if match.group('d6') else segment}, "
                f"but NgayTiepNhan is {received[:8]}",
            )
        ]
    return None


@entity_rule("CODE-DOSSIER-PROVINCE", "dossier", "progress")
def code_in_callers_province(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    agency = ctx.agency
    if agency is None:
        packet = ctx.packet
        agency = packet.get("madonvi") if isinstance(packet, dict) else None
    caller = _AGENCY.match(agency) if isinstance(agency, str) else None
    match = parse_dossier_code(entity.get("MaHoSo"))
    if caller is None or match is None:
        return None
    if level1_of_code(match) != caller.group(1):
        return [
            Finding(
                "CODE-DOSSIER-PROVINCE",
                (*path, "MaHoSo"),
                f"MaHoSo belongs to {level1_of_code(match)}, the caller (madonvi {agency}) to {caller.group(1)}",
            )
        ]
    return None


def _tt01_or_not_a_code(value: Any) -> bool:
    # A value that is no dossier code at all is CODE-DOSSIER-FORMAT's business.
    return not isinstance(value, str) or TT01_FORM.match(value) is not None or _ANY_FORM.match(value) is None


typed_value_rule(
    "CODE-DOSSIER-TT01",
    {"DossierCode": _tt01_or_not_a_code},
    lambda value: f'MaHoSo "{value}" is not <agency>-YYMMDD-XXXX',
    # DossierCode's own pattern is _ANY_FORM, so for a value it accepts the predicate is TT01_FORM.
    schema_patterns={"DossierCode": "^" + TT01_FORM.pattern.removesuffix("\\Z") + "$"},
)
