"""The month's summaries the portal syncs, from what the harness did: dossier statistics (DongBoThongKeHoSo,
docs/reference/dvcqg-interfaces.md §7.5) and the rating summary per procedure (DongBoDanhGia, §7.4).
Rules ORACLE-STATISTICS and ORACLE-RATING."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from harness.oracle import _rules as rules
from harness.oracle._replay import DossierFacts
from harness.oracle._specs import Between, Share, Spec, Unknown, exact
from harness.oracle._time import wall


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1)
    end = datetime(year + 1, 1, 1) if month == 12 else datetime(year, month + 1, 1)
    return start, end


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= wall(moment) < end


def month_tally(dossiers: Iterable[DossierFacts], year: int, month: int, as_of: datetime) -> Counter[str]:
    """How many dossiers fall in each class of the month, seen at `as_of` (capped at the month's end)."""
    start, end = _month_bounds(year, month)
    seen_at = min(end, wall(as_of))
    tally: Counter[str] = Counter()
    for facts in dossiers:
        if facts.refused_at is not None:
            tally["rejected"] += _within(facts.refused_at, start, end)
            continue
        registered, ended = wall(facts.registered_at), facts.ended_at and wall(facts.ended_at)
        if facts.received_at is None or registered >= end or (ended and ended < start):
            continue
        if registered < start:
            tally["carried_over"] += 1
        else:
            tally["received"] += 1
        due = facts.due.at if facts.due is not None else None
        if not ended or ended >= end:
            tally["pending"] += 1
            klass = "unknown" if due is None else "on_time" if wall(due) >= seen_at else "late"
            tally[f"pending_{klass}"] += 1
        elif facts.status in ("9", "10"):
            tally["processed"] += 1
            klass = "unknown" if due is None else "on_time" if ended <= wall(due) else "late"
            tally[f"processed_{klass}"] += 1
        else:
            tally["withdrawn" if facts.status == "7" else "stopped"] += 1
    return tally


def _count(value: int) -> Between:
    return Between(value, value, rules.STATISTICS)


def statistics_fields(tally: Counter[str], year: int, month: int) -> dict[str, Spec]:
    """The DongBoThongKeHoSo item's values; the on-time split is not tested when a dossier's appointment is
    unknown (a procedure without a processing time)."""
    fields: dict[str, Spec] = {
        "Thang": exact(month, rules.STATISTICS),
        "Nam": exact(year, rules.STATISTICS),
        "SoNhanTrongKy": _count(tally["received"]),
        "SoTonKyTruoc": _count(tally["carried_over"]),
        "TongSoXuLy": _count(tally["received"] + tally["carried_over"]),
        "TongDaXuLy": _count(tally["processed"]),
        "TongChuaXuLy": _count(tally["pending"]),
    }
    groups = (
        ("processed", "TongXuLyDungHan", "PhanTramXuLyDungHan", "TongXuLyTreHan", "PhanTramXuLyTreHan"),
        ("pending", "TongChuaXuLyTrongHan", "PhanTramChuaXuLyTrongHan", "TongChuaXuLyTreHan", "PhanTramChuaXuLyTreHan"),
    )
    for group, on_time, on_time_share, late, late_share in groups:
        unknown = tally[f"{group}_unknown"]
        if unknown:
            reason = f"{unknown} dossier(s) of the month have no known appointment (no processing time)"
            for name in (on_time, on_time_share, late, late_share):
                fields[name] = Unknown(reason, rules.STATISTICS)
            continue
        whole = tally[group]
        fields[on_time] = _count(tally[f"{group}_on_time"])
        fields[late] = _count(tally[f"{group}_late"])
        fields[on_time_share] = Share(tally[f"{group}_on_time"], whole, rules.STATISTICS)
        fields[late_share] = Share(tally[f"{group}_late"], whole, rules.STATISTICS)
    return fields


def rating_fields(dossiers: Iterable[DossierFacts], year: int, month: int, procedure: str) -> dict[str, Spec]:
    """The DongBoDanhGia item of a month and procedure: every rating given in the month, by level."""
    start, end = _month_bounds(year, month)
    levels: Counter[str] = Counter(
        facts.rating[0]
        for facts in dossiers
        if facts.procedure == procedure and facts.rating is not None and _within(facts.rating[1], start, end)
    )
    total = sum(levels.values())
    return {
        "NgayTongHop": exact(f"{month}-{year}", rules.RATING),
        "MaThuTuc": exact(procedure, rules.RATING),
        "TongSoNguoiDanhGia": Between(total, total, rules.RATING),
        "PhanTramDanhGiaRatHaiLong": Share(levels["1"], total, rules.RATING),
        "PhanTramDanhGiaHaiLong": Share(levels["2"], total, rules.RATING),
        "PhanTramDanhGiaChuaHaiLong": Share(levels["3"], total, rules.RATING),
    }
