"""`POST /_admin/sso/accounts`: the harness registers the applicant a tester acts as, then signs in as them through
the mock SSO (login_hint or the account chooser) and DVCQG's TraCuuTechID agrees. Over real HTTP, as test_sso.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from mock_portal.config import MockConfig
from mock_portal.server import RunningMock, running_mock
from mock_portal.sso import accounts as sso_accounts
from mock_portal.sso.users import find_user, test_users
from tests.mock.test_sso import CONFIG_EXTRA, REDIRECT, _FormReader, assert_valid, authorize, exchange, location

PATH = "/_admin/sso/accounts"
ADMIN = {"Authorization": "Bearer demo-admin"}
SEEDED_CITIZEN = next(u for u in test_users() if u.account_type == "1")
SEEDED_ENTERPRISE = next(u for u in test_users() if u.account_type == "2")


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with running_mock(MockConfig(port=0, extra=CONFIG_EXTRA)) as running:
        yield running


@pytest.fixture
def http(mock: RunningMock) -> Iterator[httpx.Client]:
    """A fresh browser-like client (own cookie jar) that never follows redirects."""
    with httpx.Client(base_url=mock.url, follow_redirects=False, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def keys(mock: RunningMock) -> KeySet:
    return KeySet.import_key_set(httpx.get(f"{mock.url}/sso/jwks").json())


def a_cccd() -> str:
    """A CCCD no seeded account has (each test registers its own: the module's mock keeps every account)."""
    while True:
        number = f"038{uuid.uuid4().int % 10**9:09d}"
        if find_user(number) is None:
            return number


def applicant(**changes: Any) -> dict[str, Any]:
    body = {
        "HoVaTen": "Lê Thị Hồng Nhung",
        "SoDinhDanh": a_cccd(),
        "SoDienThoai": "0912345678",
        "ThuDienTu": "nhung.lth@example.vn",
        "DiaChi": "12 Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa",
    }
    return {**body, **changes}


def register(http: httpx.Client, body: Any, status: int = 201) -> dict[str, Any]:
    answer = http.post(PATH, json=body, headers=ADMIN)
    assert answer.status_code == status, answer.text
    reply: dict[str, Any] = answer.json()
    return reply


def refused(http: httpx.Client, body: Any, status: int) -> str:
    reply = register(http, body, status)
    assert set(reply) == {"error", "message"} and "\n" not in reply["message"], reply
    return str(reply["message"])


def claims_after_login(http: httpx.Client, hint: str) -> dict[str, Any]:
    _, query = location(authorize(http, state="s", nonce="n", login_hint=hint))
    reply = exchange(http, query["code"]).json()
    info = http.get("/sso/oauth2/userinfo", headers={"Authorization": f"Bearer {reply['access_token']}"})
    assert info.status_code == 200, info.text
    claims: dict[str, Any] = info.json()
    claims["id_token"] = reply["id_token"]
    return claims


# registering ------------------------------------------------------------------------------------------


def test_a_registered_citizen_signs_in_with_login_hint_and_gets_its_claims(http: httpx.Client, keys: KeySet) -> None:
    body = applicant()
    account = register(http, body)
    assert account == {
        "sub": account["sub"],
        "TechID": account["TechID"],
        "LoaiTaiKhoan": "1",
        "HoVaTen": body["HoVaTen"],
        "SoDinhDanh": body["SoDinhDanh"],
        "MaSoThue": "",
        "login_hint": body["SoDinhDanh"],
    }
    assert uuid.UUID(account["sub"]).version == uuid.UUID(account["TechID"]).version == 5

    claims = claims_after_login(http, account["login_hint"])
    id_token = jwt.decode(claims.pop("id_token"), keys).claims
    assert id_token["sub"] == account["sub"] and id_token["TechID"] == account["TechID"]
    assert_valid("sso.userinfo", claims)
    assert claims["sub"] == account["sub"] and claims["TechID"] == account["TechID"]
    assert claims["HoVaTen"] == body["HoVaTen"] and claims["SoDinhDanh"] == body["SoDinhDanh"]
    assert claims["SoDienThoai"] == body["SoDienThoai"] and claims["ThuDienTu"] == body["ThuDienTu"]
    assert claims["ThuongTru"] == body["DiaChi"] and claims["LoaiTaiKhoan"] == "1"
    assert claims["NgayThangNamSinh"] == "" and claims["GioiTinh"] == 0 and claims["MaSoThue"] == ""
    for hint in (account["sub"], account["TechID"]):  # every key of a seeded account works too
        assert claims_after_login(http, hint)["sub"] == account["sub"]


def test_an_enterprise_is_registered_by_tax_code_and_a_13_digit_code_takes_the_dash(http: httpx.Client) -> None:
    code = f"{uuid.uuid4().int % 10**10:010d}"
    account = register(http, {"LoaiTaiKhoan": "2", "HoVaTen": "Công ty TNHH Thử Nghiệm", "MaSoThue": code})
    assert account["login_hint"] == code and account["MaSoThue"] == code and account["SoDinhDanh"] == ""
    claims = claims_after_login(http, code)
    assert_valid("sso.userinfo", claims)
    assert claims["MaSoDoanhNghiep"] == code and claims["TenDoanhNghiep"] == "Công ty TNHH Thử Nghiệm"

    branch = register(http, {"LoaiTaiKhoan": "3", "HoVaTen": "Hợp tác xã Thử", "MaSoThue": f"{code}001"})
    assert branch["MaSoThue"] == branch["login_hint"] == f"{code}-001"
    assert claims_after_login(http, f"{code}001")["sub"] == branch["sub"]  # either spelling finds it


def test_the_login_page_lists_registered_accounts_after_the_seeded_ones(http: httpx.Client, keys: KeySet) -> None:
    body = applicant(HoVaTen="Trịnh Văn <Chọn>")
    account = register(http, body)
    page = authorize(http, state="page")
    assert page.status_code == 200
    assert "Trịnh Văn &lt;Chọn&gt;" in page.text and body["SoDinhDanh"] in page.text  # escaped
    form = _FormReader()
    form.feed(page.text)
    seeded = [u.sub for u in test_users()]
    assert form.choices[: len(seeded)] == seeded and account["sub"] in form.choices[len(seeded) :]

    for chosen in (account["sub"], account["login_hint"]):  # the chooser posts the sub; the harness the CCCD
        target, query = location(http.post(form.action, data={**form.hidden, "user": chosen}))
        assert target == REDIRECT and query["state"] == "page"
        reply = exchange(http, query["code"]).json()
        assert jwt.decode(reply["id_token"], keys).claims["sub"] == account["sub"]


def test_registering_again_is_idempotent_and_deterministic(http: httpx.Client, mock: RunningMock) -> None:
    body = applicant()
    first = register(http, body)
    again = register(http, {**body, "SoDienThoai": "0987654321", "HoVaTen": " Lê  Thị Hồng Nhung "}, 200)
    assert again == first
    assert register(http, {"HoVaTen": body["HoVaTen"], "SoDinhDanh": body["SoDinhDanh"]}, 200) == first
    # the values derive from the identifier alone: another mock instance gives the same ones
    other = sso_accounts.AccountRegistry()
    status, user = other.register({"HoVaTen": body["HoVaTen"], "SoDinhDanh": body["SoDinhDanh"]})
    assert status == 201 and (user.sub, user.tech_id) == (first["sub"], first["TechID"])
    listed = http.get(PATH, headers=ADMIN).json()
    assert [a for a in listed if a["SoDinhDanh"] == body["SoDinhDanh"]] == [first]
    assert mock.app.mock.channels["sso"].accounts.find(body["SoDinhDanh"]).phone == "0912345678"


def test_a_given_tech_id_is_kept(http: httpx.Client) -> None:
    tech_id = f"tech-{uuid.uuid4()}"
    account = register(http, applicant(TechID=tech_id))
    assert account["TechID"] == tech_id
    assert claims_after_login(http, tech_id)["TechID"] == tech_id
    message = refused(http, applicant(TechID=tech_id), 409)  # another person cannot take it
    assert tech_id in message


def test_the_same_number_under_another_name_is_a_conflict(http: httpx.Client) -> None:
    body = applicant()
    register(http, body)
    message = refused(http, {**body, "HoVaTen": "Nguyễn Văn Khác"}, 409)
    assert body["SoDinhDanh"] in message and "Nguyễn Văn Khác" in message
    refused(http, {**body, "TechID": "another-tech-id"}, 409)


def test_a_seeded_number_answers_the_seeded_account_or_a_conflict(http: httpx.Client) -> None:
    seeded = SEEDED_CITIZEN
    same = register(http, {"HoVaTen": seeded.full_name, "SoDinhDanh": seeded.citizen_id}, 200)
    assert (same["sub"], same["TechID"], same["login_hint"]) == (seeded.sub, seeded.tech_id, seeded.citizen_id)
    message = refused(http, {"HoVaTen": "Người Khác", "SoDinhDanh": seeded.citizen_id}, 409)
    assert "seeded" in message and seeded.full_name in message
    enterprise = SEEDED_ENTERPRISE
    body = {"LoaiTaiKhoan": "2", "HoVaTen": enterprise.full_name, "MaSoThue": enterprise.tax_code}
    assert register(http, body, 200)["sub"] == enterprise.sub
    assert seeded.sub not in {a["sub"] for a in http.get(PATH, headers=ADMIN).json()}  # GET lists registered only


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"HoVaTen": "A", "SoDinhDanh": "038090001234", "NgaySinh": "19900101"}, "unknown key(s) NgaySinh"),
        ([], "JSON object"),
        ("x", "JSON object"),
        ({"SoDinhDanh": "038090001234"}, "HoVaTen"),
        ({"HoVaTen": "   ", "SoDinhDanh": "038090001234"}, "HoVaTen"),
        ({"HoVaTen": "A" * 201, "SoDinhDanh": "038090001234"}, "HoVaTen"),
        ({"HoVaTen": ["A"], "SoDinhDanh": "038090001234"}, "HoVaTen must be a string"),
        ({"HoVaTen": "A\x00", "SoDinhDanh": "038090001234"}, "control"),
        ({"HoVaTen": "A"}, "SoDinhDanh"),
        ({"HoVaTen": "A", "SoDinhDanh": 38090001234}, "SoDinhDanh must be a string"),
        ({"HoVaTen": "A", "SoDinhDanh": "03809000123"}, "SoDinhDanh"),
        ({"HoVaTen": "A", "SoDinhDanh": "０３８０９０００１２３４"}, "SoDinhDanh"),  # fullwidth digits
        ({"HoVaTen": "A", "SoDinhDanh": "038090001234", "MaSoThue": "0101248141"}, "MaSoThue"),
        ({"LoaiTaiKhoan": 1, "HoVaTen": "A", "SoDinhDanh": "038090001234"}, "LoaiTaiKhoan"),
        ({"LoaiTaiKhoan": "4", "HoVaTen": "A", "SoDinhDanh": "038090001234"}, "LoaiTaiKhoan"),
        ({"LoaiTaiKhoan": ["1"], "HoVaTen": "A"}, "LoaiTaiKhoan"),
        ({"LoaiTaiKhoan": "2", "HoVaTen": "A"}, "MaSoThue"),
        ({"LoaiTaiKhoan": "2", "HoVaTen": "A", "MaSoThue": "01012481"}, "MaSoThue"),
        ({"LoaiTaiKhoan": "2", "HoVaTen": "A", "MaSoThue": "0101248141", "SoDinhDanh": "038090001234"}, "SoDinhDanh"),
        ({"HoVaTen": "A", "SoDinhDanh": "038090001234", "SoDienThoai": "12345"}, "SoDienThoai"),
        ({"HoVaTen": "A", "SoDinhDanh": "038090001234", "ThuDienTu": "a@b"}, "ThuDienTu"),
        ({"HoVaTen": "A", "SoDinhDanh": "038090001234", "TechID": "a b"}, "TechID"),
        ({"HoVaTen": "A", "SoDinhDanh": "038090001234", "DiaChi": 12}, "DiaChi"),
    ],
)
def test_a_malformed_body_is_422_with_one_clear_line_and_registers_nothing(
    http: httpx.Client, mock: RunningMock, body: Any, names: str
) -> None:
    before = len(mock.app.mock.channels["sso"].accounts)
    assert names in refused(http, body, 422)
    assert len(mock.app.mock.channels["sso"].accounts) == before


def test_a_body_that_is_not_json_is_422(http: httpx.Client) -> None:
    answer = http.post(PATH, content=b"HoVaTen=A", headers={**ADMIN, "content-type": "text/plain"})
    assert answer.status_code == 422 and answer.json()["error"] == "invalid_account"


def test_optional_fields_may_be_null_or_empty_and_phones_are_normalised(http: httpx.Client) -> None:
    body = applicant(ThuDienTu=None, DiaChi="", SoDienThoai="+84 91 234 5678")
    account = register(http, body)
    claims = claims_after_login(http, account["login_hint"])
    assert claims["ThuDienTu"] == "" and claims["ThuongTru"] == "" and claims["SoDienThoai"] == "+84912345678"


def test_the_admin_token_is_required(http: httpx.Client) -> None:
    body = applicant()
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        assert http.post(PATH, json=body, headers=headers).status_code == 401
        assert http.get(PATH, headers=headers).status_code == 401
    assert body["SoDinhDanh"] not in {a["SoDinhDanh"] for a in http.get(PATH, headers=ADMIN).json()}


def test_the_registry_is_bounded() -> None:
    registry = sso_accounts.AccountRegistry(limit=2)
    for number in ("038090000001", "038090000002"):
        assert registry.register({"HoVaTen": "A", "SoDinhDanh": number})[0] == 201
    assert registry.register({"HoVaTen": "A", "SoDinhDanh": "038090000001"})[0] == 200  # known: still answered
    with pytest.raises(sso_accounts.AccountError) as refused_:
        registry.register({"HoVaTen": "A", "SoDinhDanh": "038090000003"})
    assert refused_.value.status == 409 and refused_.value.error == "registry_full"
    assert sso_accounts.MAX_ACCOUNTS == sso_accounts.AccountRegistry().limit == 10_000


def test_registries_belong_to_their_mock_instance(mock: RunningMock) -> None:
    body = applicant()
    with running_mock(MockConfig(port=0)) as other, httpx.Client(base_url=other.url, timeout=10) as http:
        register(http, body)
    assert mock.app.mock.channels["sso"].accounts.find(body["SoDinhDanh"]) is None


# across the mock ----------------------------------------------------------------------------------------


def test_tra_cuu_tech_id_answers_the_registered_tech_id(http: httpx.Client) -> None:
    account = register(http, applicant())
    session = http.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()["session"]
    packet = {
        "session": session,
        "madonvi": "000.00.00.H56",
        "service": "TraCuuTechID",
        "provider": "wso2is",
        "mstorcmnd": account["login_hint"],
    }
    answer = http.post("/dvcqg/share", json=packet).json()
    assert_valid("TraCuuTechID.reply", answer)
    assert answer["error_code"] == 0 and answer["result"] == [{"TECHNICALID": account["TechID"]}]


def test_registered_accounts_survive_an_admin_reset(http: httpx.Client) -> None:
    account = register(http, applicant())
    assert http.post("/_admin/reset", headers=ADMIN).status_code == 200
    assert account in http.get(PATH, headers=ADMIN).json()
    assert claims_after_login(http, account["login_hint"])["sub"] == account["sub"]


def test_without_the_sso_channel_the_routes_are_404_and_tech_ids_still_seeded(mock: RunningMock) -> None:
    state = mock.app.mock
    sso = state.channels.pop("sso")
    try:
        with httpx.Client(base_url=mock.url, timeout=10) as http:
            assert http.post(PATH, json=applicant(), headers=ADMIN).status_code == 404
            session = http.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()["session"]
            packet = {
                "session": session,
                "madonvi": "000.00.00.H56",
                "service": "TraCuuTechID",
                "provider": "wso2is",
                "mstorcmnd": SEEDED_CITIZEN.citizen_id,
            }
            answer = http.post("/dvcqg/share", json=packet).json()
            assert answer["result"] == [{"TECHNICALID": SEEDED_CITIZEN.tech_id}]
    finally:
        state.channels["sso"] = sso


def test_both_routes_are_in_the_openapi_document(http: httpx.Client) -> None:
    item = http.get("/openapi.json").json()["paths"][PATH]
    assert set(item) == {"get", "post"}
    schema = item["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False and set(schema["properties"]) == set(sso_accounts.FIELDS)
    assert {"200", "201", "401", "409", "422"} <= set(item["post"]["responses"])
