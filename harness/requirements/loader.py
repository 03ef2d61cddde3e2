"""Reads the requirement catalogue (`suites/requirements/*.toml`) and its regulation profiles (`profiles.toml`).

Loading is strict: an unknown key, a duplicate ID, a bad enumeration value, a missing reason, a dangling
reference or an `extends` cycle stops the load with one `RequirementCatalogueError` naming the file and the entry.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from harness.requirements.errors import (
    RequirementCatalogueError,
    UnknownProfileError,
    UnknownRequirementError,
)
from harness.requirements.model import (
    Area,
    Comparison,
    Confidence,
    Level,
    ProfileStatus,
    RegulationProfile,
    Requirement,
    Testability,
    TextSource,
    Threshold,
)

ENV_VAR = "DVC_HARNESS_REQUIREMENTS"
PROFILES_FILE = "profiles.toml"
ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")

_REQUIREMENT_REQUIRED = (
    "id",
    "regulation",
    "article",
    "text_vi",
    "text_source",
    "summary_en",
    "level",
    "testability",
    "area",
    "source",
    "confidence",
)
_REQUIREMENT_OPTIONAL = ("clause", "point", "reason", "evidence", "related")
_PROFILE_KEYS = ("title", "status", "description", "extends", "files", "include", "exclude", "notes", "threshold")
_THRESHOLD_REQUIRED = ("value", "unit", "op", "requirement", "assumption", "source")
_THRESHOLD_KEYS = (*_THRESHOLD_REQUIRED, "note")
_NEEDS_REASON = frozenset({Testability.NOT_TESTED, Testability.ATTESTATION})
_MAY_CARRY_EVIDENCE = frozenset({Testability.ATTESTATION, Testability.PARTIAL})

_E = TypeVar("_E", bound=StrEnum)


def requirements_root() -> Path:
    """The requirements directory: `$DVC_HARNESS_REQUIREMENTS`, the wheel's `harness/_requirements`, or the
    checkout's `suites/requirements` (the same lookup as `harness.specs.paths.schema_root`)."""
    override = os.environ.get(ENV_VAR)
    if override:
        if (Path(override) / PROFILES_FILE).is_file():
            return Path(override)
        raise RequirementCatalogueError(f"{ENV_VAR}={override}: no {PROFILES_FILE} in that directory")
    package_dir = Path(__file__).resolve().parent.parent
    candidates = [package_dir / "_requirements", package_dir.parent / "suites" / "requirements"]
    for candidate in candidates:
        if (candidate / PROFILES_FILE).is_file():
            return candidate
    raise RequirementCatalogueError(
        f"requirement catalogue not found (looked in: {', '.join(map(str, candidates))}; set {ENV_VAR})"
    )


def default_profile(path: Path | str | None = None) -> str:
    """The regulation profile a run uses when none is named: `default` of profiles.toml (that file alone)."""
    file = (Path(path) if path is not None else requirements_root()) / PROFILES_FILE
    return _text(_read_toml(file), "default", f"{file}")


class RequirementCatalogue:
    """The requirements (in file order) and the regulation profiles; possibly a view restricted to one profile."""

    def __init__(
        self,
        requirements: Mapping[str, Requirement],
        profiles: Mapping[str, RegulationProfile],
        default_profile: str,
        root: Path | None = None,
        profile_name: str | None = None,
    ) -> None:
        self.requirements: Mapping[str, Requirement] = MappingProxyType(dict(requirements))
        self.profiles: Mapping[str, RegulationProfile] = MappingProxyType(dict(profiles))
        self.default_profile = default_profile
        self.root = root
        self.profile_name = profile_name

    def __len__(self) -> int:
        return len(self.requirements)

    def __iter__(self) -> Iterator[Requirement]:
        return iter(self.requirements.values())

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self.requirements

    def get(self, requirement_id: str) -> Requirement:
        """The requirement with this ID; `UnknownRequirementError` when there is none (in this view)."""
        try:
            return self.requirements[requirement_id]
        except KeyError:
            where = f"profile {self.profile_name!r}" if self.profile_name else "the requirement catalogue"
            raise UnknownRequirementError(f"requirement {requirement_id!r} is not in {where}") from None

    def profile(self, name: str | None = None) -> RegulationProfile:
        """A regulation profile by name (the default profile when `name` is None)."""
        key = name or self.default_profile
        try:
            return self.profiles[key]
        except KeyError:
            known = ", ".join(sorted(self.profiles))
            raise UnknownProfileError(f"unknown regulation profile {key!r}; known profiles: {known}") from None

    def for_profile(self, name: str | None = None) -> RequirementCatalogue:
        """A view holding only the requirements active in the profile (the default profile when None)."""
        profile = self.profile(name)
        active = {rid: req for rid, req in self.requirements.items() if rid in profile.requirement_ids}
        return RequirementCatalogue(active, self.profiles, self.default_profile, self.root, profile.name)

    def by_area(self) -> dict[Area, tuple[Requirement, ...]]:
        """Requirements grouped by area, areas in their declared order, empty areas left out."""
        groups = {area: tuple(r for r in self if r.area is area) for area in Area}
        return {area: reqs for area, reqs in groups.items() if reqs}

    def by_article(self) -> dict[tuple[str, str], tuple[Requirement, ...]]:
        """Requirements grouped by (regulation, article), in catalogue order."""
        groups: dict[tuple[str, str], list[Requirement]] = {}
        for req in self:
            groups.setdefault((req.regulation, req.article), []).append(req)
        return {key: tuple(reqs) for key, reqs in groups.items()}


def load_catalogue(path: Path | str | None = None) -> RequirementCatalogue:
    """Load every `*.toml` requirement file of the directory and its `profiles.toml`.

    `path` defaults to `requirements_root()`. Raises `RequirementCatalogueError` on any invalid content.
    """
    root = Path(path) if path is not None else requirements_root()
    if not (root / PROFILES_FILE).is_file():
        raise RequirementCatalogueError(f"{root}: not a requirement catalogue directory (no {PROFILES_FILE})")
    requirements: dict[str, Requirement] = {}
    first_seen: dict[str, str] = {}
    by_file: dict[str, list[str]] = {}
    for file in sorted(p for p in root.glob("*.toml") if p.name != PROFILES_FILE):
        ids = by_file.setdefault(file.name, [])
        for index, req in _read_requirement_file(file):
            if req.id in requirements:
                raise RequirementCatalogueError(
                    f"{file}: requirement #{index} {req.id!r}: duplicate ID (first defined in {first_seen[req.id]})"
                )
            requirements[req.id] = req
            first_seen[req.id] = f"{file.name}, requirement #{index}"
            ids.append(req.id)
    for req in requirements.values():
        for other in req.related:
            if other == req.id or other not in requirements:
                problem = "refers to itself" if other == req.id else "is not a requirement ID"
                raise RequirementCatalogueError(
                    f"{root / req.origin}: requirement {req.id!r}: related {other!r} {problem}"
                )
    default, profiles = _read_profiles(root / PROFILES_FILE, requirements, by_file)
    return RequirementCatalogue(requirements, profiles, default, root)


# --- requirement files ---------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise RequirementCatalogueError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise RequirementCatalogueError(f"{path}: cannot be read: {exc}") from exc


def _read_requirement_file(path: Path) -> Iterator[tuple[int, Requirement]]:
    data = _read_toml(path)
    _check_keys(data, ("requirement",), (), f"{path}")
    entries = data.get("requirement", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RequirementCatalogueError(f"{path}: 'requirement' must be an array of tables ([[requirement]])")
    for index, entry in enumerate(entries, start=1):
        label = repr(entry["id"]) if isinstance(entry.get("id"), str) else "(no id)"
        yield index, _parse_requirement(entry, f"{path}: requirement #{index} {label}", path.name)


def _parse_requirement(entry: dict[str, Any], where: str, origin: str) -> Requirement:
    _check_keys(entry, _REQUIREMENT_REQUIRED + _REQUIREMENT_OPTIONAL, _REQUIREMENT_REQUIRED, where)
    rid = _text(entry, "id", where)
    if not ID_PATTERN.match(rid):
        raise RequirementCatalogueError(
            f"{where}: id {rid!r} is not well-formed (upper-case ASCII words joined by '-', e.g. TT22-D4-K2)"
        )
    testability = _enum(entry, "testability", Testability, where)
    reason = _optional_text(entry, "reason", where)
    evidence = _text_list(entry, "evidence", where)
    if testability in _NEEDS_REASON and reason is None:
        raise RequirementCatalogueError(f"{where}: testability {testability.value!r} needs a 'reason'")
    if testability is Testability.ATTESTATION and not evidence:
        raise RequirementCatalogueError(
            f"{where}: testability 'attestation' needs 'evidence' (what a certifier must attach)"
        )
    if evidence and testability not in _MAY_CARRY_EVIDENCE:
        raise RequirementCatalogueError(
            f"{where}: 'evidence' is only for 'attestation' or 'partial' requirements, not {testability.value!r}"
        )
    return Requirement(
        id=rid,
        regulation=_text(entry, "regulation", where),
        article=_text(entry, "article", where),
        clause=_optional_text(entry, "clause", where),
        point=_optional_text(entry, "point", where),
        text_vi=_text(entry, "text_vi", where),
        text_source=_enum(entry, "text_source", TextSource, where),
        summary_en=_text(entry, "summary_en", where),
        level=_enum(entry, "level", Level, where),
        testability=testability,
        reason=reason,
        evidence=evidence,
        area=_enum(entry, "area", Area, where),
        source=_text(entry, "source", where),
        confidence=_enum(entry, "confidence", Confidence, where),
        related=_text_list(entry, "related", where),
        origin=origin,
    )


# --- profiles ------------------------------------------------------------------------------------------


def _read_profiles(
    path: Path, requirements: Mapping[str, Requirement], by_file: Mapping[str, list[str]]
) -> tuple[str, dict[str, RegulationProfile]]:
    data = _read_toml(path)
    _check_keys(data, ("default", "profile"), ("default", "profile"), f"{path}")
    raw = data["profile"]
    if not isinstance(raw, dict) or not raw or not all(isinstance(v, dict) for v in raw.values()):
        raise RequirementCatalogueError(f"{path}: 'profile' must hold at least one [profile.<name>] table")
    default = _text(data, "default", f"{path}")
    if default not in raw:
        raise RequirementCatalogueError(f"{path}: default profile {default!r} is not defined")
    resolver = _ProfileResolver(path, raw, requirements, by_file)
    profiles = {name: resolver.resolve(name, ()) for name in raw}
    return default, profiles


class _ProfileResolver:
    """Resolves `extends` chains: requirement sets and thresholds flow from parent to child."""

    def __init__(
        self,
        path: Path,
        raw: Mapping[str, dict[str, Any]],
        requirements: Mapping[str, Requirement],
        by_file: Mapping[str, list[str]],
    ) -> None:
        self.path = path
        self.raw = raw
        self.requirements = requirements
        self.by_file = by_file
        self.done: dict[str, RegulationProfile] = {}
        self.threshold_fields: dict[str, dict[str, dict[str, Any]]] = {}

    def resolve(self, name: str, chain: tuple[str, ...]) -> RegulationProfile:
        if name in self.done:
            return self.done[name]
        where = f"{self.path}: profile {name!r}"
        if name in chain:
            cycle = " -> ".join((*chain[chain.index(name) :], name))
            raise RequirementCatalogueError(f"{where}: 'extends' cycle {cycle}")
        entry = self.raw[name]
        _check_keys(entry, _PROFILE_KEYS, ("title", "status", "description"), where)
        extends = _optional_text(entry, "extends", where)
        parent: RegulationProfile | None = None
        if extends is not None:
            if extends not in self.raw:
                raise RequirementCatalogueError(f"{where}: extends unknown profile {extends!r}")
            parent = self.resolve(extends, (*chain, name))
        ids, files, include, exclude = self._requirement_ids(entry, parent, where)
        if not ids:
            raise RequirementCatalogueError(f"{where}: selects no requirement (give 'files', 'include' or 'extends')")
        thresholds = self._thresholds(name, entry, extends, ids, where)
        profile = RegulationProfile(
            name=name,
            title=_text(entry, "title", where),
            status=_enum(entry, "status", ProfileStatus, where),
            description=_text(entry, "description", where),
            requirement_ids=frozenset(ids),
            thresholds=MappingProxyType(thresholds),
            extends=extends,
            files=files,
            include=include,
            exclude=exclude,
            notes=_text_list(entry, "notes", where),
        )
        self.done[name] = profile
        return profile

    def _requirement_ids(
        self, entry: dict[str, Any], parent: RegulationProfile | None, where: str
    ) -> tuple[set[str], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        ids = set(parent.requirement_ids) if parent else set()
        files = _text_list(entry, "files", where)
        for file in files:
            if file not in self.by_file:
                known = ", ".join(sorted(self.by_file)) or "none"
                raise RequirementCatalogueError(f"{where}: file {file!r} is not a requirement file (known: {known})")
            ids.update(self.by_file[file])
        include = _text_list(entry, "include", where)
        for rid in include:
            if rid not in self.requirements:
                raise RequirementCatalogueError(f"{where}: include {rid!r} is not a requirement ID")
            ids.add(rid)
        exclude = _text_list(entry, "exclude", where)
        for rid in exclude:
            if rid not in ids:
                problem = "is not a requirement ID" if rid not in self.requirements else "is not active here"
                raise RequirementCatalogueError(f"{where}: exclude {rid!r} {problem}")
            ids.discard(rid)
        return ids, files, include, exclude

    def _thresholds(
        self, name: str, entry: dict[str, Any], extends: str | None, ids: set[str], where: str
    ) -> dict[str, Threshold]:
        merged = {key: dict(fields) for key, fields in self.threshold_fields.get(extends or "", {}).items()}
        own = entry.get("threshold", {})
        if not isinstance(own, dict) or not all(isinstance(v, dict) for v in own.values()):
            raise RequirementCatalogueError(f"{where}: 'threshold' must hold [profile.{name}.threshold.<name>] tables")
        for key, fields in own.items():
            _check_keys(fields, _THRESHOLD_KEYS, (), f"{where}: threshold {key!r}")
            merged[key] = {**merged.get(key, {}), **fields}
        self.threshold_fields[name] = merged
        return {key: self._threshold(key, fields, ids, f"{where}: threshold {key!r}") for key, fields in merged.items()}

    def _threshold(self, key: str, fields: dict[str, Any], ids: set[str], where: str) -> Threshold:
        _check_keys(fields, _THRESHOLD_KEYS, _THRESHOLD_REQUIRED, where)
        value = fields["value"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RequirementCatalogueError(f"{where}: 'value' must be a number, not {value!r}")
        assumption = fields["assumption"]
        if not isinstance(assumption, bool):
            raise RequirementCatalogueError(f"{where}: 'assumption' must be true or false, not {assumption!r}")
        note = _optional_text(fields, "note", where) or ""
        if assumption and not note:
            raise RequirementCatalogueError(f"{where}: an assumed threshold needs a 'note' saying why")
        requirement = _text(fields, "requirement", where)
        if requirement not in ids:
            problem = "is not a requirement ID" if requirement not in self.requirements else "is not active here"
            raise RequirementCatalogueError(f"{where}: requirement {requirement!r} {problem}")
        return Threshold(
            name=key,
            value=float(value),
            unit=_text(fields, "unit", where),
            op=_enum(fields, "op", Comparison, where),
            requirement=requirement,
            assumption=assumption,
            source=_text(fields, "source", where),
            note=note,
        )


# --- field readers -------------------------------------------------------------------------------------


def _check_keys(entry: Mapping[str, Any], allowed: Iterable[str], required: Iterable[str], where: str) -> None:
    allowed = tuple(allowed)
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise RequirementCatalogueError(
            f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"(allowed: {', '.join(allowed)})"
        )
    missing = [key for key in required if key not in entry]
    if missing:
        raise RequirementCatalogueError(f"{where}: missing {', '.join(map(repr, missing))}")


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RequirementCatalogueError(f"{where}: {key!r} must be a non-empty string, not {value!r}")
    return value.strip()


def _optional_text(entry: Mapping[str, Any], key: str, where: str) -> str | None:
    return _text(entry, key, where) if key in entry else None


def _text_list(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RequirementCatalogueError(f"{where}: {key!r} must be a list of non-empty strings, not {value!r}")
    if len(set(value)) != len(value):
        raise RequirementCatalogueError(f"{where}: {key!r} lists a value twice")
    return tuple(v.strip() for v in value)


def _enum(entry: Mapping[str, Any], key: str, kind: type[_E], where: str) -> _E:
    value = _text(entry, key, where)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in kind)
        raise RequirementCatalogueError(f"{where}: {key} {value!r} is not one of {allowed}") from None
