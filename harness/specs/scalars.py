"""The named scalar types of `schemas/common/scalars.schema.json` (`$defs`): their patterns and enumerations,
for code that checks or documents one value outside a packet (the mock's SSO accounts and agency checks, the
SUT description, the control API models). The schema is the one place each shape is written.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from harness.core.errors import HarnessError
from harness.specs.paths import schema_root

SCALARS_FILE = "common/scalars.schema.json"
_DOLLAR = re.compile(r"(?<!\\)\$")


@cache
def _definitions() -> dict[str, Any]:
    with (schema_root() / SCALARS_FILE).open(encoding="utf-8") as handle:
        definitions: dict[str, Any] = json.load(handle)["$defs"]
    return definitions


def _definition(name: str, key: str) -> Any:
    try:
        return _definitions()[name][key]
    except KeyError:
        raise HarnessError(f"{SCALARS_FILE} has no $defs/{name}/{key}") from None


def scalar_pattern_text(name: str) -> str:
    """The `pattern` of the named scalar type, as the schema writes it (ECMA-262, `$` = end of string)."""
    pattern: str = _definition(name, "pattern")
    return pattern


@cache
def scalar_pattern(name: str) -> re.Pattern[str]:
    """The named scalar type's pattern compiled for Python: `$` means the end of the string, as in the
    schemas (schemas/README.md), so no trailing newline passes. Use `match` or `fullmatch`."""
    return re.compile(_DOLLAR.sub(r"\\Z", scalar_pattern_text(name)))


def scalar_enum(name: str) -> tuple[str, ...]:
    """The `enum` of the named scalar type (e.g. "DossierStatus", "Channel", "ApplicantType")."""
    return tuple(_definition(name, "enum"))
