"""Satisfaction ratings (TT 22/2019 Điều 6 k1 i; TT 32/2017 Điều 12: three levels) and their monthly
summary synced to DVCQG with DongBoDanhGia (docs/reference/dvcqg-interfaces.md §7.4).

A citizen rates the handling of a dossier once its processing has ended. The summary DVCQG receives is an
aggregate, not the single vote: one `RatingSummary` per month and procedure (`MaThuTuc`), under the
receiving desk (bộ phận một cửa) whose code opens every MaHoSo of this portal. Each rating queues the
recomputed summary of its month and procedure in the same transaction as the vote, so a rating is never
stored without its sync being durably queued, and the latest summary DVCQG holds always counts every vote.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.core.statuses import STATUS_NAMES, TERMINAL
from reference_portal.config import PortalConfig
from reference_portal.db import Database
from reference_portal.defects import Defects
from reference_portal.dossiers import Dossier, InvalidRequest
from reference_portal.feedback.periods import Month, percent_sign
from reference_portal.sync import outbox
from reference_portal.sync.packets import stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS rating (
    ma_ho_so TEXT PRIMARY KEY,
    ma_tthc TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('1', '2', '3')),
    comment TEXT NOT NULL DEFAULT '',
    month TEXT NOT NULL,
    rated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rating_by_month ON rating (month, ma_tthc);
"""
TABLES = ("rating",)

#: TT 32/2017 Điều 12 and the three percentages of DongBoDanhGia, in that order
LEVELS: dict[str, str] = {"1": "Rất hài lòng", "2": "Hài lòng", "3": "Chưa hài lòng"}
#: NoiDung of every summary: the one question the portal asks
QUESTION = "Mức độ hài lòng của tổ chức, cá nhân về việc giải quyết thủ tục hành chính"
MAX_COMMENT = 1000
#: DanhSachNoiDungYKien carries the month's comments, newest last, up to this many characters
MAX_COMMENTS_TEXT = 4000

_COUNTS = "SELECT level, COUNT(*) AS n FROM rating WHERE month = ? AND ma_tthc = ? GROUP BY level"
_COMMENTS = "SELECT comment FROM rating WHERE month = ? AND ma_tthc = ? AND comment != '' ORDER BY rated_at, ma_ho_so"

_Query = Callable[[str, Sequence[Any]], Sequence[sqlite3.Row]]


class RatingRefused(Exception):
    """The dossier cannot be rated (yet, or again): HTTP 409."""


@dataclass(frozen=True)
class NewRating:
    ma_ho_so: str
    level: str
    comment: str

    @classmethod
    def from_json(cls, body: Any) -> NewRating:
        if not isinstance(body, dict):
            raise InvalidRequest(['the body must be a JSON object {"MaHoSo", "MucDo", "NoiDung"?}'])
        problems: list[str] = []
        code, level, comment = body.get("MaHoSo"), body.get("MucDo"), body.get("NoiDung", "")
        if not isinstance(code, str) or not code.strip():
            problems.append("MaHoSo is required (the dossier code, a string)")
        if not isinstance(level, str) or level not in LEVELS:
            choices = ", ".join(f'"{k}" ({v})' for k, v in LEVELS.items())
            shown = repr(level) if isinstance(level, str | int | float | None) else type(level).__name__
            problems.append(f"MucDo must be one of {choices}, got {shown[:40]}")
        if comment is None:
            comment = ""
        if not isinstance(comment, str):
            problems.append("NoiDung must be a string")
        elif len(comment.strip()) > MAX_COMMENT:
            problems.append(f"NoiDung is longer than {MAX_COMMENT} characters")
        unknown = sorted(set(body) - {"MaHoSo", "MucDo", "NoiDung"})
        if unknown:
            problems.append(f"unknown keys: {', '.join(unknown)}")
        if problems:
            raise InvalidRequest(problems)
        return cls(str(code).strip(), str(level), str(comment).strip())


class RatingService:
    def __init__(self, db: Database, config: PortalConfig, defects: Defects) -> None:
        self._db = db
        self._config = config
        self._defects = defects

    def rate(self, dossier: Dossier, new: NewRating, moment: datetime) -> dict[str, Any]:
        """Store the vote and queue the month's recomputed summary for its procedure, in one transaction."""
        if dossier.status not in TERMINAL:
            raise RatingRefused(
                f"dossier {dossier.ma_ho_so} is still being processed (status {dossier.status}, "
                f"{STATUS_NAMES[dossier.status]}); it can be rated once its processing has ended"
            )
        month, procedure = Month.of(moment), str(dossier.record["MaTTHC"])
        with self._db.transaction() as conn:
            try:
                conn.execute(
                    "INSERT INTO rating (ma_ho_so, ma_tthc, level, comment, month, rated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (dossier.ma_ho_so, procedure, new.level, new.comment, str(month), stamp(moment)),
                )
            except sqlite3.IntegrityError:
                raise RatingRefused(
                    f"dossier {dossier.ma_ho_so} has already been rated (one rating per dossier)"
                ) from None
            summary = self._summary(lambda sql, params: conn.execute(sql, params).fetchall(), month, procedure)
            if not self._defects.on("rating-not-synced"):
                outbox.enqueue(conn, "DongBoDanhGia", {"data": [summary]}, ma_ho_so=None)
        return {
            "MaHoSo": dossier.ma_ho_so,
            "MucDo": new.level,
            "TenMucDo": LEVELS[new.level],
            "NoiDung": new.comment,
            "NgayDanhGia": stamp(moment),
            "TongHop": summary,
        }

    def summaries(self, month: Month) -> list[dict[str, Any]]:
        """The DongBoDanhGia items of a month, one per procedure rated in it."""
        procedures = self._db.query(
            "SELECT DISTINCT ma_tthc FROM rating WHERE month = ? ORDER BY ma_tthc", (str(month),)
        )
        return [self._summary(self._db.query, month, str(row["ma_tthc"])) for row in procedures]

    def _summary(self, query: _Query, month: Month, procedure: str) -> dict[str, Any]:
        """The RatingSummary of a month and procedure; `query` reads inside or outside a transaction."""
        by_level = {str(row["level"]): int(row["n"]) for row in query(_COUNTS, (str(month), procedure))}
        total = sum(by_level.values())
        opinions = "\n".join(str(row["comment"]) for row in query(_COMMENTS, (str(month), procedure)))
        return {
            "NgayTongHop": f"{month.month}-{month.year}",
            "TongSoNguoiDanhGia": total,
            "PhanTramDanhGiaRatHaiLong": self._percent(by_level.get("1", 0), total),
            "PhanTramDanhGiaHaiLong": self._percent(by_level.get("2", 0), total),
            "PhanTramDanhGiaChuaHaiLong": self._percent(by_level.get("3", 0), total),
            "DanhSachNoiDungYKien": opinions[-MAX_COMMENTS_TEXT:],
            "MaThuTuc": procedure,
            "NoiDung": QUESTION,
            "Madonvi": self._config.receiving_agency,
            "TenDonVi": self._config.receiving_agency_name,
        }

    def _percent(self, part: int, whole: int) -> str:
        if self._defects.on("rating-percent-fraction"):
            return f"{part / whole:.4f}" if whole else "0"  # a share of 1, without the sign: "0.3333"
        return percent_sign(part, whole)
