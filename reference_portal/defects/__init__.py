"""Defect switches: deliberately wrong behaviours the reference portal can be started with, so the
project's own tests can prove that the suites catch real defects (the kill matrix). For those tests only.

The catalogue is data: every `*.toml` file in this folder holds `[[defect]]` tables with `id`, `area`,
`title`, `description` and `requirements` (the requirement IDs a conformance run must report as failed
when the portal runs with the switch on).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.core.errors import UsageError

_FOLDER = Path(__file__).parent
_KEYS = {"id", "area", "title", "description", "requirements"}


@dataclass(frozen=True)
class Defect:
    id: str
    area: str
    title: str
    description: str
    requirements: tuple[str, ...]


@cache
def defect_catalogue() -> dict[str, Defect]:
    found: dict[str, Defect] = {}
    for path in sorted(_FOLDER.glob("*.toml")):
        with path.open("rb") as handle:
            document = tomllib.load(handle)
        for entry in document.get("defect", []):
            if set(entry) != _KEYS:
                raise UsageError(f"{path}: defect {entry.get('id')!r} needs exactly the keys {sorted(_KEYS)}")
            if entry["id"] in found:
                raise UsageError(f"{path}: defect {entry['id']!r} is defined twice")
            found[entry["id"]] = Defect(
                entry["id"], entry["area"], entry["title"], entry["description"], tuple(entry["requirements"])
            )
    return found


def check_defects(ids: Iterable[str]) -> None:
    known = defect_catalogue()
    unknown = sorted(set(ids) - set(known))
    if unknown:
        raise UsageError(
            f"unknown defect switch(es) {', '.join(unknown)}; `dvc-harness sut defects` lists the "
            f"{len(known)} known ones"
        )


class Defects:
    """The switches a portal instance runs with; `defects.on("dates-iso")` at each place that misbehaves."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.active = frozenset(ids)
        check_defects(self.active)

    def on(self, defect_id: str) -> bool:
        if defect_id not in defect_catalogue():  # a typo at a call site must not silently disable a switch
            raise KeyError(f"defect {defect_id!r} is not in the catalogue")
        return defect_id in self.active
