"""The oracle's witness: drives the SUT one action at a time, tells the oracle what was done and when (`at` just
before the request, `until` just after the answer, in the SUT's own time when its clock is shifted), and after
each action compares what the oracle expects with every view the SUT offers:

- the answer of the control API and the SUT's own view (`GET /_control/dossiers/{MaHoSo}`: the code, the status,
  the history; and the national record when the view carries one, as the bundled portal's `record` does);
- the packets DVCQG accepted for the dossier: the latest DongBoHoSoMC (waited for, carrying the new status) and
  every CapNhatTienDoHoSoMC step;
- the public lookup (`GET {base_url}/api/lookup/{MaHoSo}`, capability `public_lookup`);
- (with `owner=True`, capabilities `sso` and `public_lookup`) the owner's view of an online dossier (channel 2):
  the same lookup read by its applicant, signed in with the national SSO (an SSO test account the witness
  registers on the national mock for the applicant, `POST /_admin/sso/accounts`), its status and its history;
- the result file links (DuongDanTepTinKetQua) when first synced, and again later (`refetch_links`).

A mismatch names the dossier, the field, the expected value with its rule, the value seen and where; what the
oracle cannot know is kept as "not tested" with the reason; a view that cannot be read back is "not tested"
with what went wrong, never guessed."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

import httpx

from harness.conformance import ConformanceEnvironment, Exchange, ExchangeNotReceived, accepted, items
from harness.oracle import (
    VIETNAM,
    Action,
    DossierExpectations,
    Finish,
    Intake,
    Mismatch,
    Oracle,
    PaymentOutcome,
    Procedure,
    Rate,
    Receive,
    Refuse,
    RequestFee,
    RequestSupplement,
    ReturnResult,
    StartProcessing,
    Stop,
    SupplementReceived,
    Withdraw,
    compare,
    parse_code,
    procedure_from_detail,
    untested,
)
from harness.sut import Action as SutAction
from harness.sut import DossierRequest, DossierView, SutActionRefused, SutError
from mock_portal.sso.users import TestUser
from suites._clock import CLOCK_TOLERANCE, SHIFTED_CODES
from suites._files import download_problem
from suites._national import NationalCatalogue
from suites._support import REASONS, applicant
from suites.portal._http import control_client
from suites.sso._browser import Browser, signed_in

#: each oracle rule belongs to one requirement of suites/requirements/oracle.toml
REQUIREMENT_OF_RULE = {
    "ORACLE-CODE-AGENCY": "ORACLE-DOSSIER-CODE",
    "ORACLE-CODE-DATE": "ORACLE-DOSSIER-CODE",
    "ORACLE-CODE-SEQUENCE": "ORACLE-DOSSIER-CODE",
    "ORACLE-APPOINTMENT": "ORACLE-APPOINTMENT",
    "ORACLE-APPOINTMENT-NONE-YET": "ORACLE-APPOINTMENT",
    "ORACLE-SUPPLEMENT-RESTART": "ORACLE-APPOINTMENT",
    "ORACLE-SUPPLEMENT-PAUSE": "ORACLE-APPOINTMENT",
    "ORACLE-SUPPLEMENT-ROUNDS": "ORACLE-APPOINTMENT",
    "ORACLE-STATUS": "ORACLE-STATUS-TIMES",
    "ORACLE-STEP": "ORACLE-STATUS-TIMES",
    "ORACLE-RECEIVED-AT": "ORACLE-STATUS-TIMES",
    "ORACLE-CHANNEL": "ORACLE-STATUS-TIMES",
    "ORACLE-END-OF-PROCESSING": "ORACLE-STATUS-TIMES",
    "ORACLE-RETURNED-AT": "ORACLE-STATUS-TIMES",
    "ORACLE-REFUSED-AT": "ORACLE-STATUS-TIMES",
    "ORACLE-FEES": "ORACLE-FEES",
    "ORACLE-PAID-FLAG": "ORACLE-FEES",
    "ORACLE-RESULTS": "ORACLE-RESULTS",
    "ORACLE-RATING": "ORACLE-SUMMARIES",
    "ORACLE-STATISTICS": "ORACLE-SUMMARIES",
}
REQUIREMENTS = tuple(dict.fromkeys(REQUIREMENT_OF_RULE.values()))
#: the control action → the oracle's action (the national statuses they lead to: schemas/control/openapi.yaml)
ORACLE_ACTION: dict[str, Callable[..., Action]] = {
    "receive": Receive,
    "reject": Refuse,
    "process": StartProcessing,
    "request_supplement": RequestSupplement,
    "submit_supplement": SupplementReceived,
    "request_fee": RequestFee,
    "finish": Finish,
    "return_result": ReturnResult,
    "withdraw": Withdraw,
    "stop": Stop,
}
#: amounts the mock payment platform settles by itself (docs/payment-outcomes.md: `SoTien % 1000`)
PAY_AMOUNT = {"approve": 150_001, "decline": 150_002}
#: the views the fields of a dossier are compared in, and the view of its steps
DVCQG, PROGRESS, OWN, RECORD, ANSWER, LOOKUP = (
    "DVCQG DongBoHoSoMC", "DVCQG CapNhatTienDoHoSoMC", "the SUT's own view", "the SUT's own view (record)",
    "the control API's answer", "the public lookup",
)  # fmt: skip
OWNER = "the owner's view (signed in)"
#: where the harness registers an applicant as an SSO test account on the national mock (mock_portal/sso/accounts.py)
SSO_ACCOUNTS = "/_admin/sso/accounts"
#: once one change was missed, later waits are cut short so a broken SUT does not stall the run
SHORT_WAIT_S = 1.0


def procedures(env: ConformanceEnvironment, codes: Iterable[str]) -> dict[str, Procedure]:
    """What the national catalogue (LayThuTuc) says of each procedure: the oracle's only source for them."""
    found: dict[str, Procedure] = {}
    with NationalCatalogue(env) as catalogue:
        for code in codes:
            detail = (catalogue.call("LayThuTuc", maTTHC=code) or [{}])[0]
            found[code] = procedure_from_detail(detail)
    return found


def stamp(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class Finding:
    """A mismatch, and the requirement of its rule."""

    mismatch: Mismatch
    after: str  # the action after which it was seen

    @property
    def requirement(self) -> str:
        return REQUIREMENT_OF_RULE.get(self.mismatch.rule.id, "ORACLE-STATUS-TIMES")

    def __str__(self) -> str:
        return f"after {self.after}: {self.mismatch}"


@dataclass
class LinkCheck:
    url: str
    where: str  # the dossier, the packet and the entry that carried it
    first: str = ""  # the problem when fetched as it was synced ("" when the file came back)
    later: str | None = None  # ... and when fetched again later (None: not yet)


@dataclass
class Journal:
    """Everything a witness saw: mismatches, what was compared (by requirement), what could not be known."""

    findings: list[Finding] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)  # requirement → fields compared
    untested: dict[str, set[str]] = field(default_factory=dict)  # requirement → "field: reason"
    unreadable: list[str] = field(default_factory=list)  # views that could not be read back, and why
    rows: dict[str, list[Exchange]] = field(default_factory=dict)  # requirement → the packets judged
    links: dict[str, LinkCheck] = field(default_factory=dict)
    script: list[str] = field(default_factory=list)  # every step, as text: the replayable record

    def count(self, rule_ids: Iterable[str]) -> None:
        for rule_id in rule_ids:
            requirement = REQUIREMENT_OF_RULE.get(rule_id, "ORACLE-STATUS-TIMES")
            self.compared[requirement] = self.compared.get(requirement, 0) + 1

    def judged(self, requirement: str, row: Exchange) -> None:
        rows = self.rows.setdefault(requirement, [])
        if all(r.get("seq") != row.get("seq") for r in rows):
            rows.append(row)

    def of(self, requirement: str) -> list[Finding]:
        return [f for f in self.findings if f.requirement == requirement]


def _fields_by_requirement(expected: DossierExpectations, names: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name in names:
        spec = expected.fields.get(name)
        if spec is not None:
            grouped.setdefault(REQUIREMENT_OF_RULE.get(spec.rule.id, ""), []).append(name)
    return grouped


class Witness:
    """Drives dossiers (by the harness's own keys) and compares every view with the oracle after each action."""

    def __init__(
        self,
        env: ConformanceEnvironment,
        known: Mapping[str, Procedure],
        *,
        seed: str,
        journal: Journal | None = None,
        lookup: bool = True,
        owner: bool = False,
    ) -> None:
        self.env = env
        self.driver = env.driver
        self.evidence = env.evidence
        # a fresh embedded SUT shows the harness every dossier it registered (all reach DVCQG): sequence numbers
        # are exact; a SUT that keeps data from elsewhere gives only a lower bound
        self.exact_sequences = bool(getattr(env, "embedded", False))
        self.oracle = Oracle(known, sole_writer=self.exact_sequences)
        self.rng_seed = seed
        self.journal = journal if journal is not None else Journal()
        self.codes: dict[str, str] = {}  # key → MaHoSo
        self.procedure_of: dict[str, str] = {}  # key → MaTTHC
        self.agencies: dict[str, str] = {}  # procedure → the receiving agency its first code named
        self.counted: set[tuple[str, date]] = set()  # (agency, day) whose earlier dossiers were counted
        self.offset = timedelta(0)  # the SUT's clock minus the real time
        #: how far the SUT's clock may be from the harness's: none for the embedded portal (one machine clock);
        #: a SUT elsewhere keeps NTP time, as the whole-run time check allows (suites/sync/test_run_invariants.py)
        self.drift = timedelta(0) if self.exact_sequences else CLOCK_TOLERANCE
        self.slack = self.drift  # plus the reported offset's precision (whole seconds) once shifted
        self.shifted = False
        self.touched_shifted: set[str] = set()
        self.lookup = lookup and env.description.declares("public_lookup")
        # the owner's view of online dossiers: asked for, and why it cannot be read when the SUT lacks a capability
        self.owner = owner
        self.owner_missing = [c for c in ("sso", "public_lookup") if not env.description.declares(c)]
        self.owners: dict[str, Browser] = {}  # key → its applicant's browser, signed in
        self.delay = env.description.sync_delay_s
        self.missed = False
        self.ratings: list[tuple[str, str]] = []  # (key, level)

    # --- time ----------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The SUT's time (Vietnam), as the harness knows it."""
        return datetime.now(VIETNAM) + self.offset

    def shift_to(self, at: datetime | None) -> str:
        """Move the SUT's clock (`POST /_control/clock`, capability clock) to `at` (None: the real time). "" when
        done; otherwise why not (the SUT may refuse a time too far from the real one)."""
        with control_client(self.env) as control:
            answer = control.post("/_control/clock", json={"at": None if at is None else stamp(at)})
        if answer.status_code != 200:
            return f"HTTP {answer.status_code} {answer.text[:200]}"
        offset = timedelta(seconds=int(answer.json().get("offset_s", 0)))
        self.offset = offset
        self.shifted = self.shifted or at is not None
        self.slack = self.drift + (timedelta(seconds=1) if offset else timedelta(0))
        self.journal.script.append(f"clock → {'real time' if at is None else stamp(at)} (offset {offset})")
        return ""

    def release_shifted(self) -> None:
        """Leave the dossiers driven at a shifted clock to the suites that apply the offset (the run-wide time
        check compares with the national side's real time)."""
        SHIFTED_CODES.update(self.codes[key] for key in self.touched_shifted if key in self.codes)

    # --- actions -------------------------------------------------------------------------------------

    def _mark(self, code: str) -> int:
        rows = self.evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=code, record=False)
        return max((int(row["seq"]) for row in rows), default=0)

    def _count_elsewhere(self, agency: str, day: date, own: str) -> None:
        """Before the harness's first dossier of an agency and day: how many the SUT registered for others (every
        dossier it registered reaches DVCQG, the outbox having been flushed before the intake)."""
        if (agency, day) in self.counted or not self.exact_sequences:
            return
        self.counted.add((agency, day))
        mine = set(self.codes.values()) | {own}
        others: set[str] = set()
        for row in self.evidence.exchanges(service="DongBoHoSoMC", record=False):
            for code in [str(row.get("ma_ho_so") or ""), *(str(i.get("MaHoSo") or "") for i in items(row))]:
                parsed = parse_code(code)
                if parsed is not None and parsed.agency == agency and parsed.day == day and code not in mine:
                    others.add(code)
        self.oracle.registered_elsewhere(agency, day, len(others))
        if others:
            self.journal.script.append(f"({len(others)} dossier(s) of {agency} on {day} registered by others before)")

    def intake(self, key: str, procedure: str, channel: str) -> str:
        """Register a dossier (status 1) on a channel; its code, as the SUT answered."""
        request = applicant(random.Random(f"{self.rng_seed}:{key}"), procedure=procedure, channel=channel)
        owner = self._owner_account(request) if self.owner and channel == "2" else None
        with contextlib.suppress(SutError):
            self.driver.flush_sync()  # every earlier dossier reaches DVCQG: the count of others is complete
        at = self.now() - self.slack
        answer = self.driver.create_dossier(request)
        until = self.now() + self.slack
        code = answer.ma_ho_so
        self.codes[key] = code
        self.procedure_of[key] = procedure
        parsed = parse_code(code)
        agency = self.agencies.setdefault(procedure, parsed.agency if parsed else "")
        if parsed is not None:
            self._count_elsewhere(parsed.agency, parsed.day, code)
        self.oracle.apply(Intake(dossier=key, at=at, until=until, procedure=procedure, channel=channel, agency=agency))
        self._touch(key)
        self.journal.script.append(
            f"intake {key}: procedure {procedure}, channel {channel} → {code} ({stamp(at)}..{stamp(until)})"
        )
        if isinstance(owner, TestUser):
            self._sign_in(key, code, owner)
        elif owner:
            self.journal.unreadable.append(f"{code}: {OWNER} not read back after any action: {owner}")
        self.observe(key, f"intake of {key} ({code})", answered=answer.status, since=0)
        return code

    def act(self, key: str, name: str, *, amount: int | None = None) -> None:
        """One control action (`receive`, `reject`, ...) on a dossier, then every view compared."""
        code = self.codes[key]
        kind = ORACLE_ACTION[name]
        since = self._mark(code)
        at = self.now() - self.slack
        try:
            answer = self.driver.act(code, cast(SutAction, name), reason=REASONS.get(name), amount=amount)
        except SutActionRefused as exc:
            self.journal.script.append(f"{name} {key} ({code}): REFUSED by the SUT: {exc}")
            expected = self.oracle.expect(key)
            rule = expected.fields["TrangThaiHoSo"].rule
            wanted = f"{name} to be accepted in status {self.oracle.status(key)} (the one-stop flow allows it)"
            self.journal.findings.append(
                Finding(Mismatch(key, "TrangThaiHoSo", wanted, rule, f"409: {exc}"[:300], ANSWER), f"{name} {key}")
            )
            return
        until = self.now() + self.slack
        action: Action = (
            RequestFee(dossier=key, at=at, until=until, amount=amount)
            if kind is RequestFee
            else kind(dossier=key, at=at, until=until)
        )
        self.oracle.apply(action)
        self._touch(key)
        extra = f", amount {amount}" if amount is not None else ""
        self.journal.script.append(f"{name} {key} ({code}){extra} ({stamp(at)}..{stamp(until)})")
        self.observe(key, f"{name} of {key} ({code})", answered=answer.status, since=since)

    def pay(self, key: str, outcome: str) -> None:
        """The applicant pays the fee on the national payment platform (capability payment); the platform
        approves or declines by itself (the amount selects it)."""
        code = self.codes[key]
        since = self._mark(code)
        at = self.now() - self.slack
        try:
            ref = self.driver.start_payment(code, PAY_AMOUNT[outcome])
        except SutError as exc:
            self.journal.script.append(f"pay {key} ({code}): the SUT could not start the payment: {exc}")
            self.journal.unreadable.append(f"{code}: the payment could not be started ({str(exc)[:200]})")
            return
        paid = outcome == "approve"
        deadline = time.monotonic() + 3 * self.delay
        while True:
            with contextlib.suppress(SutError):
                self.driver.flush_sync()
            ipns = [
                r
                for r in self.evidence.exchanges(service="IPN", ma_ho_so=code, record=False)
                if r.get("ma_tham_chieu") == ref.ma_tham_chieu
            ]
            status = self._status(code)
            if (paid and status == "4") or (not paid and ipns) or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        until = self.now() + self.slack
        self.oracle.apply(PaymentOutcome(dossier=key, at=at, until=until, paid=paid, where="dvcqg"))
        self._touch(key)
        self.journal.script.append(f"pay {key} ({code}): {outcome} ({ref.ma_tham_chieu}; {stamp(at)}..{stamp(until)})")
        self.observe(key, f"payment {outcome} of {key} ({code})", answered=None, since=since if paid else None)

    def rate(self, key: str, level: str) -> None:
        """The applicant rates the dossier (capability ratings, `POST /_control/ratings`)."""
        code = self.codes[key]
        at = self.now() - self.slack
        body = {"MaHoSo": code, "MucDo": level, "NoiDung": f"Đánh giá mức {level} của bộ kiểm thử oracle"}
        with control_client(self.env) as control:
            answer = control.post("/_control/ratings", json=body)
        until = self.now() + self.slack
        if answer.status_code not in (200, 201):
            moment = self.now()
            rule = self.oracle.rating_summary(moment.year, moment.month, "").fields["MaThuTuc"].rule
            wanted = f"the rating to be recorded (status {self.oracle.status(key)}, not rated before)"
            seen = f"HTTP {answer.status_code} {answer.text[:200]}"
            self.journal.findings.append(Finding(Mismatch(key, "MucDo", wanted, rule, seen, ANSWER), f"rate {key}"))
            return
        self.oracle.apply(Rate(dossier=key, at=at, until=until, level=level))
        self.ratings.append((key, level))
        self.journal.script.append(f"rate {key} ({code}): level {level} ({stamp(at)}..{stamp(until)})")

    def _touch(self, key: str) -> None:
        if self.offset:
            self.touched_shifted.add(key)

    def _status(self, code: str) -> str | None:
        with contextlib.suppress(SutError):
            return self.driver.view(code).status
        return None

    # --- the owner ---------------------------------------------------------------------------------

    def _owner_account(self, request: DossierRequest) -> TestUser | str:
        """The applicant of an online dossier as an SSO test account of the national mock (registered, or found
        when registered before: the same name and ID number), so that the owner can sign in; else why not."""
        if self.owner_missing:
            return f"capability {' and '.join(self.owner_missing)} not declared by the SUT"
        body = {
            "LoaiTaiKhoan": "1",
            "HoVaTen": request.applicant,
            "SoDinhDanh": request.id_number,
            "SoDienThoai": request.phone,
            "ThuDienTu": request.email,
        }
        try:
            answer = self.evidence.client.post(SSO_ACCOUNTS, json=body)
            data = answer.json() if answer.status_code in (200, 201) else None
        except (httpx.HTTPError, ValueError) as exc:
            return f"the national mock could not register the applicant as an SSO test account: {exc}"
        if not isinstance(data, dict) or not data.get("sub") or not data.get("TechID"):
            return (
                f"the national mock did not register the applicant {request.id_number} as an SSO test account "
                f"(POST {SSO_ACCOUNTS}: HTTP {answer.status_code} {answer.text[:200]})"
            )
        return _account(str(data["sub"]), str(data["TechID"]), request)

    def _sign_in(self, key: str, code: str, user: TestUser) -> None:
        """The applicant signs in at the SUT with the national SSO; kept for every later look at the dossier."""
        try:
            self.owners[key] = signed_in(self.env, user)
        except (AssertionError, httpx.HTTPError, KeyError) as exc:
            why = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            self.journal.unreadable.append(
                f"{code}: {OWNER} not read back after any action: the applicant ({user.citizen_id}) could not sign "
                f"in with the national SSO: {why}"
            )
            return
        self.journal.script.append(f"{key} ({code}): its applicant {user.citizen_id} signed in with the national SSO")

    def close(self) -> None:
        """End the owners' browsers."""
        for browser in self.owners.values():
            browser.close()
        self.owners.clear()

    # --- views ---------------------------------------------------------------------------------------

    def _compare(self, expected: DossierExpectations, seen: Mapping[str, Any], where: str, after: str) -> None:
        mismatches = compare(expected, seen, where)
        names = [name for name in expected.fields if _present(seen, name)]
        for requirement, fields in _fields_by_requirement(expected, names).items():
            if requirement:
                self.journal.compared[requirement] = self.journal.compared.get(requirement, 0) + len(fields)
        self.journal.findings += [Finding(m, after) for m in mismatches]

    def _steps(self, expected: DossierExpectations, seen: list[dict[str, Any]], where: str, after: str) -> None:
        if not expected.steps:
            return
        rule = expected.steps[0].fields["TrangThai"].rule
        self.journal.count(["ORACLE-STEP"] * max(1, len(seen)))
        if len(seen) != len(expected.steps):
            statuses = [s.get("TrangThai") for s in seen]
            wanted = f"{len(expected.steps)} step(s), one per status change: " + ", ".join(
                step.fields["TrangThai"].describe() for step in expected.steps
            )
            seen_text = f"{len(seen)}: {', '.join(map(str, statuses))}"
            self.journal.findings.append(
                Finding(Mismatch(expected.subject, "steps", wanted, rule, seen_text, where), after)
            )
            return
        for index, (step, shown) in enumerate(zip(expected.steps, seen, strict=True), start=1):
            for mismatch in compare(step, shown, f"{where} step {index}", fields=["TrangThai", "ThoiDiemXuLy"]):
                self.journal.findings.append(Finding(mismatch, after))

    def observe(self, key: str, after: str, *, answered: str | None, since: int | None) -> None:
        """Compare the oracle's expectation of `key` now with every view. `since`: the newest DongBoHoSoMC before
        the action (None: the action changes nothing DVCQG holds, do not wait for a new packet)."""
        code = self.codes[key]
        expected = self.oracle.expect(key)
        for item in untested(expected):
            requirement = REQUIREMENT_OF_RULE.get(item.rule.id, "ORACLE-STATUS-TIMES")
            self.journal.untested.setdefault(requirement, set()).add(f"{item.field}: {item.reason}")
        if answered is not None:
            self._compare(expected, {"TrangThaiHoSo": answered}, ANSWER, after)
        self._own_view(expected, code, after)
        self._national(expected, code, after, since)
        if self.lookup:
            self._lookup(expected, code, after)
        browser = self.owners.get(key)
        if browser is not None:
            self._owner_view(browser, expected, code, after)

    def _own_view(self, expected: DossierExpectations, code: str, after: str) -> None:
        try:
            view: DossierView = self.driver.view(code)
        except SutError as exc:
            self.journal.unreadable.append(f"{code} after {after}: the SUT's own view cannot be read back: {exc}")
            return
        self._compare(expected, {"MaHoSo": view.ma_ho_so, "TrangThaiHoSo": view.status}, OWN, after)
        steps = [{"TrangThai": s.status, "ThoiDiemXuLy": s.at} for s in view.history]
        self._steps(expected, steps, f"{OWN} history", after)
        record = view.raw.get("record")
        if isinstance(record, dict):  # an extension of the control API: the national record the SUT holds
            self._compare(expected, record, RECORD, after)

    def _wait(self, service: str, code: str, where: Any) -> Exchange | None:
        timeout = min(self.delay, SHORT_WAIT_S) if self.missed else self.delay
        try:
            return self.evidence.wait_for(service, code, timeout=timeout, where=where, nudge=self.driver.flush_sync)
        except ExchangeNotReceived:
            self.missed = True
            return None

    def _national(self, expected: DossierExpectations, code: str, after: str, since: int | None) -> None:
        status_spec = expected.fields["TrangThaiHoSo"]
        if since is not None:
            self._wait(
                "DongBoHoSoMC",
                code,
                lambda row: (
                    int(row["seq"]) > since
                    and accepted(row)
                    and any(status_spec.accepts(str(i.get("TrangThaiHoSo"))) for i in items(row))
                ),
            )
        rows = [r for r in self.evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=code, record=False) if accepted(r)]
        latest = next((i for r in reversed(rows) for i in items(r) if i.get("MaHoSo") == code), None)
        if latest is None:
            self.journal.unreadable.append(f"{code} after {after}: DVCQG accepted no DongBoHoSoMC for it")
            return
        row = next(r for r in reversed(rows) if latest in list(items(r)))
        for requirement in REQUIREMENTS:
            self.journal.judged(requirement, row)
        self._compare(expected, latest, f"{DVCQG} seq {row['seq']}", after)
        self._links(code, latest, f"{DVCQG} seq {row['seq']}")
        n = len(expected.steps)
        progress: list[dict[str, Any]] = []
        deadline = time.monotonic() + (min(self.delay, SHORT_WAIT_S) if self.missed else self.delay)
        while True:
            progress_rows = [
                r for r in self.evidence.exchanges(service=PROGRESS_SERVICE, ma_ho_so=code, record=False) if accepted(r)
            ]
            progress = [i for r in progress_rows for i in items(r) if i.get("MaHoSo", code) == code]
            if len(progress) >= n or time.monotonic() >= deadline:
                break
            with contextlib.suppress(SutError):
                self.driver.flush_sync()
            time.sleep(0.1)
        for r in progress_rows[-1:]:
            self.journal.judged("ORACLE-STATUS-TIMES", r)
        self._steps(expected, progress, PROGRESS, after)

    def _lookup(self, expected: DossierExpectations, code: str, after: str) -> None:
        url = f"{self.env.description.base_url.rstrip('/')}/api/lookup/{code}"
        try:
            answer = httpx.get(url, timeout=15)
            body = answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            self.journal.unreadable.append(f"{code} after {after}: the public lookup cannot be read: {exc}")
            return
        if not isinstance(body, dict):
            self.journal.unreadable.append(
                f"{code} after {after}: the public lookup answered HTTP {answer.status_code}"
            )
            return
        self._compare(expected, body, LOOKUP, after)

    def _owner_view(self, browser: Browser, expected: DossierExpectations, code: str, after: str) -> None:
        """The lookup as the signed-in owner sees it: the status (and what else it shows), the national record when
        it carries one, and the history, step by step with its time."""
        try:
            answer = browser.http.get(browser.url(f"/api/lookup/{code}"))
            body = answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            self.journal.unreadable.append(f"{code} after {after}: {OWNER} cannot be read: {exc}")
            return
        if not isinstance(body, dict):
            self.journal.unreadable.append(f"{code} after {after}: {OWNER} answered HTTP {answer.status_code}")
            return
        self._compare(expected, {k: v for k, v in body.items() if k not in ("record", "history")}, OWNER, after)
        record = body.get("record")
        if isinstance(record, dict):
            self._compare(expected, record, f"{OWNER} (record)", after)
        history = body.get("history")
        if not isinstance(history, list) or not all(isinstance(step, dict) for step in history):
            self.journal.unreadable.append(
                f"{code} after {after}: {OWNER} shows no history (history: {str(history)[:100]}): not tested there"
            )
            return
        steps = [
            {"TrangThai": step.get("TrangThai"), "ThoiDiemXuLy": step.get("ThoiDiemXuLy", step.get("ThoiDiem"))}
            for step in history
        ]
        self._steps(expected, steps, f"{OWNER} history", after)

    # --- result links --------------------------------------------------------------------------------

    def _links(self, code: str, item: Mapping[str, Any], where: str) -> None:
        fresh = []
        for index, entry in enumerate(item.get("DanhSachGiayToKetQua") or []):
            url = entry.get("DuongDanTepTinKetQua") if isinstance(entry, dict) else None
            if url and str(url) not in self.journal.links:
                check = LinkCheck(str(url), f"{code} {where} DanhSachGiayToKetQua[{index}]")
                self.journal.links[check.url] = check
                fresh.append(check)
        if fresh:
            with httpx.Client(timeout=30, follow_redirects=True) as anonymous:
                for check in fresh:
                    check.first = download_problem(anonymous, check.url)

    def refetch_links(self) -> None:
        """Fetch every result link again, as a citizen or DVCQG would days later."""
        with httpx.Client(timeout=30, follow_redirects=True) as anonymous:
            for check in self.journal.links.values():
                check.later = download_problem(anonymous, check.url)


PROGRESS_SERVICE = "CapNhatTienDoHoSoMC"


def _account(sub: str, tech_id: str, request: DossierRequest) -> TestUser:
    """The registered account, as the sign-in needs it (the account chooser picks `sub`; GET /auth/me names
    TechID)."""
    return TestUser(
        sub=sub,
        tech_id=tech_id,
        account_type="1",
        full_name=request.applicant,
        citizen_id=request.id_number,
        birth_date="",
        gender=0,
        email=request.email,
        phone=request.phone,
        address=request.address or "",
        hometown="",
        ethnicity="",
        social_insurance="",
        tax_code="",
        representative="",
        father="",
        mother="",
        vneid=False,
    )


def _present(seen: Mapping[str, Any], name: str) -> bool:
    base = name.partition(":")[0].partition("[")[0]
    return seen.get(base) is not None


def shown(lines: list[str], limit: int = 15) -> str:
    return "\n".join(lines[:limit]) + (f"\n... and {len(lines) - limit} more" if len(lines) > limit else "")
