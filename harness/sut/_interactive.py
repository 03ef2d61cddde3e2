"""`InteractiveDriver`: a `SutDriver` for a SUT without the control API, played by a human tester.

Every driver call becomes a `Step` put to an `Operator`; on "done" the driver waits for the exchange the
operation must cause on the national side (the SUT syncs every dossier and status change to DVCQG, which the
mock records) and identifies the dossier from the data it asked for:

- `create_dossier`: the first DongBoHoSoMC after the step whose item carries the applicant's ID number
  (SoGiayToChuHoSo, DinhDanhCHS[].SoDinhDanh, SoDinhDanh or SoCMND; an item also naming the applicant wins);
- `act`: the first DongBoHoSoMC (TrangThaiHoSo) or CapNhatTienDoHoSoMC (TrangThai) of that MaHoSo after
  the step whose status differs from the dossier's last known one;
- `start_payment`: the first payment INIT after the step naming that dossier; its reply gives the PaymentRef.

"After the step" means a `seq` above the highest one seen before the operator was asked. Nothing within
`wait_s` raises `ExchangeNotObserved`; "cannot" raises `StepCannot` (the test is omitted with the reason).

In interactive mode the SUT's own view of a dossier (`view`) is what it told DVCQG: the statuses synced for
that MaHoSo, in order, as the history (officers and times from its CapNhatTienDoHoSoMC steps where it sent
them). `flush_sync` has nothing to flush (a person cannot flush an outbox; the waits cover the sync delay)
and `reset` does nothing.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from harness.core.exchanges import accepted, items
from harness.sut._errors import SutError, SutRequestRejected
from harness.sut._models import (
    Action,
    DossierRef,
    DossierRequest,
    DossierView,
    Health,
    HistoryStep,
    PaymentRef,
    SyncReport,
    SyncState,
)
from harness.sut._operator import Operator
from harness.sut._steps import Step, StepCannot, action_step, create_dossier_step, payment_step

Row = dict[str, Any]
#: (service or None for all, since: the exclusive sequence number or None) → the rows, oldest first
Exchanges = Callable[[str | None, int | None], list[Row]]
#: the applicant → the national SSO test account to sign in with (its login hint), created when needed
Accounts = Callable[[DossierRequest], str | None]
T = TypeVar("T")

DOSSIER_SYNC = "DongBoHoSoMC"
PROGRESS = "CapNhatTienDoHoSoMC"
PAYMENT_INIT = "INIT"
ONLINE = "2"  # KenhThucHien: the applicant submits on the portal, signed in through the national SSO
MIN_WAIT_S = 60.0
MIN_GRACE_S = 5.0  # how long a view waits for the step log of an action that already changed the status
POLL_S = 0.2
VERSION = "interactive"
_ID_FIELDS = ("SoGiayToChuHoSo", "SoDinhDanh", "SoCMND")
_VIETNAM = timezone(timedelta(hours=7))


class ExchangeNotObserved(SutError):
    """The operator said "done" but the exchange the step must cause did not reach the national side in time."""

    def __init__(self, message: str, *, service: str, step_id: str, waited_s: float) -> None:
        super().__init__(message, endpoint=f"{service} after {step_id}")
        self.service = service
        self.step_id = step_id
        self.waited_s = waited_s


class _Journal:
    """The rows of the watched services seen so far, read incrementally (each service from its last `seq`)."""

    def __init__(self, exchanges: Exchanges) -> None:
        self._exchanges = exchanges
        self._rows: dict[str, list[Row]] = {}
        self._cursor: dict[str, int] = {}

    def rows(self, service: str) -> list[Row]:
        cursor = self._cursor.get(service)
        known = self._rows.setdefault(service, [])
        for row in self._exchanges(service, cursor):
            seq = _seq(row)
            if row.get("service") not in (None, service) or seq <= (cursor or 0):
                continue
            known.append(row)
            cursor = max(cursor or 0, seq)
        if cursor is not None:
            self._cursor[service] = cursor
        return known

    def mark(self, services: Iterable[str]) -> int:
        """The highest `seq` of these services seen now (0: none yet)."""
        return max((_seq(row) for service in services for row in self.rows(service)), default=0)

    def after(self, services: Iterable[str], since: int) -> list[Row]:
        found = [row for service in services for row in self.rows(service) if _seq(row) > since]
        return sorted(found, key=_seq)


class InteractiveDriver:
    """`SutDriver` whose operations a person performs in the SUT's UI, observed through the national evidence.

    `exchanges(service, since)` reads the national mock's exchanges (rows as `/_admin/exchanges` gives them);
    `wait_s` bounds each wait after "done" (default `max(sync_delay_s, 60)`), polled every `poll_s`; a view waits up
    to `grace_s` (`max(sync_delay_s, 5)`, at most `wait_s`) for the step log of an action already observed;
    `requirement_ids()` names the requirements of the running test for each step; `national_url` (the DVCQG
    endpoint the SUT should sync to) is named when an exchange does not arrive.
    """

    def __init__(
        self,
        operator: Operator,
        exchanges: Exchanges,
        *,
        sync_delay_s: float,
        attachments_dir: Path,
        requirement_ids: Callable[[], tuple[str, ...]] = lambda: (),
        wait_s: float | None = None,
        poll_s: float = POLL_S,
        national_url: str | None = None,
        capabilities: Iterable[str] = (),
        accounts: Accounts | None = None,
    ) -> None:
        self.operator = operator
        self.attachments_dir = attachments_dir
        self.wait_s = wait_s if wait_s is not None else max(sync_delay_s, MIN_WAIT_S)
        self.grace_s = min(self.wait_s, max(sync_delay_s, MIN_GRACE_S))
        self.poll_s = poll_s
        self.national_url = national_url
        self.capabilities = tuple(capabilities)
        self._requirement_ids = requirement_ids
        self._journal = _Journal(exchanges)
        self._steps = 0
        self._status: dict[str, str] = {}  # MaHoSo → the last status observed after a step
        self._changes: dict[str, list[tuple[str, str]]] = {}  # MaHoSo → (status, action) in order
        self._accounts = accounts
        self._applicants: dict[str, DossierRequest] = {}  # MaHoSo → what the harness asked to submit
        self._acted_at: dict[str, float] = {}  # MaHoSo → when its last step's status was observed

    def __repr__(self) -> str:
        return f"InteractiveDriver(wait_s={self.wait_s:g})"

    # --- the SutDriver protocol ---

    def health(self) -> Health:
        return Health(ok=True, version=VERSION, capabilities=self.capabilities)

    def create_dossier(self, request: DossierRequest) -> DossierRef:
        account = self._account(request) if request.channel == ONLINE else None
        step = create_dossier_step(
            request,
            self._next_id(),
            attachments_dir=self.attachments_dir,
            requirement_ids=self._requirement_ids(),
            account=account,
        )
        since = self._perform(step, (DOSSIER_SYNC,))

        def created(row: Row) -> tuple[str, str] | None:
            found = [item for item in items(row) if _code(item) and _has_id(item, request.id_number)]
            named = [item for item in found if _same_name(item.get("ChuHoSo"), request.applicant)]
            if not found:
                return None
            item = (named or found)[0]
            return _code(item), _status(item.get("TrangThaiHoSo")) or ""

        row, (code, status) = self._await(
            step,
            (DOSSIER_SYNC,),
            since,
            created,
            f"no {DOSSIER_SYNC} for CCCD {request.id_number} ({request.applicant}) reached the national side",
            f"check that the SUT syncs every new dossier to {self._national()}",
        )
        self._status[code] = status
        self._changes[code] = [(status, "create")]
        self._acted_at[code] = time.monotonic()
        self._applicants[code] = request
        self._observed(step, row, code, status)
        return DossierRef(code, status)

    def act(
        self,
        ma_ho_so: str,
        action: Action,
        *,
        reason: str | None = None,
        amount: int | None = None,
        officer: str | None = None,
    ) -> DossierRef:
        step = action_step(
            ma_ho_so, action, reason, amount, self._next_id(), officer=officer, requirement_ids=self._requirement_ids()
        )
        services = (DOSSIER_SYNC, PROGRESS)
        before = self._status.get(ma_ho_so) or self._latest_status(ma_ho_so)  # read before the operator acts
        since = self._perform(step, services)

        def changed(row: Row) -> str | None:
            key = "TrangThaiHoSo" if row.get("service") == DOSSIER_SYNC else "TrangThai"
            mine = [item for item in items(row) if _code(item) == ma_ho_so]
            status = _status(mine[-1].get(key)) if mine else None  # the newest step of a batch
            return status if status is not None and status != before else None

        row, status = self._await(
            step,
            services,
            since,
            changed,
            f"no {DOSSIER_SYNC} or {PROGRESS} changing the status of {ma_ho_so}"
            + (f" (from {before})" if before else "")
            + f" after «{action}» reached the national side",
            f"check that the SUT syncs every status change to {self._national()}",
        )
        self._status[ma_ho_so] = status
        self._changes.setdefault(ma_ho_so, []).append((status, action))
        self._acted_at[ma_ho_so] = time.monotonic()
        self._observed(step, row, ma_ho_so, status)
        return DossierRef(ma_ho_so, status)

    def view(self, ma_ho_so: str) -> DossierView:
        """The dossier as the SUT told DVCQG: its synced statuses in order (repeats collapsed) as the history.
        A dossier nothing was synced for yet (one the SUT just took outside a step, e.g. on its own portal) is
        waited for, up to `wait_s`, as a tester would wait for it to appear."""
        deadline = time.monotonic() + self.wait_s
        while True:
            rows = self._journal.rows(DOSSIER_SYNC)
            synced = [(row, item) for row in rows for item in items(row) if _code(item) == ma_ho_so]
            if synced or time.monotonic() >= deadline:
                break
            time.sleep(self.poll_s)
        if not synced:
            raise ExchangeNotObserved(
                f"no {DOSSIER_SYNC} for dossier {ma_ho_so} reached the national side within {self.wait_s:g} s: in "
                "interactive mode a dossier's view is what the SUT synced to DVCQG",
                service=DOSSIER_SYNC,
                step_id="view",
                waited_s=self.wait_s,
            )
        progress = self._logged_steps(ma_ho_so)
        history = tuple(self._history(ma_ho_so, synced, progress))
        last_row, last_item = synced[-1]
        acknowledged = sum(1 for row, _ in synced if accepted(row))
        raw = {
            "MaHoSo": ma_ho_so,
            "TrangThaiHoSo": history[-1].status if history else "",
            "source": "national-evidence",
            "last_synced": last_item,
        }
        return DossierView(
            ma_ho_so=ma_ho_so,
            status=history[-1].status if history else "",
            history=history,
            sync=SyncState(pending=0, acknowledged=acknowledged, last_error=_refusal(last_row)),
            raw=raw,
        )

    def start_payment(self, ma_ho_so: str, amount: int | None = None) -> PaymentRef:
        applicant = self._applicants.get(ma_ho_so)
        account = self._account(applicant) if applicant is not None else None
        step = payment_step(ma_ho_so, amount, self._next_id(), requirement_ids=self._requirement_ids(), account=account)
        since = self._perform(step, (PAYMENT_INIT,))

        def started(row: Row) -> Row | None:
            return row if _names_dossier(row, ma_ho_so) else None

        row, _ = self._await(
            step,
            (PAYMENT_INIT,),
            since,
            started,
            f"no payment {PAYMENT_INIT} for dossier {ma_ho_so} reached the national payment platform",
            f"check that the SUT calls the national payment platform at {self._national()}",
        )
        request, reply = _body(row.get("request")), _body(row.get("response"))
        reference = _text(reply.get("MaThamChieu")) or _text(request.get("MaThamChieu"))
        url = _text(reply.get("UrlThanhToan"))
        code = _text(reply.get("MaLoi"))
        if code != "00" or not reference or not url:
            said = _text(reply.get("MoTaLoi")) or "no pay-page URL in the reply"
            message = (
                f"{step.id}: the national payment platform refused the SUT's {PAYMENT_INIT} for dossier {ma_ho_so} "
                f"(MaLoi {code or 'absent'}: {said})"
            )
            outcome = {"outcome": "refused", "service": PAYMENT_INIT, "seq": _seq(row), "message": message}
            self.operator.result(step.id, outcome)
            raise SutRequestRejected(
                message,
                endpoint=f"payment {PAYMENT_INIT}",
                url=str(row.get("url") or ""),
                http_status=int(row.get("status") or 0),
                error=code,
                detail=said,
            )
        paid = _amount(request.get("SoTien"))
        total = paid if paid is not None else amount if amount is not None else 0
        observed = {"outcome": "observed", "service": PAYMENT_INIT, "seq": _seq(row)}
        self.operator.result(step.id, {**observed, "MaHoSo": ma_ho_so, "MaThamChieu": reference})
        return PaymentRef(reference, url, total)

    def flush_sync(self) -> SyncReport:
        """Nothing to flush: a person cannot flush the SUT's outbox (the waits after each step cover the delay)."""
        return SyncReport(sent=0, pending=0, failed=0)

    def reset(self) -> None:
        """Nothing to reset: the operator's dossiers stay in the SUT (each run uses fresh applicants)."""

    # --- steps and waits ---

    def _next_id(self) -> str:
        self._steps += 1
        return f"step-{self._steps}"

    def _account(self, request: DossierRequest) -> str | None:
        """The SSO test account the tester signs in with to act as this applicant (None: no account service)."""
        return self._accounts(request) if self._accounts is not None else None

    def _perform(self, step: Step, services: tuple[str, ...]) -> int:
        """Ask the operator; the highest `seq` of `services` seen before asking (what follows is the step's)."""
        since = self._journal.mark(services)
        answer = self.operator.ask(step)
        if answer.status == "cannot":
            cannot = StepCannot(step, answer.note)
            self.operator.result(step.id, {"outcome": "cannot", "reason": cannot.reason})
            raise cannot
        return since

    def _await(
        self,
        step: Step,
        services: tuple[str, ...],
        since: int,
        match: Callable[[Row], T | None],
        missing: str,
        advice: str,
    ) -> tuple[Row, T]:
        deadline = time.monotonic() + self.wait_s
        while True:
            rows = self._journal.after(services, since)
            for row in rows:
                found = match(row)
                if found is not None:
                    return row, found
            if time.monotonic() >= deadline:
                break
            time.sleep(self.poll_s)
        seen = f" ({len(rows)} {'/'.join(services)} exchange(s) after the step, none matching)" if rows else ""
        message = f"{missing} within {self.wait_s:g} s after {step.id}{seen}: {advice}"
        self.operator.result(step.id, {"outcome": "not_observed", "message": message})
        raise ExchangeNotObserved(message, service=services[0], step_id=step.id, waited_s=self.wait_s)

    def _observed(self, step: Step, row: Row, code: str, status: str) -> None:
        outcome = {"outcome": "observed", "service": row.get("service"), "seq": _seq(row)}
        self.operator.result(step.id, {**outcome, "MaHoSo": code, "TrangThaiHoSo": status})

    def _logged_steps(self, code: str) -> list[Row]:
        """The dossier's CapNhatTienDoHoSoMC steps. A SUT that logs its steps (it sent one in this run) sends a
        status change's step beside its DongBoHoSoMC, in another request that may arrive a moment later: wait
        for the step of each step-driven change (intake included) up to `grace_s` after it was observed, as a tester
        would."""
        wanted = {status for status, _ in self._changes.get(code, [])}
        deadline = self._acted_at.get(code, 0.0) + self.grace_s
        while True:
            steps = [item for row in self._journal.rows(PROGRESS) for item in items(row) if _code(item) == code]
            missing = wanted - {_status(item.get("TrangThai")) for item in steps}
            if not missing or time.monotonic() >= deadline or not self._journal.rows(PROGRESS):
                return steps
            time.sleep(self.poll_s)

    def _latest_status(self, code: str) -> str | None:
        statuses = [
            _status(item.get("TrangThaiHoSo"))
            for row in self._journal.rows(DOSSIER_SYNC)
            for item in items(row)
            if _code(item) == code
        ]
        return next((status for status in reversed(statuses) if status), None)

    def _national(self) -> str:
        return self.national_url or "the national side (the harness's DVCQG mock)"

    def _history(self, code: str, synced: list[tuple[Row, Row]], progress: list[Row]) -> Iterator[HistoryStep]:
        changes = iter(self._changes.get(code, []))
        pending_change = next(changes, None)
        position = 0  # progress steps are matched in order; one that matches no status is skipped, not consumed
        previous: str | None = None
        for row, item in synced:
            status = _status(item.get("TrangThaiHoSo"))
            if status is None or status == previous:
                continue
            action = "sync" if previous is not None else "create"
            if pending_change is not None and pending_change[0] == status:
                action = pending_change[1]
                pending_change = next(changes, None)
            logged: dict[str, Any] = {}
            for index in range(position, len(progress)):
                if _status(progress[index].get("TrangThai")) == status:
                    logged, position = progress[index], index + 1
                    break
            previous = status
            due = _text(logged.get("NgayKetThucTheoQuyDinh")) or _text(item.get("NgayHenTra"))
            yield HistoryStep(
                status=status,
                action=action,
                officer=_text(logged.get("NguoiXuLy")),
                department=_text(logged.get("PhongBanXuLy")) or _text(item.get("DonViXuLy")),
                at=_text(logged.get("ThoiDiemXuLy")) or _received_at(row),
                due=due or None,
            )


# --- reading the rows (harness.core.exchanges reads items and acceptance) -----------------------------------


def _seq(row: Row) -> int:
    seq = row.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def _body(part: Any) -> dict[str, Any]:
    body = part.get("body") if isinstance(part, dict) else None
    return body if isinstance(body, dict) else {}


def _refusal(row: Row) -> str | None:
    if accepted(row):
        return None
    if row.get("error"):
        return str(row["error"])
    said = _text(_body(row.get("response")).get("message"))
    return f"HTTP {row.get('status')}" + (f": {said}" if said else "")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def _code(item: dict[str, Any]) -> str:
    return _text(item.get("MaHoSo"))


def _status(value: Any) -> str | None:
    return _text(value) or None


def _digits(value: Any) -> str:
    return "".join(_text(value).split())


def _has_id(item: dict[str, Any], id_number: str) -> bool:
    wanted = _digits(id_number)
    if any(_digits(item.get(key)) == wanted for key in _ID_FIELDS):
        return True
    owners = item.get("DinhDanhCHS")
    return isinstance(owners, list) and any(
        isinstance(owner, dict) and _digits(owner.get("SoDinhDanh")) == wanted for owner in owners
    )


def _same_name(value: Any, name: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return isinstance(value, str) and norm(value) == norm(name)


def _names_dossier(row: Row, code: str) -> bool:
    if row.get("channel") not in (None, "payment"):
        return False
    codes = row.get("ma_ho_so")
    if isinstance(codes, list) and code in codes:
        return True
    request = _body(row.get("request"))
    receipt = request.get("ThongTinBienLai")
    if isinstance(receipt, dict) and _text(receipt.get("MaHoSo")) == code:
        return True
    return code in _text(request.get("ThongTinGiaoDich")).split()


def _amount(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _received_at(row: Row) -> str:
    ts = row.get("ts")
    if isinstance(ts, int | float) and not isinstance(ts, bool):
        return datetime.fromtimestamp(ts, _VIETNAM).strftime("%Y%m%d%H%M%S")
    return ""
