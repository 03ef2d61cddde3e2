"""Monthly dossier statistics (TT 22/2019 Điều 6 k1 h; TT 01/2018 Điều 16), computed from the portal's own
dossier records and synced to DVCQG with DongBoThongKeHoSo (docs/reference/dvcqg-interfaces.md §7.5).

What counts, for a month [start, end) seen at `as_of` = min(end, now):

* only dossiers the one-stop desk accepted (status ≠ 1 mới đăng ký, ≠ 3 không được tiếp nhận) are in the
  processing counters; refusals at intake are counted apart (`rejected`, by NgayTuChoi);
* received in the period (SoNhanTrongKy): accepted, NgayTiepNhan in the month; carried over (SoTonKyTruoc):
  accepted before the month and not ended before it; TongSoXuLy is their sum;
* processed (TongDaXuLy): processing ended in the month (NgayKetThucXuLy) with a result, i.e. finished (9)
  or returned (10); on time when NgayKetThucXuLy ≤ NgayHenTra, late otherwise;
* withdrawn (7) and stopped (8) dossiers end without a result: they are neither processed on time nor late
  (QĐ 766 judges timeliness on results), so TongDaXuLy + TongChuaXuLy may be less than TongSoXuLy; the
  difference is stated in GhiChu;
* not processed yet (TongChuaXuLy): not ended by the end of the month; overdue when NgayHenTra < as_of (the
  end of a past month, now for the current one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from reference_portal.feedback.periods import Month, percent_plain

#: statuses that end processing with a result (NgayKetThucXuLy is set on entering 9; 10 follows 9)
WITH_RESULT = frozenset({"9", "10"})


@dataclass(frozen=True)
class MonthlyCounts:
    received: int = 0
    received_online: int = 0
    carried_over: int = 0
    processed: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0
    pending_on_time: int = 0
    pending_late: int = 0
    withdrawn: int = 0
    stopped: int = 0
    returned: int = 0
    rejected: int = 0

    @property
    def to_process(self) -> int:
        return self.received + self.carried_over

    def to_json(self) -> dict[str, int]:
        return {**asdict(self), "to_process": self.to_process}


def count_month(
    records: Iterable[dict[str, Any]], month: Month, now: str, *, withdrawn_as_processed: bool = False
) -> MonthlyCounts:
    """The month's counters from dossier records (`now`: yyyyMMddHHmmss). `withdrawn_as_processed` is the
    defect `statistics-miscount`."""
    start, end = month.start, month.end
    as_of = min(end, now)
    tally: dict[str, int] = {}

    def add(*names: str) -> None:
        for name in names:
            tally[name] = tally.get(name, 0) + 1

    for record in records:
        status = str(record.get("TrangThaiHoSo", ""))
        if status == "3":
            if start <= str(record.get("NgayTuChoi") or "") < end:
                add("rejected")
            continue
        received = str(record.get("NgayTiepNhan") or "")
        ended = str(record.get("NgayKetThucXuLy") or "")
        if status == "1" or not received or received >= end or (ended and ended < start):
            continue
        if received < start:
            add("carried_over")
        else:
            add("received", *(("received_online",) if record.get("KenhThucHien") == "2" else ()))
        if status == "10" and start <= str(record.get("NgayTra") or "") < end:
            add("returned")
        due = str(record.get("NgayHenTra") or "")
        if not ended or ended >= end:
            add("pending", "pending_on_time" if due >= as_of else "pending_late")
        elif status in WITH_RESULT or (withdrawn_as_processed and status in ("7", "8")):
            add("processed", "on_time" if due and ended <= due else "late")
        else:
            add("withdrawn" if status == "7" else "stopped")
    return MonthlyCounts(**tally)


def statistics_item(
    counts: MonthlyCounts, month: Month, agency: str, agency_name: str, *, zero_based_month: bool = False
) -> dict[str, str]:
    """The DongBoThongKeHoSo `data[]` item (every value a string). `zero_based_month` is the defect
    `statistics-month-zero-based` (the OCPS-UI bug: JavaScript's getMonth())."""
    c = counts
    notes = (
        f"Rút hồ sơ: {c.withdrawn}; dừng xử lý: {c.stopped}; đã trả kết quả: {c.returned}; "
        f"không được tiếp nhận: {c.rejected}; tiếp nhận trực tuyến: {c.received_online}"
    )
    return {
        "Thang": str(month.month - 1 if zero_based_month else month.month),
        "Nam": str(month.year),
        "SoNhanTrongKy": str(c.received),
        "SoTonKyTruoc": str(c.carried_over),
        "TongSoXuLy": str(c.to_process),
        "TongDaXuLy": str(c.processed),
        "TongXuLyDungHan": str(c.on_time),
        "PhanTramXuLyDungHan": percent_plain(c.on_time, c.processed),
        "TongXuLyTreHan": str(c.late),
        "PhanTramXuLyTreHan": percent_plain(c.late, c.processed),
        "TongChuaXuLy": str(c.pending),
        "TongChuaXuLyTrongHan": str(c.pending_on_time),
        "PhanTramChuaXuLyTrongHan": percent_plain(c.pending_on_time, c.pending),
        "TongChuaXuLyTreHan": str(c.pending_late),
        "PhanTramChuaXuLyTreHan": percent_plain(c.pending_late, c.pending),
        "GhiChu": notes,
        "Madonvi": agency,
        "TenDonVi": agency_name,
        "LoaiThongKe": "1",
    }
