"""Every view, every time (harness/oracle; docs/oracle.md, docs/suites.md "The oracle"): a few dossiers are driven
down the one-stop flow one action at a time, on every channel, and after EACH action the oracle's expectation is
compared with the control API's answer, the SUT's own view, the packets DVCQG accepted (DongBoHoSoMC and every
CapNhatTienDoHoSoMC step) and the public lookup. Not only whether a value is well formed: whether it is the right
one — the dossier code's agency, date and sequence number, the appointment date from the procedure's processing
time (LayThuTuc) and the national calendar, every status and its time, the fee and the paid flag, the result
documents, and the rating summary against the harness's own count of the ratings it gave.

Result links (DuongDanTepTinKetQua) are fetched when first synced and fetched again at the end of the module, with
the SUT's clock moved two days on when it offers capability `clock` (as DVCQG or a citizen would, days later).

With capability `clock`, two receipts the calendar decides are driven too, whatever the day of the run: one just
after 17:00 on a working day (it counts from the next working day), and one on the last working day before the
next weekday off of the national calendar (the appointment skips it). A SUT that refuses to move its clock that far
leaves them not tested, with its answer.

The flows are driven once per module; each requirement is judged by its own test over what was recorded.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from harness.conformance import ConformanceEnvironment, ExchangeNotReceived, Observe, accepted, items
from harness.oracle import VIETNAM, CalendarError, NationalCalendar, compare, untested
from suites._support import FEE_PROCEDURE, PROCEDURE
from suites.oracle._witness import Journal, Witness, procedures, shown, stamp

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = [
    pytest.mark.dvc_needs("dossier-sync"),
    pytest.mark.dvc_control_api("every action read back at once; POST /_control/ratings and /_control/clock"),
]

#: a procedure of the national catalogue no other suite uses: the month's rating summary for it counts only the
#: ratings this module gives (on a SUT started for the run)
RATED_PROCEDURE = "1.001022"
#: the flows: (key, procedure, channel, steps); a step is a control action, "pay:<outcome>" or "rate:<level>",
#: "request_fee" asks the catalogue's fee and "request_fee=N" names an amount
FLOWS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("counter-returned", RATED_PROCEDURE, "1", ("receive", "process", "finish", "return_result", "rate:1")),
    (
        "online-supplement",
        RATED_PROCEDURE,
        "2",
        ("receive", "process", "request_supplement", "submit_supplement", "finish", "return_result", "rate:2"),
    ),
    ("postal-refused", PROCEDURE, "3", ("reject",)),
    ("online-fee-paid", FEE_PROCEDURE, "2", ("receive", "request_fee", "pay:approve", "finish", "rate:1")),
    ("counter-fee-declined", FEE_PROCEDURE, "1", ("receive", "process", "request_fee=50000", "pay:decline", "stop")),
    ("online-withdrawn", PROCEDURE, "2", ("receive", "request_supplement", "withdraw")),
)
#: how far the SUT's clock is moved before the result links are fetched again
LATER = timedelta(hours=47)
#: the calendar receipts: just after the office closes, and mid-morning before a day off
AFTER_HOURS, BEFORE_DAY_OFF = time(17, 0, 30), time(10, 0)
#: a landmark must be this far ahead of the real time (the clock is moved forward, never into the past)
MARGIN = timedelta(minutes=5)


@dataclass
class Views:
    witness: Witness
    journal: Journal
    summary: dict[str, Any] | None = None  # the DongBoDanhGia item of RATED_PROCEDURE counting the ratings
    summary_row: dict[str, Any] | None = None
    summary_problem: str = ""
    later: str = ""  # how the links were fetched again
    skipped: list[str] = field(default_factory=list)  # steps left out (a capability the SUT does not declare)
    calendar: list[str] = field(default_factory=list)  # the calendar receipts driven, or why not


def _drive(witness: Witness, env: ConformanceEnvironment, skipped: list[str]) -> None:
    for key, procedure, channel, steps in FLOWS:
        witness.intake(key, procedure, channel)
        for step in steps:
            name, _, argument = step.replace("=", ":").partition(":")
            if name == "pay":
                if not env.description.declares("payment"):
                    skipped.append(f"{key}: {step} (capability payment not declared)")
                    witness.act(key, "stop")
                    break
                witness.pay(key, argument)
            elif name == "rate":
                if not env.description.declares("ratings"):
                    skipped.append(f"{key}: {step} (capability ratings not declared)")
                    continue
                witness.rate(key, argument)
            else:
                witness.act(key, name, amount=int(argument) if argument else None)


def _rating_summary(views: Views, env: ConformanceEnvironment) -> None:
    rated = [key for key, _ in views.witness.ratings if views.witness.oracle.expect(key)]
    total = sum(1 for key in rated if _procedure_of(key) == RATED_PROCEDURE)
    if not total:
        views.summary_problem = "no rating of the procedure was given"
        return

    def counts_all(row: dict[str, Any]) -> bool:
        return accepted(row) and any(
            i.get("MaThuTuc") == RATED_PROCEDURE and str(i.get("TongSoNguoiDanhGia")) == str(total) for i in items(row)
        )

    with contextlib.suppress(ExchangeNotReceived):
        row = env.evidence.wait_for(
            "DongBoDanhGia", timeout=env.description.sync_delay_s, where=counts_all, nudge=env.driver.flush_sync
        )
        views.summary_row = row
        views.summary = next(i for i in items(row) if i.get("MaThuTuc") == RATED_PROCEDURE)
        return
    sent = [
        i
        for r in env.evidence.exchanges(service="DongBoDanhGia", record=False)
        for i in items(r)
        if i.get("MaThuTuc") == RATED_PROCEDURE
    ]
    views.summary_problem = (
        f"no DongBoDanhGia DVCQG accepted counts the {total} rating(s) of procedure {RATED_PROCEDURE} within "
        f"{env.description.sync_delay_s:g} s; summaries of it sent: {sent[-3:]}"
    )


def _procedure_of(key: str) -> str:
    return next(procedure for name, procedure, _, _ in FLOWS if name == key)


def landmarks(calendar: NationalCalendar, now: datetime) -> tuple[list[tuple[str, datetime]], list[str]]:
    """The receipts the calendar decides, from `now` on: just after 17:00 on the next working day that still has
    one to come, and 10:00 on the last working day before the next weekday off; and what the data cannot give."""
    found: list[tuple[str, datetime]] = []
    missing: list[str] = []
    try:
        day = now.date()
        while not (calendar.is_working_day(day) and datetime.combine(day, AFTER_HOURS, VIETNAM) > now + MARGIN):
            day += timedelta(days=1)
        found.append(("after-hours", datetime.combine(day, AFTER_HOURS, VIETNAM)))
        day = now.date() + timedelta(days=1)
        while not _weekday_off(calendar, day):
            day += timedelta(days=1)
        before = day - timedelta(days=1)
        while not calendar.is_working_day(before):
            before -= timedelta(days=1)
        if datetime.combine(before, BEFORE_DAY_OFF, VIETNAM) > now + MARGIN:
            found.append((f"before-day-off-{day:%Y%m%d}", datetime.combine(before, BEFORE_DAY_OFF, VIETNAM)))
        else:  # the day off is tomorrow and today's 10:00 has passed: the next one
            rest, why = landmarks(calendar, datetime.combine(day, time(23, 59), VIETNAM))
            found += [(k, at) for k, at in rest if k.startswith("before-day-off")]
            missing += why
    except CalendarError as exc:
        missing.append(f"the national calendar data ends before the next landmark: {exc}")
    return found, missing


def _weekday_off(calendar: NationalCalendar, day: date) -> bool:
    entry = calendar.entry(day)
    return entry is not None and not entry.working and day.weekday() < 5


def _calendar_receipts(witness: Witness, views: Views) -> None:
    """(capability clock) Intake and receipt at each landmark, the SUT's clock moved there, then back."""
    found, missing = landmarks(witness.oracle.calendar, datetime.now(VIETNAM))
    views.calendar += [f"not driven: {why}" for why in missing]
    for key, at in found:
        problem = witness.shift_to(at)
        if problem:
            views.calendar.append(f"{key} at {stamp(at)} not driven: the SUT refused the clock ({problem})")
            continue
        try:
            witness.intake(key, PROCEDURE, "1")
            witness.act(key, "receive")
            views.calendar.append(f"{key}: received at {stamp(at)} (SUT clock)")
        finally:
            witness.shift_to(None)
    witness.release_shifted()


@pytest.fixture(scope="module")
def views(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Views:
    known = procedures(dvc_env, sorted({procedure for _, procedure, _, _ in FLOWS}))
    witness = Witness(dvc_env, known, seed=f"{dvc_seed}:oracle-views")
    result = Views(witness, witness.journal)
    # in a worker thread: each test's record names the packets it judged and its counts, not every request
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(_drive, witness, dvc_env, result.skipped).result()
    if dvc_env.description.declares("clock"):
        with ThreadPoolExecutor(max_workers=1) as worker:
            worker.submit(_calendar_receipts, witness, result).result()
    else:
        result.calendar.append("not driven: capability clock not declared (receipts after 17:00 and before a day off)")
    if dvc_env.description.declares("ratings"):
        _rating_summary(result, dvc_env)
    if dvc_env.description.declares("clock"):
        problem = witness.shift_to(datetime.now(VIETNAM) + LATER)
        try:
            witness.refetch_links()
            result.later = problem or f"with the SUT's clock moved {LATER} on"
        finally:
            if not problem:
                witness.shift_to(None)
    else:
        witness.refetch_links()
        result.later = "at the end of the module (the SUT's clock cannot be moved: capability clock not declared)"
    return result


def _judge(views: Views, requirement: str, dvc_observe: Observe, what: str) -> None:
    """Fail with every mismatch of `requirement`; skip when nothing of it could be judged."""
    journal = views.journal
    compared = journal.compared.get(requirement, 0)
    unknown = sorted(journal.untested.get(requirement, set()))
    if not compared:
        reasons = unknown + journal.unreadable
        pytest.skip(f"not tested: {what}: nothing could be judged ({'; '.join(reasons[:5]) or 'no view'})")
    dvc_observe.exchanges(journal.rows.get(requirement, []))
    dvc_observe.step(
        f"{compared} value(s) of {what} compared with the oracle after every action ({len(journal.script)} steps)"
    )
    if unknown:
        dvc_observe.step("not tested (the oracle cannot know): " + "; ".join(unknown))
    if journal.unreadable:
        dvc_observe.step("views not read back (not tested there): " + "; ".join(journal.unreadable[:5]))
    found = [str(f) for f in journal.of(requirement)]
    assert not found, (
        f"{len(found)} value(s) of {what} disagree with the oracle (docs/oracle.md):\n{shown(found)}\n\nsteps:\n"
        + "\n".join(journal.script)
    )


@pytest.mark.req("ORACLE-DOSSIER-CODE")
def test_dossier_codes_are_the_oracles_in_every_view(views: Views, dvc_observe: Observe) -> None:
    _judge(views, "ORACLE-DOSSIER-CODE", dvc_observe, "the dossier codes (agency, date, sequence)")


@pytest.mark.req("ORACLE-STATUS-TIMES")
def test_statuses_and_their_times_are_the_oracles_after_every_action(views: Views, dvc_observe: Observe) -> None:
    _judge(views, "ORACLE-STATUS-TIMES", dvc_observe, "the statuses, their times and the progress steps")


@pytest.mark.req("ORACLE-APPOINTMENT")
def test_appointments_are_the_oracles_from_the_catalogue_and_the_calendar(views: Views, dvc_observe: Observe) -> None:
    """NgayHenTra after receipt and after a supplement, at the real time of the run and (capability clock) at the
    calendar's landmarks: just after 17:00, and the last working day before a day off."""
    for line in views.calendar:
        dvc_observe.step(f"calendar receipt: {line}")
    _judge(views, "ORACLE-APPOINTMENT", dvc_observe, "the appointment dates and supplement rounds")


@pytest.mark.req("ORACLE-FEES")
def test_fees_and_the_paid_flag_are_the_oracles(views: Views, dvc_observe: Observe) -> None:
    if views.skipped:
        dvc_observe.partial("ORACLE-FEES", "; ".join(views.skipped))
    _judge(views, "ORACLE-FEES", dvc_observe, "the fees and the online-payment flag")


@pytest.mark.req("ORACLE-RESULTS")
def test_results_appear_at_the_end_and_their_links_keep_working(views: Views, dvc_observe: Observe) -> None:
    links = list(views.journal.links.values())
    problems = [f"{c.where}: {c.url} when synced: {c.first}" for c in links if c.first]
    problems += [f"{c.where}: {c.url} fetched again {views.later}: {c.later}" for c in links if c.later]
    if links:
        dvc_observe.step(f"{len(links)} result link(s) fetched when synced and again {views.later}")
    else:
        problems.append(
            "no DongBoHoSoMC DVCQG accepted for a finished dossier carries a DuongDanTepTinKetQua link "
            f"(dossiers: {', '.join(views.witness.codes.values())})"
        )
    try:
        _judge(views, "ORACLE-RESULTS", dvc_observe, "the result documents")
    except AssertionError as failed:
        problems.insert(0, str(failed))
    assert not problems, "\n".join(problems)


@pytest.mark.capability("ratings")
@pytest.mark.dvc_control_api("POST /_control/ratings (ratings of a known level)")
@pytest.mark.req("ORACLE-SUMMARIES")
def test_the_rating_summary_counts_the_ratings_the_harness_gave(
    views: Views, dvc_env: ConformanceEnvironment, dvc_observe: Observe
) -> None:
    if not getattr(dvc_env, "embedded", False):
        pytest.skip(
            "not tested: a SUT that keeps data from earlier runs may count earlier ratings of the procedure in the "
            "month; the oracle knows only the harness's (suites/portal/test_feedback.py judges the difference)"
        )
    assert views.summary is not None and views.summary_row is not None, views.summary_problem
    moment = datetime.now(VIETNAM)
    expected = views.witness.oracle.rating_summary(moment.year, moment.month, RATED_PROCEDURE)
    dvc_observe.exchanges([views.summary_row])
    unknown = untested(expected)
    if unknown:
        dvc_observe.step("not tested: " + "; ".join(map(str, unknown)))
    found = [str(m) for m in compare(expected, views.summary, f"DVCQG DongBoDanhGia seq {views.summary_row['seq']}")]
    ratings = ", ".join(f"{views.witness.codes[key]} level {level}" for key, level in views.witness.ratings)
    assert not found, f"the rating summary disagrees with the ratings the harness gave ({ratings}):\n" + "\n".join(
        found
    )
