"""The rules the oracle applies, each with its text and source, so that an expected value can say why.

A rule's `confidence` uses the markers of docs/reference/regulations.md: "high" (read in the official text),
"medium" (secondary source or several implementations agree), "assumption" (the harness's reading where no
text was found; documented in docs/oracle.md and kept configurable where it matters).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    text: str
    source: str
    confidence: str = "medium"

    def __str__(self) -> str:
        return f"{self.id} ({self.source})"


_CODE = "docs/reference/regulations.md §3.3; docs/reference/dvcqg-interfaces.md §9.1"

CODE_AGENCY = Rule(
    "ORACLE-CODE-AGENCY",
    "MaHoSo opens with the code of the agency that received the dossier",
    f"NĐ 61/2018 Điều 26; TT 01/2018/TT-VPCP Điều 19 ({_CODE})",
    "high",
)
CODE_DATE = Rule(
    "ORACLE-CODE-DATE",
    "the date segment of MaHoSo (yyMMdd) is the day the one-stop system registered the dossier, Vietnam time",
    f"TT 01/2018/TT-VPCP Điều 17, Điều 19 ({_CODE})",
    "high",
)
CODE_SEQUENCE = Rule(
    "ORACLE-CODE-SEQUENCE",
    "the last segment of MaHoSo counts the dossiers of the agency and day from 0001, in order of registration",
    f"TT 01/2018/TT-VPCP Điều 19 ({_CODE})",
    "high",
)
RECEIVED_AT = Rule(
    "ORACLE-RECEIVED-AT",
    "NgayTiepNhan and NgayNopHoSo are the time the dossier was registered (DVCQG requires NgayTiepNhan from "
    "status 1 on)",
    "docs/reference/dvcqg-interfaces.md §3.1, §3.2",
    "medium",
)
CHANNEL = Rule(
    "ORACLE-CHANNEL",
    "KenhThucHien is the channel the dossier came by: 1 counter, 2 online, 3 public postal service",
    "docs/reference/dvcqg-interfaces.md §8.2",
    "high",
)
APPOINTMENT = Rule(
    "ORACLE-APPOINTMENT",
    "NgayHenTra: the procedure's processing time in working days, counted from the working day after the day "
    "the complete dossier was received (a receipt after office hours or on a day off counts as received the "
    "next working day); due at the end of office hours of the last day (of its morning for a half day)",
    "NĐ 61/2018 Điều 17–19 and LayThuTuc THOIGIAN ('kể từ ngày nhận đủ hồ sơ hợp lệ'); Bộ luật Dân sự 2015 "
    "Điều 147 (the first day is not counted), Điều 148; after-hours receipt: NĐ 61/2018 Điều 18 khoản 2 "
    "(docs/reference/regulations.md §4.2) and NĐ 45/2020 for electronic dossiers; calendar: "
    "harness/oracle/data/calendar-*.toml",
    "medium",
)
APPOINTMENT_NONE_YET = Rule(
    "ORACLE-APPOINTMENT-NONE-YET",
    "NgayHenTra stays empty until the dossier is received (status 2), and for a dossier refused at intake",
    "docs/reference/dvcqg-interfaces.md §3.1 (NgayHenTra '' when there is none)",
    "medium",
)
SUPPLEMENT_RESTART = Rule(
    "ORACLE-SUPPLEMENT-RESTART",
    "after a supplement request, the processing time starts again, in full, from the receipt of the complete "
    "supplement (the new NgayHenTra, NgayHenTraMoi of the round); until then the previous NgayHenTra stands",
    "NĐ 61/2018 Điều 19 (the time limit is counted again from the complete dossier; "
    "docs/reference/regulations.md §4.2); DanhSachHoSoBoSung NgayHenTraTruoc/NgayHenTraMoi "
    "(docs/reference/dvcqg-interfaces.md §3.3)",
    "medium",
)
SUPPLEMENT_PAUSE = Rule(
    "ORACLE-SUPPLEMENT-PAUSE",
    "after a supplement request, the clock is paused: the new NgayHenTra is the previous one moved by the "
    "working days spent waiting for the supplement",
    "QĐ 766/QĐ-TTg methodology (time waiting for a supplement is excluded; docs/reference/regulations.md §2.2)",
    "medium",
)
SUPPLEMENT_ROUNDS = Rule(
    "ORACLE-SUPPLEMENT-ROUNDS",
    "DanhSachHoSoBoSung holds one round per supplement request: when it was asked (NgayBoSung), when it was "
    "received (NgayTiepNhanBoSung), the appointment before and after",
    "docs/reference/dvcqg-interfaces.md §3.3",
    "high",
)
STATUS = Rule(
    "ORACLE-STATUS",
    "TrangThaiHoSo is the status the last action led to in the one-stop flow",
    "NĐ 61/2018 Điều 17–20; TT 22/2019 Điều 4 khoản 2 (docs/reference/regulations.md §1.2); the national "
    "status graph (docs/reference/dvcqg-interfaces.md §8.1)",
    "medium",
)
STEP = Rule(
    "ORACLE-STEP",
    "each action is one progress step (CapNhatTienDoHoSoMC) with the status it led to and when it happened",
    "TT 01/2018/TT-VPCP Điều 17 (every step recorded in real time; docs/reference/regulations.md §4.3)",
    "high",
)
END_OF_PROCESSING = Rule(
    "ORACLE-END-OF-PROCESSING",
    "NgayKetThucXuLy is the time the dossier first entered a status that ends processing (3, 7, 8, 9, 10); "
    "empty before",
    "QĐ 766/QĐ-TTg (docs/reference/dvcqg-interfaces.md §8.1)",
    "medium",
)
RETURNED_AT = Rule(
    "ORACLE-RETURNED-AT",
    "NgayTra is the time the result was handed over (status 10); empty before",
    "docs/reference/dvcqg-interfaces.md §3.1, §14.4",
    "high",
)
REFUSED_AT = Rule(
    "ORACLE-REFUSED-AT",
    "NgayTuChoi is the time the dossier was refused at intake (status 3); empty otherwise",
    "docs/reference/dvcqg-interfaces.md §3.2",
    "medium",
)
FEES = Rule(
    "ORACLE-FEES",
    "DanhSachLePhi lists the fee requested (status 6) for the dossier's channel, or the amount the officer "
    "named; empty before any fee request",
    "docs/reference/dvcqg-interfaces.md §3.3, §8.6; LayThuTuc PHILEPHI per channel",
    "medium",
)
PAID_FLAG = Rule(
    "ORACLE-PAID-FLAG",
    "DuocThanhToanTrucTuyen is 1 once the fee was paid online on DVCQG's payment platform, 2 once paid through "
    "the ministry's or province's own gateway, 0 otherwise (no fee, not paid, failed, paid at the counter)",
    "QĐ 766/QĐ-TTg (docs/reference/dvcqg-interfaces.md §3.2); rule QCVN120-PAID-FLAG",
    "medium",
)
RESULTS = Rule(
    "ORACLE-RESULTS",
    "DanhSachGiayToKetQua lists the result documents once processing ended with a result (9, 10), one per "
    "result of the procedure; it is empty in every other status",
    "docs/reference/dvcqg-interfaces.md §3.3, §8.6; rule QCVN120-RESULT-AT-END",
    "medium",
)
RATING = Rule(
    "ORACLE-RATING",
    "a dossier is rated once, after its processing ended; the month's summary per procedure counts every "
    "rating of the month at three levels (1 rất hài lòng, 2 hài lòng, 3 chưa hài lòng)",
    "TT 32/2017 Điều 12; TT 01/2018 Điều 12–14 (docs/reference/regulations.md §4.3, §4.5); DongBoDanhGia "
    "(docs/reference/dvcqg-interfaces.md §7.4)",
    "medium",
)
STATISTICS = Rule(
    "ORACLE-STATISTICS",
    "the month's counts: accepted dossiers received in the month or carried over; those that ended with a "
    "result in the month, on time when NgayKetThucXuLy ≤ NgayHenTra; those still open at the month's end, "
    "overdue when NgayHenTra has passed",
    "QĐ 766/QĐ-TTg on-time rule (docs/reference/regulations.md §2.2); DongBoThongKeHoSo "
    "(docs/reference/dvcqg-interfaces.md §7.5); TT 32/2017 Điều 11 khoản 3",
    "medium",
)
