"""The seeded national catalogue (procedures, agencies, fields, Q&A) the read services answer from.

The default is `mock_portal/data/procedures.json` (+ `dvcqg-qa.json`); `catalogue_file` in the mock
configuration names another file of the same shape. A file may also be a bare list of LayThuTuc
`result[0]` objects (captured from the real portal, say): agencies and fields are then derived from them.
Every object is validated against the reply schemas at load, so the mock never serves what its own
schemas reject.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from harness import get_validator
from harness.core.errors import UsageError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_FILE = DATA_DIR / "procedures.json"
QA_FILE = DATA_DIR / "dvcqg-qa.json"

_LOCAL_SUFFIX = re.compile(r"^(\d\.\d{6})\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
# TraCuuTechID: the same number always maps to the same TechID (uuid5 in this namespace)
TECH_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://dichvucong.gov.vn/techid")


@dataclass(frozen=True, slots=True)
class Procedure:
    detail: dict[str, Any]  # LayThuTuc result[0] (dvcqg-interfaces §7.1)
    level: int  # MUCDO: 4 toàn trình, 3 một phần


class Catalogue:
    def __init__(
        self,
        procedures: list[Procedure],
        agencies: list[dict[str, Any]],
        fields: list[dict[str, Any]],
        qa: dict[str, Any],
    ) -> None:
        self.procedures = {p.detail["MATTHC"]: p for p in procedures}
        self.agencies = agencies
        self.fields = fields
        self._agency_names = {a["MADONVI"]: a["TENDONVI"] for a in agencies}
        self.from_citizens: list[dict[str, Any]] = qa.get("from_citizens", [])
        self.from_agencies: list[dict[str, Any]] = qa.get("from_agencies", [])
        self._answers: dict[str, list[dict[str, Any]]] = qa.get("answers", {})

    def procedure(self, code: str) -> Procedure | None:
        """By national code; the locally applied form (1.003560.000.00.00.H56) finds the same procedure."""
        match = _LOCAL_SUFFIX.match(code)
        return self.procedures.get(match.group(1) if match else code)

    def summaries(self) -> list[dict[str, Any]]:
        return [{"MATTHC": code, "TENTTHC": p.detail["TENTTHC"]} for code, p in self.procedures.items()]

    def public_services(self) -> list[dict[str, Any]]:
        """LayDVC items (§7.2): one online public service per procedure, MADVC = MATTHC + ".01" (TD's rule)."""
        services = []
        for code, p in self.procedures.items():
            detail = p.detail
            fields = detail["LINHVUCTHUCHIEN"]
            issuer = self._agency_names.get(detail["MACOQUANCONGBO"], detail["MACOQUANCONGBO"])
            form = "toàn trình" if p.level >= 4 else "một phần"
            services.append(
                {
                    "MADVC": f"{code}.01",
                    "TENDVC": f"{detail['TENTTHC']} (dịch vụ công trực tuyến {form})",
                    "MATTHC": code,
                    "TENTTHC": detail["TENTTHC"],
                    "TENCOQUANBANHANH": issuer,
                    "TENLINHVUC": fields[0]["TENLINHVUC"],
                    "APDUNGDVC": [
                        {"MACOQUANTHUCHIEN": a["MADONVI"], "MUCDO": p.level} for a in detail.get("COQUANTHUCHIEN", [])
                    ],
                }
            )
        return services

    @staticmethod
    def tech_id(number: str) -> str:
        return str(uuid.uuid5(TECH_ID_NAMESPACE, number))

    def questions_from_citizens(self, province: str) -> list[dict[str, Any]]:
        """Questions citizens sent through DVCQG to the agencies of the caller's province or ministry."""
        return [q for q in self.from_citizens if q["MADONVI"][-3:] == province]

    def answers(self, question_id: int) -> list[dict[str, Any]]:
        found = [
            {"TRALOIID": q["TRALOIID"], "NOIDUNGTRALOI": q["NOIDUNGTRALOI"]}
            for q in (*self.from_citizens, *self.from_agencies)
            if q["HOIDAPID"] == question_id and q.get("TRALOIID") and q.get("NOIDUNGTRALOI")
        ]
        return found + [dict(a) for a in self._answers.get(str(question_id), [])]


def load_catalogue(path: str | None = None) -> Catalogue:
    return _load(str(Path(path).resolve()) if path else str(DEFAULT_FILE))


@cache
def _load(path: str) -> Catalogue:
    document = _read(Path(path))
    raw_procedures = document if isinstance(document, list) else document.get("procedures")
    if not isinstance(raw_procedures, list) or not raw_procedures:
        raise UsageError(f"catalogue {path}: expected a non-empty list of procedures (or {{'procedures': [...]}})")
    procedures = [_procedure(path, i, raw) for i, raw in enumerate(raw_procedures)]
    codes = [p.detail["MATTHC"] for p in procedures]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise UsageError(f"catalogue {path}: duplicate MATTHC {', '.join(duplicates)}")
    agencies = document.get("agencies") if isinstance(document, dict) else None
    fields = document.get("fields") if isinstance(document, dict) else None
    if agencies is None:
        agencies = _derived_agencies(procedures)
    if fields is None:
        fields = _derived_fields(procedures)
    _check(path, "agencies", "LayDanhMucCoQuan.reply", agencies)
    _check(path, "fields", "LayDanhMucLinhVuc.reply", fields)
    qa = _read(QA_FILE)
    if not isinstance(qa, dict):
        raise UsageError(f"{QA_FILE}: expected an object")
    _check(str(QA_FILE), "from_citizens", "LayDanhSachHoiDapGuiTuDVCQG.reply", qa.get("from_citizens", []))
    _check(str(QA_FILE), "from_agencies", "LayDanhSachHoiDapBoCoQuan.reply", qa.get("from_agencies", []))
    return Catalogue(procedures, agencies, fields, qa)


def _read(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read catalogue file {path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"catalogue file {path} is not valid JSON: {exc}") from None


def _procedure(path: str, index: int, raw: Any) -> Procedure:
    if isinstance(raw, dict) and "detail" in raw:
        detail, level = raw["detail"], raw.get("MUCDO", 3)
    else:
        detail, level = raw, 3
    if not isinstance(level, int) or not 1 <= level <= 4:
        raise UsageError(f"catalogue {path}: procedures[{index}].MUCDO must be 1..4")
    result = get_validator("LayThuTuc.reply", "strict").validate({"error_code": 0, "message": "", "result": [detail]})
    if not result.valid:
        first = result.violations[0]
        raise UsageError(
            f"catalogue {path}: procedures[{index}] is not a LayThuTuc result[0] (dvcqg-interfaces §7.1): "
            f"[{first.rule}] {first.pointer.replace('/result/0', '', 1) or '/'}: {first.message[:300]}"
        )
    return Procedure(detail, level)


def _check(path: str, key: str, reply_type: str, items: Any) -> None:
    result = get_validator(reply_type, "strict").validate({"error_code": 0, "message": "", "result": items})
    if not result.valid:
        first = result.violations[0]
        raise UsageError(f"catalogue {path}: {key} invalid: [{first.rule}] {first.pointer}: {first.message[:300]}")


def _derived_agencies(procedures: list[Procedure]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for p in procedures:
        for agency in p.detail.get("COQUANTHUCHIEN", []):
            level = "1" if agency["MADONVI"].startswith("000.00.00.") else "2"
            seen.setdefault(agency["MADONVI"], {**agency, "CAPDONVI": level})
    return list(seen.values())


def _derived_fields(procedures: list[Procedure]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for p in procedures:
        for item in p.detail["LINHVUCTHUCHIEN"]:
            seen.setdefault(item["MALINHVUC"], {**item, "MANGANH": p.detail["MACOQUANCONGBO"]})
    return list(seen.values())
