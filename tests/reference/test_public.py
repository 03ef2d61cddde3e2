"""Public dossier lookup over real HTTP: anyone sees the status of a dossier by its code, only its signed-in
owner sees the personal data and the history; the leaking defect switch is observable."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reference_portal.server import RunningPortal
from tests.reference.conftest import PortalFactory, dossier_request
from tests.reference.test_sso import CITIZEN, ENTERPRISE, OTHER_CITIZEN, Browser, online_body, signed_in

PUBLIC_KEYS = {"MaHoSo", "TrangThaiHoSo", "TenTrangThai", "NgayHenTra"}
#: what the anonymous view must never contain (dossier_request's applicant)
PERSONAL = dossier_request()
PRIVATE_VALUES = [PERSONAL[k] for k in ("ChuHoSo", "SoDinhDanh", "SoDienThoai", "Email")] + ["to-khai.pdf"]


def lookup(portal_url: str, code: str, browser: Browser | None = None) -> httpx.Response:
    if browser is not None:
        return browser.get(f"/api/lookup/{code}")
    return httpx.get(f"{portal_url}/api/lookup/{code}")


def counter_dossier(control: httpx.Client, **overrides: Any) -> str:
    created = control.post("/_control/dossiers", json=dossier_request(KenhThucHien="1", **overrides))
    assert created.status_code == 201, created.text
    return str(created.json()["MaHoSo"])


def test_anyone_sees_the_status_and_nothing_personal(sut: RunningPortal, control: httpx.Client) -> None:
    code = counter_dossier(control)
    answer = lookup(sut.url, code)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.json() == {"MaHoSo": code, "TrangThaiHoSo": "1", "TenTrangThai": "Mới đăng ký", "NgayHenTra": ""}
    assert control.post(f"/_control/dossiers/{code}/actions", json={"action": "receive"}).status_code == 200
    received = lookup(sut.url, code).json()
    assert set(received) == PUBLIC_KEYS and received["TrangThaiHoSo"] == "2" and len(received["NgayHenTra"]) == 14
    for value in PRIVATE_VALUES:
        assert value not in lookup(sut.url, code).text


def test_the_portal_declares_the_lookup_capability(control: httpx.Client) -> None:
    assert "public_lookup" in control.get("/_control/health").json()["capabilities"]


def test_the_owner_signed_in_by_techid_sees_the_record_and_history(
    sut: RunningPortal, control: httpx.Client, admin: httpx.Client
) -> None:
    owner = signed_in(sut.url, CITIZEN)
    code = owner.post("/api/dossiers", json=online_body()).json()["MaHoSo"]
    control.post(f"/_control/dossiers/{code}/actions", json={"action": "receive"})
    view = lookup(sut.url, code, owner).json()
    assert set(view) > PUBLIC_KEYS and view["TrangThaiHoSo"] == "2"
    assert view["record"]["ChuHoSo"] == CITIZEN.full_name and view["record"]["MaDoiTuong"] == CITIZEN.tech_id
    assert view["record"]["TaiLieuNop"][0]["TenTepDinhKem"] == "to-khai.pdf"
    assert [step["TrangThai"] for step in view["history"]] == ["1", "2"]
    assert set(lookup(sut.url, code).json()) == PUBLIC_KEYS  # the same dossier, anonymously


def test_the_owner_is_also_known_by_the_identifier_of_a_counter_dossier(
    sut: RunningPortal, control: httpx.Client, admin: httpx.Client
) -> None:
    code = counter_dossier(control, SoDinhDanh=CITIZEN.citizen_id)
    view = lookup(sut.url, code, signed_in(sut.url, CITIZEN)).json()
    assert view["record"]["SoGiayToChuHoSo"] == CITIZEN.citizen_id and view["history"]


def test_another_signed_in_account_gets_the_anonymous_view(
    sut: RunningPortal, control: httpx.Client, admin: httpx.Client
) -> None:
    code = signed_in(sut.url, CITIZEN).post("/api/dossiers", json=online_body()).json()["MaHoSo"]
    for stranger in (OTHER_CITIZEN, ENTERPRISE):
        answer = lookup(sut.url, code, signed_in(sut.url, stranger))
        assert set(answer.json()) == PUBLIC_KEYS, stranger.label
        assert CITIZEN.full_name not in answer.text and CITIZEN.citizen_id not in answer.text


def test_a_forged_cookie_gets_the_anonymous_view(sut: RunningPortal, control: httpx.Client) -> None:
    code = counter_dossier(control, SoDinhDanh=CITIZEN.citizen_id)
    for token in ("forged", "x" * 5000):
        answer = httpx.get(f"{sut.url}/api/lookup/{code}", cookies={"portal_session": token})
        assert set(answer.json()) == PUBLIC_KEYS


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("000.00.01.H56-240101-9999", 404),
        ("A" * 65, 400),
        ("abc$def", 400),
        ("a b", 400),
        (".hidden", 400),
        ("-x", 400),
        ("x%00y", 400),
        ("<script>", 400),
    ],
)
def test_unknown_and_malformed_codes_get_clear_errors(sut: RunningPortal, code: str, status: int) -> None:
    answer = lookup(sut.url, code)
    assert answer.status_code == status and answer.json()["error"] and answer.json()["detail"]


def test_leaking_defect_shows_name_and_phone_to_anyone(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"lookup-leaks-personal-data"}) as sut:
        with httpx.Client(base_url=sut.url, headers={"authorization": "Bearer demo-control"}) as control:
            code = counter_dossier(control)
        leaked = lookup(sut.url, code).json()
        assert leaked["ChuHoSo"] == PERSONAL["ChuHoSo"] and leaked["SoDienThoai"] == PERSONAL["SoDienThoai"]
