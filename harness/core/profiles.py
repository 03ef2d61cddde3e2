"""Validation profiles: `strict` for certification, `lenient` for what real clients get away with."""

from __future__ import annotations

from enum import StrEnum


class Profile(StrEnum):
    STRICT = "strict"
    LENIENT = "lenient"

    @classmethod
    def parse(cls, value: str | Profile) -> Profile:
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(p.value for p in cls)
            raise ValueError(f"unknown profile {value!r}; expected one of: {names}") from None
