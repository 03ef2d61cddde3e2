"""sha256 of the files of a report directory: the `integrity` block of report.json (a signature comes later)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from harness.reporting.model import Integrity

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def integrity_of(directory: Path, names: Iterable[str]) -> Integrity:
    """The hashes of the named files of `directory` that exist, by name, sorted."""
    files = {name: sha256_file(directory / name) for name in sorted(names) if (directory / name).is_file()}
    return Integrity(algorithm="sha256", files=files)
