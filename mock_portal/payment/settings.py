"""The payment platform's timings, from the `[payment]` table of the mock configuration (`MockConfig.extra`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from harness.core.errors import UsageError
from mock_portal.config import MockConfig
from mock_portal.faults import MAX_DELAY_S

MAX_IPN_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class PaymentSettings:
    auto_delay_s: float = 1.0  # after INIT, before an outcome chosen by test data runs (the INIT reply lands first)
    late_ipn_s: float = 10.0  # `late_ipn`: delay between the payment and its IPN
    pending_s: float = 10.0  # `pending`: how long QUERY says 3 before the result is known
    duplicate_gap_s: float = 0.2  # between two copies of a duplicated IPN
    ipn_timeout_s: float = 10.0  # HTTP timeout of one IPN call (at most 10 s)
    bank: str = "VCB"  # MaNganHang the payer "chose"
    receipt_font: str = ""  # a TTF with Vietnamese glyphs for the PDF receipt; found automatically when empty

    @classmethod
    def from_config(cls, config: MockConfig) -> PaymentSettings:
        raw = config.extra.get("payment", {})
        if not isinstance(raw, dict):
            raise UsageError("mock configuration: [payment] must be a table")
        known = {f.name: f for f in fields(cls)}
        unknown = set(raw) - set(known)
        if unknown:
            raise UsageError(f"mock configuration [payment]: unknown key(s) {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if known[name].type == "str":
                if not isinstance(value, str):
                    raise UsageError(f"mock configuration [payment]: {name} must be a string")
                values[name] = value
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise UsageError(f"mock configuration [payment]: {name} must be a number of seconds")
            limit = MAX_IPN_TIMEOUT_S if name == "ipn_timeout_s" else MAX_DELAY_S
            if not 0 <= value <= limit or (name == "ipn_timeout_s" and value == 0):
                raise UsageError(f"mock configuration [payment]: {name} must be between 0 and {limit} seconds")
            values[name] = float(value)
        return cls(**values)

    def seconds(self, name: str) -> float:
        value = getattr(self, name)
        if not isinstance(value, float):
            raise KeyError(name)
        return value
