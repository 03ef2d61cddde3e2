"""Loading a provincial portal with the project's scenarios (loadtests/portal.py): where they are, which of
their tasks a SUT can take (tasks are tagged with the capability they need), and what they are told."""

from __future__ import annotations

import os
from pathlib import Path

from harness.load._errors import LoadParameterError
from harness.load._protocol import CONTROL_TOKEN_ENV, CONTROL_URL_ENV, DEFAULT_REQUEST_TIMEOUT_S
from harness.load._spec import LoadSpec
from harness.sut import SutDescription

LOADTESTS_ENV = "DVC_HARNESS_LOADTESTS"
PORTAL_LOCUSTFILE = "portal.py"
SHAPES_LOCUSTFILE = "shapes.py"
#: task tags of loadtests/portal.py that are SUT capabilities (harness.sut.CAPABILITIES)
CAPABILITY_TAGS = ("public_lookup", "catalogue")
#: the tag of the tasks that use the HTTP control API (absent when the SUT is driven by a Python driver)
CONTROL_TAG = "control"


def loadtests_root() -> Path:
    """`$DVC_HARNESS_LOADTESTS`, the wheel's `harness/_loadtests`, or the checkout's `loadtests/`."""
    override = os.environ.get(LOADTESTS_ENV)
    package_dir = Path(__file__).resolve().parent.parent
    candidates = [Path(override)] if override else [package_dir / "_loadtests", package_dir.parent / "loadtests"]
    for candidate in candidates:
        if (candidate / PORTAL_LOCUSTFILE).is_file():
            return candidate
    raise LoadParameterError(
        f"the load scenarios ({PORTAL_LOCUSTFILE}) were not found (looked in: {', '.join(map(str, candidates))}; "
        f"set {LOADTESTS_ENV})"
    )


def excluded_tags(description: SutDescription) -> tuple[str, ...]:
    """The tags of the tasks this SUT cannot take: undeclared capabilities, and the control API when a
    Python driver stands in for it."""
    tags = [tag for tag in CAPABILITY_TAGS if not description.declares(tag)]
    if description.driver:
        tags.append(CONTROL_TAG)
    return tuple(tags)


def portal_load(
    description: SutDescription,
    *,
    users: int,
    spawn_rate: float,
    duration_s: float,
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
    shape: str | None = None,
    seed: int | None = None,
    loopback_only: bool = False,
) -> tuple[LoadSpec, dict[str, str]]:
    """The spec and the subprocess environment of a run of loadtests/portal.py against the SUT: pass both to
    `run_load(spec, env=env)`. The control token travels in the environment, never on argv."""
    root = loadtests_root()
    files = [root / PORTAL_LOCUSTFILE] + ([root / SHAPES_LOCUSTFILE] if shape else [])
    spec = LoadSpec(
        host=description.base_url,
        locustfiles=tuple(str(f) for f in files),
        users=users,
        spawn_rate=spawn_rate,
        duration_s=duration_s,
        exclude_tags=excluded_tags(description),
        shape=shape,
        request_timeout_s=request_timeout_s,
        seed=seed,
        loopback_only=loopback_only,
    )
    return spec, {CONTROL_TOKEN_ENV: description.control_token, CONTROL_URL_ENV: description.control_url}
