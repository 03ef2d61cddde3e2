"""The endpoints DVCQG pushes to, over real HTTP: valid pushes are stored once and acknowledged in the
documented reply shape, repeats answer "duplicate refId", invalid or malformed bodies are refused with
every violation and change nothing; generated packets (harness strategies) behave the same way."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import InvalidPacket, invalid_packets, valid_packets, validate
from harness.requirements import load_catalogue as load_requirements
from reference_portal.defects import defect_catalogue
from reference_portal.server import RunningPortal
from tests.reference.conftest import CONTROL, PortalFactory

NPS = "/o/rest/v2/nps"
ENDPOINT_OF = {
    "inbound.createdossierfromdvcqg": "createdossierfromdvcqg",
    "inbound.NhanChungTuThueDat": "nhanhsdvcqg",
    "inbound.BoSungTTKM": "nhanhsdvcqg",
    "inbound.NhanThongBaoThueDat": "nhantbthuedvcqg",
}
TTKM: dict[str, Any] = {
    "MaHoSo": "G22.99-20240304-0000001",
    "MaTTHC": "2.000131",
    "NgayNopHoSo": "20240304083000",
    "TenThuongNhan": "Công ty TNHH Thương mại Hồng Đức",
    "DiaChiDoanhNghiep": {"MaTinh": "38", "MaHuyen": "380", "MaXa": "14755", "DiaChiChiTiet": "12 Lê Lợi"},
    "MaSoThue": "2801234567",
    "TenChuongTrinhKhuyenMai": "Khuyến mại mùa hè",
    "TaiLieuNop": [{"TenTepDinhKem": "thong-bao.pdf", "Base64": base64.b64encode(b"%PDF-1.4").decode()}],
}
VOUCHER: dict[str, Any] = {
    "service": "NhanChungTuThueDat",
    "isUpdating": "False",
    "data": {
        "MaHoSo": "000.00.01.H56-240304-0001",
        "HoTenNguoiNopTien": "Nguyễn Văn An",
        "MaSoThue": "2801234567",
        "ThongTinThanhToan": {
            "MaThongBaoThue": "TB-2024-0001",
            "ThoiGianThanhToan": "20240305101500",
            "SoTien": "1500000",
            "TrangThaiThanhToan": "1",
        },
    },
}
SUPPLEMENT: dict[str, Any] = {
    "service": "NhanHoSoBoSungTTKM",
    "isUpdating": "False",
    "data": {
        "MaHoSoQG": "G22.99-20240310-0000042",
        "MaTTHC": "2.000131",
        "TenThuongNhan": "Công ty TNHH Thương mại Hồng Đức",
        "MaSoThue": "2801234567",
        "ThongTinDaNop": {"MaHoSoQGDNP": "G22.99-20240304-0000001"},
        "LyDoDieuChinh": "Kéo dài thời gian khuyến mại",
    },
}
NOTICE_XML = (
    "<?xml version='1.0' encoding='UTF-8'?><DATA><BODY><ROW_LIST><MA_HSO>000.00.01.H56-240304-0001</MA_HSO>"
    "<LIST><MA_SO_THUE>2801234567</MA_SO_THUE><SO_TIEN>1500000</SO_TIEN></LIST></ROW_LIST>"
    "<ROW_LIST><MA_HSO>000.00.01.H56-240304-0002</MA_HSO></ROW_LIST></BODY></DATA>"
)


def notice(xml: str) -> dict[str, Any]:
    return {"service": "NhanThongBaoThueDat", "data": {"FileThongBaoThue": base64.b64encode(xml.encode()).decode()}}


def push(client: httpx.Client, endpoint: str, body: Any) -> httpx.Response:
    return client.post(f"{NPS}/{endpoint}", json=body)


def received(control: httpx.Client, **params: str) -> list[dict[str, Any]]:
    answer = control.get("/_control/inbound", params=params)
    assert answer.status_code == 200, answer.text
    messages: list[dict[str, Any]] = answer.json()["messages"]
    return messages


def assert_reply(answer: httpx.Response, error_code: int, status: int = 200) -> str:
    """The reply has the documented shape (inbound.reply) and the expected code; returns its message."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert validate(body, "inbound.reply", "strict").valid, body
    assert body["error_code"] == error_code, body
    return str(body["message"])


# --- the documented behaviour ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "body", "kind", "codes"),
    [
        ("createdossierfromdvcqg", TTKM, "createdossierfromdvcqg", "G22.99-20240304-0000001"),
        ("nhanhsdvcqg", VOUCHER, "NhanChungTuThueDat", "000.00.01.H56-240304-0001"),
        ("nhanhsdvcqg", SUPPLEMENT, "BoSungTTKM", "G22.99-20240310-0000042"),
        ("nhantbthuedvcqg", notice(NOTICE_XML), "NhanThongBaoThueDat",
         "000.00.01.H56-240304-0001,000.00.01.H56-240304-0002"),
    ],
    ids=["ttkm", "voucher", "supplement", "notice"],
)  # fmt: skip
def test_a_valid_push_is_stored_once_and_its_repeat_is_a_duplicate(
    control: httpx.Client, endpoint: str, body: dict[str, Any], kind: str, codes: str
) -> None:
    assert validate(body, f"inbound.{kind}", "strict").valid
    assert assert_reply(push(control, endpoint, body), 0) == f"{codes}| create dossier success"
    message = assert_reply(push(control, endpoint, body), 1)
    assert message.startswith("duplicate refId")
    stored = received(control)
    assert [(m["kind"], m["national_code"], m["body"]) for m in stored] == [(kind, codes, body)]


def test_a_voucher_for_another_notice_of_the_same_dossier_is_not_a_repeat(control: httpx.Client) -> None:
    second = {**VOUCHER, "data": {**VOUCHER["data"], "ThongTinThanhToan": {
        **VOUCHER["data"]["ThongTinThanhToan"], "MaThongBaoThue": "TB-2024-0002"}}}  # fmt: skip
    assert_reply(push(control, "nhanhsdvcqg", VOUCHER), 0)
    assert_reply(push(control, "nhanhsdvcqg", second), 0)
    assert [m["ref_id"] for m in received(control, kind="NhanChungTuThueDat")] == [
        "000.00.01.H56-240304-0001/TB-2024-0001",
        "000.00.01.H56-240304-0001/TB-2024-0002",
    ]


def test_an_invalid_push_is_refused_with_every_violation_and_changes_nothing(control: httpx.Client) -> None:
    broken = {k: v for k, v in TTKM.items() if k != "MaSoThue"} | {"MaTTHC": "2000131", "Extra": "?"}
    message = assert_reply(push(control, "createdossierfromdvcqg", broken), -1)
    for rule, pointer in (("INBOUND-REQUIRED", "/MaSoThue"), ("CODE-PROCEDURE", "/MaTTHC"),
                          ("QCVN120-UNKNOWN-FIELD", "/Extra")):  # fmt: skip
        assert f"{rule} at {pointer}" in message, message
    wrong_form = {**VOUCHER, "data": {**VOUCHER["data"], "MaHoSo": "HS-1"}}
    assert "CODE-DOSSIER-FORMAT at /data/MaHoSo" in assert_reply(push(control, "nhanhsdvcqg", wrong_form), -1)
    assert "INBOUND-STRUCTURE" in assert_reply(push(control, "createdossierfromdvcqg", [TTKM]), -1)
    assert received(control) == []


@pytest.mark.parametrize(
    "xml",
    [
        "plain text, not XML",
        "<DATA><BODY><ROW_LIST><LIST/></ROW_LIST></BODY></DATA>",  # no MA_HSO
        '<?xml version="1.0"?><!DOCTYPE DATA [<!ENTITY code SYSTEM "file:///etc/hostname">]>'
        "<DATA><BODY><ROW_LIST><MA_HSO>&code;</MA_HSO></ROW_LIST></BODY></DATA>",  # external entity
    ],
    ids=["not-xml", "no-codes", "doctype"],
)
def test_a_tax_notice_whose_file_cannot_be_read_is_refused(control: httpx.Client, xml: str) -> None:
    message = assert_reply(push(control, "nhantbthuedvcqg", notice(xml)), -1)
    assert "FileThongBaoThue" in message
    assert received(control) == []


def test_a_body_that_is_not_json_is_a_client_error_in_the_reply_shape(control: httpx.Client) -> None:
    for raw in (b'{"MaHoSo": "G22', b"", b"\xff\xfe"):
        answer = control.post(
            f"{NPS}/createdossierfromdvcqg", content=raw, headers={"content-type": "application/json"}
        )
        assert assert_reply(answer, -1, status=400).startswith("request body incorrect")
    assert received(control) == []


def test_hostile_bodies_are_refused_in_the_reply_shape(control: httpx.Client) -> None:
    deep = "[" * 1000 + "]" * 1000
    bodies = {
        "createdossierfromdvcqg": f'{{"MaHoSo": {deep}, "MaTTHC": "2.000131"}}',  # validation messages would recurse
        "nhanhsdvcqg": '{"service": ["NhanChungTuThueDat"], "isUpdating": "False", "data": {}}',
        "nhantbthuedvcqg": "null",
    }
    for endpoint, raw in bodies.items():
        answer = control.post(f"{NPS}/{endpoint}", content=raw.encode(), headers={"content-type": "application/json"})
        assert assert_reply(answer, -1).startswith("invalid inbound."), (endpoint, answer.text)
    billion_laughs = (
        '<?xml version="1.0"?><!DOCTYPE DATA [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<DATA><MA_HSO>&b;</MA_HSO></DATA>"
    )
    assert "DOCTYPE" in assert_reply(push(control, "nhantbthuedvcqg", notice(billion_laughs)), -1)
    assert received(control) == []


def test_concurrent_deliveries_of_one_push_store_it_once(sut: RunningPortal, control: httpx.Client) -> None:
    async def deliver() -> list[int]:
        async with httpx.AsyncClient(base_url=sut.url, timeout=15) as client:
            answers = await asyncio.gather(*(client.post(f"{NPS}/createdossierfromdvcqg", json=TTKM) for _ in range(8)))
        return sorted(int(a.json()["error_code"]) for a in answers)

    assert asyncio.run(deliver()) == [0, 1, 1, 1, 1, 1, 1, 1]
    assert len(received(control)) == 1


def test_the_listing_needs_the_control_token(sut: RunningPortal) -> None:
    assert httpx.get(f"{sut.url}/_control/inbound").status_code == 401


# --- generated packets -----------------------------------------------------------------------------------

GENERATED = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@GENERATED
@given(
    packet_type=st.sampled_from(["inbound.createdossierfromdvcqg", "inbound.NhanChungTuThueDat", "inbound.BoSungTTKM"]),
    data=st.data(),
)
def test_generated_valid_pushes_are_stored(control: httpx.Client, packet_type: str, data: st.DataObject) -> None:
    packet = data.draw(valid_packets(packet_type, "strict"))
    control.post("/_control/reset")
    assert_reply(push(control, ENDPOINT_OF[packet_type], packet), 0)
    assert [m["body"] for m in received(control)] == [packet]


@GENERATED
@given(packet_type=st.sampled_from(sorted(ENDPOINT_OF)), data=st.data())
def test_generated_invalid_pushes_are_refused_under_their_rule(
    control: httpx.Client, packet_type: str, data: st.DataObject
) -> None:
    broken: InvalidPacket = data.draw(invalid_packets(packet_type, "strict"))
    message = assert_reply(push(control, ENDPOINT_OF[packet_type], broken.packet), -1)
    assert broken.rule in message, (broken.rule, broken.pointer, message)
    assert received(control) == []


# --- defect switches -------------------------------------------------------------------------------------


def test_the_defect_switches_tested_here_name_catalogued_requirements() -> None:
    requirements = load_requirements()
    for defect_id in ("inbound-accepts-invalid", "inbound-duplicates-stored"):
        named = defect_catalogue()[defect_id].requirements
        assert named and all(r in requirements for r in named), (defect_id, named)


def test_inbound_accepts_invalid(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    broken = {k: v for k, v in TTKM.items() if k != "MaSoThue"}
    with (
        portal_factory(defects={"inbound-accepts-invalid"}) as sut,
        httpx.Client(base_url=sut.url, headers=CONTROL) as c,
    ):
        assert_reply(push(c, "createdossierfromdvcqg", broken), 0)
        assert_reply(push(c, "nhantbthuedvcqg", notice("not XML")), 0)
        assert [m["kind"] for m in received(c)] == ["createdossierfromdvcqg", "NhanThongBaoThueDat"]


def test_inbound_duplicates_stored(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with (
        portal_factory(defects={"inbound-duplicates-stored"}) as sut,
        httpx.Client(base_url=sut.url, headers=CONTROL) as c,
    ):
        assert_reply(push(c, "createdossierfromdvcqg", TTKM), 0)
        assert_reply(push(c, "createdossierfromdvcqg", TTKM), 0)
        assert [m["ref_id"] for m in received(c)] == [TTKM["MaHoSo"]] * 2
