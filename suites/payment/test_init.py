"""Starting a payment (docs/reference/dvcqg-interfaces.md §11.1(a)): the INIT the SUT sends to the national payment
platform for a dossier's fee, as the platform received and judged it (evidence), and what the SUT answered the
control API.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.conformance import items, request_body
from suites._support import FEE_PROCEDURE
from suites.payment._flows import FEE_STATUS, FeeFlow, PaymentRun, init_of, listed, reply_body

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = [pytest.mark.capability("payment"), pytest.mark.dvc_needs("dossier-sync")]

#: the values every known client sends (docs/reference/dvcqg-interfaces.md §11.1(a): TD and OpenCPS defaults)
OBSERVED = {"LoaiBanTin": "INIT", "LoaiHinhThanhToan": "PAY", "MaTienTe": "VND", "NgonNgu": "vi-VN"}
#: rules other tests own: the checksum (PAY-INIT-CHECKSUM) and the amount (PAY-INIT-AMOUNT)
OWNED_ELSEWHERE = {"PAY-CHECKSUM", "PAY-AMOUNT"}


def _started(payments: PaymentRun) -> list[str]:
    """Payments the SUT could not start, said once (the INIT tests below judge what it sent)."""
    return [
        f"{flow.label()}: starting the payment failed: {attempt.error}"
        for flow in payments.each()
        for attempt in flow.attempts
        if attempt.ref is None
    ]


def _inits(flow: FeeFlow) -> list[dict[str, Any]]:
    return flow.exchanges("INIT")


def _amount(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() else None


@pytest.mark.req("PAY-INIT-FIELDS")
@pytest.mark.req(
    "TT21-D5-K1-ONLINE-SERVICE",
    partial="checks the online payment of a fee through the national payment platform; the other online "
    "functions are checked by the one-stop suites",
)
def test_init_carries_every_field_with_the_observed_values(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each():
        rows = _inits(flow)
        if not rows:
            problems.append(f"{flow.label()}: no INIT reached the payment platform")
        for row in rows:
            body = request_body(row) or {}
            where = f"{flow.label()} INIT {row.get('ma_tham_chieu')}"
            broken = [rule for rule in row.get("rules") or [] if rule not in OWNED_ELSEWHERE]
            if broken:
                problems.append(f"{where}: the platform refused it under {broken}: {reply_body(row)}")
            expected = {**OBSERVED, "MaDoiTac": payments.partner}
            wrong = {k: body.get(k) for k, v in expected.items() if body.get(k) != v}
            if wrong:
                problems.append(f"{where}: {wrong}, expected {expected}")
            receipt = body.get("ThongTinBienLai") or {}
            if (receipt.get("MaHoSo"), receipt.get("MaTTHC"), receipt.get("MaDichVu")) != (
                flow.code,
                FEE_PROCEDURE,
                "2",
            ):
                problems.append(
                    f"{where}: ThongTinBienLai names dossier {receipt.get('MaHoSo')!r}, procedure "
                    f"{receipt.get('MaTTHC')!r}, MaDichVu {receipt.get('MaDichVu')!r} "
                    f'(expected {flow.code}, {FEE_PROCEDURE}, "2" = phí, lệ phí)'
                )
    assert not problems, "INIT packets not as documented:\n" + listed(problems + _started(payments))


@pytest.mark.req("PAY-INIT-CHECKSUM")
def test_init_checksum_is_accepted_by_the_platform(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each():
        for row in _inits(flow):
            reply = reply_body(row) or {}
            if "PAY-CHECKSUM" in (row.get("rules") or []) or reply.get("MaLoi") == "02":
                problems.append(
                    f"{flow.label()} INIT {row.get('ma_tham_chieu')}: MaXacThuc is not SHA-256 of the x-checksum "
                    f"fields with the partner secret last; the platform answered MaLoi {reply.get('MaLoi')!r}"
                )
    assert not problems, "INIT checksums refused:\n" + listed(problems + _started(payments))
    assert not _started(payments), "payments could not be started:\n" + listed(_started(payments))


@pytest.mark.req("PAY-INIT-REFERENCE-UNIQUE")
def test_every_payment_has_its_own_reference(payments: PaymentRun) -> None:
    problems = []
    seen: dict[str, str] = {}
    for flow in payments.each():
        for row in _inits(flow):
            ref = str((request_body(row) or {}).get("MaThamChieu"))
            if ref in seen:
                problems.append(f"{flow.label()}: MaThamChieu {ref} was already used by {seen[ref]}")
            seen[ref] = flow.label()
            if len(ref) > 255:
                problems.append(f"{flow.label()}: MaThamChieu of {len(ref)} characters (at most 255)")
            if "MOCK-PAY-DUPLICATE-REF" in (row.get("rules") or []):
                problems.append(f"{flow.label()}: the platform refused MaThamChieu {ref} as already initiated")
        for attempt in flow.attempts:
            if attempt.ref is not None and attempt.ref.ma_tham_chieu not in seen:
                problems.append(
                    f"{flow.label()}: the control API answered MaThamChieu {attempt.ref.ma_tham_chieu}, "
                    "but no INIT carried it"
                )
    decline = payments.flows["decline"]
    if len(decline.refs) == 2 and decline.refs[0] == decline.refs[1]:
        problems.append(f"{decline.label()}: paying again after a failed payment reused MaThamChieu {decline.refs[0]}")
    assert not problems, "payment references not unique:\n" + listed(problems)


@pytest.mark.req("PAY-INIT-AMOUNT")
def test_init_amount_is_the_fee_the_dossier_owes(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each():
        owed = _owed(flow)
        for attempt in flow.attempts:
            if attempt.ref is None:
                continue
            init = init_of(flow, attempt.ref.ma_tham_chieu)
            if init is None:
                continue
            body = request_body(init) or {}
            amount = _amount(body.get("SoTien"))
            expected = attempt.override if attempt.override is not None else owed
            where = f"{flow.label()} INIT {attempt.ref.ma_tham_chieu}"
            if amount != expected or attempt.ref.amount != amount:
                problems.append(
                    f"{where}: SoTien {body.get('SoTien')!r}, control API SoTien {attempt.ref.amount}, but the dossier "
                    f"owes {expected} (DanhSachLePhi synced in status {FEE_STATUS})"
                )
            receipt = body.get("ThongTinBienLai") or {}
            for key in ("PhiLePhi", "DSKhoanNop"):
                lines = receipt.get(key) or []
                total = sum(_amount(line.get("SoTien")) or 0 for line in lines if isinstance(line, dict))
                if lines and total != amount:
                    problems.append(f"{where}: ThongTinBienLai.{key} adds up to {total}, SoTien is {amount}")
    assert not problems, "INIT amounts differ from the fee owed:\n" + listed(problems)


def _owed(flow: FeeFlow) -> int | None:
    """The fee the dossier owes: the requested amount, else the fee lines DVCQG received in status 6."""
    if flow.fee is not None:
        return flow.fee
    fee_items = [item for item in items(flow.fee_row)] if flow.fee_row else []
    lines = [line for item in fee_items for line in item.get("DanhSachLePhi") or [] if isinstance(line, dict)]
    return sum(_amount(line.get("Gia")) or 0 for line in lines) or None


@pytest.mark.req("PAY-INIT-REDIRECT")
def test_the_payer_is_sent_to_the_platform_pay_page(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each():
        for attempt in flow.attempts:
            if attempt.ref is None:
                continue
            init = init_of(flow, attempt.ref.ma_tham_chieu)
            offered = (reply_body(init) or {}).get("UrlThanhToan") if init else None
            if offered != attempt.ref.url:
                problems.append(
                    f"{flow.label()}: the platform's UrlThanhToan is {offered!r}, the SUT gives the payer "
                    f"{attempt.ref.url!r}"
                )
    assert not problems, "the payer is not sent to the platform's pay page:\n" + listed(problems)


@pytest.mark.req("PAY-PARTNER")
def test_every_payment_message_names_the_registered_partner(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each():
        for service in ("INIT", "QUERY", "GET_BILL"):
            for row in flow.exchanges(service):
                given = (request_body(row) or {}).get("MaDoiTac")
                if given != payments.partner or "MOCK-PAY-PARTNER" in (row.get("rules") or []):
                    problems.append(f"{flow.label()} {service} seq {row['seq']}: MaDoiTac {given!r}")
    assert not problems, f"messages not from the registered partner {payments.partner!r}:\n" + listed(problems)
