"""Requests to and answers from the SUT control API (schemas/control/openapi.yaml) as typed values.

Every answer goes through a `from_json` that checks its shape (keys, JSON types, status codes) and raises
`SutProtocolError` naming the endpoint and the field; values are not judged against the regulations here
(the suites do that, under requirement IDs). Extra keys in an answer are allowed: the API says "at least".
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from harness.core.jsontypes import json_type
from harness.specs import scalar_enum
from harness.sut._errors import SutProtocolError

Action = Literal[
    "receive",
    "reject",
    "request_supplement",
    "submit_supplement",
    "request_fee",
    "process",
    "finish",
    "return_result",
    "withdraw",
    "stop",
]
#: the ten actions of `POST /_control/dossiers/{MaHoSo}/actions`: a type, so written here; the enum of
#: `Action` in schemas/control/openapi.yaml says the same (tests/architecture/test_schema_facts.py)
ACTIONS: tuple[Action, ...] = get_args(Action)
# The value sets the control API takes from schemas/common/scalars.schema.json (the schema is the one source):
#: the ten national dossier statuses (`TrangThaiHoSo`, docs/reference/dvcqg-interfaces.md §8.1), as strings
STATUSES: tuple[str, ...] = scalar_enum("DossierStatus")
CHANNELS: tuple[str, ...] = scalar_enum("Channel")  # KenhThucHien: counter, online, public postal service
APPLICANT_TYPES: tuple[str, ...] = scalar_enum("ApplicantType")  # LoaiDoiTuong: citizen, business, agency, other


class _Reader:
    """Reads one JSON object of an answer; every complaint names the endpoint and the field's path."""

    def __init__(self, data: Any, endpoint: str, path: str = "") -> None:
        self.endpoint = endpoint
        self.path = path
        if not isinstance(data, dict):
            where = f"{path} must be" if path else "the answer must be"
            raise self.error(f"{where} a JSON object, got {_shown(data)}")
        self.data: dict[str, Any] = data

    def error(self, problem: str) -> SutProtocolError:
        return SutProtocolError(f"{self.endpoint}: {problem}", endpoint=self.endpoint)

    def _get(self, key: str, optional: bool) -> Any:
        if key not in self.data:
            if optional:
                return None
            raise self.error(f"the answer lacks {self._name(key)}")
        return self.data[key]

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _wrong(self, key: str, expected: str, value: Any) -> SutProtocolError:
        return self.error(f"{self._name(key)} must be {expected}, got {_shown(value)}")

    def text(self, key: str) -> str:
        value = self._get(key, optional=False)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def optional_text(self, key: str) -> str | None:
        """A string, null or absent; the empty string reads as None."""
        value = self._get(key, optional=True)
        if value is not None and not isinstance(value, str):
            raise self._wrong(key, "a string or null", value)
        return value or None

    def status(self, key: str) -> str:
        value = self._get(key, optional=False)
        if value not in STATUSES or not isinstance(value, str):
            raise self._wrong(key, 'a national dossier status, one of the strings "1".."10"', value)
        return value

    def count(self, key: str) -> int:
        value = self._get(key, optional=False)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._wrong(key, "a non-negative integer", value)
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key, optional=False)
        if not isinstance(value, bool):
            raise self._wrong(key, "a boolean", value)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key, optional=False)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._wrong(key, "an array of strings", value)
        return tuple(value)

    def objects(self, key: str) -> list[_Reader]:
        value = self._get(key, optional=False)
        if not isinstance(value, list):
            raise self._wrong(key, "an array of objects", value)
        return [_Reader(item, self.endpoint, f"{self._name(key)}[{index}]") for index, item in enumerate(value)]

    def object(self, key: str) -> _Reader:
        return _Reader(self._get(key, optional=False), self.endpoint, self._name(key))


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{json_type(value)} {text}" if value is not None else "null"


# --- requests ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """One file of a test dossier (`TenTepDinhKem` and its bytes, sent as `content_base64`)."""

    name: str
    content: bytes = field(repr=False)

    def to_json(self) -> dict[str, str]:
        return {"TenTepDinhKem": self.name, "content_base64": base64.b64encode(self.content).decode("ascii")}


@dataclass(frozen=True, slots=True, kw_only=True)
class DossierRequest:
    """The body of `POST /_control/dossiers`: a test dossier as an applicant would submit it.

    Codes are the national enumerations as strings: `channel` is `KenhThucHien` (1 counter, 2 online,
    3 postal), `applicant_type` is `LoaiDoiTuong` (1 citizen, 2 business, 3 state agency, 4 other).
    """

    procedure_code: str  # MaTTHC
    channel: str  # KenhThucHien
    applicant: str  # ChuHoSo
    applicant_type: str  # LoaiDoiTuong
    id_number: str  # SoDinhDanh: citizen ID (12 digits) or tax code
    phone: str  # SoDienThoai
    email: str  # Email
    summary: str  # TrichYeuHoSo
    address: str | None = None  # DiaChi
    tech_id: str | None = None  # MaDoiTuong: the applicant's national SSO account (TechID)
    files: tuple[AttachedFile, ...] = ()

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"channel (KenhThucHien) must be one of {', '.join(CHANNELS)}, got {self.channel!r}")
        if self.applicant_type not in APPLICANT_TYPES:
            raise ValueError(
                f"applicant_type (LoaiDoiTuong) must be one of {', '.join(APPLICANT_TYPES)}, "
                f"got {self.applicant_type!r}"
            )

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "MaTTHC": self.procedure_code,
            "KenhThucHien": self.channel,
            "ChuHoSo": self.applicant,
            "LoaiDoiTuong": self.applicant_type,
            "SoDinhDanh": self.id_number,
            "SoDienThoai": self.phone,
            "Email": self.email,
            "TrichYeuHoSo": self.summary,
            "files": [item.to_json() for item in self.files],
        }
        if self.address is not None:
            body["DiaChi"] = self.address
        if self.tech_id is not None:
            body["MaDoiTuong"] = self.tech_id
        return body


# --- answers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DossierRef:
    """A dossier's code and its status after a create or an action."""

    ma_ho_so: str
    status: str  # TrangThaiHoSo, "1".."10"

    @classmethod
    def from_json(cls, data: Any, *, endpoint: str = "POST /_control/dossiers") -> DossierRef:
        reader = _Reader(data, endpoint)
        return cls(reader.text("MaHoSo"), reader.status("TrangThaiHoSo"))


@dataclass(frozen=True, slots=True)
class HistoryStep:
    """One step of the SUT's processing history of a dossier."""

    status: str  # TrangThai after the step
    action: str  # one of ACTIONS, or what the SUT did by itself ("create", "pay", ...)
    officer: str  # NguoiXuLy
    department: str  # PhongBan
    at: str  # ThoiDiem, yyyyMMddHHmmss
    due: str | None  # HanXuLy, yyyyMMddHHmmss; None when the step has no deadline

    @classmethod
    def _read(cls, reader: _Reader) -> HistoryStep:
        return cls(
            status=reader.status("TrangThai"),
            action=reader.text("action"),
            officer=reader.text("NguoiXuLy"),
            department=reader.text("PhongBan"),
            at=reader.text("ThoiDiem"),
            due=reader.optional_text("HanXuLy"),
        )


@dataclass(frozen=True, slots=True)
class SyncState:
    """The SUT's outbox toward DVCQG for one dossier."""

    pending: int
    acknowledged: int
    last_error: str | None

    @classmethod
    def _read(cls, reader: _Reader) -> SyncState:
        return cls(reader.count("pending"), reader.count("acknowledged"), reader.optional_text("last_error"))


@dataclass(frozen=True, slots=True)
class DossierView:
    """`GET /_control/dossiers/{MaHoSo}`: the SUT's own view of a dossier. `raw` keeps every key it sent."""

    ma_ho_so: str
    status: str
    history: tuple[HistoryStep, ...]
    sync: SyncState
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any, *, endpoint: str = "GET /_control/dossiers/{MaHoSo}") -> DossierView:
        reader = _Reader(data, endpoint)
        return cls(
            ma_ho_so=reader.text("MaHoSo"),
            status=reader.status("TrangThaiHoSo"),
            history=tuple(HistoryStep._read(step) for step in reader.objects("history")),
            sync=SyncState._read(reader.object("sync")),
            raw=reader.data,
        )


@dataclass(frozen=True, slots=True)
class PaymentRef:
    """`POST /_control/payments`: the payment the SUT started on the national payment platform."""

    ma_tham_chieu: str  # MaThamChieu, the payment reference
    url: str  # UrlThanhToan, the pay page for the applicant
    amount: int  # SoTien, VND

    @classmethod
    def from_json(cls, data: Any, *, endpoint: str = "POST /_control/payments") -> PaymentRef:
        reader = _Reader(data, endpoint)
        return cls(reader.text("MaThamChieu"), reader.text("UrlThanhToan"), reader.count("SoTien"))


@dataclass(frozen=True, slots=True)
class SyncReport:
    """`POST /_control/sync`: what one flush of the outbox did."""

    sent: int
    pending: int
    failed: int

    @classmethod
    def from_json(cls, data: Any, *, endpoint: str = "POST /_control/sync") -> SyncReport:
        reader = _Reader(data, endpoint)
        return cls(reader.count("sent"), reader.count("pending"), reader.count("failed"))


@dataclass(frozen=True, slots=True)
class Health:
    """`GET /_control/health`."""

    ok: bool
    version: str
    capabilities: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any, *, endpoint: str = "GET /_control/health") -> Health:
        reader = _Reader(data, endpoint)
        return cls(reader.boolean("ok"), reader.text("version"), reader.strings("capabilities"))


def read_ok(data: Any, *, endpoint: str) -> None:
    """`{"ok": true}` (reset); `ok: false` means the operation did not happen."""
    reader = _Reader(data, endpoint)
    if reader.boolean("ok") is not True:
        raise reader.error("the SUT answered ok: false")


def read_error(data: Any) -> tuple[str, str, str | None]:
    """(`error`, `detail`, `TrangThaiHoSo`) of an error body, as far as it has them (never raises)."""
    if not isinstance(data, dict):
        return "", "", None
    error, detail, status = data.get("error"), data.get("detail"), data.get("TrangThaiHoSo")
    return (
        error if isinstance(error, str) else "",
        detail if isinstance(detail, str) else "",
        status if isinstance(status, str) and status in STATUSES else None,
    )
