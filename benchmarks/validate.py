"""Packets validated per second: the project's validator against a plain jsonschema baseline.

One realistic `DongBoHoSoMC` (one dossier with extended fields, ~3.4 KB) is validated by the
project's validator (compiled schema + every semantic rule of the strict profile) and by a plain
`jsonschema.Draft202012Validator` over the same schema files, in the same process, on one core.
Each side runs several timed rounds; the best round counts (least disturbed by a noisy machine).

    python benchmarks/validate.py [--seconds 1.5] [--rounds 5]

The last line is machine-readable:
    RESULT packets_per_s=<n> baseline_per_s=<n> ratio=<x>
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
from jsonschema import Draft202012Validator

from harness.specs import load_store
from harness.validation import get_validator

PACKET = Path(__file__).resolve().parent.parent / "tests" / "golden" / "DongBoHoSoMC.extended.json"


def best_rate(work: Callable[[], Any], seconds: float, rounds: int) -> float:
    """Best calls-per-second over `rounds` rounds of about `seconds` each."""
    batch = 1
    while True:  # size a batch to ~1% of a round
        start = time.perf_counter()
        for _ in range(batch):
            work()
        if time.perf_counter() - start > seconds / 100:
            break
        batch *= 2
    best = 0.0
    for _ in range(rounds):
        calls = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            for _ in range(batch):
                work()
            calls += batch
        best = max(best, calls / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.5, help="length of one timed round")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per side")
    args = parser.parse_args()

    raw = PACKET.read_bytes()
    packet = orjson.loads(raw)
    size = len(orjson.dumps(packet))
    validator = get_validator("DongBoHoSoMC", "strict")
    result = validator.validate(packet)
    assert result.valid, result.violations

    # Baseline on the schema with every $ref inlined, so that it measures validation, not the
    # referencing library's cross-file look-ups (which make it about 8x slower still; printed too).
    store = load_store()
    registry = jsonschema_rs.Registry([(sid, store.by_id(sid)) for sid in store.ids()])
    inlined = jsonschema_rs.dereference(validator.schema, registry=registry)
    baseline = Draft202012Validator(inlined)
    with_refs = Draft202012Validator(validator.schema, registry=store.registry)  # type: ignore[call-arg]
    assert baseline.is_valid(packet) and with_refs.is_valid(packet)

    ours = best_rate(lambda: validator.validate(packet), args.seconds, args.rounds)
    from_bytes = best_rate(lambda: validator.validate(orjson.loads(raw)), args.seconds, args.rounds)
    theirs = best_rate(lambda: baseline.is_valid(packet), args.seconds, max(2, args.rounds // 2))
    theirs_refs = best_rate(lambda: with_refs.is_valid(packet), args.seconds, 2)

    print(f"packet: {PACKET.name}, {size} bytes compact JSON, 1 dossier")
    print(f"dvc-harness validator (schema + semantic rules, parsed packet): {ours:,.0f} packets/s")
    print(f"dvc-harness validator including orjson parse of the bytes:      {from_bytes:,.0f} packets/s")
    print(f"baseline jsonschema Draft202012Validator.is_valid, refs inlined (schema only): {theirs:,.0f} packets/s")
    print(f"  (the same over the schema files with cross-file $refs: {theirs_refs:,.0f} packets/s)")
    print(f"RESULT packets_per_s={ours:.0f} baseline_per_s={theirs:.0f} ratio={ours / theirs:.1f}")


if __name__ == "__main__":
    main()
