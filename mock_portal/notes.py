"""What a handler tells the evidence recorder about the exchange it served (set on `request.state.note`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExchangeNote:
    service: str | None = None
    ma_ho_so: list[str] = field(default_factory=list)
    ma_tham_chieu: str | None = None
    verdict: str = "n/a"  # valid | invalid | n/a
    rules: list[str] = field(default_factory=list)
