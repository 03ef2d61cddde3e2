"""`exchanges/<seq>.json`: each national exchange a verdict rests on, as its own file beside the report, so the
HTML links every judged packet (already redacted: the run's evidence.ndjson is the mock's redacted export)."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path

from harness.core.errors import HarnessError

FOLDER = "exchanges"


def exchange_path(seq: int) -> str:
    """`exchanges/000042.json`: the path of one exchange, relative to the report directory."""
    return f"{FOLDER}/{seq:06d}.json"


def write_exchanges(directory: Path, wanted: Collection[int]) -> int:
    """Write the wanted exchanges of `directory/evidence.ndjson` as files; returns how many were written.

    A wanted sequence number missing from the evidence is a harness error: the report would link nothing."""
    source = directory / "evidence.ndjson"
    if not wanted:
        return 0
    if not source.is_file():
        raise HarnessError(f"{source} is missing: the judged exchanges cannot be written beside the report")
    target = directory / FOLDER
    target.mkdir(exist_ok=True)
    written: set[int] = set()
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            seq = int(row.get("seq", -1))
            if seq in wanted and seq not in written:
                (directory / exchange_path(seq)).write_text(
                    json.dumps(row, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                )
                written.add(seq)
    missing = sorted(set(wanted) - written)
    if missing:
        raise HarnessError(f"{len(missing)} judged exchange(s) are not in {source} (first: seq {missing[0]})")
    return len(written)
