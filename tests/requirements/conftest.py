"""A small writer of requirement-catalogue directories, for the loader's error cases and the coverage logic."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

Entry = dict[str, Any]


def requirement(rid: str, **fields: Any) -> Entry:
    """A valid requirement entry; keyword arguments override or (with None) remove fields."""
    entry: Entry = {
        "id": rid,
        "regulation": "TT 99/2099/TT-TEST",
        "article": "Điều 1",
        "text_vi": "Yêu cầu thử nghiệm.",
        "text_source": "paraphrase",
        "summary_en": "A test requirement.",
        "level": "SHALL",
        "testability": "automated",
        "area": "portal",
        "source": "tests",
        "confidence": "H",
    }
    for key, value in fields.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _table(header: str, fields: Mapping[str, Any]) -> str:
    lines = [header] + [f"{key} = {_value(value)}" for key, value in fields.items() if not isinstance(value, dict)]
    return "\n".join(lines) + "\n"


def requirements_toml(entries: list[Entry]) -> str:
    return "\n".join(_table("[[requirement]]", entry) for entry in entries)


def profiles_toml(profiles: Mapping[str, Mapping[str, Any]], default: str = "p") -> str:
    parts = [f"default = {_value(default)}\n"]
    for name, fields in profiles.items():
        body = {"title": name.upper(), "status": "active", "description": f"profile {name}", **fields}
        parts.append(_table(f"[profile.{name}]", body))
        for key, threshold in dict(body.get("threshold", {})).items():
            parts.append(_table(f"[profile.{name}.threshold.{key}]", threshold))
    return "\n".join(parts)


WriteCatalogue = Callable[..., Path]


@pytest.fixture
def write_catalogue(tmp_path: Path) -> WriteCatalogue:
    """Write `{file: [entries]}` and a profiles.toml (default: profile `p` over every file) and return the directory."""

    def write(
        files: Mapping[str, list[Entry]],
        profiles: Mapping[str, Mapping[str, Any]] | None = None,
        default: str = "p",
        raw_profiles: str | None = None,
    ) -> Path:
        root = tmp_path / "requirements"
        root.mkdir(exist_ok=True)
        for name, entries in files.items():
            (root / name).write_text(requirements_toml(entries), encoding="utf-8")
        if raw_profiles is not None:
            text = raw_profiles
        else:
            text = profiles_toml(profiles if profiles is not None else {"p": {"files": sorted(files)}}, default)
        (root / "profiles.toml").write_text(text, encoding="utf-8")
        return root

    return write
