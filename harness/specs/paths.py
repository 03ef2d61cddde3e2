"""Where the schema files are: packaged inside the wheel, or the checkout's top-level `schemas/`."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from harness.core.errors import HarnessError

ENV_VAR = "DVC_HARNESS_SCHEMAS"


@cache
def schema_root() -> Path:
    """The schemas directory. `DVC_HARNESS_SCHEMAS` overrides the lookup."""
    override = os.environ.get(ENV_VAR)
    candidates = [Path(override)] if override else []
    package_dir = Path(__file__).resolve().parent.parent
    candidates += [package_dir / "_schemas", package_dir.parent / "schemas"]
    for candidate in candidates:
        if (candidate / "catalogue").is_dir():
            return candidate
    raise HarnessError(f"schema files not found (looked in: {', '.join(map(str, candidates))})")
