"""The procedure catalogue, pulled from the national side and cached: `LayDanhSachTTHC` lists the codes,
`LayThuTuc` gives each procedure's detail (field, processing time and fees per channel), `LayDVC` the
online service level (MUCDO 4 = toàn trình, 3 = một phần)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from reference_portal.db import Database
from reference_portal.national.dvcqg import DvcqgClient, NationalError

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS procedure (
    ma_tthc TEXT PRIMARY KEY,
    detail TEXT NOT NULL,
    level INTEGER,
    fetched_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""
TABLES = ("procedure",)
LEVEL_NAMES = {4: "toàn trình", 3: "một phần"}


@dataclass(frozen=True)
class Fee:
    code: str
    amount: int
    description: str


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field_code: str
    field_name: str
    #: the online service level: 4 (toàn trình), 3 (một phần), None when DVCQG does not list it in LayDVC
    level: int | None
    detail: dict[str, Any]

    @classmethod
    def from_detail(cls, detail: dict[str, Any], level: int | None) -> Procedure:
        fields = detail.get("LINHVUCTHUCHIEN") or [{}]
        return cls(
            code=str(detail["MATTHC"]),
            name=str(detail.get("TENTTHC", "")),
            field_code=str(fields[0].get("MALINHVUC", "")),
            field_name=str(fields[0].get("TENLINHVUC", "")),
            level=level,
            detail=detail,
        )

    def _channel(self, channel: str) -> dict[str, Any] | None:
        ways = self.detail.get("CACHTHUCTHUCHIEN") or []
        for way in ways:
            if str(way.get("KENH")) == channel and way.get("THOIGIAN"):
                return dict(way["THOIGIAN"][0])
        return dict(ways[0]["THOIGIAN"][0]) if ways and ways[0].get("THOIGIAN") else None

    def working_days(self, channel: str) -> float:
        timing = self._channel(channel)
        if timing is None:
            return 0.0
        try:
            return float(timing.get("THOIGIANGIAIQUYET") or 0)
        except (TypeError, ValueError):
            return 0.0

    def fees(self, channel: str) -> list[Fee]:
        timing = self._channel(channel) or {}
        return [
            Fee(str(f.get("MAPHILEPHI", "")), int(float(f.get("SOTIEN") or 0)), str(f.get("MOTA", "")))
            for f in timing.get("PHILEPHI") or []
        ]

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level or 0, "chưa công bố mức độ / not published")

    def public_view(self) -> dict[str, Any]:
        return {
            "MaTTHC": self.code,
            "TenTTHC": self.name,
            "MaLinhVuc": self.field_code,
            "TenLinhVuc": self.field_name,
            "MucDo": self.level,
            "MucDoDichVu": self.level_name,
            "ThoiGianGiaiQuyet": {k: self.working_days(k) for k in ("1", "2", "3")},
            "PhiLePhi": [f.__dict__ for f in self.fees("2")],
        }


class UnknownProcedure(Exception):
    pass


class Catalogue:
    def __init__(self, db: Database, dvcqg: DvcqgClient) -> None:
        self._db = db
        self._dvcqg = dvcqg
        self._levels: dict[str, int] | None = None

    async def _levels_by_code(self) -> dict[str, int]:
        if self._levels is None:
            reply = await self._dvcqg.call("LayDVC", {})
            levels: dict[str, int] = {}
            if reply.ok and isinstance(reply.result, dict):
                for service in reply.result.get("data") or []:
                    for applied in service.get("APDUNGDVC") or []:
                        level = int(applied.get("MUCDO") or 0)
                        levels[str(service["MATTHC"])] = max(levels.get(str(service["MATTHC"]), 0), level)
            self._levels = levels
        return self._levels

    def cached(self, code: str) -> Procedure | None:
        row = self._db.one("SELECT detail, level FROM procedure WHERE ma_tthc = ?", (code,))
        return Procedure.from_detail(json.loads(row["detail"]), row["level"]) if row else None

    async def get(self, code: str) -> Procedure:
        """The procedure, from the cache or fetched with `LayThuTuc` (UnknownProcedure when DVCQG does not
        know it; NationalError when DVCQG cannot be reached)."""
        national = code.split(".000.")[0] if code.count(".") > 2 else code
        cached = self.cached(national)
        if cached is not None:
            return cached
        reply = await self._dvcqg.call("LayThuTuc", {"maTTHC": national})
        if not reply.ok or not isinstance(reply.result, list) or not reply.result:
            if reply.ok or "không tồn tại" in reply.message:
                raise UnknownProcedure(f"procedure {code} is not in the national catalogue: {reply.message}")
            raise NationalError(f"LayThuTuc {national}: {reply.message}", error_code=reply.error_code)
        levels = await self._levels_by_code()
        detail = dict(reply.result[0])
        level = levels.get(national)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO procedure (ma_tthc, detail, level) VALUES (?, ?, ?)",
                (national, json.dumps(detail, ensure_ascii=False), level),
            )
        return Procedure.from_detail(detail, level)

    async def refresh(self) -> int:
        """Pull the whole catalogue (LayDanhSachTTHC, then LayThuTuc for every code not cached yet)."""
        reply = await self._dvcqg.call("LayDanhSachTTHC", {}, endpoint="share")
        if not reply.ok or not isinstance(reply.result, list):
            raise NationalError(f"LayDanhSachTTHC: {reply.message}", error_code=reply.error_code)
        count = 0
        for summary in reply.result:
            try:
                await self.get(str(summary["MATTHC"]))
                count += 1
            except UnknownProcedure as exc:
                log.warning("%s", exc)
        return count

    def all(self) -> list[Procedure]:
        rows = self._db.query("SELECT detail, level FROM procedure ORDER BY ma_tthc")
        return [Procedure.from_detail(json.loads(r["detail"]), r["level"]) for r in rows]
