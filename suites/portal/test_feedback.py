"""Satisfaction ratings and monthly statistics (TT 22/2019 Điều 6 k1 h, i; Điều 5 k1 c; TT 01/2018 Điều 12–14
and 16; QCVN 120 DongBoDanhGia and DongBoThongKeHoSo).

Ratings: dossiers whose result was returned are rated in the three levels (1 rất hài lòng, 2 hài lòng,
3 chưa hài lòng) through `POST {control_url}/_control/ratings`; the summary DVCQG receives (DongBoDanhGia)
must count them. The first rating is compared with the summary synced for it, so ratings the SUT already
held before the run (a staging system keeps its data) do not matter.

Statistics: the published monthly statistics (`GET {base_url}/api/statistics?month=YYYY-MM`, its `item` in
the DongBoThongKeHoSo form) are read before and after this suite drives one dossier down every path of the
flow; the difference must be exactly those dossiers (other suites' dossiers of the month are in both
readings). Then `POST {control_url}/_control/statistics/sync` must bring DVCQG the same figures for that
month.
"""

from __future__ import annotations

import contextlib
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
import pytest

from harness.conformance import ConformanceEnvironment, Evidence, ExchangeNotReceived, accepted, items
from suites._support import PATHS, PROCEDURE, applicant, drive
from suites.portal._http import control_client, poll, public_client

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = [
    pytest.mark.dvc_needs("dossier-sync"),
    pytest.mark.dvc_control_api("POST /_control/ratings and /_control/statistics/sync (ratings of a known level)"),
]

VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh, no daylight saving
Exchange = dict[str, Any]  # one row of the national side's evidence

# --- ratings ----------------------------------------------------------------------------------------------

#: the three levels, in the order of the DongBoDanhGia percentages
LEVELS = {
    "1": "PhanTramDanhGiaRatHaiLong",
    "2": "PhanTramDanhGiaHaiLong",
    "3": "PhanTramDanhGiaChuaHaiLong",
}
#: the first vote, compared with the summary synced for it; then the others
FIRST_VOTE = "1"
MORE_VOTES = ("2", "3", "1")
PERCENT_SIGN = re.compile(r"(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)%")


def _after(evidence: Evidence, service: str, seq: int) -> list[Exchange]:
    return [row for row in evidence.exchanges(service=service) if int(row["seq"]) > seq]


def _newest(evidence: Evidence, service: str) -> int:
    return max((int(row["seq"]) for row in evidence.exchanges(service=service)), default=0)


def _answered(row: Exchange) -> bool:
    """DVCQG took the message, or refused it for what it says (a retry will not change that)."""
    return accepted(row) or row.get("verdict") == "invalid"


@dataclass
class Ratings:
    votes: list[tuple[str, str]] = field(default_factory=list)  # (MaHoSo, MucDo), in order
    refused: list[str] = field(default_factory=list)  # what the control API said when it refused a vote
    subject: str | None = None  # MaThuTuc of the summaries that count the votes ("" for a whole-agency summary)
    first: Exchange | None = None  # the DongBoDanhGia that answered the first vote
    last: Exchange | None = None  # the one that counts every vote
    sent: list[Exchange] = field(default_factory=list)  # every DongBoDanhGia sent from the first vote on
    waited_s: float = 0.0

    def summary(self, row: Exchange | None) -> dict[str, Any] | None:
        if row is None:
            return None
        return next((i for i in items(row) if str(i.get("MaThuTuc") or "") == self.subject), None)


def _rate(control: httpx.Client, code: str, level: str, ratings: Ratings) -> None:
    body = {"MaHoSo": code, "MucDo": level, "NoiDung": f"Đánh giá mức {level} của bộ kiểm thử"}
    answer = control.post("/_control/ratings", json=body)
    if answer.status_code not in (200, 201):
        ratings.refused.append(f"{code} MucDo {level}: HTTP {answer.status_code} {answer.text[:200]}")
    ratings.votes.append((code, level))


def _summary_row(
    dvc_env: ConformanceEnvironment, since: int, subjects: tuple[str, ...], total: int | None
) -> Exchange | None:
    """The first DongBoDanhGia after `since` with a summary of one of `subjects` (and `total` raters)."""

    def matching(row: Exchange) -> bool:
        if int(row["seq"]) <= since or not _answered(row):
            return False
        found = [i for i in items(row) if str(i.get("MaThuTuc") or "") in subjects]
        return any(total is None or i.get("TongSoNguoiDanhGia") == total for i in found)

    with contextlib.suppress(ExchangeNotReceived):
        return dvc_env.evidence.wait_for(
            "DongBoDanhGia",
            timeout=dvc_env.description.sync_delay_s,
            where=matching,
            nudge=dvc_env.driver.flush_sync,
        )
    return None


@pytest.fixture(scope="module")
def ratings(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Ratings:
    rng = random.Random(f"{dvc_seed}:ratings")
    driver, evidence = dvc_env.driver, dvc_env.evidence
    flow = PATHS["processed-and-returned"]
    codes = [drive(driver, applicant(rng, procedure=PROCEDURE), flow) for _ in range(1 + len(MORE_VOTES))]
    result = Ratings(waited_s=dvc_env.description.sync_delay_s)
    start = _newest(evidence, "DongBoDanhGia")
    with control_client(dvc_env) as control:
        _rate(control, codes[0], FIRST_VOTE, result)
        # a summary for the procedure, or for the whole agency when the SUT does not summarise per procedure
        result.first = _summary_row(dvc_env, start, (PROCEDURE, ""), None)
        if result.first is not None:
            result.subject = PROCEDURE if any(i.get("MaThuTuc") == PROCEDURE for i in items(result.first)) else ""
            counted = (result.summary(result.first) or {}).get("TongSoNguoiDanhGia")
            for code, level in zip(codes[1:], MORE_VOTES, strict=True):
                _rate(control, code, level, result)
            if isinstance(counted, int):
                expected = counted + len(MORE_VOTES)
                result.last = _summary_row(dvc_env, int(result.first["seq"]), (result.subject,), expected)
    result.sent = _after(evidence, "DongBoDanhGia", start)
    return result


def _counts(summary: dict[str, Any]) -> dict[str, int] | None:
    """Raters per level, from the total and the three percentages ("NN.NN%"); None when they do not read."""
    total = summary.get("TongSoNguoiDanhGia")
    if not isinstance(total, int):
        return None
    counts = {}
    for level, key in LEVELS.items():
        text = str(summary.get(key, "")).strip()
        try:
            share = Decimal(text.removesuffix("%"))
        except InvalidOperation:
            return None
        counts[level] = int((share * total / 100).to_integral_value())
    return counts


@pytest.mark.capability("ratings")
@pytest.mark.req("TT22-D6-K1-I", "TT01-D12-RATING", "ND61-D25-K2-E")
def test_ratings_reach_dvcqg(ratings: Ratings) -> None:
    assert not ratings.refused, "the SUT refused ratings of returned dossiers:\n" + "\n".join(ratings.refused)
    assert ratings.first is not None, (
        f"no DongBoDanhGia summary reached DVCQG within {ratings.waited_s:g} s of a rating of "
        f"{ratings.votes[0][0]} (procedure {PROCEDURE})"
    )
    first = ratings.summary(ratings.first) or {}
    assert ratings.last is not None, (
        f"after {len(MORE_VOTES)} more rating(s), no DongBoDanhGia summary counting "
        f"{first.get('TongSoNguoiDanhGia')} + {len(MORE_VOTES)} raters reached DVCQG within {ratings.waited_s:g} s "
        f"(summaries sent: {[ratings.summary(row) for row in ratings.sent][-3:]})"
    )
    assert accepted(ratings.first) and accepted(ratings.last), (
        "DVCQG refused the rating summary: "
        f"{(ratings.last or ratings.first).get('response', {}).get('body', {}).get('message', '')}"
    )


@pytest.mark.capability("ratings")
@pytest.mark.req("TT22-D6-K1-I", "QCVN120-RATING")
@pytest.mark.req(
    "TT21-D5-K1-RATING",
    partial="checks the synced rating summary; the rating form on the pages is judged by hand",
)
def test_synced_summaries_count_each_level(ratings: Ratings) -> None:
    first, last = ratings.summary(ratings.first), ratings.summary(ratings.last)
    if first is None or last is None:
        pytest.fail("no rating summary reached DVCQG (see test_ratings_reach_dvcqg)")
    before, after = _counts(first), _counts(last)
    assert before is not None and after is not None, (
        f"the summaries' percentages cannot be read as shares of TongSoNguoiDanhGia: {first}, {last}"
    )
    assert before[FIRST_VOTE] >= 1, (
        f"the summary synced after a level-{FIRST_VOTE} rating counts no such rater: {first}"
    )
    added = {level: after[level] - before[level] for level in LEVELS}
    expected = {level: Counter(MORE_VOTES)[level] for level in LEVELS}
    assert added == expected, (
        f"the ratings {list(MORE_VOTES)} (levels 1 rất hài lòng, 2 hài lòng, 3 chưa hài lòng) changed the synced "
        f"counts by {added}, expected {expected}\nbefore: {first}\nafter: {last}"
    )
    shares = [Decimal(str(last[key]).removesuffix("%")) for key in LEVELS.values()]
    assert abs(sum(shares) - 100) <= Decimal("0.03"), f"the three percentages do not add up to 100%: {last}"


@pytest.mark.capability("ratings")
@pytest.mark.req("FMT-PERCENT", "QCVN120-RATING")
def test_rating_percentages_are_written_with_the_percent_sign(ratings: Ratings) -> None:
    summaries = [i for row in ratings.sent for i in items(row)]
    assert summaries, "no DongBoDanhGia was sent after the ratings (see test_ratings_reach_dvcqg)"
    wrong = sorted(
        {
            f"{key} = {item.get(key)!r}"
            for item in summaries
            for key in item
            if key.startswith("PhanTram") and not PERCENT_SIGN.fullmatch(str(item.get(key)))
        }
    )
    assert not wrong, 'rating percentages must be "NN%" or "NN.NN%" (0 to 100, the sign included):\n' + "\n".join(wrong)


# --- statistics -------------------------------------------------------------------------------------------

#: the DongBoThongKeHoSo counters, and how one dossier down each path of PATHS moves them (all received in the
#: month): processed = ended with a result (9, 10), on time; withdrawn (7) and stopped (8) dossiers end without
#: a result (QĐ 766 judges timeliness on results) and count in neither TongDaXuLy nor TongChuaXuLy; a refusal
#: at intake (3) is not a received dossier
COUNTERS = (
    "SoNhanTrongKy",
    "SoTonKyTruoc",
    "TongSoXuLy",
    "TongDaXuLy",
    "TongXuLyDungHan",
    "TongXuLyTreHan",
    "TongChuaXuLy",
    "TongChuaXuLyTrongHan",
    "TongChuaXuLyTreHan",
)
#: (counter, its part, the percentage of the part)
PERCENTAGES = (
    ("TongDaXuLy", "TongXuLyDungHan", "PhanTramXuLyDungHan"),
    ("TongDaXuLy", "TongXuLyTreHan", "PhanTramXuLyTreHan"),
    ("TongChuaXuLy", "TongChuaXuLyTrongHan", "PhanTramChuaXuLyTrongHan"),
    ("TongChuaXuLy", "TongChuaXuLyTreHan", "PhanTramChuaXuLyTreHan"),
)
RECEIVED = {name for name, actions in PATHS.items() if actions[:1] == ("receive",)}
WITH_RESULT = {name for name, actions in PATHS.items() if actions[-1] in ("finish", "return_result")}
ENDED = {name for name, actions in PATHS.items() if actions[-1] in ("finish", "return_result", "withdraw", "stop")}


def _expected_delta() -> dict[str, int]:
    pending = len(RECEIVED - ENDED)
    return {
        "SoNhanTrongKy": len(RECEIVED),
        "SoTonKyTruoc": 0,
        "TongSoXuLy": len(RECEIVED),
        "TongDaXuLy": len(WITH_RESULT),
        "TongXuLyDungHan": len(WITH_RESULT),
        "TongXuLyTreHan": 0,
        "TongChuaXuLy": pending,
        "TongChuaXuLyTrongHan": pending,
        "TongChuaXuLyTreHan": 0,
    }


@dataclass
class Statistics:
    month: str  # YYYY-MM
    before: dict[str, Any]
    after: dict[str, Any]
    codes: dict[str, str]  # path → MaHoSo
    queued: int  # HTTP status of POST /_control/statistics/sync
    synced: Exchange | None
    waited_s: float

    @property
    def synced_item(self) -> dict[str, Any] | None:
        return next(items(self.synced), None) if self.synced is not None else None


def _number(item: dict[str, Any], key: str) -> int | None:
    value = str(item.get(key, ""))
    return int(value) if value.isdigit() else None


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int | None]:
    """How far each counter moved (None when one of the readings is not a count)."""
    moved: dict[str, int | None] = {}
    for key in COUNTERS:
        old, new = _number(before, key), _number(after, key)
        moved[key] = new - old if old is not None and new is not None else None
    return moved


def _month() -> str:
    return datetime.now(VIETNAM).strftime("%Y-%m")


def _published(public: httpx.Client, month: str) -> dict[str, Any]:
    answer = public.get("/api/statistics", params={"month": month})
    assert answer.status_code == 200, f"GET /api/statistics?month={month} answered HTTP {answer.status_code}"
    item = answer.json().get("item")
    assert isinstance(item, dict), f"GET /api/statistics must answer {{'item': {{DongBoThongKeHoSo item}}}}: {item}"
    return item


@pytest.fixture(scope="module")
def statistics(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Statistics:
    rng = random.Random(f"{dvc_seed}:statistics")
    driver, evidence, description = dvc_env.driver, dvc_env.evidence, dvc_env.description
    month = _month()
    with public_client(dvc_env) as public, control_client(dvc_env) as control:
        before = _published(public, month)
        codes = {name: drive(driver, applicant(rng), actions) for name, actions in PATHS.items()}
        # the SUT may publish its figures a little later: give it the sync delay
        after = poll(
            lambda: _published(public, month),
            lambda now: _delta(before, now) == _expected_delta(),
            description.sync_delay_s,
        )
        if _month() != month:
            pytest.skip(f"the month changed while the dossiers were driven ({month} → {_month()}): run again")
        since = _newest(evidence, "DongBoThongKeHoSo")
        queued = control.post("/_control/statistics/sync", json={"month": month}).status_code
    year = month[:4]

    def matching(row: Exchange) -> bool:
        return int(row["seq"]) > since and _answered(row) and any(str(i.get("Nam")) == year for i in items(row))

    synced = None
    with contextlib.suppress(ExchangeNotReceived):
        synced = evidence.wait_for(
            "DongBoThongKeHoSo", timeout=description.sync_delay_s, where=matching, nudge=driver.flush_sync
        )
    return Statistics(month, before, after, codes, queued, synced, description.sync_delay_s)


@pytest.mark.capability("statistics")
@pytest.mark.req("TT22-D6-K1-H", "TT22-D5-K1-C", "TT01-D16-STATISTICS", "TT21-D5-K1-STATISTICS")
def test_published_statistics_count_the_dossiers_of_the_run(statistics: Statistics) -> None:
    expected, moved = _expected_delta(), _delta(statistics.before, statistics.after)
    problems = [
        f"{key}: {statistics.before.get(key)!r} → {statistics.after.get(key)!r} "
        f"({'not counts' if moved[key] is None else f'{moved[key]:+d}'}), expected {expected[key]:+d}"
        for key in COUNTERS
        if moved[key] != expected[key]
    ]
    paths = ", ".join(f"{name} {code}" for name, code in statistics.codes.items())
    assert not problems, (
        f"the statistics of {statistics.month} do not count the dossiers driven ({paths}); withdrawn and stopped "
        "dossiers end without a result, a refused one was never received:\n" + "\n".join(problems)
    )


@pytest.mark.capability("statistics")
@pytest.mark.req("TT01-D16-STATISTICS", "TT22-D5-K1-C")
def test_synced_statistics_are_the_published_ones(statistics: Statistics) -> None:
    assert statistics.queued in (200, 202), f"POST /_control/statistics/sync answered HTTP {statistics.queued}"
    assert statistics.synced is not None, (
        f"no DongBoThongKeHoSo for {statistics.month[:4]} reached DVCQG within {statistics.waited_s:g} s of "
        "POST /_control/statistics/sync"
    )
    assert accepted(statistics.synced), (
        f"DVCQG refused the statistics: {statistics.synced.get('response', {}).get('body', {}).get('message', '')}"
    )
    item = statistics.synced_item or {}
    differ = [
        f"{key}: published {statistics.after.get(key)!r}, synced {item.get(key)!r}"
        for key in COUNTERS
        if str(item.get(key)) != str(statistics.after.get(key))
    ]
    assert not differ, f"DVCQG received other figures for {statistics.month} than the portal publishes:\n" + "\n".join(
        differ
    )


@pytest.mark.capability("statistics")
@pytest.mark.req("QCVN120-STATISTICS")
def test_synced_statistics_name_their_month(statistics: Statistics) -> None:
    item = statistics.synced_item
    if item is None:
        pytest.fail("no DongBoThongKeHoSo reached DVCQG (see test_synced_statistics_are_the_published_ones)")
    year, month = statistics.month.split("-")
    assert (str(item.get("Thang")), str(item.get("Nam"))) == (str(int(month)), year), (
        f"the statistics of {statistics.month} were synced as Thang {item.get('Thang')!r}, Nam {item.get('Nam')!r} "
        f'(expected Thang "{int(month)}" — months count from 1 — and Nam "{year}")'
    )


@pytest.mark.capability("statistics")
@pytest.mark.req("QCVN120-STATISTICS", "FMT-PERCENT")
def test_statistics_percentages_are_shares_of_their_counters(statistics: Statistics) -> None:
    problems = []
    for source, item in (("published", statistics.after), ("synced", statistics.synced_item)):
        for whole_key, part_key, percent_key in PERCENTAGES if item is not None else ():
            whole, part, text = _number(item, whole_key), _number(item, part_key), str(item.get(percent_key))
            if whole is None or part is None:
                continue  # reported by the counting tests
            try:
                percent = Decimal(text)
            except InvalidOperation:
                problems.append(f"{source} {percent_key} = {text!r} is not a number")
                continue
            share = Decimal(part) * 100 / whole if whole else Decimal(0)
            if abs(percent - share) > Decimal("0.005") + Decimal("1e-9"):
                problems.append(f"{source} {percent_key} = {text!r}, but {part_key}/{whole_key} = {part}/{whole}")
    assert not problems, "statistics percentages that are not the share of their counters:\n" + "\n".join(problems)
