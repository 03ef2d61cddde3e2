"""The durable outbox: after transport errors, 5xx, timeouts, session expiry and error_code ≠ 0 answers
the portal converges with nothing lost and nothing duplicated; a restart loses nothing."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from mock_portal.server import RunningMock
from reference_portal.server import RunningPortal
from tests.reference.conftest import CONTROL, PortalFactory, dossier_request, exchanges

FLOW = ["receive", "process", "finish", "return_result"]


def national_record(national: RunningMock, code: str) -> Any:
    return national.app.mock.channels["dvcqg"].dossiers.get(code)


def settle(control: httpx.Client, *, within_s: float = 20.0) -> dict[str, Any]:
    """Flush until the outbox is empty (retries honour the injected faults' counts)."""
    deadline = time.monotonic() + within_s
    while True:
        report: dict[str, Any] = control.post("/_control/sync").json()
        if report["pending"] == 0 or time.monotonic() > deadline:
            return report
        time.sleep(0.05)


def wait_for_catalogue(sut: RunningPortal) -> None:
    """Faults aimed at the sync must not hit the start-up catalogue pull."""
    deadline = time.monotonic() + 10
    while len(sut.portal.catalogue.all()) < 30:
        assert time.monotonic() < deadline, "the catalogue was not pulled at start"
        time.sleep(0.05)


def run_flow(control: httpx.Client) -> str:
    code = str(control.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"])
    for action in FLOW:
        assert control.post(f"/_control/dossiers/{code}/actions", json={"action": action}).status_code == 200
    return code


def assert_converged(national: RunningMock, control: httpx.Client, code: str) -> None:
    assert settle(control)["pending"] == 0
    view = control.get(f"/_control/dossiers/{code}").json()
    record = national_record(national, code)
    assert record is not None, "the dossier never reached DVCQG"
    assert record.status == view["TrangThaiHoSo"] == "10"
    assert [s["TrangThai"] for s in record.progress] == [s["TrangThai"] for s in view["history"]]
    assert view["sync"]["failed"] == 0


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "http_status", "status": 503, "count": 3, "path": "/dvcqg/integration"},
        {"kind": "http_status", "status": 500, "count": 2, "service": "CapNhatTienDoHoSoMC"},
        {"kind": "drop", "count": 2, "path": "/dvcqg/integration"},
        {"kind": "error_code", "error_code": -1, "count": 3, "service": "DongBoHoSoMC"},
        {"kind": "session_expiry", "count": 2},
        {"kind": "latency", "latency_ms": 700, "count": 1, "service": "DongBoHoSoMC"},
    ],
    ids=lambda f: f["kind"],
)
def test_the_portal_converges_after_injected_faults(
    fault: dict[str, Any], national: RunningMock, admin: httpx.Client, portal_factory: PortalFactory
) -> None:
    with portal_factory(http_timeout_s=0.4) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
        wait_for_catalogue(sut)
        assert admin.post("/_admin/faults", json=fault).status_code in (200, 201)
        code = run_flow(control)
        assert_converged(national, control, code)
    fired = admin.get("/_admin/faults").json()[0]["fired"]
    assert fired >= 1, "the fault never fired: the test proved nothing"
    inserts = [
        r for r in exchanges(admin, service="DongBoHoSoMC", ma_ho_so=code)
        if r["request"]["body"].get("isUpdating") == "False" and r["response"]["body"].get("error_code") == 0
    ]  # fmt: skip
    assert len(inserts) == 1, "the dossier was inserted more than once"


def test_nothing_is_lost_across_a_restart(
    national: RunningMock, admin: httpx.Client, portal_factory: PortalFactory
) -> None:
    with portal_factory() as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
        wait_for_catalogue(sut)
        admin.post("/_admin/faults", json={"kind": "http_status", "status": 503, "path": "/dvcqg/"})
        code = run_flow(control)
        assert control.post("/_control/sync").json()["pending"] == 10
    admin.delete("/_admin/faults")
    assert national_record(national, code) is None
    with portal_factory() as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
        assert_converged(national, control, code)


def test_a_packet_refused_for_good_is_set_aside_and_reported(
    admin: httpx.Client, portal_factory: PortalFactory
) -> None:
    with portal_factory() as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
        wait_for_catalogue(sut)
        admin.post("/_admin/faults", json={"kind": "error_code", "error_code": -1, "service": "DongBoHoSoMC"})
        code = str(control.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"])
        report = settle(control)
        assert report["failed"] >= 1 and report["pending"] == 0
        sync = control.get(f"/_control/dossiers/{code}").json()["sync"]
        assert sync["failed"] == 2 and "error_code -1" in sync["last_error"]  # the progress step waits behind it
