"""The verdict on the SUT's answer to an IPN: the reply schema, MaLoi "00", and the echoed fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from harness.core.violations import TRUNCATED_TAG
from mock_portal.payment import codes
from mock_portal.payment.packets import validate

ECHOED = ("MaDoiTac", "MaThamChieu", "ThoiGianGD", "MaXacThuc")


@dataclass(frozen=True)
class Verdict:
    verdict: str  # valid | invalid | n/a
    rules: tuple[str, ...]


def judge_reply(ipn: dict[str, Any], *, bad_checksum: bool, status: int | None, body: bytes, profile: str) -> Verdict:
    """Judge the SUT's reply to one IPN (`status` None = no answer at all)."""
    if status is None:
        return Verdict("invalid", (codes.RULE_IPN_UNREACHABLE,))
    try:
        reply: Any = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        reply = None
    if bad_checksum:
        # Any refusal will do (TD answers HTTP 500, others MaLoi "99"); acknowledging it is the defect.
        accepted = 200 <= status < 300 and isinstance(reply, dict) and reply.get("MaLoi") == codes.OK
        return Verdict("invalid", (codes.RULE_IPN_CHECKSUM_ACCEPTED,)) if accepted else Verdict("valid", ())
    rules: list[str] = []
    if status != 200:
        rules.append(codes.RULE_IPN_HTTP)
    verdict = validate("payment.IPN.reply", reply, profile, "")
    rules += [v.rule for v in verdict.violations] + ([TRUNCATED_TAG] if verdict.truncated else [])
    if isinstance(reply, dict):
        if reply.get("MaLoi") != codes.OK:
            rules.append(codes.RULE_IPN_ACK)
        if any(key in reply and reply[key] != ipn.get(key) for key in ECHOED):
            rules.append(codes.RULE_IPN_ECHO)
    unique = tuple(dict.fromkeys(rules))
    return Verdict("invalid" if unique else "valid", unique)
