"""The one-stop flow of NĐ 61/2018 Điều 17–20 as a state machine over the ten national statuses.

Each control action moves a dossier from one of its allowed statuses to one target status and records a
history step (who, which department, when, the step's deadline). The transitions are a subset of the
national status graph (docs/reference/dvcqg-interfaces.md §8.1), so every change the portal syncs is one DVCQG accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.core.statuses import STATUS_NAMES


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[str]
    target: str
    #: NoiDungXuLy of the history step (and of the CapNhatTienDoHoSoMC step)
    description: str
    #: who performs it, by default (NguoiXuLy, ChucDanh, PhongBanXuLy)
    officer: str
    title: str
    department: str


_ONE_STOP = "Bộ phận Một cửa"
_SPECIALIST = "Phòng chuyên môn"
_CLERK = ("Cán bộ một cửa", "Công chức tiếp nhận", _ONE_STOP)
_OFFICER = ("Chuyên viên", "Chuyên viên", _SPECIALIST)
_HEAD = ("Lãnh đạo phòng", "Trưởng phòng", _SPECIALIST)
_PLATFORM = ("Hệ thống", "", "Nền tảng thanh toán")
# name, from statuses, to status, NoiDungXuLy, (officer, title, department)
_TABLE: tuple[tuple[str, str, str, str, tuple[str, str, str]], ...] = (
    ("receive", "1", "2", "Tiếp nhận hồ sơ", _CLERK),
    ("reject", "1", "3", "Từ chối tiếp nhận hồ sơ", _CLERK),
    ("process", "2", "4", "Chuyển hồ sơ đến phòng chuyên môn xử lý", _OFFICER),
    ("request_supplement", "2 4", "5", "Yêu cầu bổ sung giấy tờ", _OFFICER),
    ("submit_supplement", "5", "4", "Tiếp nhận hồ sơ bổ sung", _CLERK),
    ("request_fee", "2 4", "6", "Yêu cầu thực hiện nghĩa vụ tài chính", _OFFICER),
    ("pay", "6", "4", "Đã thực hiện nghĩa vụ tài chính", _PLATFORM),
    ("finish", "4", "9", "Kết thúc xử lý hồ sơ", _HEAD),
    ("return_result", "9", "10", "Trả kết quả cho công dân", ("Cán bộ một cửa", "Công chức trả kết quả", _ONE_STOP)),
    ("withdraw", "2 4 5", "7", "Công dân yêu cầu rút hồ sơ", _CLERK),
    ("stop", "2 4 5 6", "8", "Dừng xử lý hồ sơ", _HEAD),
)
ACTIONS: dict[str, Action] = {
    name: Action(name, frozenset(sources.split()), target, description, *who)
    for name, sources, target, description, who in _TABLE
}
#: the actions of the control API (`pay` happens through the payment platform, not by hand)
CONTROL_ACTIONS = tuple(name for name in ACTIONS if name != "pay")


class ActionRefused(Exception):
    """The action is not allowed in the dossier's current status (control API: 409)."""


def transition(action_name: str, current: str) -> Action:
    action = ACTIONS.get(action_name)
    if action is None:
        raise ActionRefused(f"unknown action {action_name!r}; known: {', '.join(CONTROL_ACTIONS)}")
    if current not in action.sources:
        allowed = ", ".join(sorted(action.sources, key=int))
        raise ActionRefused(
            f"action {action_name} is not allowed in status {current} ({STATUS_NAMES.get(current, '?')}); "
            f"it applies to status {allowed}"
        )
    return action
