"""Fixtures for the reference portal's own tests: a real mock national portal and a real portal, both
uvicorn servers on free loopback ports, talking HTTP to each other."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_portal.config import MockConfig
from mock_portal.server import RunningMock, running_mock
from reference_portal.config import PortalConfig
from reference_portal.server import RunningPortal, running_portal

ADMIN = {"authorization": "Bearer demo-admin"}
CONTROL = {"authorization": "Bearer demo-control"}
#: a procedure of the mock's seeded catalogue with a 1-working-day processing time and no fee
PROCEDURE = "1.001193"
#: one with a fee (8,000 đồng per copy)
FEE_PROCEDURE = "1.004746"


def dossier_request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MaTTHC": PROCEDURE,
        "KenhThucHien": "2",
        "ChuHoSo": "Nguyễn Thị Lan",
        "LoaiDoiTuong": "1",
        "SoDinhDanh": "038190012345",
        "SoDienThoai": "0912345678",
        "Email": "lan.nguyen@example.vn",
        "TrichYeuHoSo": "Đăng ký khai sinh cho con",
        "files": [{"TenTepDinhKem": "to-khai.pdf", "content_base64": base64.b64encode(b"%PDF-1.4 to khai").decode()}],
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="module")
def national() -> Iterator[RunningMock]:
    with running_mock(MockConfig(port=0)) as mock:
        yield mock


@pytest.fixture
def admin(national: RunningMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=national.url, headers=ADMIN, timeout=10) as client:
        client.post("/_admin/reset")
        client.delete("/_admin/faults")
        yield client


PortalFactory = Callable[..., AbstractContextManager[RunningPortal]]


@pytest.fixture
def portal_factory(national: RunningMock, tmp_path: Path) -> PortalFactory:
    """`with portal_factory(defects={"dates-iso"}, sync_retry_base_s=0.05) as sut:` — a portal on a free port
    against the module's mock, with its database in the test's tmp_path (the same file across restarts)."""

    def start(**overrides: Any) -> AbstractContextManager[RunningPortal]:
        values: dict[str, Any] = {
            "port": 0,
            "national_url": national.url,
            "db": str(tmp_path / "portal.sqlite"),
            "sync_poll_s": 0.05,
            "sync_retry_base_s": 0.05,
            "sync_retry_max_s": 0.5,
            "payment_poll_s": 0.2,
        }
        if "defects" in overrides:
            overrides["defects"] = frozenset(overrides["defects"])
        values.update(overrides)
        return running_portal(PortalConfig(**values))

    return start


@pytest.fixture
def sut(portal_factory: PortalFactory, admin: httpx.Client) -> Iterator[RunningPortal]:
    with portal_factory() as running:
        yield running


@pytest.fixture
def control(sut: RunningPortal) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sut.url, headers=CONTROL, timeout=15) as client:
        yield client


def exchanges(admin: httpx.Client, **params: str) -> list[dict[str, Any]]:
    """What the mock saw (oldest first), e.g. exchanges(admin, service="DongBoHoSoMC", ma_ho_so=code)."""
    response = admin.get("/_admin/exchanges", params=params)
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()
    return rows
