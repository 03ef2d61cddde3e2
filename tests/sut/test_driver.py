"""HttpSutDriver over real loopback HTTP (a fake SUT served by uvicorn) and, for error mapping, httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from harness.core.errors import HarnessError
from harness.sut import (
    AttachedFile,
    DossierRequest,
    HttpSutDriver,
    SutActionRefused,
    SutConfigError,
    SutDescription,
    SutDriver,
    SutError,
    SutProtocolError,
    SutRequestRejected,
    SutUnauthorized,
    SutUnreachable,
    connect,
)
from mock_portal.server import free_port
from tests.sut.fake_sut import TOKEN, FakeSut, StubDriver, serving

REQUEST = DossierRequest(
    procedure_code="1.001234",
    channel="2",
    applicant="Nguyễn Văn An",
    applicant_type="1",
    id_number="038090001234",
    phone="0912345678",
    email="an@example.vn",
    summary="Cấp bản sao trích lục hộ tịch",
    files=(AttachedFile("to-khai.pdf", b"%PDF-1.4\n"),),
)
CODE = "000.00.01.H56-240315-0001"


def description(url: str, token: str = TOKEN) -> SutDescription:
    document = {
        "sut": {"base_url": url, "control_token": token},
        "national": {"username": "demo", "password": "demo", "madonvi": "000.00.00.H56"},
    }
    return SutDescription.from_mapping(document, env={})


# --- over real HTTP ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[FakeSut, str]]:
    sut = FakeSut()
    with serving(sut) as url:
        yield sut, url


@pytest.fixture()
def driver(fake: tuple[FakeSut, str]) -> Iterator[HttpSutDriver]:
    with HttpSutDriver(description(fake[1])) as client:
        client.reset()
        yield client


def test_a_dossier_through_the_one_stop_flow(fake: tuple[FakeSut, str], driver: HttpSutDriver) -> None:
    assert isinstance(driver, SutDriver)
    health = driver.health()
    assert health.ok and health.version == "fake-1" and health.capabilities == ("payment",)

    ref = driver.create_dossier(REQUEST)
    assert (ref.ma_ho_so, ref.status) == (CODE, "1")
    sent = fake[0].requests[-1]
    assert sent[:2] == ("POST", "/_control/dossiers")
    assert sent[2] is not None and sent[2]["files"] == [
        {"TenTepDinhKem": "to-khai.pdf", "content_base64": "JVBERi0xLjQK"}
    ]

    assert driver.act(CODE, "receive", officer="Lê Thị Bình").status == "2"
    assert driver.act(CODE, "request_fee", amount=50000, reason="Lệ phí").status == "6"
    assert fake[0].requests[-1][2] == {"action": "request_fee", "amount": 50000, "reason": "Lệ phí"}
    payment = driver.start_payment(CODE)
    assert (payment.ma_tham_chieu, payment.amount) == ("PG0001", 50000)
    assert payment.url.endswith("/payment/pay/PG0001")
    assert driver.start_payment(CODE, amount=20000).amount == 20000

    view = driver.view(CODE)
    assert view.status == "6"
    assert [step.action for step in view.history] == ["create", "receive", "request_fee"]
    assert [step.status for step in view.history] == ["1", "2", "6"]
    assert view.history[0].due is None and view.history[1].due == "20240320170000"
    assert view.history[1].officer == "Lê Thị Bình"
    assert view.sync.pending == 3 and view.sync.last_error is None
    assert view.raw["NgayHenTra"] == "20240320170000"  # extra keys are kept

    report = driver.flush_sync()
    assert (report.sent, report.pending, report.failed) == (3, 0, 0)


def test_a_refused_action_carries_the_status_and_the_sut_message(driver: HttpSutDriver) -> None:
    ref = driver.create_dossier(REQUEST)
    with pytest.raises(SutActionRefused) as caught:
        driver.act(ref.ma_ho_so, "finish")
    refused = caught.value
    assert refused.http_status == 409 and refused.dossier_status == "1"
    assert refused.error == "action_not_allowed" and "not allowed in status 1" in refused.detail
    assert refused.endpoint == "POST /_control/dossiers/{MaHoSo}/actions"
    assert refused.url.endswith(f"/_control/dossiers/{ref.ma_ho_so}/actions")
    assert driver.view(ref.ma_ho_so).status == "1"


def test_unknown_dossier_is_a_rejected_request(driver: HttpSutDriver) -> None:
    with pytest.raises(SutRequestRejected) as caught:
        driver.view("000.00.01.H56-240315-9999")
    assert caught.value.http_status == 404 and caught.value.error == "not_found"
    assert not isinstance(caught.value, SutActionRefused)


def test_codes_are_percent_encoded_in_the_path(fake: tuple[FakeSut, str], driver: HttpSutDriver) -> None:
    with pytest.raises(SutRequestRejected):
        driver.view("a/b c?d")
    with pytest.raises(SutRequestRejected) as caught:
        driver.act("a/b c?d", "receive")
    assert caught.value.url.endswith("/_control/dossiers/a%2Fb%20c%3Fd/actions")


def test_a_wrong_token_is_a_configuration_error(fake: tuple[FakeSut, str]) -> None:
    with HttpSutDriver(fake[1], token="wrong") as client, pytest.raises(SutUnauthorized) as caught:
        client.health()
    assert caught.value.exit_code == 2 and "control_token" in str(caught.value) and "wrong" not in str(caught.value)


def test_connect_gives_the_http_driver(fake: tuple[FakeSut, str]) -> None:
    driver = connect(description(fake[1]))
    assert isinstance(driver, HttpSutDriver) and driver.health().ok


def test_nobody_listening_is_unreachable_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with HttpSutDriver(url, token="t") as client, pytest.raises(SutUnreachable) as caught:
        client.health()
    assert caught.value.exit_code == 4 and f"{url}/_control/health" in str(caught.value)
    assert isinstance(caught.value, SutError) and isinstance(caught.value, HarnessError)


# --- error mapping (httpx.MockTransport) ---------------------------------------------------------------------


def mocked(handler: Callable[[httpx.Request], httpx.Response]) -> HttpSutDriver:
    return HttpSutDriver("http://sut.test", token="secret-token", transport=httpx.MockTransport(handler))


def answer(status: int, body: Any = None, *, text: str | None = None) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text)
        return httpx.Response(status, json=body)

    return handler


def test_the_bearer_token_and_json_body_are_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"MaHoSo": CODE, "TrangThaiHoSo": "7"})

    ref = mocked(handler).act(CODE, "withdraw", reason="Không có nhu cầu")
    assert ref.status == "7"
    assert seen[0].headers["authorization"] == "Bearer secret-token"
    assert seen[0].url == f"http://sut.test/_control/dossiers/{CODE}/actions"
    assert json.loads(seen[0].content) == {"action": "withdraw", "reason": "Không có nhu cầu"}


def test_409_is_an_action_refused() -> None:
    body = {"error": "action_not_allowed", "detail": "finish needs status 4", "TrangThaiHoSo": "2"}
    with pytest.raises(SutActionRefused) as caught:
        mocked(answer(409, body)).act(CODE, "finish")
    refused = caught.value
    assert (refused.dossier_status, refused.error, refused.detail) == (
        "2",
        "action_not_allowed",
        "finish needs status 4",
    )
    assert str(caught.value) == (
        f"POST http://sut.test/_control/dossiers/{CODE}/actions: refused (409) (dossier status 2): "
        "action_not_allowed: finish needs status 4"
    )


def test_409_without_an_error_body_still_says_what_the_sut_said() -> None:
    with pytest.raises(SutActionRefused, match="refused \\(409\\): nope") as caught:
        mocked(answer(409, text="nope")).act(CODE, "finish")
    assert caught.value.dossier_status is None


def test_connection_refused_is_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(SutUnreachable, match=r"http://sut\.test/_control/sync: cannot reach .* Connection refused"):
        mocked(handler).flush_sync()


def test_a_timeout_is_unreachable_and_says_how_long() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(SutUnreachable, match="did not answer within 10 s"):
        mocked(handler).health()


def test_a_broken_http_exchange_is_a_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    with pytest.raises(SutProtocolError, match="broke the HTTP exchange"):
        mocked(handler).reset()


GARBAGE = {
    "not JSON": (200, None, "<html>Oops</html>", "POST http://sut.test/_control/dossiers: answered 200 with a body"),
    "empty body": (201, None, "", "an empty body"),
    "not an object": (201, [1, 2], None, "the answer must be a JSON object, got array [1, 2]"),
    "missing key": (201, {"MaHoSo": CODE}, None, "the answer lacks TrangThaiHoSo"),
    "status as a number": (201, {"MaHoSo": CODE, "TrangThaiHoSo": 1}, None, "TrangThaiHoSo must be a national"),
    "status out of range": (201, {"MaHoSo": CODE, "TrangThaiHoSo": "11"}, None, "got string '11'"),
    "server error": (500, {"error": "boom", "detail": "NullPointerException"}, None, "answered HTTP 500: boom"),
    "redirect": (302, None, "", "answered HTTP 302"),
}


@pytest.mark.parametrize(("status", "body", "text", "expected"), GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_a_protocol_error_naming_the_endpoint(
    status: int, body: Any, text: str | None, expected: str
) -> None:
    with pytest.raises(SutProtocolError) as caught:
        mocked(answer(status, body, text=text)).create_dossier(REQUEST)
    error = caught.value
    assert expected in str(error), str(error)
    assert error.endpoint == "POST /_control/dossiers" and error.url == "http://sut.test/_control/dossiers"
    assert error.exit_code == 4 and "\n" not in str(error)


VIEW_GARBAGE = {
    "history not a list": ({"history": {}}, "history must be an array of objects"),
    "step not an object": ({"history": ["x"]}, "history[0] must be a JSON object"),
    "step lacks a key": ({"history": [{"TrangThai": "1"}]}, "the answer lacks history[0].action"),
    "sync count negative": ({"sync": {"pending": -1, "acknowledged": 0, "last_error": None}}, "sync.pending must be"),
    "sync count boolean": ({"sync": {"pending": True, "acknowledged": 0, "last_error": None}}, "boolean True"),
    "another dossier": ({"MaHoSo": "other"}, "answered about dossier 'other'"),
}


@pytest.mark.parametrize(("change", "expected"), VIEW_GARBAGE.values(), ids=VIEW_GARBAGE.keys())
def test_a_wrong_view_names_the_field(change: dict[str, Any], expected: str) -> None:
    view: dict[str, Any] = {
        "MaHoSo": CODE,
        "TrangThaiHoSo": "2",
        "history": [],
        "sync": {"pending": 0, "acknowledged": 1, "last_error": None},
    }
    with pytest.raises(SutProtocolError, match=expected.replace("[", "\\[").replace("]", "\\]").replace("(", "\\(")):
        mocked(answer(200, {**view, **change})).view(CODE)


@pytest.mark.parametrize(
    ("call", "body", "expected"),
    [
        (lambda d: d.health(), {"ok": "yes", "version": "1", "capabilities": []}, "ok must be a boolean"),
        (lambda d: d.health(), {"ok": True, "version": "1", "capabilities": [1]}, "capabilities must be an array"),
        (lambda d: d.reset(), {"ok": False}, "ok: false"),
        (lambda d: d.flush_sync(), {"sent": 1, "pending": 0}, "lacks failed"),
        (lambda d: d.start_payment(CODE), {"MaThamChieu": "X", "UrlThanhToan": "u", "SoTien": "5"}, "SoTien must be"),
    ],
    ids=["health ok", "health capabilities", "reset not ok", "sync report", "payment amount"],
)
def test_every_answer_is_checked(call: Callable[[HttpSutDriver], object], body: Any, expected: str) -> None:
    with pytest.raises(SutProtocolError, match=expected):
        call(mocked(answer(200, body)))


@pytest.mark.parametrize(
    ("status", "kind"), [(400, SutRequestRejected), (422, SutRequestRejected), (403, SutUnauthorized)]
)
def test_other_refusals(status: int, kind: type[SutError]) -> None:
    with pytest.raises(kind) as caught:
        mocked(answer(status, {"error": "invalid", "detail": "KenhThucHien must be 1, 2 or 3"})).create_dossier(REQUEST)
    assert caught.value.http_status == status and "KenhThucHien must be 1, 2 or 3" in str(caught.value)
    assert "secret-token" not in str(caught.value)


def test_constructor_mistakes() -> None:
    with pytest.raises(TypeError, match="token"):
        HttpSutDriver("http://sut.test")
    with pytest.raises(TypeError, match="from the description"):
        HttpSutDriver(description("http://sut.test"), token="x")
    with pytest.raises(SutConfigError, match="http:// or https://"):
        HttpSutDriver("sut.test:8788", token="x")
    with pytest.raises(ValueError, match="KenhThucHien"):
        replace(REQUEST, channel=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="LoaiDoiTuong"):
        replace(REQUEST, applicant_type="5")


def test_control_url_keeps_a_path_prefix() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"sent": 0, "pending": 0, "failed": 0})

    HttpSutDriver("https://sut.test/api/", token="t", transport=httpx.MockTransport(handler)).flush_sync()
    assert seen == ["https://sut.test/api/_control/sync"]


# --- Python drivers named in sut.toml ------------------------------------------------------------------------


def python_sut(driver: str) -> SutDescription:
    document = {
        "sut": {"base_url": "http://sut.test", "driver": driver},
        "national": {"username": "demo", "password": "demo", "madonvi": "000.00.00.H56"},
    }
    return SutDescription.from_mapping(document, source="sut.toml", env={})


def test_connect_calls_the_named_factory() -> None:
    driver = connect(python_sut("tests.sut.fake_sut:make_stub"))
    assert isinstance(driver, StubDriver) and driver.sut.driver == "tests.sut.fake_sut:make_stub"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("tests.sut.no_such_module:make", "cannot import tests.sut.no_such_module"),
        ("tests.sut.fake_sut:no_such_factory", "has no attribute no_such_factory"),
        ("tests.sut.fake_sut:TOKEN", "is not callable"),
        ("tests.sut.fake_sut:make_nothing", "returned object, which lacks health, create_dossier"),
    ],
)
def test_connect_explains_a_bad_factory(target: str, expected: str) -> None:
    with pytest.raises(SutConfigError, match=expected) as caught:
        connect(python_sut(target))
    assert str(caught.value).startswith(f"sut.toml: [sut] driver '{target}'")


def test_the_http_driver_refuses_a_python_description() -> None:
    with pytest.raises(SutConfigError, match=r"use harness\.sut\.connect"):
        HttpSutDriver(python_sut("tests.sut.fake_sut:make_stub"))
