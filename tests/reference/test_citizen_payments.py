"""The signed-in citizen starts the online payment of their own dossier's fee over real HTTP (browser-like
client signed in through the mock SSO → portal → mock payment platform), and sees its payments; every
refusal is checked in the portal's error shape, Vietnamese first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mock_portal.server import RunningMock
from reference_portal.server import RunningPortal
from tests.reference.conftest import CONTROL, FEE_PROCEDURE, PortalFactory, dossier_request, exchanges
from tests.reference.test_payments import FEE, forged_ipn, post_ipn
from tests.reference.test_sso import CITIZEN, OTHER_CITIZEN, Browser, online_body, signed_in

#: an amount that selects no outcome of the mock platform: the transaction waits on the pay page
NO_OUTCOME = 12345


def payments_path(code: str) -> str:
    return f"/api/my/dossiers/{code}/payments"


def act(control: httpx.Client, code: str, *actions: str) -> None:
    for action in actions:
        moved = control.post(f"/_control/dossiers/{code}/actions", json={"action": action})
        assert moved.status_code == 200, moved.text


def online_dossier(owner: Browser, control: httpx.Client, *actions: str) -> str:
    """A dossier the signed-in `owner` submitted online for FEE_PROCEDURE, then moved by `actions`."""
    created = owner.post("/api/dossiers", json=online_body(MaTTHC=FEE_PROCEDURE))
    assert created.status_code == 201, created.text
    code: str = created.json()["MaHoSo"]
    act(control, code, *actions)
    return code


def assert_refused(answer: httpx.Response, status: int, error: str, vietnamese: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["error"] == error, body
    assert body["detail"].startswith(vietnamese) and body["detail"].endswith(")"), body  # "<vi> (<en>)"
    assert answer.headers["cache-control"] == "no-store"
    return body


@pytest.fixture
def owner(sut: RunningPortal) -> Iterator[Browser]:
    browser = signed_in(sut.url, CITIZEN)
    yield browser
    browser.close()


def test_the_owner_starts_the_payment_of_the_fee_due(
    owner: Browser, control: httpx.Client, admin: httpx.Client, national: RunningMock
) -> None:
    code = online_dossier(owner, control, "receive", "request_fee")
    started = owner.post(payments_path(code), json={})
    assert started.status_code == 201, started.text
    assert started.headers["cache-control"] == "no-store"
    body = started.json()
    assert set(body) == {"MaThamChieu", "UrlThanhToan", "SoTien"}
    assert body["SoTien"] == FEE and body["UrlThanhToan"].startswith(f"{national.url}/payment/pay/")
    (init,) = exchanges(admin, service="INIT", ma_tham_chieu=body["MaThamChieu"])
    assert (init["verdict"], init["rules"]) == ("valid", []), init["rules"]
    assert init["request"]["body"]["SoTien"] == str(FEE)
    assert init["request"]["body"]["ThongTinBienLai"]["MaHoSo"] == code

    listed = owner.get(payments_path(code))
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert (listed.json()["MaHoSo"], listed.json()["total"]) == (code, 1)
    (view,) = listed.json()["payments"]
    assert (view["MaThamChieu"], view["SoTien"], view["TrangThai"]) == (body["MaThamChieu"], FEE, "pending")
    assert view["UrlThanhToan"] == body["UrlThanhToan"] and view["receipt"] is False
    assert not {"recorded", "collected", "dossier_update", "last_error"} & set(view)


def test_the_owner_may_name_the_amount_and_send_no_body(
    owner: Browser, control: httpx.Client, admin: httpx.Client
) -> None:
    """SoTien is how a test step picks the platform's outcome; an empty JSON post asks for the fee due."""
    code = online_dossier(owner, control, "receive", "request_fee")
    named = owner.post(payments_path(code), json={"SoTien": NO_OUTCOME})
    assert named.status_code == 201, named.text
    assert named.json()["SoTien"] == NO_OUTCOME
    (init,) = exchanges(admin, service="INIT", ma_tham_chieu=named.json()["MaThamChieu"])
    assert init["request"]["body"]["SoTien"] == str(NO_OUTCOME)
    empty = owner.post(payments_path(code), headers={"content-type": "application/json"})
    assert empty.status_code == 201, empty.text
    assert empty.json()["SoTien"] == FEE
    listed = owner.get(payments_path(code)).json()["payments"]
    assert [p["MaThamChieu"] for p in listed] == [empty.json()["MaThamChieu"], named.json()["MaThamChieu"]]


def test_a_counter_dossier_naming_the_citizens_number_is_theirs(
    owner: Browser, control: httpx.Client, sut: RunningPortal
) -> None:
    created = control.post(
        "/_control/dossiers",
        json=dossier_request(MaTTHC=FEE_PROCEDURE, KenhThucHien="1", SoDinhDanh=CITIZEN.citizen_id),
    )
    assert created.status_code == 201, created.text
    code = created.json()["MaHoSo"]
    act(control, code, "receive", "request_fee")
    started = owner.post(payments_path(code), json={})
    assert started.status_code == 201, started.text


def test_without_a_session_nothing_is_started(sut: RunningPortal, control: httpx.Client, admin: httpx.Client) -> None:
    owner = signed_in(sut.url, CITIZEN)
    code = online_dossier(owner, control, "receive", "request_fee")
    owner.close()
    for answer in (
        httpx.post(f"{sut.url}{payments_path(code)}", json={}),
        httpx.get(f"{sut.url}{payments_path(code)}"),
    ):
        assert_refused(answer, 401, "not_signed_in", "Vui lòng đăng nhập")
    assert exchanges(admin, service="INIT") == []


def test_another_citizens_dossier_is_forbidden(
    owner: Browser, sut: RunningPortal, control: httpx.Client, admin: httpx.Client
) -> None:
    code = online_dossier(owner, control, "receive", "request_fee")
    other = signed_in(sut.url, OTHER_CITIZEN)
    try:
        assert_refused(other.post(payments_path(code), json={}), 403, "not_owner", "Hồ sơ này không thuộc")
        assert_refused(other.get(payments_path(code)), 403, "not_owner", "Hồ sơ này không thuộc")
    finally:
        other.close()
    stranger = control.post("/_control/dossiers", json=dossier_request(MaTTHC=FEE_PROCEDURE, KenhThucHien="1"))
    act(control, stranger.json()["MaHoSo"], "receive", "request_fee")
    assert_refused(owner.post(payments_path(stranger.json()["MaHoSo"]), json={}), 403, "not_owner", "Hồ sơ")
    assert exchanges(admin, service="INIT") == []


def test_an_unknown_dossier_is_not_found(owner: Browser) -> None:
    for answer in (owner.post(payments_path("000.00.00.H99-240101-9999"), json={}), owner.get(payments_path("X"))):
        assert_refused(answer, 404, "not_found", "Không tìm thấy hồ sơ")
    assert_refused(owner.post(payments_path("A" * 100), json={}), 404, "not_found", "Không tìm thấy hồ sơ")


def test_a_dossier_not_awaiting_its_fee_is_a_conflict(
    owner: Browser, control: httpx.Client, admin: httpx.Client
) -> None:
    code = online_dossier(owner, control, "receive")
    body = assert_refused(owner.post(payments_path(code), json={}), 409, "action_not_allowed", "Hồ sơ không ở")
    assert body["TrangThaiHoSo"] == "2" and "not 6" in body["detail"]
    assert exchanges(admin, service="INIT") == []


def test_a_paid_fee_is_not_paid_again(
    owner: Browser, sut: RunningPortal, control: httpx.Client, admin: httpx.Client
) -> None:
    code = online_dossier(owner, control, "receive", "request_fee")
    reference = owner.post(payments_path(code), json={}).json()["MaThamChieu"]
    assert post_ipn(sut, forged_ipn(reference, FEE))["MaLoi"] == "00"
    assert owner.get(payments_path(code)).json()["payments"][0]["TrangThai"] == "paid"
    # the dossier may already have moved 6 → 4 (the background task): refused either way
    assert_refused(owner.post(payments_path(code), json={}), 409, "action_not_allowed", "Hồ sơ không ở")
    assert len(exchanges(admin, service="INIT")) == 1


def test_only_json_is_accepted(owner: Browser, control: httpx.Client, admin: httpx.Client) -> None:
    """A cookie-borne cross-site form post must not start a payment (CSRF)."""
    code = online_dossier(owner, control, "receive", "request_fee")
    form = {"content": b"SoTien=8000", "headers": {"content-type": "application/x-www-form-urlencoded"}}
    assert_refused(owner.post(payments_path(code), **form), 415, "unsupported_media_type", "Nội dung phải là JSON")
    assert_refused(owner.post(payments_path(code), content=b"{}"), 415, "unsupported_media_type", "Nội dung")
    assert exchanges(admin, service="INIT") == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"MaHoSo": "x"}, "'MaHoSo'"),
        ({"amount": 8000}, "'amount'"),
        ({"SoTien": 0}, "SoTien"),
        ({"SoTien": -1}, "SoTien"),
        ({"SoTien": True}, "SoTien"),
        ({"SoTien": "8000"}, "SoTien"),
        ({"SoTien": 8000.5}, "SoTien"),
        ({"SoTien": 10**15}, "SoTien"),
        ([8000], "object"),
    ],
)
def test_bad_bodies_are_refused(
    body: Any, words: str, owner: Browser, control: httpx.Client, admin: httpx.Client
) -> None:
    code = online_dossier(owner, control, "receive", "request_fee")
    refused = assert_refused(owner.post(payments_path(code), json=body), 422, "invalid", "Yêu cầu không hợp lệ")
    assert words in refused["detail"]
    assert exchanges(admin, service="INIT") == []


def test_a_refusing_platform_is_a_bad_gateway(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with (
        portal_factory(defects={"init-bad-checksum"}) as sut,
        httpx.Client(base_url=sut.url, headers=CONTROL, timeout=15) as control,
    ):
        owner = signed_in(sut.url, CITIZEN)
        try:
            code = online_dossier(owner, control, "receive", "request_fee")
            refused = assert_refused(owner.post(payments_path(code), json={}), 502, "national_refused", "Nền tảng")
            assert "MaLoi" in refused["detail"]
            (payment,) = owner.get(payments_path(code)).json()["payments"]
            assert payment["TrangThai"] == "failed"
        finally:
            owner.close()
