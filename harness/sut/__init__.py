"""SUT layer: the system under test as `sut.toml` describes it, and the drivers that operate it.

- `load_sut(path)` → `SutDescription` (URLs, control token, national credentials, declared capabilities).
- `connect(description)` → a `SutDriver`: `HttpSutDriver` over the SUT control API
  (schemas/control/openapi.yaml), or the Python factory named by `[sut] driver`.
- Requests and answers are typed (`DossierRequest`, `DossierRef`, `DossierView`, ...); failures are the
  `SutError` family (`SutUnreachable`, `SutUnauthorized`, `SutActionRefused`, `SutRequestRejected`,
  `SutProtocolError`) and `SutConfigError` for the description.

Imports only `harness.core` (and `harness.specs`, lazily, for the agency-code pattern). Guide: docs/sut.md.
"""

from __future__ import annotations

from pathlib import Path

from harness.sut._description import (
    CAPABILITIES,
    NationalCredentials,
    PaymentSettings,
    SsoSettings,
    SutDescription,
    load_sut,
)
from harness.sut._driver import HttpSutDriver, SutDriver, connect
from harness.sut._errors import (
    SutActionRefused,
    SutConfigError,
    SutError,
    SutProtocolError,
    SutRequestRejected,
    SutUnauthorized,
    SutUnreachable,
)
from harness.sut._models import (
    ACTIONS,
    STATUSES,
    Action,
    AttachedFile,
    DossierRef,
    DossierRequest,
    DossierView,
    Health,
    HistoryStep,
    PaymentRef,
    SyncReport,
    SyncState,
)
from harness.sut._steps import StepCannot


def control_api_spec() -> Path:
    """The OpenAPI 3.1 document of the SUT control API (schemas/control/openapi.yaml)."""
    from harness.specs.paths import schema_root

    return schema_root() / "control" / "openapi.yaml"


__all__ = [
    "ACTIONS",
    "CAPABILITIES",
    "STATUSES",
    "Action",
    "AttachedFile",
    "DossierRef",
    "DossierRequest",
    "DossierView",
    "Health",
    "HistoryStep",
    "HttpSutDriver",
    "NationalCredentials",
    "PaymentRef",
    "PaymentSettings",
    "SsoSettings",
    "StepCannot",
    "SutActionRefused",
    "SutConfigError",
    "SutDescription",
    "SutDriver",
    "SutError",
    "SutProtocolError",
    "SutRequestRejected",
    "SutUnauthorized",
    "SutUnreachable",
    "SyncReport",
    "SyncState",
    "connect",
    "control_api_spec",
    "load_sut",
]
