"""The fee flows of the payment suite, driven once per run (docs/reference/dvcqg-interfaces.md §11.1,
docs/payment-outcomes.md).

Every flow is one dossier asked for its fee (status 6) whose payment the SUT starts on the national payment
platform we play. The amount selects what the platform does by itself (`SoTien % 1000`: approve, decline,
pending, duplicate IPN, late IPN, IPN with a wrong checksum, a failure of an earlier attempt first); amounts
ending in 000 wait for a person on the pay page, which gives the suite time to send the SUT hostile IPNs of
its own (wrong or missing checksum, another amount, an unknown reference) before a person pays. Every flow
ends paid, so each requirement is then checked over every dossier by its own test.

Outcomes are chosen by amount rather than with the mock's IPN faults: a fault applies to the next IPN of
any transaction, and the flows here run side by side.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import httpx

from harness import get_validator, sign_payment
from harness.conformance import ConformanceEnvironment, Evidence, ExchangeNotReceived, accepted, items, request_body
from harness.sut import Action, DossierView, PaymentRef, SutError
from suites._support import FEE_PROCEDURE, PATHS, REASONS, applicant
from suites.portal._http import control_client

Exchange = dict[str, Any]

#: amounts that select the platform's outcome (docs/payment-outcomes.md: `SoTien % 1000`)
APPROVE, DECLINE, PENDING, DUPLICATE, LATE, BAD_CHECKSUM, OUT_OF_ORDER = (
    150_001, 150_002, 150_003, 150_005, 150_006, 150_007, 150_008,
)  # fmt: skip
#: an amount that selects nothing: the transaction waits for a person on the pay page
BY_A_PERSON = 150_000
FEE_STATUS, PROCESSING = "6", "4"  # TrangThaiHoSo: awaiting the fee; processing (where a paid dossier returns)
ONLINE_PAID = "1"  # DuocThanhToanTrucTuyen: paid online through DVCQG's payment platform
IPN_SUCCESS = "00"
SERVICES = ("INIT", "IPN", "QUERY", "GET_BILL", "DongBoHoSoMC", "CapNhatTienDoHoSoMC")
#: flows whose outcome the platform plays by itself, and the number of IPNs it sends for each
AUTOMATIC: dict[str, tuple[int, int]] = {
    "approve": (APPROVE, 1),
    "decline": (DECLINE, 1),
    "pending": (PENDING, 1),
    "duplicate-ipn": (DUPLICATE, 2),
    "late-ipn": (LATE, 1),
    "bad-checksum-ipn": (BAD_CHECKSUM, 1),
    "out-of-order": (OUT_OF_ORDER, 2),
}
#: automatic flows that settle at once, and those that take the platform's `pending_s` / `late_ipn_s`
SLOW = ("pending", "late-ipn")
QUICK = tuple(name for name in AUTOMATIC if name not in SLOW)
#: flows a person pays on the pay page, after the suite's own IPN (if any) was refused
BY_HAND = ("pay-page", "forged-checksum", "unsigned", "amount-mismatch", "unknown-reference")
VN = timezone(timedelta(hours=7))


@dataclass
class Attempt:
    """One payment the SUT was asked to start; `ref` is None when the start failed (`error` says why)."""

    ref: PaymentRef | None
    error: str = ""
    override: int | None = None  # the `amount` passed to start_payment (None: the fee the dossier owes)


@dataclass
class Forged:
    """An IPN the suite itself sent to the SUT's IPN URL, and the SUT's answer."""

    kind: str
    packet: dict[str, Any]
    status: int | None
    reply: Any

    @property
    def acknowledged(self) -> bool:
        return self.status == 200 and isinstance(self.reply, dict) and self.reply.get("MaLoi") == IPN_SUCCESS

    def shown(self) -> str:
        return f"HTTP {self.status}, {str(self.reply)[:300]}"


@dataclass
class FeeFlow:
    name: str
    code: str
    fee: int | None  # what request_fee asked for; None: the procedure's catalogue fee
    attempts: list[Attempt] = field(default_factory=list)
    forged: list[Forged] = field(default_factory=list)
    fee_row: Exchange | None = None  # DVCQG's accepted DongBoHoSoMC of status 6, before any payment
    checkpoint: DossierView | None = None  # the SUT's view after a refused or failed report, before paying
    checkpoint_synced: list[Exchange] = field(default_factory=list)  # DVCQG's DongBoHoSoMC at that moment
    #: the SUT's record of each payment at the checkpoint (`GET /_control/payments/{MaThamChieu}`: TrangThai...); a
    #: reference the SUT could not show maps to why
    payment_views: dict[str, dict[str, Any] | str] = field(default_factory=dict)
    pay_page: str = ""  # what the pay page said when the suite paid there (empty: fine)
    view: DossierView | None = None  # the SUT's view at the end
    rows: dict[str, list[Exchange]] = field(default_factory=dict)

    @property
    def refs(self) -> list[str]:
        return [a.ref.ma_tham_chieu for a in self.attempts if a.ref is not None]

    @property
    def paid_ref(self) -> str | None:
        """The reference of the attempt that pays (the last one started)."""
        return self.refs[-1] if self.refs else None

    def exchanges(self, service: str, ref: str | None = None) -> list[Exchange]:
        return [r for r in self.rows.get(service, []) if ref is None or r.get("ma_tham_chieu") == ref]

    def forged_of(self, kind: str) -> Forged | None:
        return next((f for f in self.forged if f.kind == kind), None)

    def started(self) -> bool:
        return self.paid_ref is not None

    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass
class PaymentRun:
    flows: dict[str, FeeFlow]
    partner: str
    ipn_url: str

    def each(self, names: Iterable[str] | None = None) -> list[FeeFlow]:
        wanted = list(self.flows) if names is None else list(names)
        return [self.flows[name] for name in wanted if name in self.flows]


def listed(problems: list[str], limit: int = 12) -> str:
    """Problems one a line, the first `limit` of them (a SUT that breaks a rule everywhere says so once)."""
    shown = "\n".join(problems[:limit])
    return shown + (f"\n... and {len(problems) - limit} more" if len(problems) > limit else "")


# --- reading the SUT and the evidence ------------------------------------------------------------------------


def statuses(row: Exchange) -> list[str]:
    return [str(item.get("TrangThaiHoSo")) for item in items(row)]


def paid_transitions(history_statuses: list[str]) -> int:
    """How many times the dossier went from awaiting its fee (6) straight to processing (4)."""
    return sum(1 for pair in itertools.pairwise(history_statuses) if pair == (FEE_STATUS, PROCESSING))


def after_fee(flow: FeeFlow) -> list[Exchange]:
    """DVCQG's accepted DongBoHoSoMC of the dossier since it was asked for the fee."""
    start = int(flow.fee_row["seq"]) if flow.fee_row else 0
    return [r for r in flow.exchanges("DongBoHoSoMC") if accepted(r) and int(r["seq"]) > start]


def paid_sync(flow: FeeFlow) -> dict[str, Any] | None:
    """The first dossier item DVCQG accepted in status 4 after the fee request: the payment's sync."""
    for row in after_fee(flow):
        for item in items(row):
            if item.get("TrangThaiHoSo") == PROCESSING:
                return item
    return None


def reply_body(row: Exchange) -> Any:
    return (row.get("response") or {}).get("body")


def receipt_fetched(row: Exchange) -> bool:
    """A GET_BILL answered with the receipt: JSON with MaLoi "00" and BienLai, or the PDF itself (asked for with
    `Accept: application/pdf`, as TD stores it)."""
    if row.get("status") != 200:
        return False
    headers = {str(k).lower(): str(v) for k, v in ((row.get("response") or {}).get("headers") or {}).items()}
    body = reply_body(row)
    return "application/pdf" in headers.get("content-type", "") or (accepted(row) and bool(body.get("BienLai")))


def init_of(flow: FeeFlow, ref: str) -> Exchange | None:
    found = flow.exchanges("INIT", ref)
    return found[0] if found else None


# --- IPNs the suite forges ----------------------------------------------------------------------------------


def partner_secret(env: ConformanceEnvironment) -> str:
    """The secret the national platform shares with the SUT: the mock's (its default when we did not start it)."""
    from mock_portal.config import MockConfig

    config = getattr(getattr(getattr(env.mock, "app", None), "mock", None), "config", None)
    return str(getattr(config, "payment_secret", MockConfig.payment_secret))


def ipn_packet(
    init: Exchange, partner: str, secret: str, *, ma_loi: str = IPN_SUCCESS, **changes: Any
) -> dict[str, Any]:
    """The IPN the platform would send for the transaction `init` started, signed with `secret`; `changes`
    are applied before signing (so a changed amount or reference is still correctly signed)."""
    sent, answered = request_body(init) or {}, reply_body(init) or {}
    packet: dict[str, Any] = {
        "LoaiBanTin": "PAY",
        "MaLoi": ma_loi,
        "MaDoiTac": partner,
        "MaThamChieu": sent.get("MaThamChieu"),
        "SoTien": int(str(sent.get("SoTien"))),
        "MaTienTe": "VND",
        "MaGiaoDich": answered.get("MaGiaoDich") or "PP000000000000000001",
        "MaNganHang": "VCB",
        "ThoiGianGD": datetime.now(VN).strftime("%Y%m%d%H%M%S"),
        "ThongTinGiaoDich": sent.get("ThongTinGiaoDich"),
    }
    packet.update(changes)
    return sign_payment(packet, "payment.IPN", secret)  # MaXacThuc over the schema's x-checksum fields, secret last


def _assert_forged(kind: str, packet: dict[str, Any], secret: str, expected: set[str]) -> None:
    """A forged IPN must be wrong in exactly the intended way, or its refusal proves nothing."""
    found = {v.rule for v in get_validator("payment.IPN", "strict").validate(packet, secret=secret).violations}
    if found != expected:
        raise AssertionError(f"harness bug: the forged {kind} IPN breaks {sorted(found)}, meant {sorted(expected)}")


def post_ipn(url: str, kind: str, packet: dict[str, Any]) -> Forged:
    try:
        response = httpx.post(url, json=packet, timeout=10, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Forged(kind, packet, None, f"no answer: {type(exc).__name__}")
    try:
        reply: Any = response.json()
    except ValueError:
        reply = response.text[:300]
    return Forged(kind, packet, response.status_code, reply)


# --- driving ------------------------------------------------------------------------------------------------


class _Clock:
    """One deadline for a phase: flows converge side by side, so their waits share the budget."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())


def _wait(
    env: ConformanceEnvironment, service: str, code: str, clock: _Clock, where: Callable[[Exchange], bool]
) -> Exchange | None:
    """The first matching exchange, or None when the budget ran out (the tests then say what is missing)."""
    with contextlib.suppress(ExchangeNotReceived):
        return env.evidence.wait_for(service, code, timeout=clock.left(), where=where, nudge=env.driver.flush_sync)
    return None


def _count(evidence: Evidence, service: str, code: str, ref: str, wanted: int) -> Callable[[Exchange], bool]:
    def enough(_: Exchange) -> bool:
        return (
            sum(1 for r in evidence.exchanges(service=service, ma_ho_so=code) if r.get("ma_tham_chieu") == ref)
            >= wanted
        )

    return enough


def _open(env: ConformanceEnvironment, rng: random.Random, name: str, fee: int | None) -> FeeFlow:
    driver = env.driver
    code = driver.create_dossier(applicant(rng, procedure=FEE_PROCEDURE)).ma_ho_so
    for action in PATHS["fee-requested"]:
        driver.act(
            code, cast(Action, action), reason=REASONS.get(action), amount=fee if action == "request_fee" else None
        )
    return FeeFlow(name, code, fee)


def _start(env: ConformanceEnvironment, flow: FeeFlow, override: int | None = None) -> None:
    try:
        flow.attempts.append(Attempt(env.driver.start_payment(flow.code, override), override=override))
    except SutError as exc:
        flow.attempts.append(Attempt(None, f"{type(exc).__name__}: {str(exc)[:400]}", override))


def _pay_by_hand(flow: FeeFlow) -> None:
    """A person pays on the pay page (UrlThanhToan); scripts post the choice as JSON."""
    ref = flow.attempts[-1].ref if flow.attempts else None
    if ref is None:
        return
    try:
        response = httpx.post(ref.url, json={"outcome": "approve"}, timeout=10, follow_redirects=False)
    except httpx.HTTPError as exc:
        flow.pay_page = f"the pay page {ref.url} did not answer: {type(exc).__name__}"
        return
    if response.status_code != 200:
        flow.pay_page = f"the pay page {ref.url} refused the payment: HTTP {response.status_code} {response.text[:200]}"


def _forge(run: PaymentRun, flow: FeeFlow, env: ConformanceEnvironment, secret: str) -> None:
    ref = flow.paid_ref
    init = init_of(_refresh(env, flow), ref) if ref else None
    if init is None:
        return
    kind = flow.name
    if kind == "forged-checksum":
        packet = ipn_packet(init, run.partner, secret + "-not-the-secret")
        _assert_forged(kind, packet, secret, {"PAY-CHECKSUM"})
    elif kind == "unsigned":
        packet = {k: v for k, v in ipn_packet(init, run.partner, secret).items() if k != "MaXacThuc"}
        _assert_forged(kind, packet, secret, {"PAY-REQUIRED"})
    elif kind == "amount-mismatch":
        packet = ipn_packet(init, run.partner, secret, SoTien=BY_A_PERSON - 1000)
        _assert_forged(kind, packet, secret, set())
    elif kind == "unknown-reference":
        # a reference the SUT never initiated, naming this dossier waiting for its fee (OpenCPS reads MaHoSo)
        packet = ipn_packet(init, run.partner, secret, MaThamChieu=f"{ref}X", MaHoSo=flow.code)
        _assert_forged(kind, packet, secret, set())
    else:
        return
    flow.forged.append(post_ipn(run.ipn_url, kind, packet))


def _refresh(env: ConformanceEnvironment, flow: FeeFlow) -> FeeFlow:
    flow.rows = {service: env.evidence.exchanges(service=service, ma_ho_so=flow.code) for service in SERVICES}
    return flow


def _receipt_of(ref: str) -> Callable[[Exchange], bool]:
    def fetched(row: Exchange) -> bool:
        return row.get("ma_tham_chieu") == ref and receipt_fetched(row)

    return fetched


def _checkpoint(env: ConformanceEnvironment, flow: FeeFlow) -> None:
    env.driver.flush_sync()
    flow.checkpoint = env.driver.view(flow.code)
    flow.checkpoint_synced = env.evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=flow.code)
    flow.payment_views = {ref: _payment_view(env, ref) for ref in flow.refs}


def _payment_view(env: ConformanceEnvironment, ref: str) -> dict[str, Any] | str:
    """The SUT's own record of a payment (`GET /_control/payments/{MaThamChieu}`), or why it cannot be read."""
    if env.interactive or not env.description.control_url:
        return "not read: no control API (interactive mode)"
    try:
        with control_client(env) as control:
            answer = control.get(f"/_control/payments/{ref}")
    except httpx.HTTPError as exc:
        return f"not read: {type(exc).__name__}"
    if answer.status_code != 200:
        return f"not read: GET /_control/payments/{ref} answered HTTP {answer.status_code}"
    try:
        body = answer.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else f"not read: not a JSON object ({answer.text[:100]!r})"


def _settled(env: ConformanceEnvironment, flow: FeeFlow, clock: _Clock, ipns: int = 0) -> bool:
    """Wait for the platform's `ipns` IPNs, then until DVCQG accepted the dossier back in status 4 after its
    fee request; False when that did not happen within the budget."""
    if not flow.started():
        return False
    if ipns:
        _wait(env, "IPN", flow.code, clock, _count(env.evidence, "IPN", flow.code, flow.paid_ref or "", ipns))
    start = int(flow.fee_row["seq"]) if flow.fee_row else 0

    def moved_on(row: Exchange) -> bool:
        return accepted(row) and int(row["seq"]) > start and PROCESSING in statuses(row)

    return _wait(env, "DongBoHoSoMC", flow.code, clock, moved_on) is not None


def _fee_synced(row: Exchange) -> bool:
    return accepted(row) and FEE_STATUS in statuses(row)


def drive_payments(env: ConformanceEnvironment, seed: int) -> PaymentRun:
    rng = random.Random(f"{seed}:payments")
    description = env.description
    assert description.payment is not None, "the SUT declares `payment` but sut.toml has no [payment] section"
    run = PaymentRun({}, description.payment.ma_doi_tac, description.payment.ipn_url)
    secret = partner_secret(env)
    budget = 3 * description.sync_delay_s  # IPN or QUERY, then the sync: more than one send
    fees: dict[str, int | None] = {name: amount for name, (amount, _) in AUTOMATIC.items()}
    fees.update(dict.fromkeys(BY_HAND, BY_A_PERSON))
    fees["pay-page"] = None  # the procedure's own fee from the catalogue (8 000 đồng: selects no outcome)
    for name, fee in fees.items():
        run.flows[name] = _open(env, rng, name, fee)
    clock = _Clock(budget)  # the dossiers wait for their fee at DVCQG before anyone pays
    for flow in run.each():
        flow.fee_row = _wait(env, "DongBoHoSoMC", flow.code, clock, _fee_synced)

    for flow in run.each():
        _start(env, flow)
    for flow in run.each(BY_HAND):
        _forge(run, flow, env, secret)
    settled: set[str] = set()
    clock = _Clock(budget)
    decline = run.flows["decline"]
    if decline.started():  # the failure is reported; then the applicant pays again, successfully
        _wait(env, "IPN", decline.code, clock, _count(env.evidence, "IPN", decline.code, decline.paid_ref or "", 1))
        _checkpoint(env, decline)
        _start(env, decline, APPROVE)
    for name in QUICK:
        if _settled(env, run.flows[name], clock, AUTOMATIC[name][1]):
            settled.add(name)

    # the suite's own IPNs had time to take effect: look, then a person pays
    for flow in run.each(BY_HAND):
        if flow.started():
            _checkpoint(env, flow)
            _pay_by_hand(flow)
    clock = _Clock(budget)
    for name in SLOW:
        if _settled(env, run.flows[name], clock, AUTOMATIC[name][1]):
            settled.add(name)
    for flow in run.each(BY_HAND):
        if _settled(env, flow, clock):
            settled.add(flow.name)

    paid = run.flows["pay-page"]
    init = init_of(_refresh(env, paid), paid.paid_ref) if paid.paid_ref and paid.name in settled else None
    genuine = [request_body(r) or {} for r in paid.exchanges("IPN", paid.paid_ref) if r.get("verdict") == "valid"]
    if init is not None and genuine:
        # the platform's IPN again, signed by the suite: acknowledged, it shows the suite signs with the SUT's
        # secret, so the refusals of the suite's other correctly signed IPNs were for what they got wrong
        copied = {k: str(genuine[-1].get(k)) for k in ("MaGiaoDich", "MaNganHang", "ThoiGianGD", "ThongTinGiaoDich")}
        paid.forged.append(post_ipn(run.ipn_url, "replay", ipn_packet(init, run.partner, secret, **copied)))
    if init is not None:  # a failure of an earlier attempt, reported after the payment
        earlier = (datetime.now(VN) - timedelta(minutes=1)).strftime("%Y%m%d%H%M%S")
        other = "PP000000000000999999"  # the earlier attempt's own transaction
        stale = ipn_packet(init, run.partner, secret, ma_loi="01", MaGiaoDich=other, ThoiGianGD=earlier)
        paid.forged.append(post_ipn(run.ipn_url, "stale-failure", stale))

    clock = _Clock(budget)
    for flow in run.each(name for name in run.flows if name in settled):
        _wait(env, "GET_BILL", flow.code, clock, _receipt_of(flow.paid_ref or ""))
    env.driver.flush_sync()
    for flow in run.each():
        flow.view = env.driver.view(flow.code)
        _refresh(env, flow)
    return run
