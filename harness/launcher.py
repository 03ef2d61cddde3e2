"""The one place `harness` reaches the packages built on it: the national mock (`mock_portal`), the reference
portal (`reference_portal`) and the conformance suites (`suites`).

Those packages import `harness`, so `harness` must not import them at module level; every import here is
inside a function, and the rest of `harness` goes through these functions (an import-linter contract in
pyproject.toml checks it). The CLI, the conformance environment, the pytest plugin and certify's preflight
are the callers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.core.errors import HarnessError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mock_portal.config import MockConfig
    from mock_portal.server import RunningMock
    from mock_portal.testing import InProcessMock
    from reference_portal.config import PortalConfig
    from reference_portal.defects import Defect
    from reference_portal.server import RunningPortal

# --- ports --------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A free loopback port."""
    from mock_portal.ports import free_port as pick

    return pick()


def check_port(host: str, port: int) -> None:
    """`UsageError` (one clear line) when another server listens on host:port."""
    from mock_portal.ports import check_port as check

    check(host, port)


# --- the national mock --------------------------------------------------------------------------------------


def mock_config(*, account: tuple[str, str, str] | None = None, **values: Any) -> MockConfig:
    """A `MockConfig`: the demo one, changed by `values`; `account` (username, password, province) replaces
    its integration accounts."""
    from mock_portal.config import Account, MockConfig

    if account is not None:
        values["accounts"] = (Account(*account),)
    return MockConfig(**values)


def load_served_mock_config(path: str | None, **overrides: Any) -> MockConfig:
    """The configuration of `mock serve`: file, environment, options, over the defaults of a served mock
    (a durable store, `mock_portal.config.SERVE_STORE`; personal data pseudonymised: it may see real traffic)."""
    from mock_portal.config import SERVE_STORE, load_config

    return load_config(path, defaults={"store": SERVE_STORE, "redact_personal": True}, **overrides)


def start_mock(config: MockConfig | None = None, *, exact_port: bool = False) -> RunningMock:
    """The mock serving on a thread of this process (`RunningMock.url`, `.stop()`)."""
    from mock_portal.server import start_in_thread

    return start_in_thread(config, exact_port=exact_port)


def serve_mock(config: MockConfig) -> None:
    """Serve the mock in the foreground until interrupted."""
    from mock_portal.server import serve_forever

    serve_forever(config)


def in_process_mock() -> InProcessMock:
    """The mock without sockets (httpx through respx, requests through responses)."""
    from mock_portal.testing import InProcessMock

    return InProcessMock()


# --- the reference portal -----------------------------------------------------------------------------------


def portal_config(**values: Any) -> PortalConfig:
    """A `PortalConfig`: the demo one, changed by `values`."""
    from reference_portal.config import PortalConfig

    return PortalConfig(**values)


def load_portal_config(path: str | None, **overrides: Any) -> PortalConfig:
    """The configuration of `sut serve`: file, environment, options."""
    from reference_portal.config import load_portal_config as load

    return load(path, **overrides)


def start_portal(config: PortalConfig) -> RunningPortal:
    """The reference portal serving on a thread of this process (`RunningPortal.url`, `.stop()`)."""
    from reference_portal.server import start_portal_in_thread

    return start_portal_in_thread(config)


def serve_portal(config: PortalConfig) -> None:
    """Serve the reference portal in the foreground until interrupted."""
    from reference_portal.server import serve_portal_forever

    serve_portal_forever(config)


def reference_defects() -> dict[str, Defect]:
    """The reference portal's defect switches, by ID."""
    from reference_portal.defects import defect_catalogue

    return defect_catalogue()


def check_reference_defects(ids: Iterable[str]) -> None:
    """`UsageError` naming any ID that is not a defect switch of the reference portal."""
    from reference_portal.defects import check_defects

    check_defects(ids)


# --- the conformance suites ---------------------------------------------------------------------------------


def suites_package_dir() -> Path:
    """The directory of whatever `import suites` finds (`ImportError` when nothing)."""
    import suites

    if suites.__file__ is None:
        raise HarnessError("the conformance suites package `suites` has no directory")
    return Path(suites.__file__).resolve().parent
