"""The parent side of a load run: Locust runs in a subprocess (importing locust monkey-patches a process
with gevent, which must never happen in the pytest or CLI process); the spec goes there on argv, secrets
in its environment, and the result comes back as a JSON file (protocol: harness.load._protocol)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from harness.load._errors import LoadParameterError, LoadRunError
from harness.load._protocol import BOOTSTRAP, PROTOCOL
from harness.load._result import LoadResult
from harness.load._spec import LoadSpec

STDERR_TAIL = 3000


def run_load(spec: LoadSpec, *, env: Mapping[str, str] | None = None) -> LoadResult:
    """Run `spec` in a fresh Python subprocess and return its stats.

    `env` is added to the subprocess's environment (e.g. the SUT's control token for the locustfiles).
    Raises `LoadParameterError` for what the child could not use (a locustfile that does not import, an
    unknown user class or shape) and `LoadRunError` when it crashed, hung past `spec.wall_clock_limit_s`
    or answered outside the protocol."""
    with tempfile.TemporaryDirectory(prefix="dvc-load-") as workdir:
        result_file = Path(workdir) / "result.json"
        command = [sys.executable, "-P", "-c", BOOTSTRAP, "--spec", spec.to_json(), "--result", str(result_file)]
        try:
            done = subprocess.run(
                command,
                env={**os.environ, **(env or {})},
                capture_output=True,
                text=True,
                timeout=spec.wall_clock_limit_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LoadRunError(
                f"the Locust subprocess did not finish within {spec.wall_clock_limit_s:g} s and was killed"
                f"{_tail(exc.stderr)}"
            ) from None
        return _answer(result_file, done.returncode, done.stderr)


def _answer(result_file: Path, returncode: int, stderr: str) -> LoadResult:
    try:
        document = json.loads(result_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LoadRunError(f"the Locust subprocess exited with {returncode} without a result{_tail(stderr)}") from None
    except ValueError as exc:
        raise LoadRunError(f"the Locust subprocess wrote an unreadable result ({exc}){_tail(stderr)}") from None
    if not isinstance(document, dict) or document.get("protocol") != PROTOCOL:
        raise LoadRunError(f"the Locust subprocess answered another protocol: {str(document)[:200]}")
    if document.get("ok") is True:
        return LoadResult.from_json(document.get("result"))
    message = str(document.get("message", "no message"))
    if document.get("kind") == "usage":
        raise LoadParameterError(message)
    raise LoadRunError(f"the Locust run failed: {message}{_tail(stderr)}")


def _tail(stderr: str | bytes | None) -> str:
    if not stderr:
        return ""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    return f"\n--- its stderr (end) ---\n{text[-STDERR_TAIL:]}"
