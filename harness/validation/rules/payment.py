"""Payment-platform semantics: the MaXacThuc checksum and amounts that agree with the fee lines."""

from __future__ import annotations

import hmac
import re
from typing import Any

from harness.core.checksum import ALGORITHM, payment_checksum
from harness.specs.catalogue import PacketType
from harness.specs.store import Located, SchemaStore
from harness.validation.rules._registry import (
    Finding,
    PacketCheck,
    Path,
    RuleContext,
    entity_rule,
    packet_rule,
)

_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


def checksum_fields(schema: Any) -> list[str] | None:
    spec = schema.get("x-checksum") if isinstance(schema, dict) else None
    if not isinstance(spec, dict):
        return None
    if spec.get("algorithm") != ALGORITHM:
        raise ValueError(f"unsupported x-checksum algorithm {spec.get('algorithm')!r}")
    return list(spec["fields"])


@packet_rule("PAY-CHECKSUM")
def bind_checksum(ptype: PacketType, store: SchemaStore, root: Located) -> PacketCheck | None:
    fields = checksum_fields(store.deref(root).schema)
    if fields is None:
        return None

    def check(packet: Any, ctx: RuleContext) -> list[Finding] | None:
        if not isinstance(packet, dict):
            return None
        given = packet.get("MaXacThuc")
        if not isinstance(given, str) or not _HEX64.match(given):
            return None  # absent or malformed: a schema rule's business
        expected = payment_checksum(packet, fields, ctx.secret)
        if not hmac.compare_digest(given.encode(), expected.encode()):  # constant time: it authenticates the packet
            return [
                Finding(
                    "PAY-CHECKSUM",
                    ("MaXacThuc",),
                    f"MaXacThuc does not match SHA-256({'|'.join(fields)}|<secret>) with the configured secret",
                )
            ]
        return None

    return check


def _amount(value: Any) -> int | None:
    """A well-formed amount string (lenient input is already coerced); anything else is not ours."""
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    return None


@entity_rule("PAY-AMOUNT", "payment_init")
def amount_matches_fee_lines(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    total = _amount(entity.get("SoTien"))
    receipt = entity.get("ThongTinBienLai")
    if total is None or not isinstance(receipt, dict):
        return None
    findings = []
    for key in ("PhiLePhi", "DSKhoanNop"):
        lines = receipt.get(key)
        if not isinstance(lines, list) or not lines:
            continue
        amounts = [_amount(line.get("SoTien")) if isinstance(line, dict) else None for line in lines]
        if any(a is None for a in amounts):
            continue
        line_total = sum(a for a in amounts if a is not None)
        if line_total != total:
            findings.append(
                Finding(
                    "PAY-AMOUNT",
                    (*path, "SoTien"),
                    f"SoTien is {total} but ThongTinBienLai.{key} adds up to {line_total}",
                )
            )
    return findings or None
