"""Registration of semantic checks: per business entity (dossier, progress, payment_init, ...) or per
packet type (bound once at validator construction from the type's schema)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.core.profiles import Profile
from harness.specs.catalogue import PacketType
from harness.specs.store import Located, SchemaStore

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    path: Path
    detail: str


class RuleContext:
    """What a check may know besides the entity: the whole packet, the profile, the payment secret and
    the caller's agency (from the envelope, or given by the mock for the adapter form).

    A plain slotted class: it is built once per validated packet, on the hot path."""

    __slots__ = ("agency", "packet", "profile", "secret")

    def __init__(self, packet: Any, profile: Profile, secret: str, agency: str | None) -> None:
        self.packet = packet
        self.profile = profile
        self.secret = secret
        self.agency = agency


# A check returns None (the common, cheap case) or its findings.
EntityCheck = Callable[[dict[str, Any], Path, RuleContext], list[Finding] | None]
PacketCheck = Callable[[Any, RuleContext], list[Finding] | None]
Binder = Callable[[PacketType, SchemaStore, Located], PacketCheck | None]

ENTITY_CHECKS: dict[str, list[tuple[str, EntityCheck]]] = {}
PACKET_BINDERS: list[tuple[str, Binder]] = []
# Typed-value rules that a compiled schema engine can check by itself: rule ID → {$defs name: pattern}.
# A string that matches the pattern must satisfy the rule's predicate (else a bad value could pass
# unreported); a value the definition accepts and the predicate accepts should match it (else a good
# packet takes the slow path, with the same verdict). See PacketValidator.
SCHEMA_PATTERNS: dict[str, dict[str, str]] = {}


def entity_rule(rule_id: str, *kinds: str) -> Callable[[EntityCheck], EntityCheck]:
    def register(check: EntityCheck) -> EntityCheck:
        for kind in kinds:
            ENTITY_CHECKS.setdefault(kind, []).append((rule_id, check))
        return check

    return register


def packet_rule(rule_id: str) -> Callable[[Binder], Binder]:
    def register(binder: Binder) -> Binder:
        PACKET_BINDERS.append((rule_id, binder))
        return binder

    return register


def typed_value_rule(
    rule_id: str,
    predicates: dict[str, Callable[[Any], bool]],
    describe: Callable[[Any], str],
    *,
    schema_patterns: dict[str, str] | None = None,
) -> None:
    """Register a packet rule over every value whose schema is one of the predicates' `$defs` names
    (found in each packet type's schema once, walked by compiled code per packet).

    `schema_patterns` says the same as the predicates, as one pattern per name (see SCHEMA_PATTERNS),
    for the validator's compiled schema: on the happy path the walk is then not needed."""
    from harness.validation._paths import typed_value_walker

    if schema_patterns is not None:
        if set(schema_patterns) != set(predicates):
            raise ValueError(f"{rule_id}: schema_patterns must cover exactly the predicates' names")
        SCHEMA_PATTERNS[rule_id] = dict(schema_patterns)

    def bind(ptype: PacketType, store: SchemaStore, root: Located) -> PacketCheck | None:
        walk = typed_value_walker(store, root, predicates)
        if walk is None:
            return None

        def check(packet: Any, ctx: RuleContext) -> list[Finding] | None:
            failed = walk(packet)
            return [Finding(rule_id, path, describe(value)) for path, value, _ in failed] if failed else None

        return check

    packet_rule(rule_id)(bind)
