"""The defect switches only an oracle catches (issue 18, reference_portal/defects: appointment-*, sequence-from-0000,
lookup-status-stale, result-link-expires): each makes the portal wrong in the way its catalogue entry says,
while every packet stays well formed (DVCQG, the mock, accepts them); without the switch the same flow is right.

The portal runs on a fixed clock (`create_app(clock=...)`) so receipts fall on chosen days and hours."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from harness.core.statuses import STATUS_NAMES
from mock_portal.server import RunningMock
from reference_portal.calendar import VIETNAM
from reference_portal.config import PortalConfig
from reference_portal.server import running_portal
from tests.reference.conftest import CONTROL
from tests.reference.test_defects_sync import statuses_accepted
from tests.reference.test_flow import drive


class FixedClock:
    def __init__(self, at: str) -> None:
        self.at = datetime.fromisoformat(at).replace(tzinfo=VIETNAM)

    def __call__(self) -> datetime:
        return self.at


Start = Callable[..., AbstractContextManager[httpx.Client]]


@pytest.fixture
def start(national: RunningMock, admin: httpx.Client, tmp_path: Path) -> Start:
    """`with start(at="2026-11-23 09:00", defects={...}) as control:` — a portal living at `at`, its control API,
    with a fresh database and a reset mock (two portals of a test give the same codes on the same day)."""

    @contextmanager
    def run(*, at: str = "2026-11-23 09:00", defects: frozenset[str] = frozenset()) -> Iterator[httpx.Client]:
        config = PortalConfig(
            port=0, national_url=national.url, db=str(tmp_path / f"portal-{len(list(tmp_path.iterdir()))}.sqlite"),
            sync_poll_s=0.05, sync_retry_base_s=0.05, sync_retry_max_s=0.5, defects=frozenset(defects),
        )  # fmt: skip
        admin.post("/_admin/reset")
        with running_portal(config, clock=FixedClock(at)) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
            yield c

    return run


def record(control: httpx.Client, code: str) -> dict[str, str]:
    data: dict[str, str] = control.get(f"/_control/dossiers/{code}").json()["record"]
    return data


#: (defect, received at, NgayHenTra with the switch, NgayHenTra without), procedure 1.001193: 1 working day
APPOINTMENTS = [
    ("appointment-counts-receipt-day", "2026-11-23 09:00", "20261123170000", "20261124170000"),
    ("appointment-ignores-holidays", "2026-02-13 09:00", "20260216170000", "20260223170000"),  # Tết 16–20/2
    ("appointment-after-hours-same-day", "2026-11-23 18:30", "20261124170000", "20261125170000"),
]


@pytest.mark.parametrize(("defect", "at", "wrong", "right"), APPOINTMENTS, ids=[a[0] for a in APPOINTMENTS])
def test_appointment_defects(defect: str, at: str, wrong: str, right: str, start: Start, admin: httpx.Client) -> None:
    with start(at=at) as control:
        assert record(control, drive(control, ["receive"]))["NgayHenTra"] == right
    with start(at=at, defects=frozenset({defect})) as control:
        code = drive(control, ["receive"])
        assert record(control, code)["NgayHenTra"] == wrong
    assert statuses_accepted(admin, code) == ["1", "2"]  # well formed: DVCQG accepts the wrong date


def test_sequence_from_0000(start: Start, admin: httpx.Client) -> None:
    with start() as control:
        assert [drive(control, [])[-4:] for _ in range(2)] == ["0001", "0002"]
    with start(defects=frozenset({"sequence-from-0000"})) as control:
        codes = [drive(control, []) for _ in range(2)]
    assert [c[-4:] for c in codes] == ["0000", "0001"]
    assert all(statuses_accepted(admin, c) == ["1"] for c in codes)


def test_lookup_status_stale(start: Start) -> None:
    with start(defects=frozenset({"lookup-status-stale"})) as control:
        code = drive(control, [])
        lookup = f"/api/lookup/{code}"
        assert httpx.get(f"{control.base_url}{lookup}").json()["TrangThaiHoSo"] == "1"  # one step: nothing to lag
        control.post(f"/_control/dossiers/{code}/actions", json={"action": "receive"})
        shown = httpx.get(f"{control.base_url}{lookup}").json()
        assert (shown["TrangThaiHoSo"], shown["TenTrangThai"]) == ("1", STATUS_NAMES["1"])
        assert control.get(f"/_control/dossiers/{code}").json()["TrangThaiHoSo"] == "2"
    with start() as control:
        code = drive(control, ["receive"])
        assert httpx.get(f"{control.base_url}/api/lookup/{code}").json()["TrangThaiHoSo"] == "2"


def _links(control: httpx.Client, code: str) -> tuple[str, str]:
    data = record(control, code)
    return data["DanhSachGiayToKetQua"][0]["DuongDanTepTinKetQua"], data["TaiLieuNop"][0]["DuongDanTaiTepTin"]


def test_result_link_expires(start: Start) -> None:
    flow = ["receive", "process", "finish"]
    with start() as control:
        result, _ = _links(control, drive(control, flow))
        assert [httpx.get(result).status_code for _ in range(2)] == [200, 200]
    with start(defects=frozenset({"result-link-expires"})) as control:
        result, submitted = _links(control, drive(control, flow))
        assert [httpx.get(result).status_code for _ in range(3)] == [200, 404, 404]
        assert [httpx.get(submitted).status_code for _ in range(2)] == [200, 200]  # only results expire
