"""The officers' endpoints over real HTTP, never the control API for what is checked: counter intake reaches
DVCQG like a control-API dossier, every action moves the status as the control API does, only the officer
login is accepted (not the control token), and an applicant's dossiers can be found."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from reference_portal.server import RunningPortal
from tests.reference.conftest import CONTROL, PortalFactory, dossier_request, exchanges
from tests.reference.test_flow import PATHS, REASONS

OFFICER = ("canbo", "canbo")
APPLICANT = "038190012345"  # dossier_request's SoDinhDanh
OTHER_APPLICANT = "001090000777"
UNKNOWN = "000.00.01.H56-240101-9999"


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


@pytest.fixture
def officer(sut: RunningPortal) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sut.url, auth=OFFICER, timeout=15) as client:
        yield client


def counter_intake(officer: httpx.Client, **overrides: Any) -> str:
    created = officer.post("/api/officer/dossiers", json=dossier_request(**{"KenhThucHien": "1", **overrides}))
    assert created.status_code == 201, created.text
    assert created.json()["TrangThaiHoSo"] == "1"
    return str(created.json()["MaHoSo"])


def act(client: httpx.Client, code: str, action: str, **extra: Any) -> httpx.Response:
    return client.post(f"/api/officer/dossiers/{code}/actions", json={"action": action, **extra})


def synced(admin: httpx.Client, service: str, code: str, count: int) -> list[dict[str, Any]]:
    """The packets of `service` for `code` DVCQG accepted, once there are `count` (the outbox sends on its
    own: nothing here asks the control API to flush)."""
    deadline = time.monotonic() + 15
    while True:
        rows = [
            r
            for r in exchanges(admin, service=service, ma_ho_so=code)
            if r["status"] == 200 and r["response"]["body"].get("error_code") == 0
        ]
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


# --- counter intake --------------------------------------------------------------------------------


def test_counter_intake_reaches_dvcqg_as_dongbohosomc(
    sut: RunningPortal, officer: httpx.Client, admin: httpx.Client
) -> None:
    code = counter_intake(officer)
    stored = sut.portal.dossiers.get(code)
    assert stored.status == "1" and stored.record["KenhThucHien"] == "1" and stored.owner_id == APPLICANT
    rows = synced(admin, "DongBoHoSoMC", code, 1)
    assert len(rows) == 1 and rows[0]["verdict"] == "valid", rows
    packet = rows[0]["request"]["body"]
    assert packet["isUpdating"] == "False"
    item = packet["data"][0]
    assert (item["MaHoSo"], item["TrangThaiHoSo"], item["KenhThucHien"]) == (code, "1", "1")
    assert item["ChuHoSo"] == "Nguyễn Thị Lan" and item["TaiLieuNop"][0]["TenTepDinhKem"] == "to-khai.pdf"


def test_counter_is_the_default_channel_post_is_allowed_online_is_not(
    sut: RunningPortal, officer: httpx.Client
) -> None:
    body = dossier_request()
    del body["KenhThucHien"]
    created = officer.post("/api/officer/dossiers", json=body)
    assert created.status_code == 201, created.text
    assert sut.portal.dossiers.get(created.json()["MaHoSo"]).record["KenhThucHien"] == "1"
    postal = sut.portal.dossiers.get(counter_intake(officer, KenhThucHien="3"))
    assert postal.record["KenhThucHien"] == "3" and postal.record["HinhThuc"] == "1"

    online = officer.post("/api/officer/dossiers", json=dossier_request(KenhThucHien="2"))
    assert online.status_code == 422 and online.json()["detail"].startswith("Yêu cầu không hợp lệ (")
    assert len(sut.portal.dossiers.all()) == 2


def test_counter_intake_refuses_what_the_control_api_refuses(sut: RunningPortal, officer: httpx.Client) -> None:
    unknown = officer.post("/api/officer/dossiers", json=dossier_request(KenhThucHien="1", MaTTHC="9.999999"))
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_procedure"
    assert unknown.json()["detail"].startswith("Không có thủ tục hành chính này (")
    incomplete = officer.post("/api/officer/dossiers", json={"MaTTHC": "1.001193", "KenhThucHien": "1"})
    assert incomplete.status_code == 422 and "ChuHoSo is required" in incomplete.json()["detail"]
    # what a cross-site page can post with the browser's remembered Basic credentials: never JSON
    untyped = json.dumps(dossier_request(KenhThucHien="1")).encode()
    for headers in ({"content-type": "text/plain"}, {}):
        assert officer.post("/api/officer/dossiers", content=untyped, headers=headers).status_code == 415
    assert sut.portal.dossiers.all() == []


# --- the flow ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(PATHS))
def test_each_action_moves_the_status_like_the_control_api(
    path: str, sut: RunningPortal, officer: httpx.Client, control: httpx.Client
) -> None:
    actions = PATHS[path]
    by_officer = counter_intake(officer)
    by_control = control.post("/_control/dossiers", json=dossier_request(KenhThucHien="1")).json()["MaHoSo"]
    for action in actions:
        extra: dict[str, Any] = {"reason": REASONS.get(action)}
        if action == "request_fee":
            extra["amount"] = 50000
        answer = act(officer, by_officer, action, **extra)
        expected = control.post(f"/_control/dossiers/{by_control}/actions", json={"action": action, **extra})
        assert answer.status_code == expected.status_code == 200, (action, answer.text)
        assert answer.json() == {"MaHoSo": by_officer, "TrangThaiHoSo": expected.json()["TrangThaiHoSo"]}

    view = officer.get(f"/api/officer/dossiers/{by_officer}")
    assert view.status_code == 200 and view.headers["cache-control"] == "no-store"
    history = view.json()["history"]
    assert view.json()["TrangThaiHoSo"] == sut.portal.dossiers.get(by_control).status
    assert [s["action"] for s in history] == ["submit", *actions]
    assert [s["NguoiXuLy"] for s in history[1:]] == ["canbo"] * len(actions)  # the signed-in officer acted


def test_the_officers_steps_reach_dvcqg_in_order(officer: httpx.Client, admin: httpx.Client) -> None:
    code = counter_intake(officer)
    for action in ("receive", "process", "finish", "return_result"):
        assert act(officer, code, action).status_code == 200
    dossiers = synced(admin, "DongBoHoSoMC", code, 5)
    progress = synced(admin, "CapNhatTienDoHoSoMC", code, 5)
    assert [d["request"]["body"]["data"][0]["TrangThaiHoSo"] for d in dossiers] == ["1", "2", "4", "9", "10"]
    assert [p["request"]["body"]["data"][0]["NguoiXuLy"] for p in progress][1:] == ["canbo"] * 4
    assert all(row["verdict"] == "valid" for row in dossiers + progress)


def test_refused_transitions_answer_like_the_control_api_and_change_nothing(
    sut: RunningPortal, officer: httpx.Client
) -> None:
    code = counter_intake(officer)
    refused = act(officer, code, "finish")
    assert refused.status_code == 409
    assert refused.json()["error"] == "action_not_allowed" and refused.json()["TrangThaiHoSo"] == "1"
    assert refused.json()["detail"].startswith("Thao tác không được phép") and "not allowed in status 1" in refused.text
    assert act(officer, code, "reject").status_code == 409  # a refusal states why
    untyped = officer.post(f"/api/officer/dossiers/{code}/actions", content=b'{"action": "receive"}')
    assert untyped.status_code == 415
    assert act(officer, code, "pay").status_code == 422  # the payment platform's, not an officer's
    assert act(officer, code, "receive", officer="Người khác").status_code == 422  # the login says who acts
    assert act(officer, UNKNOWN, "receive").status_code == 404
    missing = officer.get(f"/api/officer/dossiers/{UNKNOWN}")
    assert missing.status_code == 404 and missing.json()["detail"].startswith("Không tìm thấy hồ sơ (")
    history = sut.portal.dossiers.history(code)
    assert sut.portal.dossiers.get(code).status == "1" and len(history) == 1


# --- the officer login ------------------------------------------------------------------------------

REFUSED = {
    "no credentials": {},
    "wrong password": basic("canbo", "sai-mat-khau"),
    "wrong username": basic("admin", "canbo"),
    "control token": CONTROL,
    "control token as password": basic("canbo", "demo-control"),
    "officer account as bearer": {"authorization": "Bearer " + base64.b64encode(b"canbo:canbo").decode()},
    "not base64": {"authorization": "Basic ***"},
    "no colon": {"authorization": "Basic " + base64.b64encode(b"canbo").decode()},
}


@pytest.mark.parametrize("headers", list(REFUSED.values()), ids=list(REFUSED))
def test_only_the_officer_login_is_accepted_and_nothing_changes(
    headers: dict[str, str], sut: RunningPortal, officer: httpx.Client
) -> None:
    code = counter_intake(officer)
    with httpx.Client(base_url=sut.url, headers=headers, timeout=15) as stranger:
        answers = [
            stranger.post("/api/officer/dossiers", json=dossier_request(KenhThucHien="1")),
            stranger.post(f"/api/officer/dossiers/{code}/actions", json={"action": "receive"}),
            stranger.get(f"/api/officer/dossiers/{code}"),
            stranger.get("/api/officer/dossiers", params={"SoDinhDanh": APPLICANT}),
        ]
    for answer in answers:
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"].startswith("Basic realm=")
        assert answer.json()["error"] == "unauthorized" and code not in answer.text
        assert answer.json()["detail"].startswith("Cần đăng nhập bằng tài khoản cán bộ (")
    assert [d.ma_ho_so for d in sut.portal.dossiers.all()] == [code]
    assert sut.portal.dossiers.get(code).status == "1"


def test_an_empty_officer_account_turns_the_endpoints_off(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(officer_password="") as sut:
        for auth in (("canbo", ""), OFFICER):
            answer = httpx.post(f"{sut.url}/api/officer/dossiers", json=dossier_request(KenhThucHien="1"), auth=auth)
            assert answer.status_code == 401
        assert sut.portal.dossiers.all() == []


def test_the_officer_account_comes_from_the_configuration(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(officer_username="tiepnhan01", officer_password="Mot-Cua-2024") as sut:
        body = dossier_request(KenhThucHien="1")
        assert httpx.post(f"{sut.url}/api/officer/dossiers", json=body, auth=OFFICER).status_code == 401
        auth = ("tiepnhan01", "Mot-Cua-2024")
        assert httpx.post(f"{sut.url}/api/officer/dossiers", json=body, auth=auth).status_code == 201


# --- finding an applicant's dossiers ----------------------------------------------------------------


def test_the_applicant_search_finds_their_dossiers_newest_first(officer: httpx.Client) -> None:
    first = counter_intake(officer)
    counter_intake(officer, SoDinhDanh=OTHER_APPLICANT, ChuHoSo="Trần Văn Minh")
    second = counter_intake(officer, TrichYeuHoSo="Cấp bản sao trích lục khai sinh")
    assert act(officer, first, "receive").status_code == 200

    found = officer.get("/api/officer/dossiers", params={"SoDinhDanh": APPLICANT})
    assert found.status_code == 200 and found.headers["cache-control"] == "no-store"
    lines = found.json()
    assert [(d["MaHoSo"], d["TrangThaiHoSo"]) for d in lines] == [(second, "1"), (first, "2")]
    assert {d["ChuHoSo"] for d in lines} == {"Nguyễn Thị Lan"} and all(len(d["NgayTiepNhan"]) == 14 for d in lines)
    assert officer.get("/api/officer/dossiers", params={"SoDinhDanh": "079000000000"}).json() == []


@pytest.mark.parametrize("params", [{}, {"SoDinhDanh": ""}, {"SoDinhDanh": "%"}, {"SoDinhDanh": "12ab"}])
def test_the_applicant_search_needs_an_identification_number(params: dict[str, str], officer: httpx.Client) -> None:
    counter_intake(officer)
    answer = officer.get("/api/officer/dossiers", params=params)
    assert answer.status_code == 422 and answer.json()["detail"].startswith("Yêu cầu không hợp lệ (")
