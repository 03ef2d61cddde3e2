"""The DVCQG channel of the mock over real HTTP: sessions, dossier state, catalogue, adapter form, bad input,
evidence. Every answer is also checked against its reply schema (strict profile)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import UsageError, get_validator, packet_types, valid_packets
from mock_portal.config import Account, MockConfig
from mock_portal.dvcqg.catalogue import load_catalogue
from mock_portal.dvcqg.handlers import SERVICES
from mock_portal.server import RunningMock, running_mock

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "packets"
GOLDEN = ROOT / "tests" / "golden"
ADMIN = {"Authorization": "Bearer demo-admin"}
ROOT_AGENCY = "000.00.00.H56"
REPLY_TYPES = set(packet_types())

# --- fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    config = MockConfig(accounts=(Account("demo", "demo", "H56"), Account("hagiang", "hg-secret", "H22")))
    with running_mock(config) as running:
        yield running


@pytest.fixture(scope="module")
def http(mock: RunningMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10) as client:
        yield client


@pytest.fixture(autouse=True)
def fresh(http: httpx.Client, mock: RunningMock) -> Iterator[None]:
    """Each test starts from an empty mock (dossiers, sessions, faults, evidence) and the real clock."""
    clock = mock.app.mock.clock
    assert http.post("/_admin/reset", headers=ADMIN).status_code == 200
    yield
    mock.app.mock.clock = clock


@pytest.fixture
def token(http: httpx.Client) -> str:
    return login(http)


def login(http: httpx.Client, username: str = "demo", password: str = "demo") -> str:
    answer = call(http, "/dvcqg/auth", {"username": username, "password": password}, reply="auth.reply")
    assert answer["error_code"] == 0, answer
    return str(answer["session"])


def reply_type(service: str | None) -> str:
    return f"{service}.reply" if service and f"{service}.reply" in REPLY_TYPES else "reply"


def check_reply(payload: Any, type_name: str) -> None:
    result = get_validator(type_name, "strict").validate(payload)
    assert result.valid, [(v.rule, v.pointer, v.message[:200]) for v in result.violations]


def call(http: httpx.Client, path: str, body: Any, *, reply: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """POST, check the answer is the national envelope (never 5xx) and validates against its reply schema."""
    response = http.post(path, json=body, **kwargs) if "content" not in kwargs else http.post(path, **kwargs)
    assert response.status_code == 200, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    payload = response.json()
    service = body.get("service") if isinstance(body, dict) else None
    if reply is None:
        reply = "reply" if path.startswith("/dvcqg/adapter/") else reply_type(service)
    check_reply(payload, reply)
    return dict(payload)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def example(name: str, token: str) -> dict[str, Any]:
    packet = load(EXAMPLES / f"{name}.json")
    packet["session"] = token
    return dict(packet)


def golden(name: str, token: str) -> dict[str, Any]:
    packet = load(GOLDEN / f"{name}.json")
    packet["session"] = token
    return dict(packet)


def envelope(token: str, service: str, **keys: Any) -> dict[str, Any]:
    return {"session": token, "madonvi": ROOT_AGENCY, "service": service, **keys}


def lookup(http: httpx.Client, token: str, code: str) -> list[dict[str, Any]]:
    answer = call(http, "/dvcqg/integration", envelope(token, "TraCuuHoSo", mahoso=code))
    assert answer["error_code"] == 0, answer
    return list(answer["result"])


def dossier_packet(token: str, *, status: str = "2", updating: str = "False", **changes: Any) -> dict[str, Any]:
    """The first golden dossier (status 2, received 2024-03-15) with changes."""
    packet = golden("DongBoHoSoMC.opencps-batch", token)
    item = packet["data"][0]
    item.update({"TrangThaiHoSo": status, **changes})
    if status in ("3", "7", "8", "9", "10"):
        item.setdefault("NgayKetThucXuLy", "20240320100000")
        item["NgayKetThucXuLy"] = item["NgayKetThucXuLy"] or "20240320100000"
    if status == "10":
        item["NgayTra"] = item.get("NgayTra") or "20240321090000"
    packet["data"] = [item]
    packet["isUpdating"] = updating
    return packet


CODE = "000.00.12.H56-240315-0001"  # MaHoSo of dossier_packet()


def channel_state(mock: RunningMock) -> Any:
    return mock.app.mock.channels["dvcqg"]


# --- auth and sessions ------------------------------------------------------------------------------


def test_auth_gives_an_opaque_session_each_time(http: httpx.Client) -> None:
    first, second = login(http), login(http)
    assert first != second and len(first) >= 32 and re.fullmatch(r"[0-9a-f]+", first)


@pytest.mark.parametrize(
    "body",
    [
        {"username": "demo", "password": "wrong"},
        {"username": "nobody", "password": "demo"},
        {"username": "demo"},
        {"username": "demo", "password": 123},
        {"username": "", "password": ""},
        ["demo", "demo"],
        "demo:demo",
    ],
)
def test_bad_credentials_or_malformed_auth_get_an_error_and_no_session(http: httpx.Client, body: Any) -> None:
    answer = call(http, "/dvcqg/auth", body, reply="auth.reply")
    assert answer["error_code"] != 0 and "session" not in answer
    assert answer["message"]


def test_auth_wrong_password_says_so_in_both_languages(http: httpx.Client) -> None:
    answer = call(http, "/dvcqg/auth", {"username": "demo", "password": "x"}, reply="auth.reply")
    assert "mật khẩu" in answer["message"] and "password" in answer["message"]


def test_unknown_session_is_refused(http: httpx.Client) -> None:
    answer = call(http, "/dvcqg/integration", envelope("f" * 32, "TraCuuHoSo", mahoso=CODE))
    assert answer["error_code"] != 0 and "hết hạn" in answer["message"]


def test_session_expires_after_its_ttl(http: httpx.Client, mock: RunningMock, token: str) -> None:
    assert lookup(http, token, CODE) == []
    ttl = mock.app.mock.config.session_ttl_s
    start = mock.app.mock.clock()
    mock.app.mock.clock = lambda: start + ttl + 1
    answer = call(http, "/dvcqg/integration", envelope(token, "TraCuuHoSo", mahoso=CODE))
    assert answer["error_code"] != 0
    assert "hết hạn" in answer["message"] and "expired" in answer["message"]
    assert lookup(http, login(http), CODE) == []  # a new session works at the new time


def test_short_ttl_from_configuration() -> None:
    with running_mock(MockConfig(session_ttl_s=0.0)) as running, httpx.Client(base_url=running.url) as client:
        token = login(client)
        answer = call(client, "/dvcqg/integration", envelope(token, "TraCuuHoSo", mahoso=CODE))
        assert answer["error_code"] != 0 and "expired" in answer["message"]


def test_session_expiry_fault_expires_the_presented_session(http: httpx.Client, token: str) -> None:
    rule = {"kind": "session_expiry", "service": "DongBoHoSoMC", "count": 1}
    assert http.post("/_admin/faults", json=rule, headers=ADMIN).status_code == 201
    answer = call(http, "/dvcqg/integration", dossier_packet(token))
    assert answer["error_code"] != 0 and "hết hạn" in answer["message"]
    # nothing was stored, and the session stays expired for any service
    refused = call(http, "/dvcqg/integration", envelope(token, "TraCuuHoSo", mahoso=CODE))
    assert refused["error_code"] != 0
    fresh_token = login(http)
    assert lookup(http, fresh_token, CODE) == []
    assert call(http, "/dvcqg/integration", dossier_packet(fresh_token))["error_code"] == 0


def test_madonvi_outside_the_account_province_is_refused(http: httpx.Client, token: str) -> None:
    packet = dossier_packet(token)
    packet["madonvi"] = "000.00.00.H22"
    answer = call(http, "/dvcqg/integration", packet)
    assert answer["error_code"] != 0 and "H56" in answer["message"]
    assert lookup(http, token, CODE) == []


def test_malformed_madonvi_is_refused(http: httpx.Client, token: str) -> None:
    answer = call(http, "/dvcqg/integration", {**envelope(token, "LayDVC"), "madonvi": "H56"})
    assert answer["error_code"] != 0 and "ddd.dd.dd.Xdd" in answer["message"]


# --- dossier state ----------------------------------------------------------------------------------


def test_insert_then_lookup_returns_the_dossier(http: httpx.Client, token: str) -> None:
    packet = golden("DongBoHoSoMC.opencps-batch", token)
    answer = call(http, "/dvcqg/integration", packet)
    assert answer == {"error_code": 0, "message": answer["message"]} and "thành công" in answer["message"]
    for item in packet["data"]:
        assert lookup(http, token, item["MaHoSo"]) == [item]


def test_duplicate_insert_says_da_ton_tai(http: httpx.Client, token: str) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    answer = call(http, "/dvcqg/integration", dossier_packet(token, ChuHoSo="Người Khác"))
    assert answer["error_code"] != 0 and "đã tồn tại" in answer["message"]
    assert lookup(http, token, CODE)[0]["ChuHoSo"] != "Người Khác"


def test_update_of_an_unknown_dossier_is_refused(http: httpx.Client, token: str) -> None:
    answer = call(http, "/dvcqg/integration", dossier_packet(token, updating="True"))
    assert answer["error_code"] != 0 and "không tồn tại" in answer["message"]
    assert lookup(http, token, CODE) == []


def test_update_replaces_the_dossier_and_records_the_status_history(
    http: httpx.Client, mock: RunningMock, token: str
) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    for status in ("4", "4", "9", "10"):
        answer = call(http, "/dvcqg/integration", dossier_packet(token, status=status, updating="True"))
        assert answer["error_code"] == 0, answer
    assert lookup(http, token, CODE)[0]["TrangThaiHoSo"] == "10"
    record = channel_state(mock).dossiers.get(CODE)
    assert [h.status for h in record.history] == ["2", "4", "9", "10"]
    assert record.syncs == 5 and record.account == "demo" and record.madonvi == ROOT_AGENCY
    assert record.first_synced <= record.last_synced


def test_transition_outside_the_graph_is_refused_naming_it(http: httpx.Client, token: str) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    answer = call(http, "/dvcqg/integration", dossier_packet(token, status="10", updating="True"))
    assert answer["error_code"] != 0
    assert "2 (Được tiếp nhận) → 10 (Đã trả kết quả)" in answer["message"] and "2 → 10" in answer["message"]
    assert lookup(http, token, CODE)[0]["TrangThaiHoSo"] == "2"


def test_terminal_status_allows_no_change_but_staying() -> None:
    from mock_portal.dvcqg.store import StatusGraph

    graph = StatusGraph({"1": ["2"], "2": ["4"], "4": ["9"], "9": ["10"]})
    assert graph.allows("10", "10") and not graph.allows("10", "4") and not graph.allows("2", "9")
    assert StatusGraph({"2": ["4"], "4": ["9"]}, transitive=True).allows("2", "9")


def test_status_graph_is_configurable() -> None:
    config = MockConfig(extra={"status_graph": {"2": ["10"], "10": []}})
    with running_mock(config) as running, httpx.Client(base_url=running.url) as client:
        token = login(client)
        assert call(client, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
        refused = call(client, "/dvcqg/integration", dossier_packet(token, status="4", updating="True"))
        assert refused["error_code"] != 0 and "2 → 4" in refused["message"]
        allowed = call(client, "/dvcqg/integration", dossier_packet(token, status="10", updating="True"))
        assert allowed["error_code"] == 0


def test_bad_status_graph_configuration_is_a_usage_error() -> None:
    from mock_portal.app import create_app

    with pytest.raises(UsageError, match="status_graph"):
        create_app(MockConfig(extra={"status_graph": {"2": "4"}}))


def test_progress_is_accepted_for_known_dossiers_only(http: httpx.Client, mock: RunningMock, token: str) -> None:
    progress = golden("CapNhatTienDoHoSoMC", token)
    code = progress["data"][0]["MaHoSo"]
    answer = call(http, "/dvcqg/integration", progress)
    assert answer["error_code"] != 0 and "không tồn tại" in answer["message"]
    assert call(http, "/dvcqg/integration", golden("DongBoHoSoMC.extended", token) | {"isUpdating": "False"}) == {
        "error_code": 0,
        "message": "Đồng bộ hồ sơ thành công (Thêm mới 1 hồ sơ)",
    }
    assert call(http, "/dvcqg/integration", progress)["error_code"] == 0
    assert call(http, "/dvcqg/integration", progress)["error_code"] == 0  # re-sent steps are merged, not doubled
    steps = channel_state(mock).dossiers.get(code).progress
    assert [s["TrangThai"] for s in steps] == ["2", "4", "9"]


def test_progress_outside_the_graph_is_refused_and_stores_nothing(
    http: httpx.Client, mock: RunningMock, token: str
) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    progress = golden("CapNhatTienDoHoSoMC", token)
    for step in progress["data"]:
        step["MaHoSo"] = CODE
    progress["data"][1]["TrangThai"] = "10"  # 2 → 10 → 9
    answer = call(http, "/dvcqg/integration", progress)
    assert answer["error_code"] != 0 and "2 → 10" in answer["message"]
    assert channel_state(mock).dossiers.get(CODE).progress == []


def test_rejected_packet_lists_violations_and_changes_nothing(http: httpx.Client, token: str) -> None:
    packet = dossier_packet(token, NgayTiepNhan="2024-03-15 08:30:00", LoaiDoiTuong="9")
    answer = call(http, "/dvcqg/integration", packet)
    assert answer["error_code"] != 0
    message = answer["message"]
    assert "[FMT-DATETIME] /data/0/NgayTiepNhan" in message
    assert "[QCVN120-APPLICANT-TYPE] /data/0/LoaiDoiTuong" in message
    assert lookup(http, token, CODE) == []


def test_violation_list_is_capped(http: httpx.Client, token: str) -> None:
    packet = dossier_packet(token)
    packet["data"] = [dict(packet["data"][0], MaHoSo=f"bad code {i}", LoaiDoiTuong="9") for i in range(30)]
    message = call(http, "/dvcqg/integration", packet)["message"]
    assert message.count("\n- [") == 20 and "more" in message


def test_a_batch_is_all_or_nothing(http: httpx.Client, token: str) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    batch = golden("DongBoHoSoMC.opencps-batch", token)  # its first dossier now exists
    answer = call(http, "/dvcqg/integration", batch)
    assert answer["error_code"] != 0 and "đã tồn tại" in answer["message"]
    for item in batch["data"][1:]:
        assert lookup(http, token, item["MaHoSo"]) == []
    # one invalid item refuses the whole batch too
    batch = golden("DongBoHoSoMC.opencps-batch", token)
    batch["data"] = batch["data"][1:]
    batch["data"][1]["NgayHenTra"] = "29/03/2024"
    assert call(http, "/dvcqg/integration", batch)["error_code"] != 0
    assert lookup(http, token, batch["data"][0]["MaHoSo"]) == []


def test_the_same_dossier_twice_in_one_insert_batch_is_a_duplicate(http: httpx.Client, token: str) -> None:
    packet = dossier_packet(token)
    packet["data"] = packet["data"] * 2
    answer = call(http, "/dvcqg/integration", packet)
    assert answer["error_code"] != 0 and "đã tồn tại" in answer["message"]
    assert lookup(http, token, CODE) == []


def test_other_province_cannot_update_a_dossier(http: httpx.Client, token: str) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    other = login(http, "hagiang", "hg-secret")
    packet = dossier_packet(other, status="4", updating="True")
    packet["madonvi"] = "000.00.00.H22"
    answer = call(http, "/dvcqg/integration", packet)
    assert answer["error_code"] != 0  # refused by the validator (CODE-DOSSIER-PROVINCE) before any state check
    assert lookup(http, token, CODE)[0]["TrangThaiHoSo"] == "2"


def test_lenient_profile_still_keeps_dossiers_to_their_province(tmp_path: Path) -> None:
    accounts = (Account("demo", "demo", "H56"), Account("hagiang", "hg-secret", "H22"))
    config = MockConfig(profile="lenient", accounts=accounts)
    with running_mock(config) as running, httpx.Client(base_url=running.url) as client:
        token = login(client)
        assert call(client, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
        other = dossier_packet(login(client, "hagiang", "hg-secret"), status="4", updating="True")
        other["madonvi"] = "000.00.00.H22"
        answer = call(client, "/dvcqg/integration", other)  # CODE-DOSSIER-PROVINCE is strict-only
        assert answer["error_code"] != 0 and "H56" in answer["message"] and "H22" in answer["message"]
        dossiers = load(EXAMPLES / "adapter.DongBoHoSoMC.json")
        flags = {"MaDinhDanhDV": "000.00.12.H56", "isUpdating": "true"}  # lenient reads the flag case-blind
        assert call(client, "/dvcqg/adapter/DongBoHoSoMC", dossiers, params=flags)["error_code"] == 0


def test_other_write_services_are_validated_and_stored(http: httpx.Client, mock: RunningMock, token: str) -> None:
    services = ("DongBoTrangThaiHoSo", "DongBoDanhGia", "DongBoThongKeHoSo", "DongBoHoiDap")
    for service in (*services, "DongBoKetQuaHoiDapGuiTuDVCQG"):
        answer = call(http, "/dvcqg/integration", example(service, token))
        assert answer["error_code"] == 0 and "thành công" in answer["message"], (service, answer)
        assert len(channel_state(mock).received.of(service)) == 1
    bad = example("DongBoDanhGia", token)
    bad["data"][0]["PhanTramDanhGiaHaiLong"] = "15"
    assert call(http, "/dvcqg/integration", bad)["error_code"] != 0
    assert len(channel_state(mock).received.of("DongBoDanhGia")) == 1
    # an answer synced by the province becomes readable through LayNoiDungTraLoiTheoCauHoi
    answers = call(http, "/dvcqg/integration", envelope(token, "LayNoiDungTraLoiTheoCauHoi", cauhoiid=184601))
    texts = [a["NOIDUNGTRALOI"] for a in answers["result"]]
    synced = example("DongBoKetQuaHoiDapGuiTuDVCQG", token)["data"][0]["NOIDUNGTRALOI"]
    assert synced in texts and len(texts) >= 2


# --- adapter form -----------------------------------------------------------------------------------


def adapter(http: httpx.Client, service: str, body: Any, **params: str) -> dict[str, Any]:
    return call(http, f"/dvcqg/adapter/{service}", body, params=params)


def test_adapter_form_syncs_dossiers_and_progress(http: httpx.Client, mock: RunningMock, token: str) -> None:
    dossiers = load(EXAMPLES / "adapter.DongBoHoSoMC.json")
    code = dossiers[0]["MaHoSo"]
    agency = "000.00.12.H56"
    assert adapter(http, "DongBoHoSoMC", dossiers, MaDinhDanhDV=agency, isUpdating="False")["error_code"] == 0
    again = adapter(http, "DongBoHoSoMC", dossiers, MaDinhDanhDV=agency, isUpdating="False")
    assert again["error_code"] != 0 and "đã tồn tại" in again["message"]
    steps = load(EXAMPLES / "adapter.CapNhatTienDoHoSoMC.json")
    assert adapter(http, "CapNhatTienDoHoSoMC", steps, MaDinhDanhDV=agency)["error_code"] == 0
    dossiers[0]["TrangThaiHoSo"] = "9"
    dossiers[0]["NgayKetThucXuLy"] = "20240322100000"
    assert adapter(http, "DongBoHoSoMC", dossiers, MaDinhDanhDV=agency, isUpdating="True")["error_code"] == 0
    assert lookup(http, token, code)[0]["TrangThaiHoSo"] == "9"
    record = channel_state(mock).dossiers.get(code)
    assert record.madonvi == agency and record.via == "adapter.DongBoHoSoMC" and len(record.progress) == 2
    unknown = [dict(steps[0], MaHoSo="000.00.12.H56-240315-0099")]
    answer = adapter(http, "CapNhatTienDoHoSoMC", unknown, MaDinhDanhDV=agency)
    assert answer["error_code"] != 0 and "không tồn tại" in answer["message"]


@pytest.mark.parametrize(
    ("service", "body", "params", "expected"),
    [
        ("DongBoHoSoMC", "dossiers", {"isUpdating": "False"}, "MaDinhDanhDV"),
        ("DongBoHoSoMC", "dossiers", {"MaDinhDanhDV": "000.00.01.H22", "isUpdating": "False"}, "CODE-DOSSIER-PROV"),
        ("DongBoHoSoMC", "dossiers", {"MaDinhDanhDV": "000.00.01.H99", "isUpdating": "False"}, "MaDinhDanhDV"),
        ("DongBoHoSoMC", "dossiers", {"MaDinhDanhDV": "H56", "isUpdating": "False"}, "ddd.dd.dd.Xdd"),
        ("DongBoHoSoMC", "dossiers", {"MaDinhDanhDV": "000.00.12.H56"}, "isUpdating"),
        ("DongBoHoSoMC", "dossiers", {"MaDinhDanhDV": "000.00.12.H56", "isUpdating": "yes"}, "isUpdating"),
        ("DongBoHoSoMC", {"data": []}, {"MaDinhDanhDV": "000.00.12.H56", "isUpdating": "False"}, "mảng JSON"),
        ("DongBoHoSoMC", [], {"MaDinhDanhDV": "000.00.12.H56", "isUpdating": "False"}, "QCVN120-ADAPTER"),
        ("TraCuuHoSo", "dossiers", {"MaDinhDanhDV": "000.00.12.H56"}, "adapter"),
    ],
)
def test_adapter_form_refuses_bad_calls(
    http: httpx.Client, token: str, service: str, body: Any, params: dict[str, str], expected: str
) -> None:
    dossiers = load(EXAMPLES / "adapter.DongBoHoSoMC.json")
    answer = adapter(http, service, dossiers if body == "dossiers" else body, **params)
    assert answer["error_code"] != 0 and expected in answer["message"], answer
    assert lookup(http, token, dossiers[0]["MaHoSo"]) == []


def test_adapter_form_validates_with_the_adapter_agency(http: httpx.Client, token: str) -> None:
    dossiers = load(EXAMPLES / "adapter.DongBoHoSoMC.json")
    dossiers[0]["MaHoSo"] = "000.00.12.H22-240315-0001"  # not an agency of H56
    answer = adapter(http, "DongBoHoSoMC", dossiers, MaDinhDanhDV="000.00.12.H56", isUpdating="False")
    assert answer["error_code"] != 0 and "CODE-DOSSIER-PROVINCE" in answer["message"]


# --- catalogue --------------------------------------------------------------------------------------


def test_procedure_list_has_at_least_30_procedures_across_fields_and_agencies(http: httpx.Client, token: str) -> None:
    answer = call(http, "/dvcqg/share", envelope(token, "LayDanhSachTTHC"))
    codes = [p["MATTHC"] for p in answer["result"]]
    assert len(codes) >= 30 and len(set(codes)) == len(codes)
    catalogue = load_catalogue()
    fields = {p.detail["LINHVUCTHUCHIEN"][0]["MALINHVUC"] for p in catalogue.procedures.values()}
    issuers = {p.detail["MACOQUANCONGBO"] for p in catalogue.procedures.values()}
    performers = {a["MADONVI"][-3:] for p in catalogue.procedures.values() for a in p.detail["COQUANTHUCHIEN"]}
    assert len(fields) >= 6 and len(issuers) >= 3 and {"H56"} < performers
    assert {p.level for p in catalogue.procedures.values()} == {3, 4}


def test_lay_thu_tuc_answers_every_procedure_in_the_71_shape(http: httpx.Client, token: str) -> None:
    listed = call(http, "/dvcqg/share", envelope(token, "LayDanhSachTTHC"))["result"]
    for item in listed:
        answer = call(http, "/dvcqg/integration", envelope(token, "LayThuTuc", maTTHC=item["MATTHC"]))
        assert answer["error_code"] == 0 and len(answer["result"]) == 1
        detail = answer["result"][0]
        assert detail["MATTHC"] == item["MATTHC"] and detail["TRANGTHAI"] == 1
        for key in ("LINHVUCTHUCHIEN", "CACHTHUCTHUCHIEN", "THANHPHANHOSO", "COQUANTHUCHIEN", "CANCUPHAPLY"):
            assert detail[key], (item["MATTHC"], key)
        durations = [t for way in detail["CACHTHUCTHUCHIEN"] for t in way["THOIGIAN"]]
        assert all(t["DONVITINH"] == "Ngày làm việc" and t["THOIGIANGIAIQUYET"] > 0 for t in durations)


def test_lay_thu_tuc_accepts_the_local_form_and_refuses_unknown_codes(http: httpx.Client, token: str) -> None:
    local = call(http, "/dvcqg/integration", envelope(token, "LayThuTuc", maTTHC="1.001193.000.00.00.H56"))
    assert local["result"][0]["MATTHC"] == "1.001193"
    unknown = call(http, "/dvcqg/integration", envelope(token, "LayThuTuc", maTTHC="9.999999"))
    assert unknown["error_code"] != 0 and "9.999999" in unknown["message"] and "result" not in unknown


def test_dictionaries_dvc_tech_id_and_qa(http: httpx.Client, token: str) -> None:
    agencies = call(http, "/dvcqg/share", envelope(token, "LayDanhMucCoQuan"))["result"]
    assert {a["MADONVI"] for a in agencies} >= {"000.00.00.H56", "000.00.12.H56", "000.00.00.G09"}
    fields = call(http, "/dvcqg/share", envelope(token, "LayDanhMucLinhVuc"))["result"]
    assert any(f["MANGANH"] == ROOT_AGENCY for f in fields)
    services = call(http, "/dvcqg/integration", envelope(token, "LayDVC"))["result"]["data"]
    assert {s["APDUNGDVC"][0]["MUCDO"] for s in services} == {3, 4}
    tech = call(http, "/dvcqg/share", example("TraCuuTechID", token))["result"][0]["TECHNICALID"]
    assert tech == call(http, "/dvcqg/share", example("TraCuuTechID", token))["result"][0]["TECHNICALID"]
    citizens = call(http, "/dvcqg/integration", envelope(token, "LayDanhSachHoiDapGuiTuDVCQG"))["result"]
    assert citizens and all(q["MADONVI"].endswith("H56") for q in citizens)
    assert call(http, "/dvcqg/integration", envelope(token, "LayDanhSachHoiDapBoCoQuan"))["result"]
    none = call(http, "/dvcqg/integration", envelope(token, "LayNoiDungTraLoiTheoCauHoi", cauhoiid=1))
    assert none == {"error_code": 0, "message": none["message"], "result": []}


def test_tech_id_agrees_with_the_sso_test_accounts(http: httpx.Client, token: str) -> None:
    users = pytest.importorskip("mock_portal.sso.users")
    user = users.test_users()[0]
    number = user.citizen_id or user.tax_code
    answer = call(http, "/dvcqg/share", envelope(token, "TraCuuTechID", provider="wso2is", mstorcmnd=number))
    assert answer["result"] == [{"TECHNICALID": user.tech_id}]


@pytest.mark.parametrize(("service", "endpoint"), sorted((s, e) for s, (e, _) in SERVICES.items()))
def test_services_are_served_on_their_endpoint_only(
    http: httpx.Client, token: str, service: str, endpoint: str
) -> None:
    other = "share" if endpoint == "integration" else "integration"
    answer = call(http, f"/dvcqg/{other}", envelope(token, service))
    assert answer["error_code"] != 0 and f"/dvcqg/{endpoint}" in answer["message"]


def test_custom_catalogue_file(tmp_path: Path) -> None:
    detail = load(EXAMPLES / "LayThuTuc.reply.json")["result"][0]
    path = tmp_path / "procedures-custom.json"
    path.write_text(json.dumps([detail], ensure_ascii=False), encoding="utf-8")
    with running_mock(MockConfig(catalogue_file=str(path))) as running, httpx.Client(base_url=running.url) as client:
        token = login(client)
        listed = call(client, "/dvcqg/share", envelope(token, "LayDanhSachTTHC"))["result"]
        assert listed == [{"MATTHC": detail["MATTHC"], "TENTTHC": detail["TENTTHC"]}]
        agencies = call(client, "/dvcqg/share", envelope(token, "LayDanhMucCoQuan"))["result"]
        assert [a["MADONVI"] for a in agencies] == ["000.00.12.H56"]
    broken = tmp_path / "procedures-broken.json"
    broken.write_text(json.dumps([dict(detail, TRANGTHAI="1")]), encoding="utf-8")
    with pytest.raises(UsageError, match="TRANGTHAI"):
        load_catalogue(str(broken))


# --- every reply validates --------------------------------------------------------------------------


def test_every_service_answers_its_example_with_a_valid_reply(http: httpx.Client, token: str) -> None:
    """Success answers of every service the channel serves, each checked against its reply schema."""
    assert call(http, "/dvcqg/integration", golden("DongBoHoSoMC.extended", token) | {"isUpdating": "False"})
    seen = set()
    for service, (endpoint, _) in SERVICES.items():
        packet = example(service, token) if (EXAMPLES / f"{service}.json").exists() else envelope(token, service)
        if service == "DongBoHoSoMC":
            packet = golden("DongBoHoSoMC.opencps-batch", token)
        if service == "TraCuuHoSo":
            packet["mahoso"] = "000.00.31.H56-240402-0012"
        answer = call(http, f"/dvcqg/{endpoint}", packet)  # call() validates against <service>.reply / reply
        assert answer["error_code"] == 0, (service, answer)
        seen.add(service)
    assert seen == set(SERVICES)


# --- bad input --------------------------------------------------------------------------------------

BAD_REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("/dvcqg/integration", {"content": b"{not json"}),
    ("/dvcqg/integration", {"content": b""}),
    ("/dvcqg/integration", {"content": b"\xff\xfe\x00garbage"}),
    ("/dvcqg/integration", {"content": b"[1, 2, 3]"}),
    ("/dvcqg/integration", {"content": b'"just a string"'}),
    ("/dvcqg/integration", {"content": b"null"}),
    ("/dvcqg/integration", {"content": b'{"session": 1}', "headers": {"content-type": "text/plain"}}),
    ("/dvcqg/share", {"content": b"<xml/>", "headers": {"content-type": "application/xml"}}),
    ("/dvcqg/auth", {"content": b"username=demo&password=demo",
                     "headers": {"content-type": "application/x-www-form-urlencoded"}}),
    ("/dvcqg/adapter/DongBoHoSoMC?MaDinhDanhDV=000.00.12.H56&isUpdating=False", {"content": b"{]"}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "request_kwargs"), BAD_REQUESTS)
def test_malformed_bodies_get_an_envelope_error(
    http: httpx.Client, token: str, path: str, request_kwargs: dict[str, Any]
) -> None:
    response = http.post(path, **request_kwargs)
    assert response.status_code == 200
    payload = response.json()
    check_reply(payload, "auth.reply" if path == "/dvcqg/auth" else "reply")
    assert payload["error_code"] != 0 and payload["message"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.pop("session"),
        lambda p: p.pop("madonvi"),
        lambda p: p.pop("service"),
        lambda p: p.update(service=""),
        lambda p: p.update(session=["x"]),
        lambda p: p.update(service="KhongCoDichVuNay"),
        lambda p: p.update(service="LayDanhMucGioiTinh"),
        lambda p: p.update(isUpdating="false"),
        lambda p: p.update(data={}),
        lambda p: p.pop("data"),
        lambda p: p.update(extra="field"),
    ],
)
def test_envelope_errors_change_nothing(http: httpx.Client, token: str, mutate: Any) -> None:
    packet = dossier_packet(token)
    mutate(packet)
    answer = call(http, "/dvcqg/integration", packet, reply="reply")
    assert answer["error_code"] != 0 and answer["message"]
    assert lookup(http, token, CODE) == []


def test_wrong_method_and_unknown_paths_answer_in_the_envelope(http: httpx.Client) -> None:
    for path in ("/dvcqg/auth", "/dvcqg/integration", "/dvcqg/share", "/dvcqg/adapter/DongBoHoSoMC"):
        response = http.get(path)
        assert response.status_code == 405 and response.headers["allow"] == "POST"
        check_reply(response.json(), "reply")
    for path in ("/dvcqg/nothing", "/dvcqg/adapter/a/b"):
        response = http.post(path, json={})
        assert response.status_code == 404 and response.json()["error_code"] != 0


bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(
        [
            "/dvcqg/integration",
            "/dvcqg/share",
            "/dvcqg/auth",
            "/dvcqg/adapter/DongBoHoSoMC?MaDinhDanhDV=000.00.12.H56&isUpdating=False",
            "/dvcqg/adapter/CapNhatTienDoHoSoMC?MaDinhDanhDV=000.00.12.H56",
        ]
    ),
    body=st.one_of(
        st.binary(max_size=64),
        bodies.map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries(
            {"session": st.sampled_from(["TOKEN", "bad"]), "madonvi": st.sampled_from([ROOT_AGENCY, "x"])},
            optional={"service": st.sampled_from(sorted(SERVICES)), "data": bodies, "isUpdating": bodies},
        ).map(lambda v: json.dumps(v).encode()),
    ),
)
def test_random_bodies_never_5xx_and_never_change_state(
    http: httpx.Client, mock: RunningMock, token: str, path: str, body: bytes
) -> None:
    before = len(channel_state(mock).dossiers.records())
    response = http.post(path, content=body.replace(b"TOKEN", token.encode()))
    assert response.status_code == 200, response.text
    payload = response.json()
    check_reply(payload, "auth.reply" if path == "/dvcqg/auth" else "reply")  # reads may succeed, writes cannot
    assert len(channel_state(mock).dossiers.records()) == before


# --- evidence ---------------------------------------------------------------------------------------


def test_evidence_rows_carry_service_codes_verdict_and_rules(http: httpx.Client, token: str) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    call(http, "/dvcqg/integration", dossier_packet(token))  # duplicate
    call(http, "/dvcqg/integration", dossier_packet(token, NgayTiepNhan="15/03/2024"))  # invalid
    rows = http.get("/_admin/exchanges", params={"service": "DongBoHoSoMC"}, headers=ADMIN).json()
    assert [r["service"] for r in rows] == ["DongBoHoSoMC"] * 3
    assert all(r["ma_ho_so"] == [CODE] for r in rows)
    accepted, duplicate, invalid = rows
    assert accepted["verdict"] == "valid" and accepted["rules"] == []
    assert duplicate["verdict"] == "valid" and duplicate["rules"] == ["STATE:duplicate"]
    assert invalid["verdict"] == "invalid" and "FMT-DATETIME" in invalid["rules"]
    by_code = http.get("/_admin/exchanges", params={"ma_ho_so": CODE}, headers=ADMIN).json()
    assert len(by_code) == 3
    auth_rows = http.get("/_admin/exchanges", params={"service": "auth"}, headers=ADMIN).json()
    assert auth_rows and auth_rows[0]["verdict"] == "valid"


def test_transition_refusal_is_recorded_as_invalid(http: httpx.Client, token: str) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    call(http, "/dvcqg/integration", dossier_packet(token, status="10", updating="True"))
    rows = http.get("/_admin/exchanges", params={"service": "DongBoHoSoMC"}, headers=ADMIN).json()
    assert rows[-1]["verdict"] == "invalid" and rows[-1]["rules"] == ["STATE:transition"]


def test_reset_forgets_dossiers_and_sessions(http: httpx.Client, token: str) -> None:
    assert call(http, "/dvcqg/integration", dossier_packet(token))["error_code"] == 0
    assert http.post("/_admin/reset", headers=ADMIN).status_code == 200
    assert call(http, "/dvcqg/integration", envelope(token, "TraCuuHoSo", mahoso=CODE))["error_code"] != 0
    assert lookup(http, login(http), CODE) == []


# --- generated packets ------------------------------------------------------------------------------


def to_province(code: str, province: str = "H56") -> str:
    """The same dossier code issued by an agency of `province` (both MaHoSo forms)."""
    head, rest = code.split("-", 1)
    head = head[:-3] + province if re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}", head) else province + head[3:]
    return f"{head}-{rest}"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(packet=valid_packets("DongBoHoSoMC"))
def test_valid_generated_packets_are_accepted(http: httpx.Client, packet: dict[str, Any]) -> None:
    http.post("/_admin/reset", params={"evidence": "keep"}, headers=ADMIN)
    packet = copy.deepcopy(packet)
    packet.update(session=login(http), madonvi=ROOT_AGENCY, isUpdating="False")
    for item in packet["data"]:
        item["MaHoSo"] = to_province(item["MaHoSo"])
    codes = [item["MaHoSo"] for item in packet["data"]]
    answer = call(http, "/dvcqg/integration", packet)
    if len(set(codes)) < len(codes):
        assert "đã tồn tại" in answer["message"]
        return
    assert answer["error_code"] == 0, answer["message"]
    for item in packet["data"]:
        assert lookup(http, packet["session"], item["MaHoSo"]) == [item]
