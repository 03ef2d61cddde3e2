"""The reference portal's one-stop flow over real HTTP: every lifecycle path reaches the mock national
portal as valid packets, in order; codes, appointment dates and the control API behave as documented."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from harness import validate
from reference_portal.server import RunningPortal
from tests.reference.conftest import CONTROL, FEE_PROCEDURE, dossier_request, exchanges

CODE = re.compile(r"000\.00\.01\.H56-[0-9]{6}-([0-9]{4})")

PATHS = {
    "processed and returned": ["receive", "process", "finish", "return_result"],
    "rejected": ["reject"],
    "supplement round": ["receive", "process", "request_supplement", "submit_supplement", "finish", "return_result"],
    "fee requested": ["receive", "request_fee"],
    "withdrawn": ["receive", "process", "withdraw"],
    "stopped": ["receive", "process", "stop"],
}
REASONS = {"reject": "Hồ sơ không thuộc thẩm quyền", "request_supplement": "Bổ sung giấy chứng sinh bản chính"}


def drive(control: httpx.Client, actions: list[str], *, expect_synced: bool = True, **create: Any) -> str:
    created = control.post("/_control/dossiers", json=dossier_request(**create))
    assert created.status_code == 201, created.text
    code = str(created.json()["MaHoSo"])
    for action in actions:
        body: dict[str, Any] = {"action": action, "reason": REASONS.get(action)}
        if action == "request_fee":
            body["amount"] = 50000
        answer = control.post(f"/_control/dossiers/{code}/actions", json=body)
        assert answer.status_code == 200, (action, answer.text)
    report = control.post("/_control/sync").json()
    assert report["pending"] == 0 or not expect_synced, report
    return code


def accepted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["status"] == 200 and r["response"]["body"].get("error_code") == 0]


@pytest.mark.parametrize("path", list(PATHS))
def test_each_lifecycle_path_is_synced_in_order_as_valid_packets(
    path: str, control: httpx.Client, admin: httpx.Client
) -> None:
    code = drive(control, PATHS[path])
    view = control.get(f"/_control/dossiers/{code}").json()
    statuses = [step["TrangThai"] for step in view["history"]]
    assert statuses[0] == "1" and len(statuses) == len(PATHS[path]) + 1
    assert view["sync"] == {
        "pending": 0, "acknowledged": 2 * len(statuses), "failed": 0, "last_error": None, "national_known": True
    }  # fmt: skip

    dossiers = accepted(exchanges(admin, service="DongBoHoSoMC", ma_ho_so=code))
    progress = accepted(exchanges(admin, service="CapNhatTienDoHoSoMC", ma_ho_so=code))
    assert [d["request"]["body"]["data"][0]["TrangThaiHoSo"] for d in dossiers] == statuses
    assert [p["request"]["body"]["data"][0]["TrangThai"] for p in progress] == statuses
    assert [d["request"]["body"]["isUpdating"] for d in dossiers] == ["False"] + ["True"] * (len(statuses) - 1)
    for row in dossiers + progress:
        assert row["verdict"] == "valid", row["rules"]
        packet = {**row["request"]["body"], "session": "x" * 32}  # the evidence redacts the session
        result = validate(packet, profile="strict")
        assert result.valid, [v.to_dict() for v in result.violations]
    last = dossiers[-1]["request"]["body"]["data"][0]
    assert last["MaHoSo"] == code and last["TrangThaiHoSo"] == view["TrangThaiHoSo"]


def test_fee_lines_come_from_the_procedure_when_no_amount_is_given(control: httpx.Client) -> None:
    code = control.post("/_control/dossiers", json=dossier_request(MaTTHC=FEE_PROCEDURE)).json()["MaHoSo"]
    control.post(f"/_control/dossiers/{code}/actions", json={"action": "receive"})
    control.post(f"/_control/dossiers/{code}/actions", json={"action": "request_fee"})
    record = control.get(f"/_control/dossiers/{code}").json()["record"]
    assert record["TrangThaiHoSo"] == "6"
    assert [line["Gia"] for line in record["DanhSachLePhi"]] == ["8000"]


def test_dossier_codes_follow_tt01_and_count_per_day(control: httpx.Client) -> None:
    codes = [control.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"] for _ in range(3)]
    numbers = []
    for code in codes:
        match = CODE.fullmatch(code)
        assert match, code
        numbers.append(int(match.group(1)))
    assert numbers == [1, 2, 3]
    record = control.get(f"/_control/dossiers/{codes[0]}").json()["record"]
    assert codes[0].split("-")[1] == record["NgayTiepNhan"][2:8]


async def _create_concurrently(url: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, headers=CONTROL, timeout=30) as client:
        return await asyncio.gather(*(client.post("/_control/dossiers", json=dossier_request()) for _ in range(count)))


def test_dossier_codes_are_unique_under_concurrent_intake(sut: RunningPortal) -> None:
    answers = asyncio.run(_create_concurrently(sut.url, 25))
    assert [a.status_code for a in answers] == [201] * 25
    codes = {a.json()["MaHoSo"] for a in answers}
    assert len(codes) == 25
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, 26))


def test_the_appointment_date_counts_working_days(control: httpx.Client) -> None:
    code = control.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"]
    control.post(f"/_control/dossiers/{code}/actions", json={"action": "receive"})
    record = control.get(f"/_control/dossiers/{code}").json()["record"]
    received, due = record["NgayTiepNhan"], record["NgayHenTra"]
    assert due >= received and due.endswith("170000")


# --- the control API refuses what it cannot use, and changes nothing -------------------------------


def test_control_api_needs_its_token(sut: RunningPortal) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": "Basic ZGVtbzpkZW1v"}):
        answer = httpx.post(f"{sut.url}/_control/dossiers", json=dossier_request(), headers=headers)
        assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    assert sut.portal.dossiers.all() == []


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "malformed JSON"),
        (b"", 400, "empty body"),
        (b"[1, 2]", 422, "JSON object"),
        (b'{"MaTTHC": "1.001193"}', 422, "KenhThucHien is required"),
        (b'{"MaTTHC": 7, "KenhThucHien": "9", "ChuHoSo": "A", "SoDinhDanh": "1", "TrichYeuHoSo": "x"}', 422, "MaTTHC"),
    ],
)
def test_bad_dossier_requests_get_clear_errors_and_store_nothing(
    body: bytes, status: int, fragment: str, sut: RunningPortal, control: httpx.Client
) -> None:
    answer = control.post("/_control/dossiers", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status
    assert fragment in answer.text
    assert sut.portal.dossiers.all() == []


def test_unknown_procedure_and_bad_files_are_refused(sut: RunningPortal, control: httpx.Client) -> None:
    answer = control.post("/_control/dossiers", json=dossier_request(MaTTHC="9.999999"))
    assert answer.status_code == 422 and answer.json()["error"] == "unknown_procedure"
    bad_file = dossier_request(files=[{"TenTepDinhKem": "a.pdf", "content_base64": "***"}])
    answer = control.post("/_control/dossiers", json=bad_file)
    assert answer.status_code == 422 and "not base64" in answer.json()["detail"]
    assert sut.portal.dossiers.all() == []


def test_actions_outside_the_flow_are_refused_without_change(control: httpx.Client) -> None:
    code = control.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"]
    refused = control.post(f"/_control/dossiers/{code}/actions", json={"action": "finish"})
    assert refused.status_code == 409 and "not allowed in status 1" in refused.json()["detail"]
    assert control.post(f"/_control/dossiers/{code}/actions", json={"action": "fly"}).status_code == 422
    assert control.post(f"/_control/dossiers/{code}/actions", json={"action": "reject"}).status_code == 409  # no reason
    assert (
        control.post("/_control/dossiers/000.00.01.H56-240101-9999/actions", json={"action": "receive"}).status_code
        == 404
    )
    view = control.get(f"/_control/dossiers/{code}").json()
    assert view["TrangThaiHoSo"] == "1" and len(view["history"]) == 1


def test_submitted_files_are_publicly_downloadable(control: httpx.Client, sut: RunningPortal) -> None:
    code = control.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"]
    link = control.get(f"/_control/dossiers/{code}").json()["record"]["TaiLieuNop"][0]["DuongDanTaiTepTin"]
    assert link.startswith(sut.url + "/files/")
    assert httpx.get(link).content == b"%PDF-1.4 to khai"
    assert httpx.get(sut.url + "/files/" + "0" * 24).status_code == 404


def test_reset_forgets_every_dossier(control: httpx.Client, sut: RunningPortal) -> None:
    drive(control, ["receive"])
    assert control.post("/_control/reset").json() == {"ok": True}
    assert sut.portal.dossiers.all() == []
    assert control.post("/_control/dossiers", json=dossier_request()).json()["MaHoSo"].endswith("-0001")
