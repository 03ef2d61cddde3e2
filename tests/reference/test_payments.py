"""The payments feature over real HTTP: the real mock payment platform sends its IPNs to a real portal.

The platform has one IPN URL per partner (`MockConfig.sut_ipn_url`), so this module runs its own mock
pointed at a port chosen up front, and starts every portal of the module on that port. Amounts select the
mock's outcomes (docs/payment-outcomes.md): 150001 approve, 150002 decline, ...; the catalogue fee of
FEE_PROCEDURE (8,000 đồng) selects none, so that transaction waits for a person on the pay page (or for
the IPNs a test forges).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import httpx
import pytest

from harness import sign_payment
from harness.requirements import load_catalogue
from mock_portal.config import MockConfig
from mock_portal.server import RunningMock, free_port, running_mock
from reference_portal.defects import defect_catalogue
from reference_portal.server import RunningPortal
from tests.reference.conftest import CONTROL, FEE_PROCEDURE, PortalFactory, dossier_request, exchanges

SECRET = "demo-secret"
TIMINGS = {"auto_delay_s": 0.1, "pending_s": 1.0, "late_ipn_s": 20.0, "duplicate_gap_s": 0.1, "ipn_timeout_s": 5}
APPROVE, DECLINE, PENDING, DUPLICATE, LATE, BAD_CHECKSUM, OUT_OF_ORDER = (
    150001, 150002, 150003, 150005, 150006, 150007, 150008,
)  # fmt: skip
FEE = 8000  # FEE_PROCEDURE's fee in the mock catalogue
PAY_STEP = "Đã thực hiện nghĩa vụ tài chính"
T = TypeVar("T")


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def portal_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def national(portal_port: int) -> Iterator[RunningMock]:
    """Overrides conftest's mock: this one sends its IPNs to the portal of this module."""
    ipn_url = f"http://127.0.0.1:{portal_port}/payment/ipn"
    with running_mock(MockConfig(port=0, sut_ipn_url=ipn_url, extra={"payment": TIMINGS})) as mock:
        yield mock


Start = Callable[..., AbstractContextManager[RunningPortal]]


@pytest.fixture
def start(portal_factory: PortalFactory, portal_port: int, admin: httpx.Client) -> Start:
    def on_the_ipn_port(**overrides: Any) -> AbstractContextManager[RunningPortal]:
        return portal_factory(port=portal_port, **overrides)

    return on_the_ipn_port


@pytest.fixture
def sut(start: Start) -> Iterator[RunningPortal]:
    with start() as running:
        yield running


@contextmanager
def portal(start: Start, defect: str | None) -> Iterator[tuple[RunningPortal, httpx.Client]]:
    with (
        start(defects={defect} if defect else set()) as running,
        httpx.Client(base_url=running.url, headers=CONTROL, timeout=15) as client,
    ):
        yield running, client


# --- helpers ------------------------------------------------------------------------------------------------


def wait_until(check: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def fee_dossier(control: httpx.Client, fee: int | None = None) -> str:
    """A dossier in status 6: received, then asked for the catalogue fee (or `fee`)."""
    created = control.post("/_control/dossiers", json=dossier_request(MaTTHC=FEE_PROCEDURE))
    assert created.status_code == 201, created.text
    code: str = created.json()["MaHoSo"]
    for body in ({"action": "receive"}, {"action": "request_fee", **({"amount": fee} if fee else {})}):
        moved = control.post(f"/_control/dossiers/{code}/actions", json=body)
        assert moved.status_code == 200, moved.text
    return code


def start_payment(control: httpx.Client, code: str, amount: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"MaHoSo": code} if amount is None else {"MaHoSo": code, "amount": amount}
    started = control.post("/_control/payments", json=body)
    assert started.status_code == 201, started.text
    answer: dict[str, Any] = started.json()
    return answer


def payment(control: httpx.Client, reference: str) -> dict[str, Any]:
    found = control.get(f"/_control/payments/{reference}")
    assert found.status_code == 200, found.text
    view: dict[str, Any] = found.json()
    return view


def dossier(control: httpx.Client, code: str) -> dict[str, Any]:
    found = control.get(f"/_control/dossiers/{code}")
    assert found.status_code == 200, found.text
    view: dict[str, Any] = found.json()
    return view


def settled(control: httpx.Client, reference: str, state: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        view = payment(control, reference)
        return view if view["TrangThai"] == state else None

    return wait_until(check, f"payment {reference} {state}")


def in_status(control: httpx.Client, code: str, status: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        view = dossier(control, code)
        return view if view["TrangThaiHoSo"] == status else None

    return wait_until(check, f"dossier {code} in status {status}")


def ipns(admin: httpx.Client, reference: str, count: int = 1) -> list[dict[str, Any]]:
    """The IPNs the platform sent for `reference`, once at least `count` were answered (evidence rows)."""

    def check() -> list[dict[str, Any]] | None:
        rows = exchanges(admin, service="IPN", ma_tham_chieu=reference)
        return rows if len(rows) >= count else None

    return wait_until(check, f"{count} IPN(s) for {reference}")


def forged_ipn(reference: str, amount: int, *, secret: str = SECRET, ma_loi: str = "00") -> dict[str, Any]:
    """An IPN as the platform would send it, signed with `secret` (the mock's own signing)."""
    packet = {
        "LoaiBanTin": "PAY", "MaLoi": ma_loi, "MaDoiTac": "DEMO", "MaThamChieu": reference, "SoTien": amount,
        "MaTienTe": "VND", "MaGiaoDich": "PP240315143000000777", "MaNganHang": "VCB",
        "ThoiGianGD": "20240315143500", "ThongTinGiaoDich": f"THANH TOAN {reference}",
    }  # fmt: skip
    return sign_payment(packet, "payment.IPN", secret)


def post_ipn(running: RunningPortal, packet: Any) -> dict[str, Any]:
    response = httpx.post(f"{running.url}/payment/ipn", json=packet, timeout=10)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def pay_steps(control: httpx.Client, admin: httpx.Client, code: str) -> list[dict[str, Any]]:
    """The payment steps DVCQG received for the dossier (CapNhatTienDoHoSoMC), after flushing the outbox."""
    flushed = control.post("/_control/sync")
    assert flushed.status_code == 200 and flushed.json()["pending"] == 0, flushed.text
    rows = exchanges(admin, service="CapNhatTienDoHoSoMC", ma_ho_so=code)
    items = [item for row in rows for item in row["request"]["body"]["data"]]
    return [item for item in items if item["NoiDungXuLy"].startswith(PAY_STEP)]


# --- the fee flow -------------------------------------------------------------------------------------------


def test_fee_paid_on_the_pay_page_moves_the_dossier_syncs_it_and_keeps_the_receipt(
    control: httpx.Client, admin: httpx.Client, national: RunningMock
) -> None:
    code = fee_dossier(control)
    fees = dossier(control, code)["record"]["DanhSachLePhi"]
    assert sum(int(line["Gia"]) for line in fees) == FEE

    started = start_payment(control, code)
    reference = started["MaThamChieu"]
    assert started["SoTien"] == FEE
    assert started["UrlThanhToan"].startswith(f"{national.url}/payment/pay/")
    view = payment(control, reference)
    assert (view["MaHoSo"], view["TrangThai"], view["receipt"]) == (code, "pending", False)
    assert view["MaGiaoDich"], "the INIT reply's MaGiaoDich is kept"
    (init,) = exchanges(admin, service="INIT", ma_tham_chieu=reference)
    assert (init["verdict"], init["rules"]) == ("valid", []), init["rules"]  # checksum, receipt lines, formats
    assert init["request"]["body"]["SoTien"] == str(FEE)
    assert init["request"]["body"]["ThongTinBienLai"]["MaHoSo"] == code

    page = httpx.get(started["UrlThanhToan"], timeout=10)
    assert page.status_code == 200 and reference in page.text
    chosen = httpx.post(started["UrlThanhToan"], data={"outcome": "approve"}, timeout=10)
    assert chosen.status_code == 303

    paid = settled(control, reference, "paid")
    assert (paid["recorded"], paid["collected"], paid["MaNganHang"]) == (1, FEE, "VCB")
    moved = in_status(control, code, "4")
    assert moved["record"]["DuocThanhToanTrucTuyen"] == "1"
    assert [step["action"] for step in moved["history"]].count("pay") == 1
    (ipn,) = ipns(admin, reference)
    assert (ipn["status"], ipn["verdict"], ipn["rules"]) == (200, "valid", []), ipn["rules"]
    assert ipn["response"]["body"]["MaLoi"] == "00"

    with_receipt = wait_until(lambda: payment(control, reference)["receipt"] and payment(control, reference), "receipt")
    assert with_receipt["SoBienLai"]
    pdf = control.get(f"/_control/payments/{reference}/receipt")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and reference.encode() in pdf.content  # the PDF metadata names it
    assert all(row["verdict"] == "valid" for row in exchanges(admin, service="GET_BILL", ma_tham_chieu=reference))

    assert len(pay_steps(control, admin, code)) == 1
    synced = exchanges(admin, service="DongBoHoSoMC", ma_ho_so=code)[-1]
    assert synced["verdict"] == "valid", synced["rules"]
    item = synced["request"]["body"]["data"][0]
    assert (item["TrangThaiHoSo"], item["DuocThanhToanTrucTuyen"]) == ("4", "1")

    again = control.post("/_control/payments", json={"MaHoSo": code})
    assert again.status_code == 409, again.text


def test_declined_payment_leaves_the_dossier_waiting_and_a_new_payment_can_follow(
    control: httpx.Client, admin: httpx.Client
) -> None:
    code = fee_dossier(control)
    declined = start_payment(control, code, amount=DECLINE)["MaThamChieu"]
    (init,) = exchanges(admin, service="INIT", ma_tham_chieu=declined)
    assert (init["verdict"], init["rules"]) == ("valid", [])  # the override's receipt lines add up (PAY-AMOUNT)
    failed = settled(control, declined, "failed")
    assert (failed["receipt"], failed["recorded"], failed["dossier_update"]) == (False, 0, "none")
    (ipn,) = ipns(admin, declined)
    assert ipn["verdict"] == "valid" and ipn["response"]["body"]["MaLoi"] == "00"  # a failure IPN is acknowledged
    assert dossier(control, code)["TrangThaiHoSo"] == "6"

    retried = start_payment(control, code, amount=APPROVE)["MaThamChieu"]
    assert retried != declined
    settled(control, retried, "paid")
    in_status(control, code, "4")
    assert payment(control, declined)["TrangThai"] == "failed"


def test_pending_payment_is_polled_with_query_until_the_platform_knows(
    control: httpx.Client, admin: httpx.Client
) -> None:
    code = fee_dossier(control, fee=PENDING)
    reference = start_payment(control, code)["MaThamChieu"]
    assert payment(control, reference)["TrangThai"] == "pending"
    settled(control, reference, "paid")
    in_status(control, code, "4")
    queries = exchanges(admin, service="QUERY", ma_tham_chieu=reference)
    assert any(q["response"]["body"].get("TrangThaiGD") == "3" for q in queries), "polled while pending"
    assert all(q["verdict"] == "valid" for q in queries), [q["rules"] for q in queries]


def test_refused_ipn_converges_through_query(control: httpx.Client, admin: httpx.Client) -> None:
    code = fee_dossier(control, fee=BAD_CHECKSUM)
    reference = start_payment(control, code)["MaThamChieu"]
    (ipn,) = ipns(admin, reference)
    assert ipn["response"]["body"]["MaLoi"] == "99" and ipn["verdict"] == "valid"  # the refusal is right
    paid = settled(control, reference, "paid")
    assert paid["recorded"] == 1
    in_status(control, code, "4")


def test_late_ipn_converges_through_query_before_it_arrives(control: httpx.Client, admin: httpx.Client) -> None:
    code = fee_dossier(control, fee=LATE)
    reference = start_payment(control, code)["MaThamChieu"]
    settled(control, reference, "paid")
    in_status(control, code, "4")
    assert exchanges(admin, service="IPN", ma_tham_chieu=reference) == []  # due 20 s after the payment


def test_failure_of_an_earlier_attempt_does_not_undo_the_payment(control: httpx.Client, admin: httpx.Client) -> None:
    code = fee_dossier(control, fee=OUT_OF_ORDER)
    reference = start_payment(control, code)["MaThamChieu"]
    stale, success = ipns(admin, reference, count=2)
    assert (stale["request"]["body"]["MaLoi"], success["request"]["body"]["MaLoi"]) == ("01", "00")
    assert all(row["verdict"] == "valid" for row in (stale, success))
    paid = settled(control, reference, "paid")
    assert paid["recorded"] == 1 and paid["MaGiaoDich"] == success["request"]["body"]["MaGiaoDich"]
    in_status(control, code, "4")
    assert len(pay_steps(control, admin, code)) == 1


# --- IPN checks: each shown right, and wrong under its defect switch ---------------------------------------


def test_every_payment_defect_names_catalogued_requirements() -> None:
    known = set(load_catalogue().requirements)
    defects = [d for d in defect_catalogue().values() if d.area == "payment"]
    assert len(defects) >= 6
    assert all(d.requirements and set(d.requirements) <= known for d in defects), [d.requirements for d in defects]


@pytest.mark.parametrize("defect", [None, "ipn-not-idempotent"])
def test_duplicate_ipn(start: Start, admin: httpx.Client, defect: str | None) -> None:
    with portal(start, defect) as (_, control):
        code = fee_dossier(control, fee=DUPLICATE)
        reference = start_payment(control, code)["MaThamChieu"]
        first, second = ipns(admin, reference, count=2)
        assert first["request"]["body"] == second["request"]["body"]
        for row in (first, second):  # both acknowledged alike
            assert (row["status"], row["verdict"], row["response"]["body"]["MaLoi"]) == (200, "valid", "00")
        view = settled(control, reference, "paid")
        in_status(control, code, "4")
        steps = pay_steps(control, admin, code)
        if defect:  # 2, or 3 when a QUERY recorded the payment before the first IPN
            assert view["recorded"] >= 2 and view["collected"] == view["recorded"] * DUPLICATE
            assert len(steps) == view["recorded"]
        else:
            assert (view["recorded"], view["collected"]) == (1, DUPLICATE)
            assert len(steps) == 1
        assert [s["action"] for s in dossier(control, code)["history"]].count("pay") == 1


@pytest.mark.parametrize("defect", [None, "ipn-without-checksum"])
def test_ipn_with_a_wrong_or_missing_checksum(start: Start, defect: str | None) -> None:
    with portal(start, defect) as (running, control):
        code = fee_dossier(control)
        reference = start_payment(control, code)["MaThamChieu"]
        forged = forged_ipn(reference, FEE, secret="not-the-secret")
        unsigned = {k: v for k, v in forged_ipn(reference, FEE).items() if k != "MaXacThuc"}
        replies = [post_ipn(running, forged), post_ipn(running, unsigned)]
        if defect:
            assert [r["MaLoi"] for r in replies] == ["00", "00"]
            settled(control, reference, "paid")
            in_status(control, code, "4")
            return
        assert [r["MaLoi"] for r in replies] == ["99", "99"]
        assert all("MaXacThuc" in r["MoTaLoi"] for r in replies)
        assert payment(control, reference)["TrangThai"] == "pending"
        assert dossier(control, code)["TrangThaiHoSo"] == "6"
        genuine = forged_ipn(reference, FEE)
        reply = post_ipn(running, genuine)  # the same IPN, rightly signed: accepted and echoed
        echoed = {k: genuine[k] for k in ("MaDoiTac", "MaThamChieu", "ThoiGianGD", "MaXacThuc")}
        assert reply == {"MaLoi": "00", "MoTaLoi": "Thành công", **echoed}
        settled(control, reference, "paid")
        in_status(control, code, "4")


@pytest.mark.parametrize("defect", [None, "ipn-amount-unchecked"])
def test_ipn_for_another_amount(start: Start, defect: str | None) -> None:
    with portal(start, defect) as (running, control):
        code = fee_dossier(control)
        reference = start_payment(control, code)["MaThamChieu"]
        reply = post_ipn(running, forged_ipn(reference, FEE - 7000))
        if defect:
            assert reply["MaLoi"] == "00"
            settled(control, reference, "paid")
            in_status(control, code, "4")
            return
        assert reply["MaLoi"] == "99" and "SoTien" in reply["MoTaLoi"]
        assert payment(control, reference)["TrangThai"] == "pending"
        assert post_ipn(running, forged_ipn(reference, FEE))["MaLoi"] == "00"
        in_status(control, code, "4")


@pytest.mark.parametrize("defect", [None, "ipn-unknown-reference-accepted"])
def test_ipn_for_an_unknown_reference(start: Start, defect: str | None) -> None:
    with portal(start, defect) as (running, control):
        reply = post_ipn(running, forged_ipn("dvcNEVERINITIATED20240315", 150000))
        assert reply["MaLoi"] == ("00" if defect else "99")
        assert control.get("/_control/payments/dvcNEVERINITIATED20240315").status_code == 404


def test_failure_ipn_after_success_changes_nothing(sut: RunningPortal, control: httpx.Client) -> None:
    code = fee_dossier(control)
    reference = start_payment(control, code)["MaThamChieu"]
    assert post_ipn(sut, forged_ipn(reference, FEE))["MaLoi"] == "00"
    in_status(control, code, "4")
    assert post_ipn(sut, forged_ipn(reference, FEE, ma_loi="01"))["MaLoi"] == "00"  # a stale failure
    assert payment(control, reference)["TrangThai"] == "paid"


HOSTILE: list[tuple[bytes, str]] = [
    (b"", "application/json"),
    (b"not json", "application/json"),
    (b"[]", "application/json"),
    (b'"IPN"', "application/json"),
    (b"null", "application/json"),
    (b"{}", "application/json"),
    (b'{"MaThamChieu": "x"}', "text/plain"),
    (b"[" * 5000 + b"]" * 5000, "application/json"),
    (b'{"LoaiBanTin": "PAY", "SoTien": [1], "MaThamChieu": {"a": 1}, "MaXacThuc": 7}', "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
]


def test_hostile_ipn_bodies_are_refused_without_a_server_error(sut: RunningPortal, control: httpx.Client) -> None:
    code = fee_dossier(control)
    reference = start_payment(control, code)["MaThamChieu"]
    long = forged_ipn(reference, FEE) | {"MaThamChieu": "x" * 100_000}
    floaty = forged_ipn(reference, FEE) | {"SoTien": 8000.5}
    bodies = [*HOSTILE, (httpx.Request("POST", "/", json=long).content, "application/json")]
    bodies.append((httpx.Request("POST", "/", json=floaty).content, "application/json"))
    for body, content_type in bodies:
        response = httpx.post(f"{sut.url}/payment/ipn", content=body, headers={"content-type": content_type})
        assert response.status_code < 500, (body[:60], response.text)
        assert response.json()["MaLoi"] == "99", body[:60]
        assert "x" * 300 not in response.text  # no echo of what the reply schema would refuse
    assert payment(control, reference)["TrangThai"] == "pending"


# --- reconciliation and INIT under their defect switches -----------------------------------------------------


@pytest.mark.parametrize("defect", [None, "no-query-polling"])
def test_lost_ipn_without_query_polling(start: Start, admin: httpx.Client, defect: str | None) -> None:
    with portal(start, defect) as (_, control):
        code = fee_dossier(control, fee=BAD_CHECKSUM)
        reference = start_payment(control, code)["MaThamChieu"]
        ipns(admin, reference)  # refused: only QUERY can tell the portal
        if not defect:
            settled(control, reference, "paid")
            in_status(control, code, "4")
            return
        time.sleep(1.5)  # more than seven polling rounds (payment_poll_s 0.2)
        assert payment(control, reference)["TrangThai"] == "pending"
        assert dossier(control, code)["TrangThaiHoSo"] == "6"
        assert exchanges(admin, service="QUERY", ma_tham_chieu=reference) == []


@pytest.mark.parametrize("defect", [None, "init-bad-checksum"])
def test_init_checksum(start: Start, admin: httpx.Client, defect: str | None) -> None:
    with portal(start, defect) as (_, control):
        code = fee_dossier(control)
        started = control.post("/_control/payments", json={"MaHoSo": code})
        (init,) = exchanges(admin, service="INIT", ma_ho_so=code)
        if not defect:
            assert started.status_code == 201 and (init["verdict"], init["rules"]) == ("valid", [])
            return
        assert started.status_code == 502 and "MaLoi 02" in started.json()["detail"]
        assert "PAY-CHECKSUM" in init["rules"]
        failed = payment(control, init["ma_tham_chieu"])
        assert failed["TrangThai"] == "failed" and failed["last_error"]


# --- the control API refuses what it cannot do ---------------------------------------------------------------


def test_control_payments_refuses_bad_requests(sut: RunningPortal, control: httpx.Client) -> None:
    code = fee_dossier(control)
    assert httpx.post(f"{sut.url}/_control/payments", json={"MaHoSo": code}).status_code == 401
    assert httpx.get(f"{sut.url}/_control/payments/x").status_code == 401
    bodies: list[Any] = [[], {}, {"MaHoSo": ""}, {"MaHoSo": 7}, {"MaHoSo": code, "x": 1}]
    bodies += [{"MaHoSo": code, "amount": amount} for amount in (0, -5, "8000", True, 8000.0)]
    for body in bodies:
        refused = control.post("/_control/payments", json=body)
        assert refused.status_code == 422, (body, refused.text)
    malformed = control.post("/_control/payments", content=b"{", headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert control.post("/_control/payments", json={"MaHoSo": "000.00.01.H56-000000-9999"}).status_code == 404
    created = control.post("/_control/dossiers", json=dossier_request(MaTTHC=FEE_PROCEDURE)).json()["MaHoSo"]
    assert control.post("/_control/payments", json={"MaHoSo": created}).status_code == 409  # status 1, no fee asked
    assert control.get("/_control/payments/nosuchreference").status_code == 404
    reference = start_payment(control, code)["MaThamChieu"]
    assert control.get(f"/_control/payments/{reference}/receipt").status_code == 404  # not paid


def test_failed_payment_left_pending(start: Start, admin: httpx.Client) -> None:
    with portal(start, "failed-payment-left-pending") as (_, control):
        code = fee_dossier(control)
        declined = start_payment(control, code, amount=DECLINE)["MaThamChieu"]
        (ipn,) = ipns(admin, declined)
        assert ipn["response"]["body"]["MaLoi"] == "00"  # the failure is acknowledged...
        assert payment(control, declined)["TrangThai"] == "pending"  # ... and forgotten
        assert dossier(control, code)["TrangThaiHoSo"] == "6"  # the dossier still (rightly) waits for its fee
