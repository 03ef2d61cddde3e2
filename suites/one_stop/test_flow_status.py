"""The status the SUT shows at every step of the one-stop flow (TT 22/2019 Điều 4; NĐ 61/2018 Điều 17–20;
TT 01/2018 Điều 17): each lifecycle path is driven one action at a time; after every action the status the
SUT answers and shows must be the one the action leads to, and the latest DongBoHoSoMC DVCQG accepted for
the dossier must carry that same status within the SUT's declared sync delay. The history records who did
each step, when, and the step's deadline; a refusal and a supplement request reach DVCQG with their reason.

The paths are driven once per module; each requirement is checked by its own test over what was recorded.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.conformance import ConformanceEnvironment, Evidence, ExchangeNotReceived, accepted, items
from harness.core.timestamps import parse_timestamp
from harness.sut import DossierView
from suites._support import PATHS, REASONS, applicant

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = pytest.mark.dvc_needs("dossier-sync")

#: the status each control action leads to (schemas/control/openapi.yaml, actOnDossier; TT 22/2019 PL I)
TARGET = {
    "create": "1",
    "receive": "2",
    "reject": "3",
    "process": "4",
    "request_supplement": "5",
    "submit_supplement": "4",
    "request_fee": "6",
    "withdraw": "7",
    "stop": "8",
    "finish": "9",
    "return_result": "10",
}
#: steps that start a period of work with a time limit: receipt (the appointment date) and processing
WITH_DEADLINE = ("receive", "process", "submit_supplement")
#: once one change was missed, later waits are cut short so a broken SUT does not stall the run
SHORT_WAIT_S = 1.0


@dataclass
class Step:
    """One action of a path and what both sides showed right after it."""

    action: str
    answered: str  # TrangThaiHoSo of the control API's answer
    view: DossierView  # the SUT's own view after the action
    synced: str | None = None  # TrangThaiHoSo of the latest DongBoHoSoMC DVCQG accepted, once waited for
    synced_item: dict[str, Any] | None = None
    waited_s: float = 0.0

    @property
    def shown(self) -> str:
        return self.view.status


@dataclass
class Flow:
    name: str
    code: str
    steps: list[Step] = field(default_factory=list)

    def step(self, action: str) -> Step:
        return next(s for s in self.steps if s.action == action)

    def where(self, step: Step) -> str:
        return f"{self.name} ({self.code}) after {step.action}"


def _accepted_items(evidence: Evidence, code: str) -> list[dict[str, Any]]:
    rows = evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=code)
    return [item for row in rows if accepted(row) for item in items(row) if item.get("MaHoSo", code) == code]


class _Recorder:
    """After each action: what the SUT answers and shows, and (waiting) the status DVCQG holds."""

    def __init__(self, dvc_env: ConformanceEnvironment) -> None:
        self.env = dvc_env
        self.delay = dvc_env.description.sync_delay_s
        self.missed = False

    def mark(self, code: str | None) -> int:
        """The newest DongBoHoSoMC exchange about `code` so far (0: none): what came before an action."""
        rows = self.env.evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=code) if code else []
        return max((int(row["seq"]) for row in rows), default=0)

    def record(self, flow: Flow, action: str, answered: str, since: int) -> None:
        """What both sides show after `action`; `since`: the mark taken before it."""
        driver, evidence = self.env.driver, self.env.evidence
        view = driver.view(flow.code)
        step = Step(action, answered, view)
        timeout = min(self.delay, SHORT_WAIT_S) if self.missed else self.delay
        with contextlib.suppress(ExchangeNotReceived):
            evidence.wait_for(
                "DongBoHoSoMC",
                flow.code,
                timeout=timeout,
                where=lambda row: (
                    int(row["seq"]) > since
                    and accepted(row)
                    and any(i.get("TrangThaiHoSo") == view.status for i in items(row))
                ),
                nudge=driver.flush_sync,
            )
        latest = _accepted_items(evidence, flow.code)
        step.synced_item = latest[-1] if latest else None
        step.synced = str(step.synced_item.get("TrangThaiHoSo")) if step.synced_item else None
        step.waited_s = timeout
        if step.synced != step.shown:
            self.missed = True
        flow.steps.append(step)


@pytest.fixture(scope="module")
def flows(dvc_env: ConformanceEnvironment, dvc_seed: int) -> dict[str, Flow]:
    rng = random.Random(f"{dvc_seed}:flow-status")
    driver = dvc_env.driver
    recorder = _Recorder(dvc_env)
    result: dict[str, Flow] = {}
    for name, actions in PATHS.items():
        created = driver.create_dossier(applicant(rng))
        flow = result[name] = Flow(name, created.ma_ho_so)
        recorder.record(flow, "create", created.status, since=0)
        for action in actions:
            since = recorder.mark(flow.code)
            amount = 50_000 if action == "request_fee" else None
            answer = driver.act(flow.code, action, reason=REASONS.get(action), amount=amount)
            recorder.record(flow, action, answer.status, since=since)
    return result


def _each(flows: dict[str, Flow]) -> list[tuple[Flow, Step]]:
    return [(flow, step) for _, flow in sorted(flows.items()) for step in flow.steps]


@pytest.mark.req(
    "TT22-D4-K2",
    partial="compares the status the SUT reports over its control API with the status synced to DVCQG after "
    "every step; what the portal and the one-stop system display on screen is not observed",
)
@pytest.mark.req(
    "TT01-D17-PUSH-STATUS",
    partial="checks the push to DVCQG only; that the status also reaches the portal (the citizen's lookup) "
    "is not checked here",
)
def test_the_status_shown_at_every_step_is_the_status_synced(flows: dict[str, Flow]) -> None:
    problems = [
        f"{flow.where(step)}: the SUT shows {step.shown}, the latest DongBoHoSoMC DVCQG accepted says "
        f"{step.synced or 'nothing'} (waited {step.waited_s:g} s)"
        for flow, step in _each(flows)
        if step.synced != step.shown
    ]
    assert not problems, (
        "the status the SUT shows differs from the one DVCQG holds (sync every change within the declared "
        "delay, in order):\n" + "\n".join(problems)
    )


@pytest.mark.req("TT22-D4-K1")
@pytest.mark.req(
    "TT22-D4-K3",
    partial="checks the status codes 1-10 the SUT reports after each action; the status labels shown to "
    "people are not checked, and Phụ lục I itself is not public",
)
def test_every_action_leads_to_its_national_status(flows: dict[str, Flow]) -> None:
    problems = []
    for flow, step in _each(flows):
        expected = TARGET[step.action]
        if step.answered != expected or step.shown != expected:
            problems.append(
                f"{flow.where(step)}: expected status {expected}, the SUT answered {step.answered} "
                f"and shows {step.shown}"
            )
    assert not problems, "statuses outside the national flow (1 → 2|3, 2 → 4|5|6|7|8, ... 9 → 10):\n" + "\n".join(
        problems
    )


def _logging_problems(flow: Flow, step: Step, before: int) -> list[str]:
    """What is wrong with the history steps `step` added (`before`: the history's length before it)."""
    history = step.view.history
    if len(history) <= before:
        return [f"{flow.where(step)}: no new history step ({len(history)} step(s), as before)"]
    problems = []
    if history[-1].status != step.shown:
        problems.append(f"{flow.where(step)}: the newest history step says {history[-1].status}, not {step.shown}")
    for index, logged in enumerate(history[before:], start=before):
        label = f"{flow.where(step)}: history[{index}] ({logged.action})"
        if not logged.officer.strip():
            problems.append(f"{label} does not say who (NguoiXuLy is empty)")
        if index > 0 and not logged.department.strip():
            problems.append(f"{label} does not say which department (PhongBan is empty)")
        try:
            parse_timestamp(logged.at)
        except ValueError:
            problems.append(f"{label}: ThoiDiem {logged.at!r} is not yyyyMMddHHmmss")
    return problems


@pytest.mark.req("TT01-D17-STEP-LOG", "TT01-D17-ACCOUNTABILITY", "TT22-D5-K1-H", "TT22-D3-K9")
@pytest.mark.req(
    "TT22-D5-K1-G",
    partial="checks the history the SUT returns over its control API (one step per action, with who and "
    "when); that each step also reaches DVCQG as progress, and the officers' tracking screens, are not "
    "checked here",
)
def test_every_step_is_logged_with_who_and_when(flows: dict[str, Flow]) -> None:
    problems: list[str] = []
    for _, flow in sorted(flows.items()):
        before = 0
        for step in flow.steps:
            problems.extend(_logging_problems(flow, step, before))
            before = len(step.view.history)
    for name, flow in sorted(flows.items()):
        moments = [s.at for s in flow.steps[-1].view.history]
        if moments != sorted(moments):
            problems.append(f"{name} ({flow.code}): history times go backwards: {moments}")
    assert not problems, "processing steps not logged with who and when:\n" + "\n".join(problems)


@pytest.mark.req(
    "TT22-D5-K1-G",
    partial="checks only that receipt and processing steps carry a deadline (HanXuLy) not before the step",
)
@pytest.mark.req(
    "ND61-D17-RECEIPT",
    partial="checks only that the receipt step carries a deadline not before it; the receipt date, the "
    "appointment date and the printed receipt (TT 01/2018 form 01) are not checked here",
)
def test_processing_steps_carry_their_deadline(flows: dict[str, Flow]) -> None:
    problems: list[str] = []
    for flow, step in _each(flows):
        if step.action not in WITH_DEADLINE or not step.view.history:
            continue
        logged = step.view.history[-1]
        if not logged.due:
            problems.append(f"{flow.where(step)}: the step has no deadline (HanXuLy is empty)")
            continue
        try:
            late = parse_timestamp(logged.due) < parse_timestamp(logged.at)
        except ValueError:
            problems.append(f"{flow.where(step)}: HanXuLy {logged.due!r} or ThoiDiem {logged.at!r} is not a timestamp")
            continue
        if late:
            problems.append(f"{flow.where(step)}: deadline {logged.due} is before the step itself ({logged.at})")
    assert not problems, "receipt and processing steps without their time limit:\n" + "\n".join(problems)


def _progress_with_status(dvc_env: ConformanceEnvironment, code: str, status: str) -> list[dict[str, Any]]:
    """The accepted CapNhatTienDoHoSoMC steps of `code` with TrangThai `status` (waits up to the sync delay)."""

    def matching(row: dict[str, Any]) -> bool:
        return accepted(row) and any(str(i.get("TrangThai")) == status for i in items(row))

    with contextlib.suppress(ExchangeNotReceived):
        dvc_env.evidence.wait_for(
            "CapNhatTienDoHoSoMC",
            code,
            timeout=dvc_env.description.sync_delay_s,
            where=matching,
            nudge=dvc_env.driver.flush_sync,
        )
    rows = dvc_env.evidence.exchanges(service="CapNhatTienDoHoSoMC", ma_ho_so=code)
    return [i for row in rows if accepted(row) for i in items(row) if str(i.get("TrangThai")) == status]


@pytest.mark.req("ND61-D17-REFUSAL")
def test_a_refusal_reaches_dvcqg_with_its_reason(flows: dict[str, Flow], dvc_env: ConformanceEnvironment) -> None:
    flow = flows["rejected"]
    refusal = flow.step("reject")
    item = refusal.synced_item or {}
    problems = []
    if refusal.synced != "3":
        problems.append(f"DVCQG holds status {refusal.synced or 'nothing'}, not 3 (Không được tiếp nhận)")
    for key in ("NgayTuChoi", "NgayKetThucXuLy"):
        if refusal.synced == "3" and not item.get(key):
            problems.append(f"the synced dossier has no {key}")
    steps = _progress_with_status(dvc_env, flow.code, "3")
    reason = REASONS["reject"]
    if not any(reason in str(s.get("NoiDungXuLy", "")) for s in steps):
        shown = [str(s.get("NoiDungXuLy", ""))[:120] for s in steps]
        problems.append(f"no accepted progress step with status 3 states the reason {reason!r} (NoiDungXuLy: {shown})")
    assert not problems, f"refusal of {flow.code} (NĐ 61/2018 Điều 17, form 03):\n" + "\n".join(problems)


@pytest.mark.req("ND61-D19-SUPPLEMENT")
def test_a_supplement_request_reaches_dvcqg_with_what_to_supply(flows: dict[str, Flow]) -> None:
    flow = flows["supplement-round"]
    request, answer = flow.step("request_supplement"), flow.step("submit_supplement")
    reason = REASONS["request_supplement"]
    problems = []
    if request.synced != "5":
        problems.append(f"after the request DVCQG holds status {request.synced or 'nothing'}, not 5")
    else:
        rounds = (request.synced_item or {}).get("DanhSachHoSoBoSung") or []
        asked = [r for r in rounds if isinstance(r, dict) and reason in str(r.get("NoiDungBoSung", ""))]
        if not asked:
            problems.append(f"the synced dossier lists no supplement round asking {reason!r} (rounds: {rounds})")
        elif not all(r.get("NgayBoSung") for r in asked):
            problems.append(f"the supplement round has no NgayBoSung: {asked}")
    if answer.synced != "4":
        problems.append(f"after the supplement was received DVCQG holds {answer.synced or 'nothing'}, not 4")
    else:
        rounds = (answer.synced_item or {}).get("DanhSachHoSoBoSung") or []
        if len(rounds) != 1:
            problems.append(f"one request must give one round, DVCQG holds {len(rounds)}: {rounds}")
    assert not problems, f"supplement round of {flow.code} (NĐ 61/2018 Điều 19, form 02):\n" + "\n".join(problems)
