"""Reporting periods and percentages as the national packets write them.

A month is compared with dossier timestamps as text: every date the portal stores is `yyyyMMddHHmmss`
(Asia/Ho_Chi_Minh, fixed width), so `start <= moment < end` on strings is the calendar comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_HUNDREDTHS = Decimal("0.01")


class InvalidMonth(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: object) -> Month:
        """`YYYY-MM` (the API's form); InvalidMonth for anything else."""
        match = _MONTH.fullmatch(text) if isinstance(text, str) else None
        if match is None or int(match.group(1)) < 2000:
            raise InvalidMonth(f"month must be YYYY-MM (e.g. 2024-03) from 2000 on, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> Month:
        return cls(moment.year, moment.month)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def start(self) -> str:
        """The first second of the month, yyyyMMddHHmmss."""
        return f"{self.year:04d}{self.month:02d}01000000"

    @property
    def end(self) -> str:
        """The first second of the next month (exclusive bound)."""
        return self.next().start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def share(part: int, whole: int) -> Decimal:
    """part / whole in percent, rounded half up to two decimals; 0 when there is nothing to divide."""
    if whole <= 0:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_HUNDREDTHS, rounding=ROUND_HALF_UP)


def percent_plain(part: int, whole: int) -> str:
    """The statistics form "NN.NN" (OCPS toFixed(2)), and "0" when nothing was counted (never NaN)."""
    return f"{share(part, whole):.2f}" if whole > 0 else "0"


def percent_sign(part: int, whole: int) -> str:
    """The rating form "NN%": at most two decimals, trailing zeros dropped ("83.33%", "50%", "100%")."""
    text = f"{share(part, whole):.2f}".rstrip("0").rstrip(".")
    return f"{text}%"
