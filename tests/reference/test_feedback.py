"""Ratings and monthly statistics over real HTTP: votes reach the mock national portal as valid DongBoDanhGia
summaries, statistics equal a hand count of dossiers driven through the control API on a controlled clock,
and each feedback defect switch is observable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import validate
from harness.requirements import load_catalogue as load_requirements
from mock_portal.server import RunningMock
from reference_portal.calendar import VIETNAM
from reference_portal.config import PortalConfig
from reference_portal.defects import defect_catalogue
from reference_portal.server import RunningPortal, running_portal
from tests.reference.conftest import CONTROL, PortalFactory, dossier_request, exchanges
from tests.reference.test_outbox import settle
from tests.reference.test_sso import CITIZEN, OTHER_CITIZEN, online_body, signed_in

RETURNED = ["receive", "process", "finish", "return_result"]


# --- helpers ---------------------------------------------------------------------------------------------


class Clock:
    """The portal's clock, moved by the test (Asia/Ho_Chi_Minh)."""

    def __init__(self, at: str) -> None:
        self.now = self._parse(at)

    @staticmethod
    def _parse(at: str) -> datetime:
        return datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=VIETNAM)

    def set(self, at: str) -> None:
        self.now = self._parse(at)

    def __call__(self) -> datetime:
        return self.now


ClockedPortal = Callable[..., AbstractContextManager[httpx.Client]]


@pytest.fixture
def clocked(national: RunningMock, admin: httpx.Client, tmp_path: Path) -> ClockedPortal:
    """`with clocked(clock, defects=...) as control:` — a portal whose every timestamp comes from `clock`."""

    @contextmanager
    def start(clock: Clock, defects: frozenset[str] = frozenset()) -> Iterator[httpx.Client]:
        config = PortalConfig(
            port=0, national_url=national.url, db=str(tmp_path / "portal.sqlite"), sync_poll_s=0.05,
            sync_retry_base_s=0.05, sync_retry_max_s=0.5, defects=defects,
        )  # fmt: skip
        with running_portal(config, clock=clock) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
            yield control

    return start


def create(control: httpx.Client, *actions: str, channel: str = "1") -> str:
    answer = control.post("/_control/dossiers", json=dossier_request(KenhThucHien=channel))
    assert answer.status_code == 201, answer.text
    code = str(answer.json()["MaHoSo"])
    act(control, code, *actions)
    return code


def act(control: httpx.Client, code: str, *actions: str) -> None:
    for action in actions:
        body = {"action": action, "reason": "Hồ sơ không thuộc thẩm quyền" if action == "reject" else None}
        answer = control.post(f"/_control/dossiers/{code}/actions", json=body)
        assert answer.status_code == 200, (action, answer.text)


def rate(
    client: httpx.Client, code: str, level: str, comment: str = "", path: str = "/_control/ratings"
) -> httpx.Response:
    return client.post(path, json={"MaHoSo": code, "MucDo": level, "NoiDung": comment})


def synced_items(admin: httpx.Client, service: str) -> list[tuple[str, dict[str, Any]]]:
    """(verdict, data[0]) of every call of `service` the mock saw, oldest first."""
    return [(row["verdict"], row["request"]["body"]["data"][0]) for row in exchanges(admin, service=service)]


# --- ratings ---------------------------------------------------------------------------------------------


def test_ratings_are_summarised_per_month_and_procedure_and_synced_as_valid_dongbodanhgia(
    control: httpx.Client, admin: httpx.Client
) -> None:
    returned = [create(control, *RETURNED, channel="2") for _ in range(2)]
    rejected = create(control, "reject")
    assert rate(control, returned[0], "1", "Cán bộ hướng dẫn tận tình").status_code == 201
    assert rate(control, returned[1], "2").status_code == 201
    answer = rate(control, rejected, "3", "Không rõ lý do từ chối", path="/_control/ratings")
    assert answer.status_code == 201, answer.text
    assert answer.json()["TenMucDo"] == "Chưa hài lòng"
    assert settle(control)["pending"] == 0

    synced = synced_items(admin, "DongBoDanhGia")
    assert [verdict for verdict, _ in synced] == ["valid"] * 3  # one recomputed summary per vote
    assert [item["TongSoNguoiDanhGia"] for _, item in synced] == [1, 2, 3]
    latest = synced[-1][1]
    assert latest["PhanTramDanhGiaRatHaiLong"] == latest["PhanTramDanhGiaHaiLong"] == "33.33%"
    assert latest["PhanTramDanhGiaChuaHaiLong"] == "33.33%"
    assert latest["MaThuTuc"] == "1.001193" and latest["Madonvi"] == "000.00.01.H56"
    assert latest["DanhSachNoiDungYKien"] == "Cán bộ hướng dẫn tận tình\nKhông rõ lý do từ chối"
    rated = answer.json()["NgayDanhGia"]  # yyyyMMddHHmmss on the portal's clock
    assert latest["NgayTongHop"] == f"{int(rated[4:6])}-{rated[:4]}"
    envelope = exchanges(admin, service="DongBoDanhGia")[-1]["request"]["body"]
    assert validate(envelope, "DongBoDanhGia", "strict").valid
    published = control.get("/api/ratings").json()
    assert published["TongHop"] == [latest]


def test_a_rating_needs_an_ended_dossier_and_counts_once(control: httpx.Client, admin: httpx.Client) -> None:
    done = create(control, *RETURNED)
    in_progress = create(control, "receive", "process")
    assert rate(control, done, "1").status_code == 201
    again = rate(control, done, "3")
    assert again.status_code == 409 and "already been rated" in again.json()["detail"]
    early = rate(control, in_progress, "1")
    assert early.status_code == 409 and "status 4" in early.json()["detail"]
    assert rate(control, "000.00.01.H56-240101-9999", "1").status_code == 404
    bad_bodies: list[Any] = [
        {"MaHoSo": done, "MucDo": "4"},
        {"MaHoSo": done, "MucDo": 1},
        {"MaHoSo": done, "MucDo": ["1"]},
        {"MaHoSo": {"$ne": ""}, "MucDo": "1"},
        {"MaHoSo": done, "MucDo": "1", "NoiDung": {"a": 1}},
        {"MucDo": "1"},
        [done],
        {"MaHoSo": done, "MucDo": "1", "NoiDung": "x" * 1001},
        {"MaHoSo": done, "MucDo": "1", "Diem": 5},
    ]
    for body in bad_bodies:
        refused = control.post("/api/ratings", json=body)
        assert refused.status_code == 422, (body, refused.text)
    json_type = {"content-type": "application/json"}
    assert control.post("/api/ratings", content=b'{"MaHoSo": ', headers=json_type).status_code == 400
    deep = f'{{"MaHoSo": "{done}", "MucDo": {"[" * 1000}{"]" * 1000}}}'  # its repr would recurse
    assert control.post("/api/ratings", content=deep.encode(), headers=json_type).status_code == 422
    assert httpx.post(f"{control.base_url}/_control/ratings", json={"MaHoSo": done, "MucDo": "1"}).status_code == 401
    assert settle(control)["pending"] == 0
    summaries = control.get("/api/ratings").json()["TongHop"]
    assert [s["TongSoNguoiDanhGia"] for s in summaries] == [1]  # nothing the refusals sent changed anything
    assert [item["TongSoNguoiDanhGia"] for _, item in synced_items(admin, "DongBoDanhGia")] == [1]


def test_only_the_signed_in_owner_rates_on_the_portal(
    sut: RunningPortal, control: httpx.Client, admin: httpx.Client
) -> None:
    """TT 01/2018 Điều 12: the applicant rates the handling of their dossier; a stranger's vote is refused before
    it is counted, so the owner's own rating still goes through."""
    with closing(signed_in(sut.url, CITIZEN)) as owner, closing(signed_in(sut.url, OTHER_CITIZEN)) as stranger:
        created = owner.post("/api/dossiers", json=online_body())
        assert created.status_code == 201, created.text
        code = created.json()["MaHoSo"]
        act(control, code, *RETURNED)
        body = {"MaHoSo": code, "MucDo": "3", "NoiDung": "phiếu của người khác"}
        anonymous = httpx.post(f"{sut.url}/api/ratings", json=body, timeout=10)
        assert (anonymous.status_code, anonymous.json()["error"]) == (401, "not_signed_in"), anonymous.text
        other = stranger.post("/api/ratings", json=body)
        assert (other.status_code, other.json()["error"]) == (403, "not_owner"), other.text
        assert other.json()["detail"].startswith("Chỉ chủ hồ sơ")
        own = owner.post("/api/ratings", json={"MaHoSo": code, "MucDo": "1"})
        assert own.status_code == 201, own.text
    assert settle(control)["pending"] == 0
    assert [item["TongSoNguoiDanhGia"] for _, item in synced_items(admin, "DongBoDanhGia")] == [1]
    assert synced_items(admin, "DongBoDanhGia")[0][1]["PhanTramDanhGiaRatHaiLong"] == "100%"


def test_defect_rating_by_anyone_counts_a_strangers_vote(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects=frozenset({"rating-by-anyone"})) as sut:
        control = httpx.Client(base_url=sut.url, headers=CONTROL)
        code = create(control, *RETURNED)
        stranger = httpx.post(f"{sut.url}/api/ratings", json={"MaHoSo": code, "MucDo": "3"}, timeout=10)
        assert stranger.status_code == 201, stranger.text


# --- statistics ------------------------------------------------------------------------------------------


def drive_march_2024(control: httpx.Client, clock: Clock) -> dict[str, str]:
    """Dossiers of procedure 1.001193 (1 working day) around March 2024; returns them by role."""
    codes: dict[str, str] = {}
    clock.set("2024-02-28 09:00")  # due Thu 29 Feb 17:00
    codes["carried_late"] = create(control, "receive")
    clock.set("2024-03-01 10:00")
    act(control, codes["carried_late"], "process", "finish")  # ended after its due date
    clock.set("2024-03-04 08:00")  # Monday: due Tue 5 March 17:00
    codes["online_on_time"] = create(control, "receive", "process", channel="2")
    codes["late"] = create(control, "receive", "process")
    codes["withdrawn"] = create(control, "receive")
    codes["pending_late"] = create(control, "receive", "process")
    codes["rejected"] = create(control, "reject")
    codes["never_received"] = create(control)
    clock.set("2024-03-04 09:00")
    act(control, codes["withdrawn"], "withdraw")  # ended before its due date, without a result
    clock.set("2024-03-05 10:00")
    act(control, codes["online_on_time"], "finish")
    clock.set("2024-03-05 11:00")
    act(control, codes["online_on_time"], "return_result")
    clock.set("2024-03-07 10:00")
    act(control, codes["late"], "finish")
    clock.set("2024-03-29 09:00")  # Friday: due Mon 1 April 17:00
    codes["pending_on_time"] = create(control, "receive")
    clock.set("2024-04-01 09:00")
    codes["april"] = create(control, "receive", "process")
    act(control, codes["pending_on_time"], "process")
    clock.set("2024-04-02 10:00")
    return codes


def test_statistics_equal_a_hand_count_and_are_synced_as_valid_dongbothongkehoso(
    clocked: ClockedPortal, admin: httpx.Client
) -> None:
    clock = Clock("2024-02-28 09:00")
    with clocked(clock) as control:
        drive_march_2024(control, clock)
        march = control.get("/api/statistics", params={"month": "2024-03"}).json()
        february = control.get("/api/statistics", params={"month": "2024-02"}).json()
        queued = control.post("/_control/statistics/sync", json={"month": "2024-03"})
        assert queued.status_code == 202, queued.text
        assert settle(control)["pending"] == 0

    # by hand: received in March = online_on_time, late, withdrawn, pending_late, pending_on_time (rejected and
    # never_received were not accepted); carried over = carried_late; processed = carried_late (late),
    # online_on_time (on time), late (late); still open on 1 April = pending_late (due 5 March),
    # pending_on_time (due 1 April 17:00); withdrawn has no result, so it is neither on time nor late
    assert march["counts"] == {
        "received": 5, "received_online": 1, "carried_over": 1, "to_process": 6, "processed": 3, "on_time": 1,
        "late": 2, "pending": 2, "pending_on_time": 1, "pending_late": 1, "withdrawn": 1, "stopped": 0,
        "returned": 1, "rejected": 1,
    }  # fmt: skip
    assert march["as_of"] == "20240401000000"
    item = march["item"]
    assert {k: item[k] for k in ("Thang", "Nam", "SoNhanTrongKy", "SoTonKyTruoc", "TongSoXuLy", "TongDaXuLy")} == {
        "Thang": "3", "Nam": "2024", "SoNhanTrongKy": "5", "SoTonKyTruoc": "1", "TongSoXuLy": "6", "TongDaXuLy": "3"
    }  # fmt: skip
    assert (item["TongXuLyDungHan"], item["PhanTramXuLyDungHan"]) == ("1", "33.33")
    assert (item["TongXuLyTreHan"], item["PhanTramXuLyTreHan"]) == ("2", "66.67")
    assert (item["TongChuaXuLy"], item["TongChuaXuLyTrongHan"], item["TongChuaXuLyTreHan"]) == ("2", "1", "1")
    assert (item["PhanTramChuaXuLyTrongHan"], item["PhanTramChuaXuLyTreHan"]) == ("50.00", "50.00")
    assert "Rút hồ sơ: 1" in item["GhiChu"]
    # February: carried_late was received on the 28th and still open (and overdue) at the month's end
    assert {k: february["counts"][k] for k in ("received", "processed", "pending", "pending_late")} == {
        "received": 1, "processed": 0, "pending": 1, "pending_late": 1
    }  # fmt: skip
    assert february["item"]["PhanTramXuLyDungHan"] == "0"  # nothing processed: "0", never NaN

    synced = synced_items(admin, "DongBoThongKeHoSo")
    assert synced == [("valid", item)]
    envelope = exchanges(admin, service="DongBoThongKeHoSo")[0]["request"]["body"]
    assert validate(envelope, "DongBoThongKeHoSo", "strict").valid


def test_statistics_requests_are_checked(clocked: ClockedPortal) -> None:
    clock = Clock("2024-03-10 09:00")
    with clocked(clock) as control:
        for month in ("2024-3", "2024-13", "1999-12", "march", "2024-04"):
            answer = control.get("/api/statistics", params={"month": month})
            assert answer.status_code == 422, (month, answer.text)
        assert control.get("/api/statistics").json()["month"] == "2024-03"  # default: the current month
        for body in ({}, {"month": 202403}, {"month": "2024-04"}, ["2024-03"]):
            assert control.post("/_control/statistics/sync", json=body).status_code == 422, body
        assert httpx.post(f"{control.base_url}/_control/statistics/sync", json={"month": "2024-03"}).status_code == 401
        assert settle(control) == {"sent": 0, "pending": 0, "failed": 0, "last_error": None}


# --- defect switches -------------------------------------------------------------------------------------


def test_the_defect_switches_tested_here_name_catalogued_requirements() -> None:
    requirements = load_requirements()
    for defect_id in (
        "rating-not-synced",
        "rating-percent-fraction",
        "statistics-miscount",
        "statistics-month-zero-based",
    ):
        named = defect_catalogue()[defect_id].requirements
        assert named and all(r in requirements for r in named), (defect_id, named)


def test_rating_not_synced(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"rating-not-synced"}) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        assert rate(c, create(c, *RETURNED), "1").status_code == 201
        assert settle(c)["pending"] == 0
        assert c.get("/api/ratings").json()["TongHop"][0]["TongSoNguoiDanhGia"] == 1  # shown locally...
    assert exchanges(admin, service="DongBoDanhGia") == []  # ...never synced


def test_rating_percent_fraction(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with (
        portal_factory(defects={"rating-percent-fraction"}) as sut,
        httpx.Client(base_url=sut.url, headers=CONTROL) as c,
    ):
        codes = [create(c, *RETURNED) for _ in range(3)]
        for code, level in zip(codes, "112", strict=True):
            assert rate(c, code, level).status_code == 201
        c.post("/_control/sync")
    first = exchanges(admin, service="DongBoDanhGia")[0]
    assert first["verdict"] == "invalid" and "FMT-PERCENT" in first["rules"]
    assert first["request"]["body"]["data"][0]["PhanTramDanhGiaRatHaiLong"] == "1.0000"


@pytest.mark.parametrize("defects", [frozenset(), frozenset({"statistics-miscount"})], ids=["correct", "defect"])
def test_statistics_miscount(clocked: ClockedPortal, defects: frozenset[str]) -> None:
    clock = Clock("2024-03-04 08:00")
    with clocked(clock, defects) as control:
        withdrawn = create(control, "receive")
        stopped = create(control, "receive", "process")
        clock.set("2024-03-04 09:00")
        act(control, withdrawn, "withdraw")
        act(control, stopped, "stop")
        clock.set("2024-04-02 09:00")
        counts = control.get("/api/statistics", params={"month": "2024-03"}).json()["counts"]
    if defects:
        assert (counts["processed"], counts["on_time"], counts["withdrawn"], counts["stopped"]) == (2, 2, 0, 0)
    else:
        assert (counts["processed"], counts["on_time"], counts["withdrawn"], counts["stopped"]) == (0, 0, 1, 1)


def test_statistics_month_zero_based(clocked: ClockedPortal, admin: httpx.Client) -> None:
    clock = Clock("2024-02-10 09:00")
    with clocked(clock, frozenset({"statistics-month-zero-based"})) as control:
        assert control.get("/api/statistics", params={"month": "2024-02"}).json()["item"]["Thang"] == "1"
        assert control.post("/_control/statistics/sync", json={"month": "2024-01"}).status_code == 202
        control.post("/_control/sync")
    sent = exchanges(admin, service="DongBoThongKeHoSo")[0]
    assert sent["request"]["body"]["data"][0]["Thang"] == "0"
    assert sent["verdict"] == "invalid" and "QCVN120-STATISTICS" in sent["rules"]
