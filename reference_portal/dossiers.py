"""Dossier intake and the one-stop flow: records, history, MaHoSo, appointment dates, files.

Every change is one SQLite transaction that updates the dossier, appends its history step and queues
the DVCQG packets reporting it (DongBoHoSoMC with the new state, CapNhatTienDoHoSoMC with the step):
a change is never visible locally without its sync being durably queued.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.core.statuses import STATUS_NAMES, TERMINAL
from harness.specs.scalars import scalar_pattern, scalar_pattern_text
from reference_portal.calendar import WorkingCalendar
from reference_portal.catalogue import Catalogue, Procedure
from reference_portal.config import PortalConfig
from reference_portal.db import Database
from reference_portal.defects import Defects
from reference_portal.sync import outbox
from reference_portal.sync.packets import dossier_item, progress_item, stamp, twelve_hour, utc_as_local
from reference_portal.workflow import Action, ActionRefused, transition

SCHEMA = """
CREATE TABLE IF NOT EXISTS dossier (
    ma_ho_so TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    tech_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dossier_counter (
    agency TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (agency, day)
);
CREATE TABLE IF NOT EXISTS dossier_step (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ma_ho_so TEXT NOT NULL,
    step TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dossier_step_by_dossier ON dossier_step (ma_ho_so, id);
CREATE TABLE IF NOT EXISTS dossier_file (
    id TEXT PRIMARY KEY,
    ma_ho_so TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    content BLOB NOT NULL
);
"""
TABLES = ("dossier_file", "dossier_step", "dossier_counter", "dossier")

MAX_FILE_BYTES = 5 * 1024 * 1024
#: GhiChu at DVCQG (schemas/dvcqg/objects.schema.json, Dossier.GhiChu)
NOTE_CHARS = 2000
MAX_FILES = 20
#: the portal's own intake policy, stricter than the packet schema's Digits / Phone: an old 9-digit CMND, a CCCD,
#: a tax code (the schema's shapes of the last two); a domestic mobile or landline number
_ID_NUMBER = re.compile(
    "|".join(("[0-9]{9}", *(scalar_pattern_text(name).strip("^$") for name in ("CitizenId", "TaxCode"))))
)
_PHONE = re.compile(r"0[0-9]{9,10}")


class InvalidRequest(Exception):
    """A control or portal request that cannot be used (HTTP 422); `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class UploadedFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class NewDossier:
    """What an applicant submits (at the counter, on the portal or by post)."""

    ma_tthc: str
    channel: str
    applicant_name: str
    applicant_type: str
    id_number: str
    summary: str
    phone: str = ""
    email: str = ""
    address: str = ""
    tech_id: str = ""
    files: tuple[UploadedFile, ...] = field(default_factory=tuple)

    @classmethod
    def from_json(cls, body: Any, *, blank_file_names: bool = False) -> NewDossier:
        """`blank_file_names`: defect `blank-file-name-forwarded` (a name of spaces kept, trimmed to nothing)."""
        if not isinstance(body, dict):
            raise InvalidRequest(["the body must be a JSON object"])
        problems: list[str] = []

        def text(key: str, *, required: bool = True, pattern: re.Pattern[str] | None = None, limit: int = 500) -> str:
            raw = body.get(key, "")
            if raw is None:
                raw = ""
            if not isinstance(raw, str):
                problems.append(f"{key} must be a string")
                return ""
            value = raw.strip()
            if required and not value:
                problems.append(f"{key} is required")
            elif value and pattern is not None and not pattern.fullmatch(value):
                problems.append(f"{key} {value!r} does not have the expected form")
            elif len(value) > limit:
                problems.append(f"{key} is longer than {limit} characters")
            return value

        ma_tthc = text("MaTTHC", pattern=scalar_pattern("ProcedureCode"))
        channel = text("KenhThucHien")
        if channel and channel not in ("1", "2", "3"):
            problems.append('KenhThucHien must be "1" (counter), "2" (online) or "3" (postal)')
        applicant_type = text("LoaiDoiTuong", required=False) or "1"
        if applicant_type not in ("1", "2", "3", "4"):
            problems.append('LoaiDoiTuong must be "1", "2", "3" or "4"')
        files = cls._files(body.get("files", []), problems, blank_file_names)
        request = cls(
            ma_tthc=ma_tthc,
            channel=channel,
            applicant_name=text("ChuHoSo", limit=200),
            applicant_type=applicant_type,
            id_number=text("SoDinhDanh", pattern=_ID_NUMBER),
            summary=text("TrichYeuHoSo", limit=1000),
            phone=text("SoDienThoai", required=False, pattern=_PHONE),
            email=text("Email", required=False, pattern=scalar_pattern("Email"), limit=200),
            address=text("DiaChi", required=False),
            tech_id=text("MaDoiTuong", required=False, limit=100),
            files=files,
        )
        if problems:
            raise InvalidRequest(problems)
        return request

    @staticmethod
    def _files(raw: Any, problems: list[str], blank_names: bool = False) -> tuple[UploadedFile, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or len(raw) > MAX_FILES:
            problems.append(f"files must be a list of at most {MAX_FILES} {{TenTepDinhKem, content_base64}} objects")
            return ()
        files = []
        for index, item in enumerate(raw):
            name = item.get("TenTepDinhKem") if isinstance(item, dict) else None
            content = item.get("content_base64") if isinstance(item, dict) else None
            if not isinstance(name, str) or not (name.strip() or blank_names) or not isinstance(content, str):
                problems.append(f"files[{index}] needs TenTepDinhKem and content_base64 (strings)")
                continue
            try:
                data = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                problems.append(f"files[{index}].content_base64 is not base64")
                continue
            if len(data) > MAX_FILE_BYTES:
                problems.append(f"files[{index}] is larger than {MAX_FILE_BYTES} bytes")
                continue
            files.append(UploadedFile(name.strip()[:255], data))
        return tuple(files)


def parse_new_dossier(body: Any, defects: Defects) -> NewDossier:
    """A request body as a new dossier, as every intake route reads it (with the portal's defect switches)."""
    return NewDossier.from_json(body, blank_file_names=defects.on("blank-file-name-forwarded"))


@dataclass(frozen=True)
class Dossier:
    ma_ho_so: str
    status: str
    record: dict[str, Any]
    owner_id: str
    tech_id: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Dossier:
        return cls(row["ma_ho_so"], row["status"], json.loads(row["record"]), row["owner_id"], row["tech_id"])

    def summary(self) -> dict[str, str]:
        return {"MaHoSo": self.ma_ho_so, "TrangThaiHoSo": self.status}


def _owner_identifiers(number: str) -> list[dict[str, str]]:
    """DinhDanhCHS: "1" for a 12-digit personal identification number, "2" for a 9-digit identity card,
    nothing for a tax code (no type for it is known, docs/reference/dvcqg-interfaces.md §3.2)."""
    kinds = {12: "1", 9: "2"}
    kind = kinds.get(len(number))
    return [{"LoaiDinhDanh": kind, "SoDinhDanh": number}] if kind and number.isdigit() else []


class DossierService:
    def __init__(
        self,
        db: Database,
        catalogue: Catalogue,
        calendar: WorkingCalendar,
        config: PortalConfig,
        defects: Defects,
        *,
        clock: Callable[[], datetime],
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._catalogue = catalogue
        self._calendar = calendar
        self._config = config
        self._defects = defects
        self._clock = clock
        self._on_change = on_change

    # --- reading -----------------------------------------------------------------------------------

    def get(self, ma_ho_so: str) -> Dossier:
        row = self._db.one("SELECT * FROM dossier WHERE ma_ho_so = ?", (ma_ho_so,))
        if row is None:
            raise NotFound(f"no dossier {ma_ho_so}")
        return Dossier.from_row(row)

    def history(self, ma_ho_so: str) -> list[dict[str, Any]]:
        rows = self._db.query("SELECT step FROM dossier_step WHERE ma_ho_so = ? ORDER BY id", (ma_ho_so,))
        return [json.loads(r["step"]) for r in rows]

    def all(self) -> list[Dossier]:
        return [Dossier.from_row(r) for r in self._db.query("SELECT * FROM dossier ORDER BY created_at, ma_ho_so")]

    def file(self, file_id: str) -> tuple[str, bytes]:
        row = self._db.one("SELECT name, content FROM dossier_file WHERE id = ?", (file_id,))
        if row is None:
            raise NotFound(f"no file {file_id}")
        return str(row["name"]), bytes(row["content"])

    # --- intake ------------------------------------------------------------------------------------

    def _next_code(self, conn: sqlite3.Connection, moment: datetime) -> str:
        """TT 01/2018 Điều 19: <receiving agency>-<yyMMdd>-<daily sequence>, counted per agency and day
        inside the intake transaction (BEGIN IMMEDIATE), so concurrent intakes never share a code."""
        day = moment - timedelta(days=1) if self._defects.on("mahoso-wrong-date") else moment
        if self._defects.on("mahoso-utc-date"):  # the server's UTC date: the day before, from 00:00 to 07:00
            day = moment.astimezone(UTC)
        agency, segment = self._config.receiving_agency, day.strftime("%y%m%d")
        row = conn.execute(
            "INSERT INTO dossier_counter (agency, day, last) VALUES (?, ?, 1) "
            "ON CONFLICT (agency, day) DO UPDATE SET last = last + 1 RETURNING last",
            (agency, segment),
        ).fetchone()
        number = int(row[0]) - (1 if self._defects.on("sequence-from-0000") else 0)
        return f"{agency}-{segment}-{number:04d}"

    def _racy_code(self, moment: datetime) -> str:
        """Defect `mahoso-race`: read the counter, then write it in another transaction."""
        agency, segment = self._config.receiving_agency, moment.strftime("%y%m%d")
        row = self._db.one("SELECT last FROM dossier_counter WHERE agency = ? AND day = ?", (agency, segment))
        number = (int(row["last"]) if row else 0) + 1
        return f"{agency}-{segment}-{number:04d}"

    def _commit_racy_counter(self, conn: sqlite3.Connection, code: str) -> None:
        agency, segment, number = code.rsplit("-", 2)
        conn.execute(
            "INSERT INTO dossier_counter (agency, day, last) VALUES (?, ?, ?) "
            "ON CONFLICT (agency, day) DO UPDATE SET last = excluded.last",
            (agency, segment, int(number)),
        )

    async def create(self, request: NewDossier) -> Dossier:
        procedure = await self._catalogue.get(request.ma_tthc)
        moment = self._clock()
        racy = self._racy_code(moment) if self._defects.on("mahoso-race") else None
        if racy is not None:
            await asyncio.sleep(0.01)  # the window in which a concurrent intake reads the same counter
        with self._db.transaction() as conn:
            if racy is not None:
                code = racy
                self._commit_racy_counter(conn, code)
            else:
                code = self._next_code(conn, moment)
            files = self._store_files(conn, code, request.files, "submitted")
            record = self._new_record(code, request, procedure, moment, files)
            conn.execute(
                "INSERT INTO dossier (ma_ho_so, status, record, owner_id, tech_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code, "1", json.dumps(record, ensure_ascii=False), request.id_number, request.tech_id or None,
                 stamp(moment), stamp(moment)),
            )  # fmt: skip
            step = self._step("1", "submit", moment, "Nộp hồ sơ", request.applicant_name, "", "", "", None)
            self._append_step(conn, code, step)
            self._queue_sync(conn, record, step)
        self._on_change()
        return Dossier(code, "1", record, request.id_number, request.tech_id or None)

    def _store_files(
        self, conn: sqlite3.Connection, code: str, files: tuple[UploadedFile, ...], kind: str
    ) -> list[dict[str, str]]:
        stored = []
        for upload in files:
            file_id = secrets.token_hex(12)
            conn.execute(
                "INSERT INTO dossier_file (id, ma_ho_so, name, kind, content) VALUES (?, ?, ?, ?, ?)",
                (file_id, code, upload.name, kind, upload.content),
            )
            stored.append(
                {
                    "TepDinhKemId": file_id,
                    "TenTepDinhKem": upload.name,
                    "IsDeleted": "False",
                    "MaThanhPhanHoSo": "",
                    "DuongDanTaiTepTin": f"{self._config.base_url}/files/{file_id}",
                    "DuocSoHoa": "1",
                    "DuocTaiSuDung": "0",
                    "DuocLayTuKhoDMQG": "0",
                    "MaKetQuaThayThe": "",
                }
            )
        return stored

    def _new_record(
        self, code: str, request: NewDossier, procedure: Procedure, moment: datetime, files: list[dict[str, str]]
    ) -> dict[str, Any]:
        agencies = procedure.detail.get("COQUANTHUCHIEN") or []
        agency_name = str(agencies[0].get("TENDONVI")) if agencies else self._config.receiving_agency_name
        online = request.channel == "2"
        return {
            "MaHoSo": code,
            "MaTTHC": procedure.code,
            "TenTTHC": procedure.name,
            "MaLinhVuc": procedure.field_code,
            "TenLinhVuc": procedure.field_name,
            "SoBienNhan": code,
            "ChuHoSo": request.applicant_name,
            "LoaiDoiTuong": request.applicant_type,
            "MaDoiTuong": request.tech_id,
            "ThongTinKhac": "",
            "Email": request.email,
            "Fax": "",
            "SoDienThoai": request.phone,
            "TrichYeuHoSo": request.summary,
            "NgayTiepNhan": stamp(moment),
            "NgayHenTra": "",
            "TrangThaiHoSo": "1",
            "NgayTra": "",
            "ThongTinTra": "",
            "HinhThuc": "1" if request.channel == "3" else "0",
            "NgayKetThucXuLy": "",
            "DonViXuLy": agency_name,
            "GhiChu": "",
            "KenhThucHien": request.channel,
            "SoGiayToChuHoSo": request.id_number,
            "NoiNopHoSo": "2",
            "HoSoCoThanhPhanSoHoa": "1" if files else "0",
            "TaiKhoanDuocXacThucVoiVNeID": "1" if online and request.tech_id else "0",
            # defect `paid-flag-without-payment`: every online dossier flagged as paid online, fee or not
            "DuocThanhToanTrucTuyen": "1" if online and self._defects.on("paid-flag-without-payment") else "0",
            "NgayTuChoi": "",
            "NgayNopHoSo": stamp(moment),
            "DinhDanhCHS": _owner_identifiers(request.id_number),
            "DSKetNoiCSDL": [],
            "TaiLieuNop": files,
            "DanhSachLePhi": [],
            "DanhSachTepDinhKemKhac": [],
            "DanhSachHoSoBoSung": [],
            "DanhSachGiayToKetQua": [],
            "_DiaChi": request.address,
        }

    # --- the flow ----------------------------------------------------------------------------------

    async def act(
        self,
        ma_ho_so: str,
        action_name: str,
        *,
        reason: str | None = None,
        amount: int | None = None,
        officer: str | None = None,
    ) -> Dossier:
        """Apply one action of the flow (ActionRefused when the current status does not allow it)."""
        moment = self._clock()
        with self._db.transaction() as conn:
            row = conn.execute("SELECT * FROM dossier WHERE ma_ho_so = ?", (ma_ho_so,)).fetchone()
            if row is None:
                raise NotFound(f"no dossier {ma_ho_so}")
            dossier = Dossier.from_row(row)
            action = transition(action_name, dossier.status)
            record = dict(dossier.record)
            deadline = self._apply(conn, action, record, moment, reason=reason, amount=amount)
            record["TrangThaiHoSo"] = action.target
            if action.target in TERMINAL and not record["NgayKetThucXuLy"]:
                record["NgayKetThucXuLy"] = stamp(moment)
            if self._defects.on("terminal-without-end-date"):
                record["NgayKetThucXuLy"] = ""
            conn.execute(
                "UPDATE dossier SET status = ?, record = ?, updated_at = ? WHERE ma_ho_so = ?",
                (action.target, json.dumps(record, ensure_ascii=False), stamp(moment), ma_ho_so),
            )
            step = self._step(
                action.target,
                action.name,
                moment,
                action.description + (f": {reason}" if reason else ""),
                officer or action.officer,
                action.title,
                action.department,
                deadline,
                reason,
            )
            self._append_step(conn, ma_ho_so, step)
            self._queue_sync(conn, record, step)
        self._on_change()
        return Dossier(ma_ho_so, action.target, record, dossier.owner_id, dossier.tech_id)

    def _apply(
        self,
        conn: sqlite3.Connection,
        action: Action,
        record: dict[str, Any],
        moment: datetime,
        *,
        reason: str | None,
        amount: int | None,
    ) -> str:
        """Change the record's fields for `action`; returns the step's deadline (yyyyMMddHHmmss or "")."""
        procedure = self._catalogue.cached(record["MaTTHC"])
        days = procedure.working_days(record["KenhThucHien"]) if procedure else 0.0
        if action.name == "receive":
            record["NgayHenTra"] = self._appointment(moment, days)
            return str(record["NgayHenTra"])
        if action.name == "reject":
            if not reason:
                raise ActionRefused("reject needs a reason (NĐ 61/2018 Điều 19: the refusal states why)")
            record["NgayTuChoi"] = stamp(moment)
            record["GhiChu"] = self._note(reason)
        elif action.name == "request_supplement":
            if not reason:
                raise ActionRefused("request_supplement needs a reason: what to supply (once, in full)")
            rounds = record["DanhSachHoSoBoSung"]
            rounds.append(
                {
                    "HoSoBoSungId": len(rounds) + 1,
                    "NguoiYeuCauBoSung": action.officer,
                    "NoiDungBoSung": reason[:2000],
                    "NgayBoSung": stamp(moment),
                    "NguoiTiepNhanBoSung": "",
                    "ThongTinTiepNhan": "",
                    "NgayTiepNhanBoSung": "",
                    "TrangThaiBoSung": False,
                    "DanhSachGiayToBoSung": [],
                    "DanhSachLePhiBoSung": [],
                    "NgayHenTraTruoc": record["NgayHenTra"],
                    "NgayHenTraMoi": "",
                }
            )
        elif action.name == "submit_supplement":
            latest = record["DanhSachHoSoBoSung"][-1]
            new_due = self._appointment(moment, days)
            latest.update(
                NguoiTiepNhanBoSung="Cán bộ một cửa",
                ThongTinTiepNhan=reason or "Đã nhận đủ giấy tờ bổ sung",
                NgayTiepNhanBoSung=stamp(moment),
                TrangThaiBoSung=True,
                NgayHenTraMoi=new_due,
            )
            record["NgayHenTra"] = new_due  # NĐ 61/2018 Điều 19: the time limit restarts from the complete dossier
            return new_due
        elif action.name == "request_fee":
            record["DanhSachLePhi"] = self._fee_lines(procedure, record["KenhThucHien"], amount)
        elif action.name == "pay":
            record["DuocThanhToanTrucTuyen"] = "1"
        elif action.name == "finish" or (action.name == "process" and self._defects.on("results-before-finish")):
            record["DanhSachGiayToKetQua"] = self._results(conn, record, procedure)
        elif action.name == "return_result":
            record["NgayTra"] = stamp(moment)
            record["ThongTinTra"] = reason or "Đã trả kết quả"
        elif action.name in ("withdraw", "stop") and reason:
            record["GhiChu"] = self._note(reason)
        return str(record.get("NgayHenTra") or "")

    def _appointment(self, received: datetime, days: float) -> str:
        """NgayHenTra for a receipt at `received` (calendar.py); "" when the procedure gives no processing time
        (0 or none in the catalogue): the portal promises no date rather than invent one."""
        due = self._calendar.appointment(
            received,
            days,
            count_receipt_day=self._defects.on("appointment-counts-receipt-day"),
            after_hours_same_day=self._defects.on("appointment-after-hours-same-day"),
            weekends_only=self._defects.on("appointment-ignores-holidays"),
        )
        return "" if due is None else stamp(due)

    def _note(self, reason: str) -> str:
        """GhiChu holds 2,000 characters at DVCQG: a longer note is cut (defect `note-not-truncated` sends it
        whole, and DVCQG refuses the sync)."""
        return reason if self._defects.on("note-not-truncated") else reason[:NOTE_CHARS]

    @staticmethod
    def _fee_lines(procedure: Procedure | None, channel: str, amount: int | None) -> list[dict[str, str]]:
        if amount is not None:
            if amount <= 0:
                raise ActionRefused("amount must be a positive number of đồng")
            return [
                {"TenPhiLePhi": "Phí, lệ phí giải quyết thủ tục", "MaPhiLePhi": "", "HinhThucThu": "1",
                 "Gia": str(amount), "LoaiPhiLePhi": "1"}
            ]  # fmt: skip
        fees = procedure.fees(channel) if procedure else []
        if not fees or sum(f.amount for f in fees) <= 0:
            raise ActionRefused("the procedure has no fee in the catalogue: pass amount")
        return [
            {"TenPhiLePhi": f.description or "Lệ phí", "MaPhiLePhi": f.code, "HinhThucThu": "1",
             "Gia": str(f.amount), "LoaiPhiLePhi": "1"}
            for f in fees
        ]  # fmt: skip

    def _results(
        self, conn: sqlite3.Connection, record: dict[str, Any], procedure: Procedure | None
    ) -> list[dict[str, str]]:
        listed = (procedure.detail.get("KETQUATHUCHIEN") if procedure else None) or [
            {"MAKETQUA": "", "TENKETQUA": "Kết quả giải quyết thủ tục hành chính"}
        ]
        results = []
        uncoded = self._defects.on("result-code-missing")  # defect: the catalogue's result code dropped
        for item in listed:
            name = str(item.get("TENKETQUA") or "Kết quả")
            content = f"{name}\nHồ sơ {record['MaHoSo']} - {record['ChuHoSo']}\n".encode()
            stored = self._store_files(conn, record["MaHoSo"], (UploadedFile(f"{name}.txt", content),), "result")[0]
            results.append(
                {
                    "TenGiayTo": name,
                    "MaThanhPhanHoSo": "",
                    "GiayToId": stored["TepDinhKemId"],
                    "DuongDanTepTinKetQua": stored["DuongDanTaiTepTin"],
                    "MaGiayToKetQua": "" if uncoded else str(item.get("MAKETQUA") or ""),
                }
            )
        return results

    @staticmethod
    def _step(
        status: str, action: str, moment: datetime, description: str, officer: str, title: str, department: str,
        deadline: str, reason: str | None,
    ) -> dict[str, Any]:  # fmt: skip
        return {
            "TrangThai": status,
            "TenTrangThai": STATUS_NAMES[status],
            "action": action,
            "NguoiXuLy": officer,
            "ChucDanh": title,
            "PhongBan": department,
            "ThoiDiem": stamp(moment),
            "NgayBatDau": stamp(moment),
            "HanXuLy": deadline,
            "NoiDungXuLy": description[:2000],
            "reason": reason,
        }

    @staticmethod
    def _append_step(conn: sqlite3.Connection, code: str, step: dict[str, Any]) -> None:
        conn.execute(
            "INSERT INTO dossier_step (ma_ho_so, step) VALUES (?, ?)", (code, json.dumps(step, ensure_ascii=False))
        )

    def _queue_sync(self, conn: sqlite3.Connection, record: dict[str, Any], step: dict[str, Any]) -> None:
        code, status = record["MaHoSo"], record["TrangThaiHoSo"]
        iso = self._defects.on("dates-iso")
        skip = (self._defects.on("no-sync-on-supplement") and step["action"] == "request_supplement") or (
            self._defects.on("status-jump-2-10") and status not in ("1", "2", "10")
        )
        if skip:
            return
        outbox.enqueue(conn, "DongBoHoSoMC", {"data": [dossier_item(record, iso_dates=iso)]}, ma_ho_so=code)
        if not self._defects.on("progress-missing"):
            whole = self._defects.on("officer-name-not-truncated")
            item = progress_item(code, step, iso_dates=iso, officer_chars=None if whole else 50)
            if self._defects.on("step-time-utc"):
                item["ThoiDiemXuLy"] = utc_as_local(item["ThoiDiemXuLy"])
            if self._defects.on("step-time-12h"):
                item["ThoiDiemXuLy"] = twelve_hour(item["ThoiDiemXuLy"])
            outbox.enqueue(conn, "CapNhatTienDoHoSoMC", {"data": [item]}, ma_ho_so=code)
