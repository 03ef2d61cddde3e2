"""`certify --load-result FILE`: the Điều 7 requirements defined at a load level are judged on a load run at
that level, never on the suites' smoke. The file is a `LoadResult` as JSON (what `harness.load.run_load`
returns, `LoadResult.to_json()`), bare or as the `result` member of a `dvc-harness load` output (load.json)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError
from harness.load import LoadResult, LoadRunError, judge
from harness.reporting._integrity import sha256_file
from harness.reporting.verdicts import LoadJudgement
from harness.requirements import RegulationProfile

#: the profile threshold that sets the load level the other Điều 7 thresholds are defined at
LEVEL = "concurrent_users"


def read_load_result(path: str) -> LoadResult:
    """The load run in FILE; one-line `UsageError` (exit 2) for a missing, unreadable or foreign file."""
    source = Path(path)
    try:
        data: Any = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--load-result {path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise UsageError(f"--load-result {path}: not JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("result"), dict):
        data = data["result"]
    try:
        return LoadResult.from_json(data)
    except LoadRunError as exc:
        raise UsageError(f"--load-result {path}: not a load-run result ({exc})") from None


def judge_load(path: str, profile: RegulationProfile) -> tuple[dict[str, LoadJudgement], dict[str, Any]]:
    """Per Điều 7 requirement: passed, and whether the run reached the profile's level; plus what the report
    records of the file (path, sha256, users, requests, summary)."""
    result = read_load_result(path)
    verdicts = judge(result, profile, smoke=False)
    level = verdicts[LEVEL]
    at_scale = level.passed
    grouped: dict[str, list[str]] = defaultdict(list)
    passed: dict[str, bool] = defaultdict(lambda: True)
    for verdict in verdicts.values():
        grouped[verdict.requirement].append(verdict.message)
        passed[verdict.requirement] &= verdict.passed
    judgements = {
        rid: LoadJudgement(passed=passed[rid], at_scale=at_scale, message="; ".join(messages))
        for rid, messages in grouped.items()
    }
    recorded = {
        "path": str(Path(path).resolve()),
        "sha256": sha256_file(Path(path)),
        "host": result.host,
        "peak_users": result.peak_users,
        "requests": result.requests,
        "at_profile_level": at_scale,
        "summary": result.summary(),
    }
    return judgements, recorded
