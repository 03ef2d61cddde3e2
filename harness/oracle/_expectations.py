"""What every observable value of a dossier must be, from the two readings of the history (_replay.py).

Field names are the national packet's (DongBoHoSoMC, docs/reference/dvcqg-interfaces.md §3), plus derived
ones that `_compare.observe` reads from a packet: `MaHoSo:agency`, `MaHoSo:date` (ISO), `MaHoSo:sequence`,
`DanhSachLePhi:total`, `DanhSachGiayToKetQua:count`, `DanhSachHoSoBoSung:count` and
`DanhSachHoSoBoSung[i].<key>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from harness.oracle import _rules as rules
from harness.oracle._appointment import SupplementClock
from harness.oracle._replay import DossierFacts, Due
from harness.oracle._rules import Rule
from harness.oracle._specs import Between, OneOf, Spec, Unknown, Within, exact, merge

#: statuses before the end of processing: no result document yet
_BEFORE_END = frozenset({"1", "2", "4", "5", "6"})
_NOT_PAID = ("0", "")


@dataclass(frozen=True, slots=True)
class Expectations:
    """The expected values of one subject (a dossier, one of its steps, a summary), by field."""

    subject: str
    fields: Mapping[str, Spec]


@dataclass(frozen=True, slots=True)
class DossierExpectations:
    """A dossier's expected record, and its progress steps in order (CapNhatTienDoHoSoMC:
    `TrangThai`, `ThoiDiemXuLy`)."""

    subject: str
    fields: Mapping[str, Spec]
    steps: tuple[Expectations, ...] = field(default=())


def _time(moment: datetime | None, rule: Rule) -> Spec:
    return exact("", rule) if moment is None else Within(moment, moment, rule)


def _due(due: Due | None, rule: Rule, *, none: Rule = rules.APPOINTMENT_NONE_YET) -> Spec:
    if due is None:
        return exact("", none)
    if due.at is None:
        return Unknown(due.unknown, rule)
    return Within(due.at, due.at, rule)


def _results(facts: DossierFacts) -> Spec:
    if facts.status in _BEFORE_END:
        return exact(0, rules.RESULTS)
    if facts.status in ("9", "10"):
        if not facts.results:
            return Between(1, None, rules.RESULTS)
        return Between(len(facts.results), len(facts.results), rules.RESULTS)
    return Unknown(
        f"status {facts.status} ends without a result; a refusal or stop notice may be filed as one "
        "(NĐ 61/2018 Điều 19)",
        rules.RESULTS,
    )


def _fees(facts: DossierFacts) -> Spec:
    if not facts.fee_requested:
        return exact(0, rules.FEES)
    if facts.fee_total is None:
        return Unknown(facts.fee_unknown, rules.FEES)
    return exact(facts.fee_total, rules.FEES)


def _rounds(facts: DossierFacts, clock_rule: Rule) -> dict[str, Spec]:
    found: dict[str, Spec] = {"DanhSachHoSoBoSung:count": exact(len(facts.rounds), rules.SUPPLEMENT_ROUNDS)}
    for index, round_ in enumerate(facts.rounds):
        prefix = f"DanhSachHoSoBoSung[{index}]."
        found[prefix + "NgayBoSung"] = _time(round_.requested_at, rules.SUPPLEMENT_ROUNDS)
        found[prefix + "NgayTiepNhanBoSung"] = _time(round_.received_at, rules.SUPPLEMENT_ROUNDS)
        found[prefix + "NgayHenTraTruoc"] = _due(round_.due_before, rules.APPOINTMENT)
        found[prefix + "NgayHenTraMoi"] = _due(round_.due_after, clock_rule, none=rules.SUPPLEMENT_ROUNDS)
    return found


def reading_fields(facts: DossierFacts, *, sole_writer: bool, clock: SupplementClock) -> dict[str, Spec]:
    """The expected fields of a dossier in one reading of the history."""
    clock_rule = rules.SUPPLEMENT_RESTART if clock is SupplementClock.RESTART else rules.SUPPLEMENT_PAUSE
    supplemented = any(r.received_at is not None for r in facts.rounds)
    due_rule = clock_rule if supplemented else rules.APPOINTMENT
    paid = facts.paid_flag
    return {
        "MaHoSo:agency": exact(facts.agency, rules.CODE_AGENCY),
        "MaHoSo:date": exact(facts.code_day.isoformat(), rules.CODE_DATE),
        "MaHoSo:sequence": Between(facts.sequence, facts.sequence if sole_writer else None, rules.CODE_SEQUENCE),
        "KenhThucHien": exact(facts.channel, rules.CHANNEL),
        "NgayTiepNhan": _time(facts.registered_at, rules.RECEIVED_AT),
        "NgayNopHoSo": _time(facts.registered_at, rules.RECEIVED_AT),
        "TrangThaiHoSo": exact(facts.status, rules.STATUS),
        "NgayHenTra": _due(facts.due, due_rule),
        "NgayKetThucXuLy": _time(facts.ended_at, rules.END_OF_PROCESSING),
        "NgayTra": _time(facts.returned_at, rules.RETURNED_AT),
        "NgayTuChoi": _time(facts.refused_at, rules.REFUSED_AT),
        "DanhSachLePhi:total": _fees(facts),
        "DuocThanhToanTrucTuyen": OneOf(_NOT_PAID, rules.PAID_FLAG) if paid == "0" else exact(paid, rules.PAID_FLAG),
        "DanhSachGiayToKetQua:count": _results(facts),
        **_rounds(facts, clock_rule),
    }


def reading_steps(facts: DossierFacts) -> list[dict[str, Spec]]:
    return [
        {"TrangThai": exact(status, rules.STEP), "ThoiDiemXuLy": Within(moment, moment, rules.STEP)}
        for status, moment in facts.steps
    ]


def merge_fields(first: Mapping[str, Spec], second: Mapping[str, Spec]) -> dict[str, Spec]:
    return {name: merge(spec, second[name]) if name in second else spec for name, spec in first.items()}


def dossier_expectations(
    earliest: DossierFacts, latest: DossierFacts, *, sole_writer: bool, clock: SupplementClock
) -> DossierExpectations:
    fields = merge_fields(
        reading_fields(earliest, sole_writer=sole_writer, clock=clock),
        reading_fields(latest, sole_writer=sole_writer, clock=clock),
    )
    steps = tuple(
        Expectations(f"{earliest.key} step {number}", merge_fields(a, b))
        for number, (a, b) in enumerate(zip(reading_steps(earliest), reading_steps(latest), strict=True), start=1)
    )
    return DossierExpectations(earliest.key, fields, steps)
