"""The packet-type catalogue and the rule catalogue, read from `schemas/catalogue/*.toml`."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError, UnknownPacketTypeError
from harness.core.profiles import Profile
from harness.specs.paths import schema_root

PRESENT = "*"


@dataclass(frozen=True, slots=True)
class PacketType:
    """One packet type: its schema file, how to recognise it and where its business entities sit."""

    name: str
    schema: str
    family: str
    direction: str
    description: str
    detect: Mapping[str, str] = field(default_factory=dict)
    detect_items: Mapping[str, str] = field(default_factory=dict)
    entities: Mapping[str, str] = field(default_factory=dict)
    xml: bool = False
    #: a DVCQG request: the endpoint serving it (POST /dvcqg/<endpoint>: auth, integration, share, adapter)
    endpoint: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: a stable ID, where it comes from, and in which profiles it is reported."""

    id: str
    kind: str
    profiles: frozenset[Profile]
    confidence: str
    source: str
    title: str
    fix: str

    def active_in(self, profile: Profile) -> bool:
        return profile in self.profiles


class Catalogue:
    def __init__(self, types: dict[str, PacketType], rules: dict[str, Rule]) -> None:
        self.types = types
        self.rules = rules

    def packet_type(self, name: str) -> PacketType:
        try:
            return self.types[name]
        except KeyError:
            known = ", ".join(sorted(self.types))
            raise UnknownPacketTypeError(f"unknown packet type {name!r}; known types: {known}") from None

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise HarnessError(f"rule {rule_id!r} is used but not in the rule catalogue") from None

    def detect(self, packet: Any) -> str | None:
        """The packet type whose detection keys match best, or None when none or several tie."""
        best: list[tuple[int, str]] = []
        for ptype in self.types.values():
            if isinstance(packet, dict) and ptype.detect:
                score = _match(packet, ptype.detect)
            elif isinstance(packet, list) and packet and isinstance(packet[0], dict) and ptype.detect_items:
                score = _match(packet[0], ptype.detect_items)
            else:
                continue
            if score:
                best.append((score, ptype.name))
        if not best:
            return None
        best.sort(reverse=True)
        if len(best) > 1 and best[0][0] == best[1][0]:
            return None
        return best[0][1]


def _match(obj: Mapping[str, Any], wanted: Mapping[str, str]) -> int:
    """Score of a detection match: 10 per equal value, 1 per required presence; 0 when any key fails."""
    score = 0
    for key, value in wanted.items():
        if key not in obj:
            return 0
        if value == PRESENT:
            score += 1
        elif obj[key] == value:
            score += 10
        else:
            return 0
    return score


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise HarnessError(f"catalogue file {path} is not valid TOML: {exc}") from exc


@cache
def load_catalogue(root: Path | None = None) -> Catalogue:
    directory = (root or schema_root()) / "catalogue"
    types: dict[str, PacketType] = {}
    rules: dict[str, Rule] = {}
    for path in sorted(directory.glob("packets.*.toml")):
        for name, entry in _read_toml(path).items():
            if name in types:
                raise HarnessError(f"packet type {name!r} defined twice (second time in {path.name})")
            types[name] = PacketType(
                name=name,
                schema=entry["schema"],
                family=entry.get("family", ""),
                direction=entry.get("direction", ""),
                description=entry.get("description", ""),
                detect=dict(entry.get("detect", {})),
                detect_items=dict(entry.get("detect_items", {})),
                entities=dict(entry.get("entities", {})),
                xml=bool(entry.get("xml", False)),
                endpoint=entry.get("endpoint", ""),
            )
    for path in sorted(directory.glob("rules.*.toml")):
        for entry in _read_toml(path).get("rule", []):
            rule_id = entry["id"]
            if rule_id in rules:
                raise HarnessError(f"rule {rule_id!r} defined twice (second time in {path.name})")
            rules[rule_id] = Rule(
                id=rule_id,
                kind=entry["kind"],
                profiles=frozenset(Profile(p) for p in entry["profiles"]),
                confidence=entry["confidence"],
                source=entry["source"],
                title=entry["title"],
                fix=entry.get("fix", ""),
            )
    return Catalogue(types, rules)
