"""`--expected-deviations FILE`: requirements a vendor knows its system does not meet yet (TOML):

    [[deviation]]
    requirement = "SYNC-RETRY"
    reason = "retries land in release 2.4 (ticket DVC-118)"

Tests naming such a requirement are expected to fail (xfail, not strict): the run stays green while the
report still lists the deviation; a deviation that passes is reported so the file can be pruned.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from harness.core.errors import UsageError


def load_deviations(path: str, known: set[str]) -> dict[str, str]:
    try:
        with Path(path).open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"expected-deviations file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"expected-deviations file {path} is not valid TOML: {exc}") from None
    deviations: dict[str, str] = {}
    entries = document.get("deviation", [])
    if set(document) - {"deviation"} or not isinstance(entries, list):
        raise UsageError(f"{path}: only [[deviation]] tables (requirement, reason) are allowed")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"requirement", "reason"}:
            raise UsageError(f"{path}: deviation #{index + 1} needs exactly requirement and reason")
        requirement, reason = entry["requirement"], entry["reason"]
        if requirement not in known:
            raise UsageError(f"{path}: deviation #{index + 1} names unknown requirement {requirement!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{path}: deviation {requirement} needs a reason")
        deviations[requirement] = reason.strip()
    return deviations
