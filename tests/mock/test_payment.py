"""The mock payment platform over real HTTP, with a small SUT IPN receiver on its own loopback port."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness import get_validator
from harness.core.checksum import payment_checksum
from harness.core.errors import UsageError
from mock_portal.config import MockConfig
from mock_portal.payment.channel import PaymentChannel
from mock_portal.payment.ledger import Transaction
from mock_portal.payment.outcomes import OUTCOMES, Outcome, choice_table, outcome_table
from mock_portal.payment.packets import checksum_fields
from mock_portal.payment.receipt import render_receipt
from mock_portal.payment.settings import PaymentSettings
from mock_portal.server import RunningMock, free_port, running_mock

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": "Bearer demo-admin"}
SECRET = "demo-secret"
TIMINGS = {"auto_delay_s": 0.05, "late_ipn_s": 0.8, "pending_s": 0.8, "duplicate_gap_s": 0.05, "ipn_timeout_s": 2}


# --- a SUT that receives IPNs ---------------------------------------------------------------------------


class SutReceiver:
    """Records IPNs and answers per `mode`: echo (verifies the checksum like a careful SUT), naive
    (acknowledges everything), bad (a reply missing the echo), reject (MaLoi 99), http500."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.mode = "echo"
        self._lock = threading.Lock()
        self.port = free_port()
        app = Starlette(routes=[Route("/ipn", self._ipn, methods=["POST"])])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ipn"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the SUT receiver did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def clear(self, mode: str = "echo") -> None:
        with self._lock:
            self.received.clear()
            self.times.clear()
            self.mode = mode

    def ipns(self, reference: str) -> list[dict[str, Any]]:
        with self._lock:
            return [ipn for ipn in self.received if ipn.get("MaThamChieu") == reference]

    async def _ipn(self, request: Request) -> Response:
        packet = orjson.loads(await request.body())
        with self._lock:
            self.received.append(packet)
            self.times.append(time.monotonic())
        if self.mode == "http500":
            return Response(b"boom", status_code=500)
        genuine = packet["MaXacThuc"] == payment_checksum(packet, checksum_fields("payment.IPN"), SECRET)
        if self.mode == "reject" or (self.mode == "echo" and not genuine):
            reply = {"MaLoi": "99", "MoTaLoi": "Các lỗi khác"}
        elif self.mode == "bad":
            reply = {"MaLoi": "00", "MoTaLoi": "Thành công", "MaThamChieu": "something-else"}
        else:
            keys = ("MaDoiTac", "MaThamChieu", "ThoiGianGD", "MaXacThuc")
            reply = {"MaLoi": "00", "MoTaLoi": "Thành công", **{k: packet[k] for k in keys}}
        return Response(orjson.dumps(reply), media_type="application/json")


@pytest.fixture(scope="module")
def sut() -> Iterator[SutReceiver]:
    receiver = SutReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def mock(sut: SutReceiver) -> Iterator[RunningMock]:
    with running_mock(MockConfig(sut_ipn_url=sut.url, extra={"payment": TIMINGS})) as running:
        yield running


@pytest.fixture
def client(mock: RunningMock, sut: SutReceiver) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        assert http.post("/_admin/reset", headers=ADMIN).status_code == 200
        sut.clear()
        yield http


def channel_of(mock: RunningMock) -> PaymentChannel:
    channel: PaymentChannel = mock.app.mock.channels["payment"]
    return channel


# --- packets -----------------------------------------------------------------------------------------------


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "examples" / "packets" / f"{name}.json").read_text("utf-8"))
    return loaded


def signed(packet: dict[str, Any], type_name: str, secret: str = SECRET) -> dict[str, Any]:
    packet["MaXacThuc"] = payment_checksum(packet, checksum_fields(type_name), secret)
    return packet


_counter = iter(range(1, 1_000_000))


def new_reference(suffix: str = "") -> str:
    return f"dvcT{time.time_ns() % 10**12}{next(_counter):04d}{suffix}"


def init_packet(reference: str, amount: int = 150000, secret: str = SECRET, **changes: Any) -> dict[str, Any]:
    packet = example("payment.INIT")
    packet["MaThamChieu"] = reference
    packet["SoTien"] = str(amount)
    receipt = packet["ThongTinBienLai"]
    receipt["PhiLePhi"][0]["SoTien"] = "50000"
    receipt["PhiLePhi"][1]["SoTien"] = str(amount - 50000)
    receipt["DSKhoanNop"][0]["SoTien"] = str(amount)
    packet.update(changes)
    return signed(packet, "payment.INIT", secret)


def lookup_packet(kind: str, reference: str, secret: str = SECRET) -> dict[str, Any]:
    packet = {
        "LoaiBanTin": kind,
        "PhienBan": "1.0.6",
        "MaDoiTac": "DEMO",
        "MaThamChieu": reference,
        "ThoiGianGD": "20240315143000",
    }
    return signed(packet, f"payment.{kind}", secret)


def assert_valid(type_name: str, packet: Any, secret: str = SECRET) -> None:
    result = get_validator(type_name, "strict").validate(packet, secret=secret)
    assert result.valid, [v.to_dict() for v in result.violations]


def init(client: httpx.Client, reference: str, amount: int = 150000, **changes: Any) -> dict[str, Any]:
    response = client.post("/payment/init", json=init_packet(reference, amount, **changes))
    assert response.status_code == 200
    reply: dict[str, Any] = response.json()
    assert_valid("payment.INIT.reply", reply)
    return reply


def query(client: httpx.Client, reference: str) -> dict[str, Any]:
    response = client.post("/payment/query", json=lookup_packet("QUERY", reference))
    assert response.status_code == 200
    reply: dict[str, Any] = response.json()
    assert_valid("payment.QUERY.reply", reply)
    return reply


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def wait_idle(mock: RunningMock) -> None:
    wait_until(lambda: channel_of(mock).busy == 0, what="the background IPN tasks")


def exchanges(client: httpx.Client, **params: str) -> list[dict[str, Any]]:
    response = client.get("/_admin/exchanges", params=params, headers=ADMIN)
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.json()
    return rows


def outbound(client: httpx.Client, reference: str) -> list[dict[str, Any]]:
    return [row for row in exchanges(client, ma_tham_chieu=reference) if row["direction"] == "outbound"]


# --- INIT ------------------------------------------------------------------------------------------------


def test_init_happy_path_waits_for_a_person(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    reference = new_reference()
    reply = init(client, reference)
    assert reply["MaLoi"] == "00"
    assert reply["MaThamChieu"] == reference and reply["MaDoiTac"] == "DEMO"
    assert reply["UrlThanhToan"] == f"{mock.url}/payment/pay/{reference}"
    assert re.fullmatch(r"PP\d{12}\d{6}", reply["MaGiaoDich"])
    assert query(client, reference)["TrangThaiGD"] == "3"
    time.sleep(0.2)  # longer than auto_delay_s: nothing happens without a person
    assert sut.ipns(reference) == [] and channel_of(mock).busy == 0


def test_init_with_a_bad_checksum_is_refused_without_state_change(client: httpx.Client, mock: RunningMock) -> None:
    reference = new_reference()
    response = client.post("/payment/init", json=init_packet(reference, secret="wrong-secret"))
    reply = response.json()
    assert response.status_code == 200 and reply["MaLoi"] == "02"
    assert "PAY-CHECKSUM" in reply["MoTaLoi"]
    assert_valid("payment.INIT.reply", reply)
    assert len(channel_of(mock).ledger) == 0
    assert query(client, reference)["MaLoi"] == "05"


def test_init_from_another_partner_is_refused(client: httpx.Client, mock: RunningMock) -> None:
    reply = client.post("/payment/init", json=init_packet(new_reference(), MaDoiTac="OTHER")).json()
    assert reply["MaLoi"] == "03" and "MOCK-PAY-PARTNER" in reply["MoTaLoi"]
    assert len(channel_of(mock).ledger) == 0


def test_init_with_a_used_reference_is_a_duplicate(client: httpx.Client, mock: RunningMock) -> None:
    reference = new_reference()
    first = init(client, reference)
    second = init(client, reference, amount=200000)
    assert second["MaLoi"] == "04" and "đã tồn tại" in second["MoTaLoi"]
    assert len(channel_of(mock).ledger) == 1
    assert query(client, reference)["MaGiaoDich"] == first["MaGiaoDich"]
    rows = exchanges(client, ma_tham_chieu=reference, service="INIT")
    assert [r["verdict"] for r in rows] == ["valid", "invalid"]
    assert rows[1]["rules"] == ["MOCK-PAY-DUPLICATE-REF"]


def test_init_schema_violations_are_listed(client: httpx.Client, mock: RunningMock) -> None:
    reply = client.post("/payment/init", json=init_packet(new_reference(), SoTien="150.000")).json()
    assert reply["MaLoi"] == "99" and "/SoTien" in reply["MoTaLoi"]
    amount = client.post("/payment/init", json=init_packet(new_reference(), ThongTinGiaoDich="x")).json()
    assert amount["MaLoi"] == "00"  # ThongTinGiaoDich is free text
    lines = init_packet(new_reference())
    lines["ThongTinBienLai"]["DSKhoanNop"][0]["SoTien"] = "1"
    refused = client.post("/payment/init", json=signed(lines, "payment.INIT")).json()
    assert refused["MaLoi"] == "99" and "PAY-AMOUNT" in refused["MoTaLoi"]
    assert len(channel_of(mock).ledger) == 1


BAD_BODIES: list[tuple[bytes, str]] = [
    (b"{", "application/json"),
    (b"[]", "application/json"),
    (b"42", "application/json"),
    (b'"INIT"', "application/json"),
    (b"", "application/json"),
    (b'{"LoaiBanTin": "INIT"}', "application/json"),
    (b"{}", "application/json"),
    (b'{"LoaiBanTin": "INIT"}', "text/plain"),
    (b"LoaiBanTin=INIT", "application/x-www-form-urlencoded"),
    (b"\xff\xfe", "application/json"),
]


@pytest.mark.parametrize("path", ["/payment/init", "/payment/query", "/payment/getbill"])
def test_bad_input_is_99_never_5xx_and_changes_nothing(client: httpx.Client, mock: RunningMock, path: str) -> None:
    for body, content_type in BAD_BODIES:
        response = client.post(path, content=body, headers={"content-type": content_type})
        assert response.status_code == 200, (body, response.text)
        reply = response.json()
        assert reply["MaLoi"] == "99" and len(reply["MoTaLoi"]) > 10, (body, reply)
    assert len(channel_of(mock).ledger) == 0
    rows = exchanges(client, service="INIT" if path.endswith("init") else "")
    assert all(row["verdict"] == "invalid" for row in rows if row["url"] == path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=20), st.lists, max_leaves=8
        ).map(orjson.dumps),
        st.dictionaries(st.sampled_from(sorted(init_packet("x"))), st.text(max_size=30), max_size=16).map(orjson.dumps),
    )
)
def test_floods_of_malformed_bodies_never_5xx(client: httpx.Client, mock: RunningMock, body: bytes) -> None:
    for path in ("/payment/init", "/payment/query", "/payment/getbill"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 200
        assert response.json()["MaLoi"] != "00"
    assert len(channel_of(mock).ledger) == 0


# --- outcomes chosen by test data ----------------------------------------------------------------------------

EXPECTED = {  # outcome → (MaLoi of the IPNs in order, final TrangThaiGD)
    "approve": (["00"], "1"),
    "decline": (["01"], "4"),
    "pending": (["00"], "1"),
    "timeout": ([], "3"),
    "duplicate_ipn": (["00", "00"], "1"),
    "late_ipn": (["00"], "1"),
    "bad_checksum_ipn": (["00"], "1"),
    "out_of_order": (["01", "00"], "1"),
}


def test_every_outcome_has_an_expectation() -> None:
    assert set(EXPECTED) == {o.name for o in OUTCOMES}


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: o.name)
def test_magic_amount_selects_the_outcome(
    client: httpx.Client, mock: RunningMock, sut: SutReceiver, outcome: Outcome
) -> None:
    reference = new_reference()
    reply = init(client, reference, amount=150000 + outcome.amount_code)
    codes, final_state = EXPECTED[outcome.name]
    wait_idle(mock)
    ipns = sut.ipns(reference)
    assert [ipn["MaLoi"] for ipn in ipns] == codes
    assert query(client, reference)["TrangThaiGD"] == final_state
    for ipn in ipns:
        assert isinstance(ipn["SoTien"], int) and ipn["SoTien"] == 150000 + outcome.amount_code
        result = get_validator("payment.IPN", "strict").validate(ipn, secret=SECRET)
        expected_rules = {"PAY-CHECKSUM"} if outcome.name == "bad_checksum_ipn" else set()
        assert result.rules == expected_rules
    if outcome.name == "duplicate_ipn":
        assert ipns[0] == ipns[1]
    if outcome.name == "out_of_order":
        assert ipns[0]["MaGiaoDich"] != reply["MaGiaoDich"] == ipns[1]["MaGiaoDich"]
        assert ipns[0]["ThoiGianGD"] < ipns[1]["ThoiGianGD"]
    elif ipns:
        assert {ipn["MaGiaoDich"] for ipn in ipns} == {reply["MaGiaoDich"]}
    rows = outbound(client, reference)
    assert len(rows) == len(codes)
    # The careful SUT receiver answers correctly, so every reply is judged valid (a refused bad checksum too).
    assert all(row["verdict"] == "valid" and row["rules"] == [] for row in rows), rows
    if outcome.name == "timeout":
        page = client.get(f"/payment/pay/{reference}")
        assert page.status_code == 200 and "<form" not in page.text and "Hết thời gian" in page.text


def test_reference_suffix_selects_the_outcome(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    reference = new_reference("_decline")
    init(client, reference)  # a round amount: the suffix alone decides
    wait_idle(mock)
    assert [ipn["MaLoi"] for ipn in sut.ipns(reference)] == ["01"]
    assert query(client, reference)["TrangThaiGD"] == "4"


def test_pending_reports_3_until_the_result_is_known(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    reference = new_reference()
    init(client, reference, amount=150003)
    time.sleep(0.2)
    assert query(client, reference)["TrangThaiGD"] == "3" and sut.ipns(reference) == []
    wait_until(lambda: len(sut.ipns(reference)) == 1, what="the IPN after pending_s")
    assert query(client, reference)["TrangThaiGD"] == "1"


def test_late_ipn_arrives_after_query_already_says_paid(
    client: httpx.Client, mock: RunningMock, sut: SutReceiver
) -> None:
    reference = new_reference()
    init(client, reference, amount=150006)
    wait_until(lambda: query(client, reference)["TrangThaiGD"] == "1", what="the payment")
    paid_at = time.monotonic()
    assert sut.ipns(reference) == []
    wait_until(lambda: len(sut.ipns(reference)) == 1, what="the late IPN")
    assert sut.times[-1] - paid_at > 0.4


def test_reset_forgets_transactions_and_cancels_waiting_ipns(
    client: httpx.Client, mock: RunningMock, sut: SutReceiver
) -> None:
    reference = new_reference()
    init(client, reference, amount=150006)  # late: the IPN waits late_ipn_s
    wait_until(lambda: query(client, reference)["TrangThaiGD"] == "1", what="the payment")
    assert channel_of(mock).busy == 1
    assert client.post("/_admin/reset", headers=ADMIN).status_code == 200
    assert channel_of(mock).busy == 0 and len(channel_of(mock).ledger) == 0
    time.sleep(1.0)
    assert sut.ipns(reference) == []
    assert query(client, reference)["MaLoi"] == "05"


# --- the pay page --------------------------------------------------------------------------------------------


def test_pay_page_renders_and_a_person_approves(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    reference = new_reference()
    init(client, reference)
    page = client.get(f"/payment/pay/{reference}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="vi">' in html and "150.000 đồng" in html and "Nguyễn Thị Hương" in html
    assert reference in html and "<legend>Chọn kết quả thanh toán</legend>" in html
    for value in ("approve", "decline", "pending", "timeout"):
        assert f'name="outcome" value="{value}"' in html
    chosen = client.post(f"/payment/pay/{reference}", data={"outcome": "approve"})
    assert chosen.status_code == 303 and chosen.headers["location"] == f"/payment/pay/{reference}"
    assert query(client, reference)["TrangThaiGD"] == "1"  # before the answer, not after the IPN
    wait_until(lambda: len(sut.ipns(reference)) == 1, what="the IPN")
    ipn = sut.ipns(reference)[0]
    assert_valid("payment.IPN", ipn)
    assert ipn["MaLoi"] == "00" and ipn["MaNganHang"] == "VCB"
    after = client.get(f"/payment/pay/{reference}").text
    assert "<form" not in after and "Thanh toán thành công" in after
    again = client.post(f"/payment/pay/{reference}", data={"outcome": "decline"})
    assert again.status_code == 409
    wait_idle(mock)
    assert len(sut.ipns(reference)) == 1


def test_pay_page_pending_then_decline(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    reference = new_reference()
    init(client, reference)
    pending = client.post(f"/payment/pay/{reference}", json={"outcome": "pending"})
    assert pending.status_code == 200 and pending.json()["TrangThaiGD"] == "3"
    assert "<form" in client.get(f"/payment/pay/{reference}").text
    declined = client.post(f"/payment/pay/{reference}", json={"outcome": "decline"})
    assert declined.json() == {"MaThamChieu": reference, "outcome": "decline", "TrangThaiGD": "4"}
    wait_until(lambda: len(sut.ipns(reference)) == 1, what="the IPN")
    assert sut.ipns(reference)[0]["MaLoi"] == "01"
    assert query(client, reference)["TrangThaiGD"] == "4"


def test_pay_page_refusals(client: httpx.Client, mock: RunningMock) -> None:
    missing = client.get("/payment/pay/no-such-reference")
    assert missing.status_code == 404 and "Không tìm thấy giao dịch" in missing.text
    assert client.post("/payment/pay/no-such-reference", data={"outcome": "approve"}).status_code == 404
    reference = new_reference()
    init(client, reference)
    assert client.post(f"/payment/pay/{reference}", data={"outcome": "maybe"}).status_code == 400
    assert client.post(f"/payment/pay/{reference}", content=b"\xff", headers={"content-type": "x/y"}).status_code == 400
    magic = new_reference()
    init(client, magic, amount=150004)
    assert client.post(f"/payment/pay/{magic}", data={"outcome": "approve"}).status_code == 409
    assert query(client, reference)["TrangThaiGD"] == "3"


# --- the SUT's reply is judged ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "rules"),
    [
        ("echo", []),
        ("bad", ["PAY-REQUIRED", "MOCK-PAY-IPN-ECHO"]),
        ("reject", ["PAY-REQUIRED", "MOCK-PAY-IPN-ACK"]),
        ("http500", ["MOCK-PAY-IPN-HTTP", "PAY-STRUCTURE"]),
    ],
)
def test_ipn_reply_is_judged(
    client: httpx.Client, mock: RunningMock, sut: SutReceiver, mode: str, rules: list[str]
) -> None:
    sut.clear(mode)
    reference = new_reference()
    init(client, reference, amount=150001)
    wait_idle(mock)
    [row] = outbound(client, reference)
    assert row["service"] == "IPN" and row["url"] == sut.url and row["method"] == "POST"
    assert row["verdict"] == ("valid" if not rules else "invalid")
    assert set(rules) <= set(row["rules"]) and (rules or row["rules"] == [])
    assert row["request"]["body"]["MaThamChieu"] == reference
    assert row["status"] == (500 if mode == "http500" else 200)


def test_a_sut_that_accepts_a_bad_checksum_is_caught(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    sut.clear("naive")
    reference = new_reference("_BADSUM")
    init(client, reference)
    wait_idle(mock)
    [row] = outbound(client, reference)
    assert row["verdict"] == "invalid" and row["rules"] == ["MOCK-PAY-IPN-BAD-CHECKSUM-ACCEPTED"]


def test_unreachable_sut_is_recorded(client: httpx.Client) -> None:
    with (
        running_mock(
            MockConfig(sut_ipn_url=f"http://127.0.0.1:{free_port()}/ipn", extra={"payment": TIMINGS})
        ) as other,
        httpx.Client(base_url=other.url, timeout=10) as http,
    ):
        reference = new_reference()
        init(http, reference, amount=150001)
        wait_idle(other)
        [row] = outbound(http, reference)
        assert row["verdict"] == "invalid" and row["rules"] == ["MOCK-PAY-IPN-UNREACHABLE"]
        assert row["status"] is None and "Connect" in row["error"]


def test_without_an_ipn_url_the_ipn_is_recorded_not_sent() -> None:
    with running_mock(MockConfig(extra={"payment": TIMINGS})) as other, httpx.Client(base_url=other.url) as http:
        reference = new_reference()
        init(http, reference, amount=150001)
        wait_idle(other)
        [row] = outbound(http, reference)
        assert row["status"] is None and "sut_ipn_url" in row["error"] and row["verdict"] == "n/a"


# --- IPN faults ---------------------------------------------------------------------------------------------------


def add_fault(client: httpx.Client, **rule: Any) -> int:
    response = client.post("/_admin/faults", json={"service": "IPN", "count": 1, **rule}, headers=ADMIN)
    assert response.status_code == 201, response.text
    fault_id: int = response.json()[0]["id"]
    return fault_id


def test_fault_duplicate_ipn_then_back_to_normal(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    fault = add_fault(client, kind="ipn_duplicate")
    first, second = new_reference(), new_reference()
    init(client, first, amount=150001)
    wait_idle(mock)
    init(client, second, amount=150001)
    wait_idle(mock)
    assert len(sut.ipns(first)) == 2 and sut.ipns(first)[0] == sut.ipns(first)[1]
    assert len(sut.ipns(second)) == 1
    assert all(f"FAULT:ipn_duplicate#{fault}" in row["rules"] for row in outbound(client, first))


def test_fault_bad_checksum_ipn(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    add_fault(client, kind="ipn_bad_checksum")
    reference = new_reference()
    init(client, reference)
    client.post(f"/payment/pay/{reference}", data={"outcome": "approve"})
    wait_idle(mock)
    [ipn] = sut.ipns(reference)
    result = get_validator("payment.IPN", "strict").validate(ipn, secret=SECRET)
    assert result.rules == {"PAY-CHECKSUM"}
    [row] = outbound(client, reference)
    assert row["verdict"] == "valid"  # the receiver refused it, as it should


def test_fault_late_ipn(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    add_fault(client, kind="ipn_late", delay_s=0.5)
    reference = new_reference()
    init(client, reference)
    started = time.monotonic()
    client.post(f"/payment/pay/{reference}", data={"outcome": "approve"})
    assert query(client, reference)["TrangThaiGD"] == "1"
    wait_until(lambda: len(sut.ipns(reference)) == 1, what="the late IPN")
    assert sut.times[-1] - started >= 0.45


def test_fault_out_of_order_waits_for_a_success_ipn(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    add_fault(client, kind="ipn_out_of_order")
    declined, approved = new_reference(), new_reference()
    init(client, declined, amount=150002)
    wait_idle(mock)
    assert [ipn["MaLoi"] for ipn in sut.ipns(declined)] == ["01"]
    reply = init(client, approved, amount=150001)
    wait_idle(mock)
    ipns = sut.ipns(approved)
    assert [ipn["MaLoi"] for ipn in ipns] == ["01", "00"]
    assert ipns[0]["MaGiaoDich"] != reply["MaGiaoDich"] == ipns[1]["MaGiaoDich"]
    assert all(ipn["MaXacThuc"] == signed(dict(ipn), "payment.IPN")["MaXacThuc"] for ipn in ipns)


# --- QUERY and GET_BILL ---------------------------------------------------------------------------------------------


def test_query_reply_is_signed_and_rejections_keep_the_reply_shape(client: httpx.Client) -> None:
    reference = new_reference()
    init(client, reference, amount=150002)
    wait_until(lambda: query(client, reference)["TrangThaiGD"] == "4", what="the decline")
    reply = query(client, reference)
    assert reply["SoTien"] == 150002 and reply["MaLoi"] == "00"
    assert_valid("payment.QUERY.reply", reply)  # includes PAY-CHECKSUM over the reply's x-checksum
    unknown = query(client, new_reference())
    assert unknown["MaLoi"] == "05" and "MaThamChieu" in unknown
    forged = client.post("/payment/query", json=lookup_packet("QUERY", reference, secret="nope")).json()
    assert forged["MaLoi"] == "02"
    assert_valid("payment.QUERY.reply", forged)


def bill(client: httpx.Client, reference: str, **headers: str) -> httpx.Response:
    response = client.post("/payment/getbill", json=lookup_packet("GET_BILL", reference), headers=headers)
    assert response.status_code == 200
    return response


def test_get_bill_returns_a_pdf_receipt(client: httpx.Client, mock: RunningMock) -> None:
    reference = new_reference()
    init(client, reference, amount=150001)
    wait_until(lambda: query(client, reference)["TrangThaiGD"] == "1", what="the payment")
    reply = bill(client, reference).json()
    assert_valid("payment.GET_BILL.reply", reply)
    assert reply["MaLoi"] == "00" and reply["SoTien"] == 150001 and reply["HoTenNguoiNop"] == "Nguyễn Thị Hương"
    pdf = base64.b64decode(reply["BienLai"])
    assert pdf.startswith(b"%PDF") and reference.encode() in pdf
    assert reply["MaGiaoDich"].encode() in pdf
    raw = bill(client, reference, accept="application/pdf")
    assert raw.headers["content-type"] == "application/pdf" and raw.content == pdf
    assert bill(client, reference).json()["SoBienLai"] == reply["SoBienLai"]
    rows = exchanges(client, ma_tham_chieu=reference, service="GET_BILL")
    assert rows and all(row["verdict"] == "valid" for row in rows)


def test_get_bill_refusals(client: httpx.Client) -> None:
    unpaid = new_reference()
    init(client, unpaid)
    for reference, code in ((unpaid, "06"), (new_reference(), "05")):
        reply = bill(client, reference).json()
        assert reply["MaLoi"] == code
        assert_valid("payment.GET_BILL.reply", reply)
    assert bill(client, unpaid, accept="application/pdf").json()["MaLoi"] == "06"
    forged = client.post("/payment/getbill", json=lookup_packet("GET_BILL", unpaid, secret="nope")).json()
    assert forged["MaLoi"] == "02"


def test_receipt_falls_back_to_a_core_font() -> None:
    packet = init_packet("dvcFALLBACK")
    transaction = Transaction(
        reference="dvcFALLBACK",
        partner="DEMO",
        transaction_id="PP000000000000000001",
        amount=150000,
        description=packet["ThongTinGiaoDich"],
        init_time="20240315143000",
        receipt_info=packet["ThongTinBienLai"],
        created_at=0.0,
        outcome=None,
        receipt_number="0000001",
    )
    pdf = render_receipt(transaction, None)
    assert pdf.startswith(b"%PDF") and b"dvcFALLBACK" in pdf


# --- evidence ------------------------------------------------------------------------------------------------------


def test_evidence_rows_for_init_and_the_outbound_ipn(client: httpx.Client, mock: RunningMock, sut: SutReceiver) -> None:
    reference = new_reference()
    init(client, reference, amount=150001)
    wait_idle(mock)
    rows = exchanges(client, ma_tham_chieu=reference)
    [init_row] = [row for row in rows if row["service"] == "INIT"]
    assert init_row["direction"] == "inbound" and init_row["channel"] == "payment"
    assert init_row["verdict"] == "valid" and init_row["rules"] == []
    assert init_row["ma_ho_so"] == ["000.00.00.H56-240315-0001"]
    assert init_row["response"]["body"]["MaLoi"] == "00"
    [ipn_row] = [row for row in rows if row["direction"] == "outbound"]
    assert ipn_row["channel"] == "payment" and ipn_row["service"] == "IPN" and ipn_row["url"] == sut.url
    assert ipn_row["ma_ho_so"] == ["000.00.00.H56-240315-0001"]
    assert ipn_row["request"]["body"] == sut.ipns(reference)[0]
    assert ipn_row["response"]["body"]["MaLoi"] == "00" and ipn_row["verdict"] == "valid"


# --- the documentation mirrors the code --------------------------------------------------------------------------


def doc_block(name: str) -> str:
    text = (ROOT / "docs" / "payment-outcomes.md").read_text("utf-8")
    match = re.search(rf"<!-- {name}:begin[^>]*-->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert match, f"docs/payment-outcomes.md has no {name} block"
    return match.group(1).strip()


def test_doc_tables_list_exactly_the_code_entries() -> None:
    assert doc_block("outcome-table") == outcome_table()
    assert doc_block("choice-table") == choice_table()


def test_payment_settings_are_checked() -> None:
    assert PaymentSettings.from_config(MockConfig(extra={"payment": {"late_ipn_s": 2}})).late_ipn_s == 2.0
    for bad in ({"late_ipn_s": "soon"}, {"ipn_timeout_s": 11}, {"nope": 1}, {"pending_s": -1}, {"bank": 3}):
        with pytest.raises(UsageError):
            PaymentSettings.from_config(MockConfig(extra={"payment": bad}))
