"""Expected values: what an observed wire value (a string) must be, each carrying the rule that gives it.

* `OneOf`: one of a few exact strings ("" means the field must be empty);
* `Within`: a `yyyyMMddHHmmss` time inside a window (the harness knows when it sent a request and when the
  answer came, not the instant the SUT stamped; the SUT writes whole seconds, so the window opens at the
  second of its earliest end);
* `Between`: an integer in a range (an open upper end when other writers may share a counter);
* `Share`: a percentage `part / whole`, written with any rounding to its shown precision ("NN%", "NN.NN");
* `Unknown`: not tested, with the reason (never a guess).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from harness.core.timestamps import is_calendar_timestamp, parse_timestamp
from harness.oracle._rules import Rule
from harness.oracle._time import stamp, wall

_NUMBER = re.compile(r"\s*(-?[0-9]+(?:[.,][0-9]+)?)\s*%?\s*")


@dataclass(frozen=True, slots=True)
class OneOf:
    values: tuple[str, ...]
    rule: Rule

    def accepts(self, seen: str) -> bool:
        return seen in self.values

    def describe(self) -> str:
        shown = [repr(v) for v in self.values]
        return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


@dataclass(frozen=True, slots=True)
class Within:
    earliest: datetime
    latest: datetime
    rule: Rule

    def accepts(self, seen: str) -> bool:
        if not is_calendar_timestamp(seen):
            return False
        moment = parse_timestamp(seen)
        return wall(self.earliest).replace(microsecond=0) <= moment <= wall(self.latest)

    def describe(self) -> str:
        low, high = stamp(self.earliest), stamp(self.latest)
        return repr(low) if low == high else f"a time from {low} to {high}"


@dataclass(frozen=True, slots=True)
class Between:
    low: int
    high: int | None
    rule: Rule

    def accepts(self, seen: str) -> bool:
        try:
            number = int(seen.strip())
        except ValueError:
            return False
        return number >= self.low and (self.high is None or number <= self.high)

    def describe(self) -> str:
        if self.high == self.low:
            return str(self.low)
        return f"at least {self.low}" if self.high is None else f"{self.low} to {self.high}"


@dataclass(frozen=True, slots=True)
class Share:
    part: int
    whole: int
    rule: Rule

    @property
    def exact(self) -> Fraction:
        return Fraction(100 * self.part, self.whole) if self.whole else Fraction(0)

    def accepts(self, seen: str) -> bool:
        match = _NUMBER.fullmatch(seen)
        if match is None:
            return False
        text = match.group(1).replace(",", ".")
        try:
            shown = Fraction(Decimal(text))
        except InvalidOperation:
            return False
        decimals = len(text.partition(".")[2])
        return abs(shown - self.exact) <= Fraction(1, 10**decimals)

    def describe(self) -> str:
        return f"{float(self.exact):.2f}% ({self.part} of {self.whole}), any rounding"


@dataclass(frozen=True, slots=True)
class Unknown:
    reason: str
    rule: Rule

    def accepts(self, seen: str) -> bool:
        return True

    def describe(self) -> str:
        return f"not tested: {self.reason}"


Spec = OneOf | Within | Between | Share | Unknown


def exact(value: str | int, rule: Rule) -> OneOf:
    return OneOf((str(value),), rule)


def merge(first: Spec, second: Spec) -> Spec:
    """One spec covering what two readings of the same history give (the earliest and the latest times of
    every action): equal readings stay exact, times become a window, integers a range."""
    if first == second:
        return first
    if isinstance(first, Unknown):
        return first
    if isinstance(second, Unknown):
        return second
    if isinstance(first, Within) and isinstance(second, Within):
        return Within(min(first.earliest, second.earliest), max(first.latest, second.latest), first.rule)
    if isinstance(first, Between) and isinstance(second, Between):
        high = None if first.high is None or second.high is None else max(first.high, second.high)
        return Between(min(first.low, second.low), high, first.rule)
    if isinstance(first, OneOf) and isinstance(second, OneOf):
        return OneOf(tuple(dict.fromkeys(first.values + second.values)), first.rule)
    return Unknown("the action times leave more than one value possible", first.rule)
