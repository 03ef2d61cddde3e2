"""Where the conformance suites are, and the pytest arguments every certify/coverage run starts with."""

from __future__ import annotations

import os
from pathlib import Path

from harness.core.errors import HarnessError, UsageError

#: a directory of suites to use instead of the `suites` package (the project's own tests, power users)
ENV_VAR = "DVC_HARNESS_SUITES"
INI_FILE = Path(__file__).resolve().parent / "suites.ini"


def suites_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """`override`, else `$DVC_HARNESS_SUITES`, else the `suites` package shipped beside `harness` (the checkout's
    `suites/`, or the wheel's), else whatever `import suites` finds.

    Beside `harness` first: `import suites` can find another package of that name first on `sys.path` (under
    pytest, the project's own `tests/suites`)."""
    chosen = override or os.environ.get(ENV_VAR)
    if chosen:
        path = Path(chosen).resolve()
        if not path.is_dir():
            raise UsageError(f"suites directory {chosen} does not exist")
        return path
    beside = Path(__file__).resolve().parents[2] / "suites"
    if (beside / "__init__.py").is_file():
        return beside
    from harness.launcher import suites_package_dir

    try:
        return suites_package_dir()
    except ImportError as exc:
        raise HarnessError(f"the conformance suites (package `suites`) are not importable: {exc}") from None


def base_args(directory: Path) -> list[str]:
    """Our own ini file and a rootdir above the suites: node IDs read `suites/...` wherever they live."""
    return ["-c", str(INI_FILE), "--rootdir", str(directory.parent), "-p", "no:cacheprovider"]
