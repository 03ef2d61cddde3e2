"""One function per DVCQG service: takes an accepted (authenticated, validated) call, answers the payload.

Handlers raise `ChannelError` to refuse; they change state only when they answer success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.specs import load_catalogue
from mock_portal.dvcqg.errors import ChannelError
from mock_portal.dvcqg.store import Caller, Received, text

if TYPE_CHECKING:
    from mock_portal.dvcqg.channel import DvcqgChannel


@dataclass(frozen=True, slots=True)
class Call:
    channel: DvcqgChannel
    caller: Caller
    body: Any  # the envelope (dict), or the array of the adapter form
    now: float
    raw: bytes = b""  # the request body `body` was parsed from, when the endpoint has it


Handler = Callable[[Call], dict[str, Any]]

SYNCED_ANSWER_IDS = 900_000_000  # TRALOIID of answers the province synced: this + their arrival number


def ok(message: str, result: Any = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"error_code": 0, "message": message}
    if result is not None:
        payload["result"] = result
    return payload


# --- writes -----------------------------------------------------------------------------------------


def sync_dossiers(
    call: Call, items: list[dict[str, Any]], updating: bool, via: str, where: tuple[str | int, ...] = ()
) -> dict[str, Any]:
    """`where`: the path of `items` in the request body (kept as the dossier's JSON when it has one)."""
    packet = (call.raw, where) if call.raw else None
    count = call.channel.dossiers.sync(
        items, updating=updating, caller=call.caller, now=call.now, via=via, packet=packet
    )
    action = "Cập nhật" if updating else "Thêm mới"
    return ok(f"Đồng bộ hồ sơ thành công ({action} {count} hồ sơ)")


def sync_progress(call: Call, steps: list[dict[str, Any]]) -> dict[str, Any]:
    count = call.channel.dossiers.add_progress(steps, caller=call.caller)
    return ok(f"Cập nhật tiến độ xử lý hồ sơ thành công ({count} bước)")


def dong_bo_ho_so(call: Call) -> dict[str, Any]:
    updating = text(call.body["isUpdating"]).capitalize() == "True"  # lenient: true, "true"
    return sync_dossiers(call, call.body["data"], updating, "DongBoHoSoMC", ("data",))


def cap_nhat_tien_do(call: Call) -> dict[str, Any]:
    return sync_progress(call, call.body["data"])


def _store(message: str) -> Handler:
    """A write service whose packets are kept as received (for KPI, reports and tests)."""

    def handle(call: Call) -> dict[str, Any]:
        body, caller = call.body, call.caller
        call.channel.received.add(Received(body["service"], caller.madonvi, caller.account, call.now, body["data"]))
        count = len(body["data"]) if isinstance(body["data"], list) else 1
        return ok(f"{message} thành công ({count} bản ghi)")

    return handle


# --- reads ------------------------------------------------------------------------------------------


def tra_cuu_ho_so(call: Call) -> dict[str, Any]:
    record = call.channel.dossiers.get(text(call.body["mahoso"]))
    return ok("Tra cứu hồ sơ thành công", [record.dossier] if record is not None else [])


def lay_thu_tuc(call: Call) -> dict[str, Any]:
    code = text(call.body["maTTHC"])
    procedure = call.channel.catalogue.procedure(code)
    if procedure is None:
        raise ChannelError(
            "not_found",
            f"Thủ tục hành chính {code} không tồn tại trong CSDL quốc gia về TTHC "
            f"(unknown procedure code; LayDanhSachTTHC lists the known ones)",
            rules=("STATE:not_found",),
        )
    return ok("Lấy thông tin thủ tục thành công", [procedure.detail])


def lay_danh_sach_tthc(call: Call) -> dict[str, Any]:
    return ok("Lấy danh sách thủ tục thành công", call.channel.catalogue.summaries())


def lay_danh_muc_co_quan(call: Call) -> dict[str, Any]:
    return ok("Lấy danh mục cơ quan thành công", call.channel.catalogue.agencies)


def lay_danh_muc_linh_vuc(call: Call) -> dict[str, Any]:
    return ok("Lấy danh mục lĩnh vực thành công", call.channel.catalogue.fields)


def lay_dvc(call: Call) -> dict[str, Any]:
    return ok("Lấy danh sách dịch vụ công thành công", {"data": call.channel.catalogue.public_services()})


def tra_cuu_tech_id(call: Call) -> dict[str, Any]:
    """The TechID of the SSO test account (seeded, or registered by the harness) with this CCCD or tax code,
    so SSO and DVCQG agree; any other number gets a stable TechID of its own."""
    number = text(call.body["mstorcmnd"])
    tech_id = _sso_tech_id(call, number) or call.channel.catalogue.tech_id(number)
    return ok("Tra cứu thành công", [{"TECHNICALID": tech_id}])


def _sso_tech_id(call: Call, number: str) -> str | None:
    """The TechID of the SSO channel's account for `number` (registered accounts too), or of a seeded one when
    this mock runs without that channel; None when neither knows it. The SSO channel is optional."""
    sso = call.channel.state.channels.get("sso")
    find = getattr(sso, "find_user", None)
    if callable(find):
        user = find(number)
    else:
        try:
            from mock_portal.sso.users import find_user
        except ImportError:
            return None
        user = find_user(number)
    tech_id = getattr(user, "tech_id", None)
    return tech_id if isinstance(tech_id, str) else None


def hoi_dap_gui_tu_dvcqg(call: Call) -> dict[str, Any]:
    items = call.channel.catalogue.questions_from_citizens(call.caller.province)
    return ok("Lấy danh sách hỏi đáp thành công", items)


def hoi_dap_bo_co_quan(call: Call) -> dict[str, Any]:
    return ok("Lấy danh sách hỏi đáp thành công", list(call.channel.catalogue.from_agencies))


def noi_dung_tra_loi(call: Call) -> dict[str, Any]:
    raw = call.body["cauhoiid"]
    question = raw if isinstance(raw, int) else int(text(raw)) if text(raw).isdigit() else 0  # lenient: "123"
    answers = call.channel.catalogue.answers(question)
    # answers the province synced (DongBoKetQuaHoiDapGuiTuDVCQG) become readable too
    synced = (item for entry in call.channel.received.of("DongBoKetQuaHoiDapGuiTuDVCQG") for item in entry.data)
    for number, item in enumerate(synced, 1):
        if text(item.get("HOIDAPID")) == str(question):
            answers.append({"TRALOIID": SYNCED_ANSWER_IDS + number, "NOIDUNGTRALOI": text(item.get("NOIDUNGTRALOI"))})
    return ok("Lấy nội dung trả lời thành công", answers)


#: the handler of each DVCQG service; which endpoint serves it is the packet catalogue's `endpoint`
HANDLERS: dict[str, Handler] = {
    "DongBoHoSoMC": dong_bo_ho_so,
    "CapNhatTienDoHoSoMC": cap_nhat_tien_do,
    "DongBoTrangThaiHoSo": _store("Đồng bộ trạng thái hồ sơ"),
    "DongBoDanhGia": _store("Đồng bộ kết quả đánh giá"),
    "DongBoThongKeHoSo": _store("Đồng bộ thống kê hồ sơ"),
    "DongBoHoiDap": _store("Đồng bộ hỏi đáp"),
    "DongBoKetQuaHoiDapGuiTuDVCQG": _store("Đồng bộ kết quả trả lời hỏi đáp"),
    "TraCuuHoSo": tra_cuu_ho_so,
    "LayThuTuc": lay_thu_tuc,
    "LayDVC": lay_dvc,
    "LayDanhSachHoiDapGuiTuDVCQG": hoi_dap_gui_tu_dvcqg,
    "LayDanhSachHoiDapBoCoQuan": hoi_dap_bo_co_quan,
    "LayNoiDungTraLoiTheoCauHoi": noi_dung_tra_loi,
    "LayDanhSachTTHC": lay_danh_sach_tthc,
    "LayDanhMucCoQuan": lay_danh_muc_co_quan,
    "LayDanhMucLinhVuc": lay_danh_muc_linh_vuc,
    "TraCuuTechID": tra_cuu_tech_id,
}


def catalogue_endpoints(family: str = "dvcqg") -> dict[str, str]:
    """Packet type → the endpoint serving it (`endpoint` in schemas/catalogue/packets.*.toml), for every
    request type of the family that names one (`auth`, the enveloped services, `adapter.<service>`)."""
    return {t.name: t.endpoint for t in load_catalogue().types.values() if t.family == family and t.endpoint}


def _routed() -> dict[str, tuple[str, Handler]]:
    """service → (endpoint, handler) for the enveloped services: the endpoint from the catalogue, the handler
    from `HANDLERS` (tests/mock/test_catalogue_routing.py: the two agree both ways)."""
    endpoints = catalogue_endpoints()
    return {name: (endpoints[name], handler) for name, handler in HANDLERS.items() if name in endpoints}


#: service → (endpoint, handler); the share endpoint serves the dictionaries (dvcqg-interfaces §2.2)
SERVICES: dict[str, tuple[str, Handler]] = _routed()

ADAPTER_PREFIX = "adapter."
#: the services the LGSP adapter form takes (`/dvcqg/adapter/<service>`): the catalogue's adapter types
ADAPTER_SERVICES: tuple[str, ...] = tuple(
    name.removeprefix(ADAPTER_PREFIX) for name, endpoint in catalogue_endpoints().items() if endpoint == "adapter"
)
