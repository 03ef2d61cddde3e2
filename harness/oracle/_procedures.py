"""What the oracle needs to know of a procedure, per channel: its processing time, its fees, and the result
documents it produces; read from the national catalogue's LayThuTuc detail
(docs/reference/dvcqg-interfaces.md §7.1) or built directly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from harness.oracle._appointment import ProcessingTime


@dataclass(frozen=True, slots=True)
class Fee:
    code: str
    amount: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class ChannelTerms:
    processing: ProcessingTime
    fees: tuple[Fee, ...] = ()


@dataclass(frozen=True, slots=True)
class Procedure:
    code: str
    #: by KenhThucHien ("1" counter, "2" online, "3" postal)
    channels: Mapping[str, ChannelTerms] = field(default_factory=dict)
    #: the names of the result documents (KETQUATHUCHIEN); empty when the catalogue lists none
    results: tuple[str, ...] = ()

    @classmethod
    def simple(
        cls, code: str, working_days: object, *, fees: Iterable[Fee] = (), results: Iterable[str] = ("Kết quả",)
    ) -> Procedure:
        """The same time limit and fees on every channel (`working_days` None: no processing time)."""
        if working_days is None:
            timing = ProcessingTime.missing("the procedure gives no processing time")
        else:
            timing = ProcessingTime.parse(working_days, "Ngày làm việc")
        terms = ChannelTerms(timing, tuple(fees))
        return cls(code, {channel: terms for channel in ("1", "2", "3")}, tuple(results))

    def terms(self, channel: str) -> ChannelTerms:
        found = self.channels.get(channel)
        if found is None:
            reason = f"procedure {self.code} lists no processing time for channel {channel}"
            return ChannelTerms(ProcessingTime.missing(reason))
        return found


def _amount(value: Any) -> int | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return int(amount) if amount == amount.to_integral_value() and amount >= 0 else None


def _channel_terms(code: str, channel: str, timings: list[Any]) -> ChannelTerms:
    usable = [t for t in timings if isinstance(t, dict)]
    if not usable:
        return ChannelTerms(ProcessingTime.missing(f"procedure {code} gives no processing time for channel {channel}"))
    parsed = {ProcessingTime.parse(t.get("THOIGIANGIAIQUYET"), t.get("DONVITINH")) for t in usable}
    if len(parsed) > 1:
        reason = f"procedure {code} gives {len(usable)} processing times for channel {channel}"
        timing = ProcessingTime.missing(reason + " (which applies depends on the case)")
    else:
        timing = parsed.pop()
    fees: list[Fee] = []
    for line in usable[0].get("PHILEPHI") or []:
        amount = _amount(line.get("SOTIEN")) if isinstance(line, dict) else None
        if amount is not None and isinstance(line, dict):
            fees.append(Fee(str(line.get("MAPHILEPHI") or ""), amount, str(line.get("MOTA") or "")))
    return ChannelTerms(timing, tuple(fees))


def procedure_from_detail(detail: Mapping[str, Any]) -> Procedure:
    """A procedure from a LayThuTuc item (MATTHC, CACHTHUCTHUCHIEN[KENH, THOIGIAN[...]], KETQUATHUCHIEN)."""
    code = str(detail.get("MATTHC") or "")
    channels: dict[str, ChannelTerms] = {}
    for way in detail.get("CACHTHUCTHUCHIEN") or []:
        if isinstance(way, dict) and way.get("KENH") is not None:
            channel = str(way["KENH"])
            channels[channel] = _channel_terms(code, channel, list(way.get("THOIGIAN") or []))
    results = tuple(
        str(item.get("TENKETQUA") or "") for item in detail.get("KETQUATHUCHIEN") or [] if isinstance(item, dict)
    )
    return Procedure(code, channels, results)
