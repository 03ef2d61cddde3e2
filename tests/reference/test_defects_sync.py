"""Each intake/sync defect switch makes the portal misbehave in the way its catalogue entry says, and
the national side (the mock) sees it; without the switch the same flow is clean (test_flow, test_outbox)."""

from __future__ import annotations

import asyncio

import httpx

from mock_portal.server import RunningMock
from reference_portal.defects import defect_catalogue
from tests.reference.conftest import CONTROL, PortalFactory, dossier_request, exchanges
from tests.reference.test_flow import _create_concurrently, drive
from tests.reference.test_outbox import national_record, settle, wait_for_catalogue


def statuses_accepted(admin: httpx.Client, code: str) -> list[str]:
    rows = exchanges(admin, service="DongBoHoSoMC", ma_ho_so=code)
    return [
        r["request"]["body"]["data"][0]["TrangThaiHoSo"] for r in rows if r["response"]["body"].get("error_code") == 0
    ]


def rules_seen(admin: httpx.Client, code: str) -> set[str]:
    return {rule for row in exchanges(admin, ma_ho_so=code) for rule in row["rules"]}


def test_every_sync_defect_names_catalogued_requirements() -> None:
    sync_defects = [d for d in defect_catalogue().values() if d.area in ("sync", "one_stop")]
    assert len(sync_defects) >= 10
    assert all(d.requirements for d in sync_defects)


def test_dates_iso(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"dates-iso"}) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
        code = drive(control, ["receive"], expect_synced=False)
    assert "FMT-DATETIME" in rules_seen(admin, code)
    assert statuses_accepted(admin, code) == []


def test_mahoso_wrong_date(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"mahoso-wrong-date"}) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        code = drive(c, [], expect_synced=False)
        record = c.get(f"/_control/dossiers/{code}").json()["record"]
    assert code.split("-")[1] != record["NgayTiepNhan"][2:8]
    assert "CODE-DOSSIER-DATE" in rules_seen(admin, code)


def test_mahoso_race(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"mahoso-race"}) as sut:
        answers = asyncio.run(_create_concurrently(sut.url, 10))
    created = {a.json()["MaHoSo"] for a in answers if a.status_code == 201}
    assert len(created) < 10, "concurrent intakes all got distinct codes: the defect did not show"


def test_no_sync_on_supplement(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    actions = ["receive", "process", "request_supplement"]
    with portal_factory(defects={"no-sync-on-supplement"}) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        code = drive(c, actions, expect_synced=False)
        assert c.get(f"/_control/dossiers/{code}").json()["TrangThaiHoSo"] == "5"
    assert statuses_accepted(admin, code) == ["1", "2", "4"]


def test_status_jump_2_10(portal_factory: PortalFactory, admin: httpx.Client, national: RunningMock) -> None:
    actions = ["receive", "process", "finish", "return_result"]
    with portal_factory(defects={"status-jump-2-10"}) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        code = drive(c, actions, expect_synced=False)
    assert statuses_accepted(admin, code) == ["1", "2"]  # 2 → 10 is refused by DVCQG's status graph
    assert national_record(national, code).status == "2"


def test_progress_missing(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"progress-missing"}) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        code = drive(c, ["receive", "process"], expect_synced=False)
    assert statuses_accepted(admin, code) == ["1", "2", "4"]
    assert exchanges(admin, service="CapNhatTienDoHoSoMC", ma_ho_so=code) == []


def test_isupdating_always_false(portal_factory: PortalFactory, admin: httpx.Client, national: RunningMock) -> None:
    defects = {"isupdating-always-false"}
    with portal_factory(defects=defects) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        code = str(c.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"])
        c.post(f"/_control/dossiers/{code}/actions", json={"action": "receive"})
        settle(c, within_s=3)
    sent = exchanges(admin, service="DongBoHoSoMC", ma_ho_so=code)
    assert {r["request"]["body"]["isUpdating"] for r in sent} == {"False"}
    assert any("đã tồn tại" in r["response"]["body"]["message"] for r in sent)
    assert national_record(national, code).status == "1"


def test_outbox_lost_on_restart(portal_factory: PortalFactory, admin: httpx.Client, national: RunningMock) -> None:
    defects = {"outbox-lost-on-restart"}
    with portal_factory(defects=defects) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        wait_for_catalogue(sut)
        admin.post("/_admin/faults", json={"kind": "http_status", "status": 503, "path": "/dvcqg/"})
        code = str(c.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"])
    admin.delete("/_admin/faults")
    with portal_factory(defects=defects) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        assert c.post("/_control/sync").json()["pending"] == 0
        assert c.get(f"/_control/dossiers/{code}").json()["TrangThaiHoSo"] == "1"
    assert national_record(national, code) is None


def test_no_retry(portal_factory: PortalFactory, admin: httpx.Client, national: RunningMock) -> None:
    with portal_factory(defects={"no-retry"}) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        wait_for_catalogue(sut)
        admin.post("/_admin/faults", json={"kind": "http_status", "status": 503, "count": 1, "service": "DongBoHoSoMC"})
        code = str(c.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"])
        settle(c, within_s=3)
    assert national_record(national, code) is None


def test_terminal_without_end_date(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with (
        portal_factory(defects={"terminal-without-end-date"}) as sut,
        httpx.Client(base_url=sut.url, headers=CONTROL) as c,
    ):
        code = drive(c, ["receive", "process", "finish"], expect_synced=False)
    assert "QCVN120-DOSSIER-END-DATE" in rules_seen(admin, code)
    assert statuses_accepted(admin, code) == ["1", "2", "4"]


def test_step_time_utc(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"step-time-utc"}) as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as c:
        code = drive(c, ["receive"])
    received = next(
        r["request"]["body"]["data"][0]["NgayTiepNhan"] for r in exchanges(admin, service="DongBoHoSoMC", ma_ho_so=code)
    )
    steps = [r["request"]["body"]["data"][0]["ThoiDiemXuLy"] for r in exchanges(admin, service="CapNhatTienDoHoSoMC")]
    hours = {(int(received[8:10]) - int(step[8:10])) % 24 for step in steps}  # every step 7 h early
    assert steps and hours == {7}, (received, steps)


def test_outbox_skips_failed(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"outbox-skips-failed"}, sync_retry_base_s=0.05) as sut:
        control = httpx.Client(base_url=sut.url, headers=CONTROL)
        fault = {"kind": "error_code", "error_code": -1, "count": 2, "service": "DongBoHoSoMC"}
        assert admin.post("/_admin/faults", json=fault).status_code in (200, 201)
        code = drive(control, ["receive"], expect_synced=False)
        settle(control)
    services = [(r["service"], r["response"]["body"].get("error_code")) for r in exchanges(admin, ma_ho_so=code)]
    first_ok = services.index(("DongBoHoSoMC", 0))
    assert any(service == "CapNhatTienDoHoSoMC" for service, _ in services[:first_ok]), services


BLANK_NAMED = [{"TenTepDinhKem": "   ", "content_base64": "JVBERi0xLjQ="}]


def test_blank_file_name_forwarded(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory() as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
        refused = control.post("/_control/dossiers", json=dossier_request(files=BLANK_NAMED))
    assert refused.status_code == 422 and "files[0]" in refused.text  # without the switch: refused at intake
    with (
        portal_factory(defects={"blank-file-name-forwarded"}) as sut,
        httpx.Client(base_url=sut.url, headers=CONTROL) as control,
    ):
        code = drive(control, [], expect_synced=False, files=BLANK_NAMED)
        record = control.get(f"/_control/dossiers/{code}").json()["record"]
    assert [f["TenTepDinhKem"] for f in record["TaiLieuNop"]] == [""]
    assert "FMT-NON-EMPTY" in rules_seen(admin, code)


def test_result_code_missing(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    actions = ["receive", "process", "finish"]
    with portal_factory() as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
        coded = control.get(f"/_control/dossiers/{drive(control, actions)}").json()["record"]
    with (
        portal_factory(defects={"result-code-missing"}) as sut,
        httpx.Client(base_url=sut.url, headers=CONTROL) as control,
    ):
        uncoded = control.get(f"/_control/dossiers/{drive(control, actions)}").json()["record"]
    assert [d["MaGiayToKetQua"] for d in coded["DanhSachGiayToKetQua"]] == ["KQ.G09.000001"]
    assert [d["MaGiayToKetQua"] for d in uncoded["DanhSachGiayToKetQua"]] == [""]
