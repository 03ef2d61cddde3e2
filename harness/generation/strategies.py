"""Public Hypothesis strategies: realistic valid packets, and packets that break exactly one rule.

Everything derives from the schema files and the rule catalogue: the schema gives the structure and
the values' shapes, `_coherence` ties related fields together as the semantic rules demand, and
`_mutations` breaks one rule at a time at places read from the schema.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from harness.core.profiles import Profile
from harness.core.violations import json_pointer
from harness.generation import _coherence, _mutations
from harness.generation._schema_strategy import SchemaStrategies
from harness.specs.catalogue import Catalogue, PacketType, load_catalogue
from harness.specs.store import Located, SchemaStore, load_store
from harness.validation._paths import iter_template, parse_template
from harness.validation.rules.payment import checksum_fields
from harness.validation.validator import DEFAULT_SECRET

__all__ = ["InvalidPacket", "invalid_packets", "valid_packets"]

_MAX_LOOSE_INT = 10**15


@dataclass(frozen=True)
class InvalidPacket:
    """A packet with one known defect: the rule it breaks and where."""

    packet: Any
    type: str
    rule: str
    pointer: str
    profile: str

    def encoded(self, encoding: str = "json") -> Any:
        return _encode(self.packet, self.type, encoding)


class _Generator:
    """Everything needed to generate one packet type, prepared once."""

    def __init__(self, ptype: PacketType, store: SchemaStore, catalogue: Catalogue) -> None:
        self.ptype = ptype
        self.catalogue = catalogue
        schema_id = store.id_for_path(ptype.schema)
        root = Located(store.by_id(schema_id), schema_id)
        self.raw = SchemaStrategies(store).for_located(root)
        self.checksum = checksum_fields(store.deref(root).schema)
        self.sites = _mutations.collect_sites(store, root)
        self.entities = [(kind, parse_template(pointer)) for kind, pointer in ptype.entities.items()]

    def make_coherent(self, packet: Any, rnd: random.Random, secret: str) -> None:
        ctx = _coherence.Context(packet, rnd, secret)
        for kind, template in self.entities:
            fix = _coherence.BY_ENTITY.get(kind)
            if fix is None:
                continue
            for _, entity in iter_template(packet, template):
                if isinstance(entity, dict):
                    fix(entity, ctx)
        _coherence.sign(packet, self.checksum, secret)

    def candidates(self, packet: Any, profile: Profile, rule: str | None) -> list[tuple[str, Any]]:
        """(rule ID, how to apply) for every single-defect mutation possible on this packet."""
        found: list[tuple[str, Any]] = []
        for site in self.sites:
            if rule is not None and site.rule != rule:
                continue
            if not self.catalogue.rule(site.rule).active_in(profile):
                continue
            if (
                profile is Profile.LENIENT
                and site.action == "value"
                and (site.keyword == "type" or not isinstance(site.values[0], str | list))
            ):
                continue  # a wrong JSON type is read leniently: not a defect there
            for path in _mutations.concrete(site, packet):
                found.append((site.rule, (site, path)))
        for rule_id, violator in _mutations.SEMANTIC.items():
            if rule is not None and rule_id != rule:
                continue
            if not self.catalogue.rule(rule_id).active_in(profile):
                continue
            if "*checksum" in violator.kinds:
                if self.checksum and isinstance(packet, dict) and violator.applicable(packet, packet):
                    found.append((rule_id, (violator, ())))
                continue
            for kind, template in self.entities:
                if kind not in violator.kinds:
                    continue
                for path, entity in iter_template(packet, template):
                    if isinstance(entity, dict) and violator.applicable(entity, packet):
                        found.append((rule_id, (violator, path)))
        return found

    def apply(
        self, packet: Any, rule_id: str, how: Any, rnd: random.Random, secret: str
    ) -> tuple[Any, tuple[str | int, ...]]:
        target, path = how
        if isinstance(target, _mutations.Site):
            packet, changed = _mutations.apply_site(target, packet, path, rnd)
        else:
            entity = packet
            for step in path:
                entity = entity[step]
            target.apply(entity, rnd, packet)
            changed = path
        if rule_id != "PAY-CHECKSUM" and changed[:1] != ("MaXacThuc",):
            _coherence.sign(packet, self.checksum, secret)
        return packet, changed


@cache
def _generator(type_name: str) -> _Generator:
    catalogue = load_catalogue()
    return _Generator(catalogue.packet_type(type_name), load_store(), catalogue)


def _loosen(value: Any, rnd: random.Random) -> Any:
    """What real clients send that the lenient profile accepts: numbers and booleans unquoted."""
    if isinstance(value, dict):
        return {key: _loosen(item, rnd) for key, item in value.items()}
    if isinstance(value, list):
        return [_loosen(item, rnd) for item in value]
    if isinstance(value, str):
        if (
            value.isdigit()
            and value.isascii()
            and (value == "0" or value[0] != "0")
            and int(value) < _MAX_LOOSE_INT
            and rnd.random() < 0.3
        ):
            return int(value)
        if value in ("True", "False") and rnd.random() < 0.5:
            return value == "True"
    return value


def _encode(packet: Any, type_name: str, encoding: str) -> Any:
    if encoding == "json":
        return packet
    if encoding == "xml":
        from harness.xml import packet_to_xml

        return packet_to_xml(packet, type_name)
    raise ValueError(f"unknown encoding {encoding!r}; expected 'json' or 'xml'")


def _check_encoding(type_name: str, encoding: str) -> None:
    if encoding == "xml" and not load_catalogue().packet_type(type_name).xml:
        raise ValueError(f"packet type {type_name} has no XML encoding")


def valid_packets(
    type_name: str,
    profile: Profile | str = Profile.STRICT,
    *,
    encoding: str = "json",
    secret: str = DEFAULT_SECRET,
) -> st.SearchStrategy[Any]:
    """Realistic packets of `type_name` that are valid under `profile` (JSON values, or XML bytes)."""
    generator = _generator(type_name)
    active = Profile.parse(profile)
    _check_encoding(type_name, encoding)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        packet = draw(generator.raw)
        rnd = draw(st.randoms(use_true_random=False))
        generator.make_coherent(packet, rnd, secret)
        if active is Profile.LENIENT and encoding == "json":
            packet = _loosen(packet, rnd)
        return _encode(packet, type_name, encoding)

    return build()


def invalid_packets(
    type_name: str,
    profile: Profile | str = Profile.STRICT,
    *,
    rule: str | None = None,
    secret: str = DEFAULT_SECRET,
) -> st.SearchStrategy[InvalidPacket]:
    """Packets that break exactly one rule (optionally a given one), labelled with that rule's ID."""
    generator = _generator(type_name)
    active = Profile.parse(profile)
    if rule is not None:
        load_catalogue().rule(rule)

    @st.composite
    def build(draw: st.DrawFn) -> InvalidPacket:
        packet = draw(generator.raw)
        rnd = draw(st.randoms(use_true_random=False))
        generator.make_coherent(packet, rnd, secret)
        if active is Profile.LENIENT:
            packet = _loosen(packet, rnd)
        options = generator.candidates(packet, active, rule)
        assume(options)
        # Rule first, then place: every rule is exercised, however many places it has.
        rule_id = draw(st.sampled_from(sorted({rule_id for rule_id, _ in options})))
        how = draw(st.sampled_from([how for option_rule, how in options if option_rule == rule_id]))
        packet, changed = generator.apply(packet, rule_id, how, rnd, secret)
        return InvalidPacket(packet, type_name, rule_id, json_pointer(changed), active.value)

    return build()


def mutation_rules(type_name: str, profile: Profile | str = Profile.STRICT) -> frozenset[str]:
    """Rule IDs that `invalid_packets` can break for this type (sites present in the schema)."""
    generator = _generator(type_name)
    active = Profile.parse(profile)
    rules = {site.rule for site in generator.sites if generator.catalogue.rule(site.rule).active_in(active)}
    kinds = {kind for kind, _ in generator.entities}
    for rule_id, violator in _mutations.SEMANTIC.items():
        if not generator.catalogue.rule(rule_id).active_in(active):
            continue
        if kinds & set(violator.kinds) or ("*checksum" in violator.kinds and generator.checksum):
            rules.add(rule_id)
    return frozenset(rules)
