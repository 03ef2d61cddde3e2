"""Interactive mode's step model: what the harness asks a human tester to do in the SUT's own UI, and the answer.

A `Step` is one driver operation played by hand (Vietnamese first, English beside, with the exact data to
enter); the operator answers with an `Answer` ("done", or "cannot" and why). The builders below turn each
driver operation into its step. JSON forms (one object per line on the wire):

- step:   `{"type": "step", "id": "step-1", "requirement_ids": [...], "text_vi": "...", "text_en": "...",
  "data": {...}}`
- answer: `{"id": "step-1", "status": "done" | "cannot", "note": "..."}` (`note` optional; `"type": "answer"`
  allowed)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from harness.core.errors import UsageError
from harness.core.jsontypes import json_type
from harness.sut._models import Action, DossierRequest

AnswerStatus = Literal["done", "cannot"]
ANSWER_STATUSES: tuple[AnswerStatus, ...] = get_args(AnswerStatus)
_ANSWER_KEYS = ("type", "id", "status", "note")

#: KenhThucHien: how the dossier reaches the agency
CHANNEL_NAMES: Mapping[str, str] = MappingProxyType(
    {"1": "Tại bộ phận một cửa", "2": "Trực tuyến", "3": "Qua dịch vụ bưu chính công ích"}
)
_CHANNEL_NAMES_EN = {"1": "at the one-stop counter", "2": "online", "3": "through the public postal service"}
#: LoaiDoiTuong: who applies
APPLICANT_TYPE_NAMES: Mapping[str, str] = MappingProxyType(
    {"1": "Công dân", "2": "Doanh nghiệp", "3": "Cơ quan nhà nước", "4": "Tổ chức, đối tượng khác"}
)
#: the Vietnamese name of each driver action, as a one-stop system labels it
ACTION_NAMES: Mapping[Action, str] = MappingProxyType(
    {
        "receive": "Tiếp nhận hồ sơ",
        "reject": "Từ chối hồ sơ",
        "request_supplement": "Yêu cầu bổ sung hồ sơ",
        "submit_supplement": "Công dân nộp bổ sung",
        "request_fee": "Yêu cầu nộp phí, lệ phí",
        "process": "Chuyển xử lý",
        "finish": "Hoàn thành xử lý",
        "return_result": "Trả kết quả",
        "withdraw": "Công dân rút hồ sơ",
        "stop": "Dừng xử lý",
    }
)
_ACTION_NAMES_EN: dict[str, str] = {
    "receive": "Receive the dossier",
    "reject": "Refuse the dossier",
    "request_supplement": "Ask for a supplement",
    "submit_supplement": "The citizen submits the supplement",
    "request_fee": "Ask for the fee",
    "process": "Send for processing",
    "finish": "Finish processing",
    "return_result": "Return the result",
    "withdraw": "The citizen withdraws the dossier",
    "stop": "Stop processing",
}
#: actions the applicant performs (on the portal, or the counter officer on their behalf)
_CITIZEN_ACTIONS = frozenset({"submit_supplement", "withdraw"})

#: bilingual labels of the keys the builders put in `Step.data` (front ends show these beside the values)
FIELD_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "MaTTHC": ("Mã thủ tục hành chính", "Procedure code"),
        "KenhThucHien": ("Kênh thực hiện", "Channel"),
        "TenKenhThucHien": ("Hình thức nộp", "Channel, in words"),
        "ChuHoSo": ("Chủ hồ sơ (họ tên)", "Applicant (full name)"),
        "LoaiDoiTuong": ("Loại đối tượng", "Applicant type"),
        "TenLoaiDoiTuong": ("Đối tượng", "Applicant type, in words"),
        "SoDinhDanh": ("Số định danh cá nhân (CCCD) / mã số thuế", "Citizen ID (CCCD) / tax code"),
        "SoDienThoai": ("Số điện thoại", "Phone"),
        "Email": ("Thư điện tử", "E-mail"),
        "TrichYeuHoSo": ("Trích yếu hồ sơ", "Summary"),
        "DiaChi": ("Địa chỉ", "Address"),
        "MaDoiTuong": ("Tài khoản DVCQG (TechID)", "National account (TechID)"),
        "TepDinhKem": ("Tệp đính kèm", "Files to attach"),
        "TenTepDinhKem": (
            "Tên đặt cho từng tệp khi đính kèm (nhập đúng nguyên văn)",
            "The name to give each file (type it exactly)",
        ),
        "MaHoSo": ("Mã hồ sơ", "Dossier code"),
        "ThaoTac": ("Thao tác", "Action"),
        "TenThaoTac": ("Tên thao tác", "Action, in words"),
        "LyDo": ("Lý do (nhập đúng nguyên văn)", "Reason (type it exactly)"),
        "SoTien": ("Số tiền (đồng)", "Amount (VND)"),
        "NguoiXuLy": ("Cán bộ xử lý", "Officer"),
        "TaiKhoanDVCQG": (
            "Tài khoản thử nghiệm Cổng DVCQG để đăng nhập (số định danh / mã số thuế)",
            "National SSO test account to sign in with (ID number / tax code)",
        ),
    }
)

#: file names longer than this (in UTF-8) are written under a short name: file systems hold 255 bytes
_MAX_FILE_NAME_BYTES = 200
_STEP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}\Z")
_SHOWN = 80


class OperatorProtocolError(UsageError):
    """The operator's answer is not what the step protocol allows (exit 2); the message is one line."""


class OperatorGone(UsageError):
    """The operator's input closed, or the link to the operator broke, in the middle of a run (exit 2)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One operation for the human tester: what to do (Vietnamese, English) and the exact data to enter."""

    id: str
    requirement_ids: tuple[str, ...]
    text_vi: str
    text_en: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _STEP_ID.match(self.id):
            raise ValueError(f"a step id is 1-64 letters, digits, '.', '_', ':' or '-', got {self.id!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "step",
            "id": self.id,
            "requirement_ids": list(self.requirement_ids),
            "text_vi": self.text_vi,
            "text_en": self.text_en,
            "data": dict(self.data),
        }

    @classmethod
    def from_json(cls, data: Any) -> Step:
        """The inverse of `to_json` (the relay's side); ValueError with one line when the shape is wrong."""
        if not isinstance(data, dict) or data.get("type") != "step":
            raise ValueError(f"a step must be a JSON object with type 'step', got {_shown(data)}")
        ids, body = data.get("requirement_ids"), data.get("data")
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            raise ValueError(f"step requirement_ids must be an array of strings, got {_shown(ids)}")
        if not isinstance(body, dict):
            raise ValueError(f"step data must be a JSON object, got {_shown(body)}")
        texts = [data.get(key) for key in ("id", "text_vi", "text_en")]
        if not all(isinstance(text, str) for text in texts):
            raise ValueError("a step needs id, text_vi and text_en as strings")
        return cls(str(texts[0]), tuple(ids), str(texts[1]), str(texts[2]), body)


@dataclass(frozen=True, slots=True)
class Answer:
    """The operator's answer to one step: "done", or "cannot" with the reason in `note`."""

    id: str
    status: AnswerStatus
    note: str = ""

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "note": self.note}

    @classmethod
    def parse(cls, line: str, expected_id: str) -> Answer:
        """One answer line, strictly: a JSON object with the expected `id`, `status` "done" or "cannot" and an
        optional string `note`. Anything else raises `OperatorProtocolError` with one line naming the step."""
        where = f"the answer to {expected_id}"
        try:
            data: Any = json.loads(line)
        except ValueError:
            raise OperatorProtocolError(f"{where} is not JSON: {_snippet(line)}") from None
        if not isinstance(data, dict):
            raise OperatorProtocolError(f"{where} must be a JSON object, got {_shown(data)}")
        unknown = sorted(key for key in data if key not in _ANSWER_KEYS)
        if unknown:
            raise OperatorProtocolError(
                f"{where} has unknown key(s) {', '.join(map(repr, unknown))}: an answer has id, status and note"
            )
        if "type" in data and data["type"] != "answer":
            raise OperatorProtocolError(f"{where} has type {_shown(data['type'])}; an answer's type is 'answer'")
        if "id" not in data:
            raise OperatorProtocolError(f'{where} lacks "id": expected "id": "{expected_id}"')
        if data["id"] != expected_id:
            raise OperatorProtocolError(
                f"{where} names step {_shown(data['id'])}: the step waiting for an answer is {expected_id!r}"
            )
        status = data.get("status")
        if status not in ANSWER_STATUSES or not isinstance(status, str):
            got = "nothing" if "status" not in data else _shown(status)
            raise OperatorProtocolError(f'{where}: status must be "done" or "cannot", got {got}')
        note = data.get("note", "")
        if not isinstance(note, str):
            raise OperatorProtocolError(f"{where}: note must be a string, got {_shown(note)}")
        return cls(expected_id, "done" if status == "done" else "cannot", note.strip())


class StepCannot(Exception):
    """The operator answered "cannot": the test is `omitted`, with the operator's reason."""

    def __init__(self, step: Step, reason: str) -> None:
        self.step = step
        self.reason = reason.strip() or "the operator gave no reason"
        super().__init__(f"{step.id}: the operator could not perform the step: {self.reason}")


# --- builders --------------------------------------------------------------------------------------------------


def create_dossier_step(
    request: DossierRequest,
    step_id: str,
    *,
    attachments_dir: Path,
    requirement_ids: tuple[str, ...] = (),
    account: str | None = None,
) -> Step:
    """Submit a test dossier. The files are written to `attachments_dir/<step_id>/` and the data lists their
    paths; the applicant's ID number must be typed exactly (the harness finds the dossier by it). An online
    dossier is submitted signed in as the applicant: `account` is the national SSO test account the harness
    made for them (the portal then takes name and ID number from the login)."""
    paths = _write_attachments(request, attachments_dir / step_id)
    channel = request.channel
    data: dict[str, Any] = {
        "MaTTHC": request.procedure_code,
        "KenhThucHien": channel,
        "TenKenhThucHien": CHANNEL_NAMES[channel],
        "ChuHoSo": request.applicant,
        "LoaiDoiTuong": request.applicant_type,
        "TenLoaiDoiTuong": APPLICANT_TYPE_NAMES[request.applicant_type],
        "SoDinhDanh": request.id_number,
        "SoDienThoai": request.phone,
        "Email": request.email,
        "TrichYeuHoSo": request.summary,
    }
    if request.address is not None:
        data["DiaChi"] = request.address
    if request.tech_id is not None:
        data["MaDoiTuong"] = request.tech_id
    data["TepDinhKem"] = [str(path) for path in paths]
    if any(path.name != attached.name for path, attached in zip(paths, request.files, strict=True)):
        data["TenTepDinhKem"] = [attached.name for attached in request.files]
    code = request.procedure_code
    if channel == "2":
        sign_in_vi, sign_in_en = _sign_in(account, request.id_number)
        if account is not None:
            data["TaiKhoanDVCQG"] = account
        who_vi = f"Với vai trò công dân, {sign_in_vi}, rồi nộp hồ sơ trực tuyến thủ tục {code}"
        who_en = f"As the citizen, {sign_in_en}, then submit an online dossier for procedure {code}"
    else:
        how_vi = "tại bộ phận một cửa" if channel == "1" else "nhận qua dịch vụ bưu chính công ích"
        who_vi = f"Với vai trò cán bộ bộ phận một cửa, nhập vào hệ thống hồ sơ thủ tục {code} {how_vi}"
        who_en = (
            f"As the one-stop officer, enter into the system a dossier for procedure {code} "
            f"received {_CHANNEL_NAMES_EN[channel]}"
        )
    files_vi = f"; đính kèm {len(paths)} tệp đã liệt kê" if paths else ""
    files_en = f"; attach the {len(paths)} file(s) listed" if paths else ""
    return Step(
        step_id,
        requirement_ids,
        f"{who_vi}, với đúng các thông tin dưới đây{files_vi}. Nhập chính xác số định danh {request.id_number}: "
        "bộ kiểm thử nhận ra hồ sơ nhờ số này khi hệ thống đồng bộ lên Cổng DVCQG.",
        f"{who_en}, with exactly the data below{files_en}. Type the ID number {request.id_number} exactly: the "
        "harness recognises the dossier by it when the system syncs to the national portal (DVCQG).",
        data,
    )


def action_step(
    ma_ho_so: str,
    action: Action,
    reason: str | None,
    amount: int | None,
    step_id: str,
    *,
    officer: str | None = None,
    requirement_ids: tuple[str, ...] = (),
) -> Step:
    """Perform one of the ten actions on a dossier, typing the reason (and the amount) given."""
    if action not in ACTION_NAMES:
        raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTION_NAMES)})")
    name_vi, name_en = ACTION_NAMES[action], _ACTION_NAMES_EN[action]
    data: dict[str, Any] = {"MaHoSo": ma_ho_so, "ThaoTac": action, "TenThaoTac": name_vi}
    extra_vi: list[str] = []
    extra_en: list[str] = []
    if reason:
        data["LyDo"] = reason
        extra_vi.append(f"nhập lý do đúng nguyên văn: «{reason}»")
        extra_en.append(f"type the reason exactly: “{reason}”")
    if amount is not None:
        data["SoTien"] = amount
        extra_vi.append(f"số tiền {_vnd_vi(amount)} đồng")
        extra_en.append(f"amount {amount:,} VND")
    if officer:
        data["NguoiXuLy"] = officer
        extra_vi.append(f"cán bộ xử lý: {officer}")
        extra_en.append(f"officer: {officer}")
    if action in _CITIZEN_ACTIONS:
        who_vi = "Với vai trò công dân (hoặc cán bộ một cửa thay mặt công dân)"
        who_en = "As the citizen (or the one-stop officer on their behalf)"
    else:
        who_vi, who_en = "Với vai trò cán bộ có thẩm quyền", "As the officer in charge"
    tail_vi = f"; {'; '.join(extra_vi)}" if extra_vi else ""
    tail_en = f"; {'; '.join(extra_en)}" if extra_en else ""
    return Step(
        step_id,
        requirement_ids,
        f"{who_vi}, mở hồ sơ {ma_ho_so} và thực hiện «{name_vi}»{tail_vi}.",
        f"{who_en}, open dossier {ma_ho_so} and perform “{name_en}” ({action}){tail_en}.",
        data,
    )


def payment_step(
    ma_ho_so: str,
    amount: int | None,
    step_id: str,
    *,
    requirement_ids: tuple[str, ...] = (),
    account: str | None = None,
) -> Step:
    """Start the online payment of a dossier's fee, stopping at the national payment platform's pay page; signed
    in as the applicant (`account`: their national SSO test account, when the harness made one)."""
    data: dict[str, Any] = {"MaHoSo": ma_ho_so}
    if account is not None:
        data["TaiKhoanDVCQG"] = account
    sign_in_vi, sign_in_en = _sign_in(account, None)
    if amount is not None:
        data["SoTien"] = amount
        sum_vi, sum_en = f"số tiền {_vnd_vi(amount)} đồng", f"amount {amount:,} VND"
    else:
        sum_vi, sum_en = "số tiền hồ sơ đang phải nộp", "the fee the dossier owes"
    return Step(
        step_id,
        requirement_ids,
        f"Với vai trò công dân, {sign_in_vi}, mở hồ sơ {ma_ho_so} và chọn thanh toán trực tuyến "
        f"({sum_vi}) qua Nền tảng thanh toán của Cổng DVCQG. Dừng lại khi trang thanh toán hiện ra, KHÔNG thanh "
        "toán: bộ kiểm thử sẽ tự xử lý trang đó.",
        f"As the citizen, {sign_in_en}, open dossier {ma_ho_so} and choose online payment "
        f"({sum_en}) through the national payment platform. Stop when the pay page appears and do NOT pay: the "
        "harness handles that page itself.",
        data,
    )


# --- helpers ---------------------------------------------------------------------------------------------------


def _write_attachments(request: DossierRequest, folder: Path) -> list[Path]:
    if not request.files:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for index, attached in enumerate(request.files, start=1):
        name = Path(attached.name.replace("\\", "/")).name.strip() or f"tep-{index}"
        if name in (".", "..") or len(name.encode("utf-8")) > _MAX_FILE_NAME_BYTES:
            name = f"tep-{index}{Path(name).suffix[:16]}"  # the name to give it is in the step's TenTepDinhKem
        path = folder / name
        if path in paths:
            path = folder / f"{index}-{name}"
        path.write_bytes(attached.content)
        paths.append(path.resolve())
    return paths


def _sign_in(account: str | None, id_number: str | None) -> tuple[str, str]:
    """How the tester signs in to the province's portal as the applicant (Vietnamese, English)."""
    if account is not None:
        return (
            f"đăng nhập cổng dịch vụ công của tỉnh qua Cổng DVCQG bằng tài khoản thử nghiệm {account} (chọn tài "
            "khoản này trên trang đăng nhập của Cổng DVCQG)",
            f"sign in to the province's portal through the national SSO with the test account {account} (choose "
            "it on the national sign-in page)",
        )
    if id_number is not None:
        return (
            f"đăng nhập cổng dịch vụ công của tỉnh bằng tài khoản của người có số định danh {id_number}",
            f"sign in to the province's portal with the account of the person with ID number {id_number}",
        )
    return (
        "đăng nhập cổng dịch vụ công của tỉnh bằng tài khoản của chủ hồ sơ",
        "sign in to the province's portal with the applicant's account",
    )


def _vnd_vi(amount: int) -> str:
    """50000 → "50.000" (Vietnamese groups thousands with dots)."""
    return f"{amount:,}".replace(",", ".")


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "...") if text else "an empty line"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 3] + "..."
    return f"{json_type(value)} {text}" if value is not None else "null"
