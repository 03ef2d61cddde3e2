"""PacketValidator: schema (compiled happy path, detailed failure path) + semantic rules, per type and profile."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from harness.core.profiles import Profile
from harness.core.violations import DEFAULT_MAX_VIOLATIONS, ValidationResult, Violation, json_pointer
from harness.specs.catalogue import Catalogue, PacketType, load_catalogue
from harness.specs.store import Located, SchemaStore, load_store
from harness.validation._coercion import Coercer
from harness.validation._engines import compiled_validator, detailed_validator
from harness.validation._paths import Trie, always_applied, parse_template
from harness.validation._schema_errors import UNCAPPED, ErrorLabeller, ViolationCollector
from harness.validation.rules import ENTITY_CHECKS, PACKET_BINDERS, SCHEMA_PATTERNS, Finding, PacketCheck, RuleContext

DEFAULT_SECRET = "demo-secret"
_MAX_COERCION_ROUNDS = 4
#: rule findings counted exactly (past the cap they are not rendered); beyond, "more than N"
_FINDINGS_COUNTED = 10_000

# Runs one entity kind's checks, appending findings; stops (returning False) once the list holds more
# than the given number.
EntityRunner = Callable[[Any, RuleContext, list[Finding], int], bool]


class PacketValidator:
    """Validates packets of one type under one profile. Build once (it compiles), call many times.

    The happy path is one call of a compiled schema engine. Typed-value rules that can be said as a
    pattern (`SCHEMA_PATTERNS`) are compiled into that engine's copy of the schema when every value
    they concern must satisfy its definition; a packet it accepts then needs no walk for them. A packet
    it refuses takes the detailed path (the published schema, then every rule), so verdicts and rule
    IDs are the same either way.

    Work on a refused packet is bounded by `max_violations`: jsonschema's errors are taken lazily and the
    walk stops once more violations are held than will be listed (then the semantic rules are not run:
    the list is full and "more than N" is said); rule findings past the cap are counted, not rendered.
    """

    def __init__(
        self,
        packet_type: PacketType,
        profile: Profile = Profile.STRICT,
        *,
        store: SchemaStore | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        self.packet_type = packet_type
        self.profile = profile
        self._store = store or load_store()
        self._catalogue = catalogue or load_catalogue()
        schema_id = self._store.id_for_path(packet_type.schema)
        self.schema = self._store.by_id(schema_id)
        root = Located(self.schema, schema_id)
        self._detailed = detailed_validator(self.schema, self._store)
        self._labeller = ErrorLabeller(self._store, root)
        self._all_packet_checks: list[PacketCheck] = []  # after a schema failure
        self._packet_checks: list[PacketCheck] = []  # after the compiled schema accepted the packet
        compiled_patterns: dict[str, list[str]] = {}
        for rule_id, binder in PACKET_BINDERS:
            if self._catalogue.rule(rule_id).active_in(profile):
                check = binder(packet_type, self._store, root)
                if check is None:
                    continue
                self._all_packet_checks.append(check)
                patterns = SCHEMA_PATTERNS.get(rule_id)
                if patterns and always_applied(self._store, root, frozenset(patterns)):
                    for name, pattern in patterns.items():
                        compiled_patterns.setdefault(name, []).append(pattern)
                else:
                    self._packet_checks.append(check)
        self._plain = compiled_validator(self.schema, self._store)  # the published schema, compiled
        self._fast = (
            compiled_validator(self.schema, self._store, compiled_patterns) if compiled_patterns else self._plain
        )
        runners = (self._entity_runner(kind, pointer) for kind, pointer in packet_type.entities.items())
        self._entity_runners: list[EntityRunner] = [runner for runner in runners if runner is not None]

    def _entity_runner(self, kind: str, pointer: str) -> EntityRunner | None:
        checks = [
            check
            for rule_id, check in ENTITY_CHECKS.get(kind, [])
            if self._catalogue.rule(rule_id).active_in(self.profile)
        ]
        if not checks:
            return None
        trie = Trie()
        trie.add(parse_template(pointer), kind)
        entities = trie.compile({kind: _never})

        def run(packet: Any, ctx: RuleContext, out: list[Finding], limit: int) -> bool:
            for path, entity, _ in entities(packet):
                if type(entity) is not dict:
                    continue
                for check in checks:
                    found = check(entity, path, ctx)
                    if found:
                        out.extend(found)
                        if len(out) > limit:
                            return False
            return True

        return run

    def validate(
        self,
        packet: Any,
        *,
        secret: str = DEFAULT_SECRET,
        agency: str | None = None,
        max_violations: int | None = DEFAULT_MAX_VIOLATIONS,
    ) -> ValidationResult:
        """The verdict, listing at most `max_violations` violations (None: every one)."""
        cap = UNCAPPED if max_violations is None else max_violations
        if cap < 1:
            raise ValueError(f"max_violations must be at least 1, got {max_violations}")
        violations: list[Violation] = []
        packet_checks = self._packet_checks
        if not self._fast.is_valid(packet):
            packet, violations, complete = self._schema_failures(packet, cap)
            if not complete:  # more than the cap already: no need to look further
                return self._result(violations[:cap], len(violations) - cap, counted=False)
            packet_checks = self._all_packet_checks
        findings: list[Finding] = []
        ctx = RuleContext(packet, self.profile, secret, agency)
        counted = True
        for runner in self._entity_runners:
            if not runner(packet, ctx, findings, max(cap, _FINDINGS_COUNTED)):
                counted = False
                break
        for check in packet_checks if counted else ():
            found = check(packet, ctx)
            if found:
                findings.extend(found)
        if not violations and not findings:
            return ValidationResult(self.packet_type.name, self.profile.value)
        rendered = findings[: max(0, cap - len(violations))]
        violations.extend(self._finding_violation(f) for f in rendered)
        return self._result(violations, len(findings) - len(rendered), counted=counted)

    def _result(self, violations: list[Violation], omitted: int, *, counted: bool) -> ValidationResult:
        return ValidationResult(
            self.packet_type.name, self.profile.value, tuple(violations), omitted=omitted, counted=counted
        )

    def _schema_failures(self, packet: Any, cap: int) -> tuple[Any, list[Violation], bool]:
        """The detailed path, stopped once more than `cap` violations are held (then False: not complete).

        Lenient: read coercible scalars as their string form first (fixed as they are met, each round on
        the result of the previous one)."""
        for round_ in range(_MAX_COERCION_ROUNDS + 1):
            coercer = Coercer(packet) if self.profile is Profile.LENIENT and round_ < _MAX_COERCION_ROUNDS else None
            collector = ViolationCollector(self._labeller, self._catalogue, cap, self._active)
            complete, errors = True, 0
            for error in self._detailed.iter_errors(packet):
                errors += 1
                if coercer is not None and coercer.offer(error):
                    continue
                if collector.add(error):
                    complete = False
                    break
            if coercer is None or not coercer.changed:
                break
            packet = coercer.result
        violations = collector.violations()
        if not errors and not self._plain.is_valid(packet):
            violations.append(self._engine_disagreement(packet))
        return packet, violations, complete

    def _active(self, rule_id: str) -> bool:
        return self._catalogue.rule(rule_id).active_in(self.profile)

    def _engine_disagreement(self, packet: Any) -> Violation:
        detail = "; ".join(str(e) for e in list(self._plain.iter_errors(packet))[:3])
        rule = self._catalogue.rule("QCVN120-STRUCTURE")
        return Violation(rule.id, "", f"rejected by the compiled schema engine: {detail}", rule.source)

    def _finding_violation(self, finding: Finding) -> Violation:
        rule = self._catalogue.rule(finding.rule)
        message = f"{finding.detail} — {rule.title}." + (f" Fix: {rule.fix}." if rule.fix else "")
        return Violation(rule.id, json_pointer(finding.path), message, f"{rule.source} [{rule.confidence}]")


def _never(_value: Any) -> bool:
    """Predicate that makes a compiled walk return every matched value (used to list entities)."""
    return False


@cache
def get_validator(type_name: str, profile: Profile | str = Profile.STRICT) -> PacketValidator:
    """The shared, compiled validator for a packet type and profile."""
    catalogue = load_catalogue()
    return PacketValidator(catalogue.packet_type(type_name), Profile.parse(profile), catalogue=catalogue)


def validate_packet(
    packet: Any,
    type_name: str | None = None,
    profile: Profile | str = Profile.STRICT,
    *,
    secret: str = DEFAULT_SECRET,
    agency: str | None = None,
    max_violations: int | None = DEFAULT_MAX_VIOLATIONS,
) -> ValidationResult:
    """Validate one parsed packet; its type is detected when not given. At most `max_violations` are listed."""
    if type_name is None:
        type_name = detect_type(packet)
    validator = get_validator(type_name, Profile.parse(profile))
    return validator.validate(packet, secret=secret, agency=agency, max_violations=max_violations)


def detect_type(packet: Any) -> str:
    from harness.core.errors import UnknownPacketTypeError

    catalogue = load_catalogue()
    found = catalogue.detect(packet)
    if found is None:
        hint = _detection_hint(packet)
        raise UnknownPacketTypeError(f"cannot detect the packet type{hint}; pass --type (see `dvc-harness types`)")
    return found


def _detection_hint(packet: Any) -> str:
    if isinstance(packet, dict):
        for key in ("service", "LoaiBanTin"):
            if key in packet:
                return f" ({key} = {packet[key]!r} is not a known value)"
        return " (no `service` or `LoaiBanTin` key)"
    if isinstance(packet, list):
        return " (a JSON array: adapter forms need --type)"
    return f" (a JSON {type(packet).__name__}, not an object)"


def known_types() -> Sequence[str]:
    return sorted(load_catalogue().types)
