"""Dossier codes (MaHoSo): the parts a code must have (rules ORACLE-CODE-*), and reading an observed code.

TT 01/2018/TT-VPCP Điều 19 form: `<agency>-<yyMMdd>-<NNNN>` (docs/reference/regulations.md §3.3); the newer
form observed at ministries, `<QĐ 20/2020 agency>-<yyyyMMdd>-<NNNNNNN>`, is read too (same parts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_TT01 = re.compile(r"(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(\d{6})-(\d{4,5})")
_NEWER = re.compile(r"([A-Y]\d{2}(?:\.[0-9A-Z]+)*)-(\d{8})-(\d{7})")


@dataclass(frozen=True, slots=True)
class DossierCode:
    agency: str
    day: date
    sequence: int

    def __str__(self) -> str:
        return f"{self.agency}-{self.day:%y%m%d}-{self.sequence:04d}"


def parse_code(text: str) -> DossierCode | None:
    """The parts of a dossier code in either form; None when it is neither or names no real date."""
    for pattern, date_format in ((_TT01, "20%s-%s-%s"), (_NEWER, "%s-%s-%s")):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        agency, digits, number = match.groups()
        parts = (digits[:2], digits[2:4], digits[4:]) if len(digits) == 6 else (digits[:4], digits[4:6], digits[6:])
        try:
            day = date.fromisoformat(date_format % parts)
        except ValueError:
            return None
        return DossierCode(agency, day, int(number))
    return None


class SequenceBook:
    """The daily counters of one reading of the history: the n-th dossier of an agency and day is n."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, date], int] = {}

    def next(self, agency: str, day: date) -> int:
        number = self._last.get((agency, day), 0) + 1
        self._last[(agency, day)] = number
        return number

    def skip(self, agency: str, day: date, count: int) -> None:
        """`count` numbers of the agency and day went to dossiers the harness did not register."""
        self._last[(agency, day)] = self._last.get((agency, day), 0) + count
