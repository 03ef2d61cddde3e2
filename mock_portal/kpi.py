"""QĐ 766/QĐ-TTg service-quality indicators computed from what the system under test synced.

Only the dossiers accepted through DongBoHoSoMC (and their CapNhatTienDoHoSoMC steps) count: the
national portal scores a province on its synced data (regulations.md §2.2, §4.8). Each indicator
carries numerator, denominator, ratio (None when nothing qualifies) and the rule it applies, overall
and per madonvi (the agency code the dossier was last synced under).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from harness.specs import scalar_pattern
from mock_portal.dvcqg.store import DossierRecord, text
from mock_portal.state import MockState

_END_PRIORITY: tuple[tuple[str, ...], ...] = (("9",), ("10",), ("8", "3"))
FINISHED = frozenset({"3", "8", "9", "10"})
_SOURCE = "QĐ 766/QĐ-TTg methodology as summarised in regulations.md §2.2, §4.8 and dvcqg-interfaces §3.2, §8.1"

RULES = {
    "on_time": (
        "On-time rate: dossiers that finished processing (status 9, 10, 8 or 3) whose end time ≤ NgayHenTra. "
        "End time = ThoiDiemXuLy of the first progress step in status 9, else 10, else 8 or 3; without such a "
        "step, NgayKetThucXuLy as synced. More than one supplement round (DanhSachHoSoBoSung items or status-5 "
        "steps) counts the dossier overdue; with exactly one, its NgayHenTraMoi replaces an earlier NgayHenTra "
        "(supplement time is excluded). Dossiers without a usable end time or NgayHenTra are left out "
        f"(see 'undetermined'). Source: {_SOURCE}."
    ),
    "online": (
        'Online share: dossiers with KenhThucHien "2" (trực tuyến) among all synced dossiers; a missing or null '
        "KenhThucHien counts as 1 (trực tiếp). The methodology's extra condition for paper-result procedures "
        f"(an e-result with MaKetQua and DuongDanTepTinKetQua) is not applied. Source: {_SOURCE}."
    ),
    "digitised": (
        'Digitised components share (QĐ 766 indicator 4.3): dossiers with HoSoCoThanhPhanSoHoa "1" among all '
        f"synced dossiers. Source: {_SOURCE}."
    ),
    "online_payment": (
        'Online payment share: dossiers with DuocThanhToanTrucTuyen "1" (paid on DVCQG) or "2" (paid through the '
        "ministry or province gateway) among dossiers with a fee (a DanhSachLePhi line with Gia > 0). "
        f"Source: {_SOURCE}."
    ),
    "vneid": (
        'VNeID-authenticated share (QĐ 766 indicator 4.5): dossiers with TaiKhoanDuocXacThucVoiVNeID "1" among '
        'online dossiers (KenhThucHien "2"), the only ones submitted from an account (denominator assumed; the '
        f"methodology text is not available). Source: {_SOURCE}."
    ),
}


def compute_kpi(state: MockState) -> dict[str, Any]:
    channel = state.channels.get("dvcqg")
    records: list[DossierRecord] = channel.dossiers.records() if channel is not None else []
    by_agency: dict[str, list[DossierRecord]] = defaultdict(list)
    for record in records:
        by_agency[record.madonvi].append(record)
    return {
        "basis": "QĐ 766/QĐ-TTg (Bộ chỉ số phục vụ người dân, doanh nghiệp), from the dossiers synced to the mock",
        "computed_at": state.clock(),
        "overall": indicators(records),
        "by_madonvi": {agency: indicators(group) for agency, group in sorted(by_agency.items())},
    }


def indicators(records: list[DossierRecord]) -> dict[str, Any]:
    on_time, finished, undetermined = 0, 0, 0
    for record in records:
        verdict = on_time_verdict(record)
        if verdict is None:
            continue
        if verdict == "undetermined":
            undetermined += 1
            continue
        finished += 1
        on_time += verdict == "on_time"
    online = [r for r in records if _field(r, "KenhThucHien") == "2"]
    with_fee = [r for r in records if has_fee(r.dossier)]
    on_time_indicator = _indicator(on_time, finished, "on_time")
    on_time_indicator["undetermined"] = undetermined
    return {
        "dossiers": len(records),
        "on_time": on_time_indicator,
        "online": _indicator(len(online), len(records), "online"),
        "digitised": _count(records, lambda r: _field(r, "HoSoCoThanhPhanSoHoa") == "1", "digitised"),
        "online_payment": _count(
            with_fee, lambda r: _field(r, "DuocThanhToanTrucTuyen") in ("1", "2"), "online_payment"
        ),
        "vneid": _count(online, lambda r: _field(r, "TaiKhoanDuocXacThucVoiVNeID") == "1", "vneid"),
    }


def on_time_verdict(record: DossierRecord) -> str | None:
    """None while processing goes on (or after a withdrawal); else on_time | overdue | undetermined."""
    end = end_time(record)
    if end is None:
        return "undetermined" if record.status in FINISHED else None
    rounds = supplement_rounds(record)
    due = _timestamp(record.dossier.get("NgayHenTra"))
    if rounds == 1:
        supplements = record.dossier.get("DanhSachHoSoBoSung")
        if isinstance(supplements, list) and supplements and isinstance(supplements[0], Mapping):
            moved = _timestamp(supplements[0].get("NgayHenTraMoi"))
            if moved is not None and (due is None or moved > due):
                due = moved
    if rounds > 1:
        return "overdue"
    if due is None:
        return "undetermined"
    return "on_time" if end <= due else "overdue"


def end_time(record: DossierRecord) -> str | None:
    """yyyyMMddHHmmss when processing ended: first step in status 9 > 10 > 8/3, else NgayKetThucXuLy."""
    for statuses in _END_PRIORITY:
        times = [
            stamp
            for step in record.progress
            if text(step.get("TrangThai")) in statuses and (stamp := _timestamp(step.get("ThoiDiemXuLy")))
        ]
        if times:
            return min(times)
    if record.status in FINISHED:
        return _timestamp(record.dossier.get("NgayKetThucXuLy"))
    return None


def supplement_rounds(record: DossierRecord) -> int:
    listed = record.dossier.get("DanhSachHoSoBoSung")
    from_dossier = len(listed) if isinstance(listed, list) else 0
    from_steps = len({text(s.get("ThoiDiemXuLy")) for s in record.progress if text(s.get("TrangThai")) == "5"})
    return max(from_dossier, from_steps)


def has_fee(dossier: Mapping[str, Any]) -> bool:
    fees = dossier.get("DanhSachLePhi")
    if not isinstance(fees, list):
        return False
    for fee in fees:
        amount = text(fee.get("Gia")) if isinstance(fee, Mapping) else ""
        if amount.isdigit() and int(amount) > 0:
            return True
    return False


def _field(record: DossierRecord, name: str) -> str:
    raw = record.dossier.get(name)
    value = ("1" if raw else "0") if isinstance(raw, bool) else text(raw)  # lenient: a flag sent as true/false
    if name == "KenhThucHien" and value == "":
        return "1"  # null is treated as 1 in the 766 formulas
    return value


def _timestamp(value: Any) -> str | None:
    stamp = text(value)
    return stamp if scalar_pattern("Timestamp").match(stamp) else None


def _count(records: list[DossierRecord], hit: Callable[[DossierRecord], bool], name: str) -> dict[str, Any]:
    return _indicator(sum(1 for r in records if hit(r)), len(records), name)


def _indicator(numerator: int, denominator: int, name: str) -> dict[str, Any]:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "ratio": round(numerator / denominator, 4) if denominator else None,
        "rule": RULES[name],
    }
