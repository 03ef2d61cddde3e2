"""The XML encoding: generated XSDs, the lossless XML ⇄ JSON mapping, and safe parsing."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from harness.specs.catalogue import PacketType, load_catalogue
from harness.specs.paths import schema_root
from harness.specs.store import SchemaStore, load_store
from harness.xml import NS, XmlFormError, load_xsd, packet_to_xml, xml_to_packet, xsd_errors, xsd_path, xsdgen

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "xml"
XML_TYPES = sorted(name for name, ptype in load_catalogue().types.items() if ptype.xml)


# --- helpers -------------------------------------------------------------------------------------


def json_errors(packet: Any, type_name: str) -> list[str]:
    """JSON Schema violations of `packet` (plain jsonschema against the same schema files)."""
    store = load_store()
    schema_id = store.id_for_path(load_catalogue().packet_type(type_name).schema)
    validator = jsonschema.Draft202012Validator(store.by_id(schema_id), registry=store.registry)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(packet)]


def typed(value: Any) -> Any:
    """A structure that differs whenever types or key order differ (== on dicts ignores order)."""
    if isinstance(value, dict):
        return ("dict", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def assert_round_trip(packet: Any, type_name: str) -> bytes:
    data = packet_to_xml(packet, type_name)
    name, back = xml_to_packet(data)
    assert name == type_name
    assert typed(back) == typed(packet)
    return data


def dossier_packet() -> dict[str, Any]:
    return {
        "session": "7f3c2a91-5d4e-4b8a-9c61-0e2f8d7a4b13",
        "madonvi": "000.00.00.H56",
        "service": "DongBoHoSoMC",
        "isUpdating": "False",
        "data": [
            {
                "MaHoSo": "000.00.12.H56-240315-0001",
                "MaTTHC": "1.001612.000.00.00.H56",
                "TenTTHC": "Đăng ký khai sinh",
                "MaLinhVuc": "G03-TP10",
                "TenLinhVuc": "Hộ tịch",
                "SoBienNhan": "",
                "ChuHoSo": "Nguyễn Thị Hương",
                "LoaiDoiTuong": "1",
                "MaDoiTuong": "",
                "ThongTinKhac": "",
                "Email": "huong.nt@gmail.com",
                "Fax": "",
                "SoDienThoai": "0912345678",
                "TrichYeuHoSo": "Đăng ký khai sinh cho cháu Lê Minh Khôi",
                "NgayTiepNhan": "20240315083000",
                "NgayHenTra": "20240319170000",
                "TrangThaiHoSo": "4",
                "NgayTra": "",
                "ThongTinTra": "",
                "HinhThuc": "0",
                "NgayKetThucXuLy": "",
                "DonViXuLy": "UBND thị xã Nghi Sơn",
                "GhiChu": "",
                "TaiLieuNop": [
                    {
                        "TepDinhKemId": "104512",
                        "TenTepDinhKem": "Tờ khai đăng ký khai sinh.pdf",
                        "IsDeleted": "False",
                        "MaThanhPhanHoSo": "TP01",
                        "DuongDanTaiTepTin": "https://dichvucong.thanhhoa.gov.vn/files/104512/to-khai.pdf",
                        "DuocSoHoa": "1",
                        "DuocTaiSuDung": "0",
                    },
                    {
                        "TepDinhKemId": "104513",
                        "TenTepDinhKem": "Giấy chứng sinh.pdf",
                        "IsDeleted": "False",
                        "MaThanhPhanHoSo": "",
                        "DuongDanTaiTepTin": "https://dichvucong.thanhhoa.gov.vn/files/104513/giay-chung-sinh.pdf",
                    },
                ],
                "DanhSachLePhi": [
                    {
                        "TenPhiLePhi": "Lệ phí đăng ký khai sinh",
                        "MaPhiLePhi": "LP01",
                        "HinhThucThu": "1",
                        "Gia": "0",
                        "LoaiPhiLePhi": "1",
                    }
                ],
                "DanhSachTepDinhKemKhac": [
                    {"TenGiayTo": "Bản sao CCCD của người đi đăng ký", "SoLuong": 2, "LoaiGiayTo": 1}
                ],
                "DanhSachHoSoBoSung": [
                    {
                        "HoSoBoSungId": 3051,
                        "NguoiYeuCauBoSung": "Lê Văn Tâm",
                        "NoiDungBoSung": "Bổ sung bản sao giấy đăng ký kết hôn của cha mẹ",
                        "NgayBoSung": "20240316091500",
                        "NguoiTiepNhanBoSung": "",
                        "ThongTinTiepNhan": "",
                        "NgayTiepNhanBoSung": "20240317100000",
                        "TrangThaiBoSung": True,
                        "DanhSachGiayToBoSung": [],
                        "DanhSachLePhiBoSung": [],
                        "NgayHenTraTruoc": "20240319170000",
                        "NgayHenTraMoi": "20240320170000",
                    }
                ],
                "DanhSachGiayToKetQua": [],
                "KenhThucHien": "2",
                "HoSoCoThanhPhanSoHoa": "1",
                "TaiKhoanDuocXacThucVoiVNeID": "1",
                "DuocThanhToanTrucTuyen": "0",
                "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": "038190001234"}],
            },
            {
                "MaHoSo": "000.00.15.H56-240318-0042",
                "MaTTHC": "1.003560",
                "TenTTHC": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
                "MaLinhVuc": "G14-XD05",
                "TenLinhVuc": "Hoạt động xây dựng",
                "ChuHoSo": "Trịnh Đức Thắng",
                "LoaiDoiTuong": "1",
                "TrichYeuHoSo": "Xin cấp phép xây dựng nhà ở 3 tầng tại phường Điện Biên, TP Thanh Hóa",
                "NgayTiepNhan": "20240318141000",
                "NgayHenTra": "20240402170000",
                "TrangThaiHoSo": "5",
                "HinhThuc": "1",
                "DonViXuLy": "UBND thành phố Thanh Hóa",
                "DanhSachLePhi": [
                    {
                        "TenPhiLePhi": "Lệ phí cấp giấy phép xây dựng",
                        "MaPhiLePhi": "",
                        "HinhThucThu": "1",
                        "Gia": "75000",
                        "LoaiPhiLePhi": "2",
                    }
                ],
                "DanhSachHoSoBoSung": [
                    {
                        "HoSoBoSungId": 0,
                        "NoiDungBoSung": "Bổ sung bản vẽ mặt bằng móng",
                        "NgayBoSung": "20240322080000",
                        "TrangThaiBoSung": False,
                        "DanhSachGiayToBoSung": [
                            {
                                "TepDinhKemId": "220871",
                                "TenTepDinhKem": "Bản vẽ móng (bổ sung).pdf",
                                "IsDeleted": "False",
                                "MaThanhPhanHoSo": "TP04",
                                "DuongDanTaiTepTin": "https://dichvucong.thanhhoa.gov.vn/files/220871/ban-ve.pdf",
                            }
                        ],
                    }
                ],
                "DanhSachTepDinhKemKhac": [{"TenGiayTo": "", "SoLuong": 0, "LoaiGiayTo": 0}],
                "DSKetNoiCSDL": [{"MaCSDL": "7"}],
            },
        ],
    }


def progress_packet() -> dict[str, Any]:
    code = "000.00.12.H56-240315-0001"
    return {
        "session": "7f3c2a91-5d4e-4b8a-9c61-0e2f8d7a4b13",
        "madonvi": "000.00.00.H56",
        "service": "CapNhatTienDoHoSoMC",
        "data": [
            {
                "MaHoSo": code,
                "NguoiXuLy": "Cán bộ một cửa",
                "ChucDanh": "",
                "ThoiDiemXuLy": "20240315083000",
                "PhongBanXuLy": "Bộ phận tiếp nhận và trả kết quả",
                "NoiDungXuLy": "Tiếp nhận hồ sơ",
                "TrangThai": "2",
                "NgayBatDau": "20240315083000",
                "NgayKetThucTheoQuyDinh": "20240315113000",
            },
            {
                "MaHoSo": code,
                "NguoiXuLy": "Hoàng Thị Lan",
                "ChucDanh": "Công chức tư pháp - hộ tịch",
                "ThoiDiemXuLy": "20240315140500",
                "PhongBanXuLy": "Phòng Tư pháp",
                "NoiDungXuLy": "Thẩm định hồ sơ",
                "TrangThai": "4",
                "NgayBatDau": "20240315140500",
                "NgayKetThucTheoQuyDinh": "",
            },
            {
                "MaHoSo": code,
                "NguoiXuLy": "Đỗ Quang Vinh",
                "ThoiDiemXuLy": "20240319093000",
                "NoiDungXuLy": "Ký duyệt, chuyển trả kết quả",
                "TrangThai": "9",
            },
        ],
    }


PACKETS = {
    "DongBoHoSoMC": dossier_packet,
    "CapNhatTienDoHoSoMC": progress_packet,
    # the LGSP adapter forms are bare arrays: the root element holds <item>s directly
    "adapter.DongBoHoSoMC": lambda: dossier_packet()["data"],
    "adapter.CapNhatTienDoHoSoMC": lambda: progress_packet()["data"],
}


# --- generated XSDs ------------------------------------------------------------------------------


def test_catalogue_has_the_xml_types() -> None:
    assert set(PACKETS) <= set(XML_TYPES)


@pytest.mark.parametrize("type_name", XML_TYPES)
def test_committed_xsd_is_up_to_date(type_name: str) -> None:
    path = xsd_path(type_name)
    assert path.is_file(), "run `python -m harness.xml.xsdgen`"
    assert path.read_text(encoding="utf-8") == xsdgen.generate(type_name), (
        f"{path} is stale: run `python -m harness.xml.xsdgen`"
    )


def test_check_reports_nothing_for_the_repository() -> None:
    assert xsdgen.check() == []
    assert xsdgen.main(["--check"]) == 0


def test_generation_is_deterministic() -> None:
    for type_name in XML_TYPES:
        assert xsdgen.generate(type_name) == xsdgen.generate(type_name)


@pytest.mark.parametrize("type_name", XML_TYPES)
def test_xsd_loads_and_declares_the_root(type_name: str) -> None:
    schema = load_xsd(type_name)
    assert isinstance(schema, xmlschema.XMLSchema10)
    assert schema.target_namespace == NS
    assert list(schema.elements) == [type_name]
    assert load_xsd(type_name) is schema  # cached


def test_named_types_follow_the_json_defs_and_carry_x_source() -> None:
    schema = load_xsd("DongBoHoSoMC")
    for name in (
        "Dossier",
        "SubmittedFile",
        "Fee",
        "SupplementRound",
        "OtherAttachment",
        "Timestamp",
        "DossierCode",
        "AgencyCode",
        "DossierStatus",
    ):
        assert name in schema.types, name
    text = xsd_path("DongBoHoSoMC").read_text(encoding="utf-8")
    source = "docs/reference/dvcqg-interfaces.md §9.4 yyyyMMddHHmmss, Asia/Ho_Chi_Minh [H]"
    assert f"<xs:documentation>{source}</xs:documentation>" in text
    dossier = schema.types["Dossier"]
    assert dossier.content.model == "all"
    occurs = {e.local_name: e.min_occurs for e in dossier.content.iter_elements()}
    assert occurs["MaHoSo"] == 1 and occurs["ChuHoSo"] == 0 and occurs["TaiLieuNop"] == 0
    # data has minItems 1 → at least one <item>
    data = schema.elements["DongBoHoSoMC"].type.content.iter_elements()
    item = next(e for e in next(d for d in data if d.local_name == "data").type.content.iter_elements())
    assert (item.local_name, item.min_occurs, item.max_occurs) == ("item", 1, None)


def _scalar_defs() -> Iterator[tuple[str, dict[str, Any]]]:
    store = load_store()
    for path in ("common/scalars.schema.json", "dvcqg/objects.schema.json"):
        for name, schema in store.by_id(store.id_for_path(path))["$defs"].items():
            if schema.get("type") in ("string", "integer"):
                yield name, schema


@pytest.mark.parametrize("type_name", XML_TYPES)
def test_xsd_simple_types_reject_the_json_invalid_examples(type_name: str) -> None:
    """Translated patterns, enums and bounds reject exactly what the JSON Schema's examples break."""
    schema = load_xsd(type_name)
    checked = 0
    for name, definition in _scalar_defs():
        if name not in schema.types:
            continue
        xsd_type = schema.types[name]
        for example in definition.get("x-invalid-examples", []):
            assert not xsd_type.is_valid(str(example)), (name, example)
            checked += 1
    assert checked >= 20 if type_name == "DongBoHoSoMC" else checked >= 5


def test_whitespace_classes_agree_with_the_json_validators() -> None:
    """JSON validators' \\s matches a no-break space; the XSD pattern must too (XSD's \\s alone does not)."""
    schema = load_xsd("DongBoHoSoMC")
    scalars = dict(_scalar_defs())
    for value in ("nguyen\u00a0van@gmail.com", "a b@c.vn", "a@b.vn", ""):
        json_ok = re.search(scalars["Email"]["pattern"], value) is not None
        assert schema.types["Email"].is_valid(value) == json_ok, value


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^[0-9]{14}$", "[0-9]{14}"),
        ("^([0-9]{14})?$", "([0-9]{14})?"),
        ("^https?://[^\\s]+$", "https?://[^\\s\\p{Z}]+"),
        ("^(?:a|b)\\/c$", "(a|b)/c"),
        ("abc", "[\\s\\S]*abc[\\s\\S]*"),
        ("^ab", "(ab)[\\s\\S]*"),
        ("a|b", "[\\s\\S]*(a|b)[\\s\\S]*"),
    ],
)
def test_pattern_translation(pattern: str, expected: str) -> None:
    assert xsdgen.xsd_pattern(pattern) == expected


@pytest.mark.parametrize("pattern", ["^a|b$", "^(?=a)b$", "^a\\bb$", "^a$b$", "^[a$", "^a\\"])
def test_untranslatable_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(xsdgen.XsdGenError):
        xsdgen.xsd_pattern(pattern)


def _generate_synthetic(tmp_path: Path, schema: dict[str, Any]) -> str:
    (tmp_path / "t.schema.json").write_text(
        json.dumps({"$id": "https://schemas.dvc-harness.org/v1/t.schema.json", **schema}), encoding="utf-8"
    )
    ptype = PacketType("T", "t.schema.json", "test", "none", "synthetic", xml=True)
    return xsdgen.generate_for(ptype, SchemaStore(tmp_path))


@pytest.mark.parametrize(
    "schema",
    [
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        {"type": "object", "properties": {"a": {"type": ["string", "integer"]}}},
        {"type": "object", "properties": {"a": {"type": "string"}}, "if": {}, "then": {}},
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "object", "properties": {"a": {"type": "string", "not": {"const": "x"}}}},
        {"type": "object", "properties": {"a b": {"type": "string"}}},
        {"type": "object", "required": ["a"]},
        {"type": "object", "properties": {"a": {"type": "null"}}},
    ],
    ids=[
        "anyOf",
        "type-union",
        "if-then",
        "additionalProperties-schema",
        "not",
        "bad-name",
        "required-only",
        "null",
    ],
)
def test_generator_refuses_what_xsd_cannot_say(tmp_path: Path, schema: dict[str, Any]) -> None:
    with pytest.raises(xsdgen.XsdGenError):
        _generate_synthetic(tmp_path, schema)


def test_generator_handles_recursion_enums_bounds_and_ref_facets(tmp_path: Path) -> None:
    text = _generate_synthetic(
        tmp_path,
        {
            "type": "object",
            "required": ["node"],
            "properties": {
                "node": {"$ref": "#/$defs/Node"},
                "level": {"type": "integer", "minimum": 1, "maximum": 5},
                "flag": {"type": "boolean"},
                "ratio": {"type": "number", "exclusiveMinimum": 0},
                "kind": {"enum": ["a", "b"]},
                "short": {"$ref": "#/$defs/Name", "maxLength": 3},
            },
            "$defs": {
                "Name": {"type": "string", "minLength": 1, "x-source": "test [L]"},
                "Node": {
                    "type": "object",
                    "properties": {
                        "name": {"$ref": "#/$defs/Name"},
                        "children": {"type": "array", "maxItems": 2, "items": {"$ref": "#/$defs/Node"}},
                    },
                },
            },
        },
    )
    schema = xmlschema.XMLSchema10(text)
    assert {"Node", "Name"} <= set(schema.types)
    good = (
        f'<T xmlns="{NS}"><node><name>r</name><children><item><name>c</name><children/></item></children>'
        "</node><level>5</level><flag>false</flag><ratio>1.5e-3</ratio><kind>b</kind><short>abc</short></T>"
    )
    assert schema.is_valid(good)
    for old, new in [
        ("<level>5", "<level>6"),
        ("<level>5", "<level>+5"),
        ("<flag>false", "<flag>0"),
        ("<ratio>1.5e-3", "<ratio>INF"),
        ("<ratio>1.5e-3", "<ratio>0"),
        ("<kind>b", "<kind>c"),
        ("<short>abc", "<short>abcd"),
        ("<name>c</name>", "<name></name>"),
        ("<children/>", "<children><item/><item/><item/></children>"),
    ]:
        assert not schema.is_valid(good.replace(old, new, 1)), new


def test_check_and_write_detect_missing_stale_and_orphan_files(tmp_path: Path) -> None:
    assert sorted(xsdgen.check(tmp_path)) == sorted(f"missing: {tmp_path / f'{t}.xsd'}" for t in XML_TYPES)
    written = xsdgen.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{t}.xsd" for t in XML_TYPES)
    assert xsdgen.check(tmp_path) == []
    assert xsdgen.write(tmp_path) == []  # nothing to do the second time
    stale = tmp_path / f"{XML_TYPES[0]}.xsd"
    stale.write_text(stale.read_text(encoding="utf-8").replace('minOccurs="0"', 'minOccurs="1"', 1), "utf-8")
    orphan = tmp_path / "Gone.xsd"
    orphan.write_text(f"<!-- {xsdgen.GENERATED_MARK} -->", encoding="utf-8")
    hand_written = tmp_path / "someone-elses.xsd"
    hand_written.write_text("<xs:schema/>", encoding="utf-8")
    assert sorted(xsdgen.check(tmp_path)) == sorted([f"stale: {stale}", f"orphan (no xml=true type): {orphan}"])
    xsdgen.write(tmp_path)
    assert xsdgen.check(tmp_path) == []
    assert not orphan.exists() and hand_written.exists()


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", sorted(PACKETS))
def test_realistic_packets_are_json_valid_round_trip_and_xsd_valid(type_name: str) -> None:
    packet = PACKETS[type_name]()
    assert json_errors(packet, type_name) == []
    data = assert_round_trip(packet, type_name)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert data.splitlines()[1] == f'<{type_name} xmlns="{NS}">'.encode()
    assert xsd_errors(data, type_name) == []


def test_round_trip_keeps_types_diacritics_and_empty_values() -> None:
    packet = dossier_packet()
    data = packet_to_xml(packet, "DongBoHoSoMC")
    _, back = xml_to_packet(data)
    first, second = back["data"]
    round_ = first["DanhSachHoSoBoSung"][0]
    assert round_["HoSoBoSungId"] == 3051 and type(round_["HoSoBoSungId"]) is int
    assert round_["TrangThaiBoSung"] is True
    assert second["DanhSachHoSoBoSung"][0]["TrangThaiBoSung"] is False
    assert (
        first["DanhSachTepDinhKemKhac"][0]["SoLuong"] == 2
        and type(first["DanhSachTepDinhKemKhac"][0]["SoLuong"]) is int
    )
    assert first["DanhSachGiayToKetQua"] == [] and round_["DanhSachGiayToBoSung"] == []
    assert first["SoBienNhan"] == "" and first["NgayTra"] == ""
    assert second["TenTTHC"] == "Cấp giấy phép xây dựng nhà ở riêng lẻ"
    assert "Nguyễn Thị Hương".encode() in data  # UTF-8, not character references
    assert b"<DanhSachGiayToKetQua/>" in data


def test_round_trip_of_awkward_strings() -> None:
    packet = progress_packet()
    step = packet["data"][0]
    step["NoiDungXuLy"] = "  dòng 1\r\n\tdòng 2 <b>&amp; \"trích\" 'dẫn' ]]> \u00a0 "
    step["ChucDanh"] = "true"  # a string that looks like a boolean stays a string
    step["PhongBanXuLy"] = "12"  # and one that looks like an integer
    assert json_errors(packet, "CapNhatTienDoHoSoMC") == []
    data = assert_round_trip(packet, "CapNhatTienDoHoSoMC")
    assert xsd_errors(data, "CapNhatTienDoHoSoMC") == []


def test_round_trip_of_a_packet_that_is_not_valid_keeps_its_shape() -> None:
    """Structures the schema does not describe survive too, so JSON validation can report them."""
    packet = progress_packet()
    packet["Extra"] = {"a": ["x", "y"], "b": ""}
    packet["data"][0]["TrangThai"] = "11"
    assert_round_trip(packet, "CapNhatTienDoHoSoMC")


def test_strings_xml_cannot_carry_are_refused() -> None:
    packet = progress_packet()
    packet["data"][0]["ChucDanh"] = "a\x00b"
    with pytest.raises(XmlFormError, match=r"/data/0/ChucDanh"):
        packet_to_xml(packet, "CapNhatTienDoHoSoMC")
    with pytest.raises(XmlFormError, match="cannot be an XML element name"):
        packet_to_xml({"1bad key": ""}, "CapNhatTienDoHoSoMC")
    with pytest.raises(XmlFormError, match="unknown packet type"):
        packet_to_xml(progress_packet(), "NoSuchType")


# --- reading XML written by someone else ----------------------------------------------------------

HAND_WRITTEN = """<?xml version="1.0" encoding="UTF-8"?>
<!-- indentation, comments and CDATA as a human or another library might write them -->
<CapNhatTienDoHoSoMC xmlns="https://schemas.dvc-harness.org/v1/xml">
    <session>s</session>
    <madonvi>000.00.00.H56</madonvi>
    <service>CapNhatTienDoHoSoMC</service>
    <data>
        <item>
            <MaHoSo>000.00.12.H56-240315-0001</MaHoSo>
            <NguoiXuLy> Cán bộ<!-- note --> một cửa </NguoiXuLy>
            <ThoiDiemXuLy>20240315083000</ThoiDiemXuLy>
            <NoiDungXuLy><![CDATA[Tiếp nhận <hồ sơ>]]></NoiDungXuLy>
            <TrangThai>2</TrangThai>
            <ChucDanh/>
        </item>
    </data>
</CapNhatTienDoHoSoMC>
"""


def test_reading_ignores_layout_whitespace_but_keeps_scalar_text_verbatim() -> None:
    data = HAND_WRITTEN.encode()
    assert xsd_errors(data, "CapNhatTienDoHoSoMC") == []
    name, packet = xml_to_packet(data)
    assert name == "CapNhatTienDoHoSoMC"
    step = packet["data"][0]
    assert step["NguoiXuLy"] == " Cán bộ một cửa "
    assert step["NoiDungXuLy"] == "Tiếp nhận <hồ sơ>"
    assert step["ChucDanh"] == ""
    assert list(step) == ["MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai", "ChucDanh"]
    assert json_errors(packet, "CapNhatTienDoHoSoMC") == []


def _dossier_xml_with(old: str, new: str) -> bytes:
    data = packet_to_xml(dossier_packet(), "DongBoHoSoMC").decode()
    assert old in data
    return data.replace(old, new, 1).encode()


def test_text_that_does_not_fit_the_schema_type_stays_a_string_and_both_validators_object() -> None:
    data = _dossier_xml_with("<HoSoBoSungId>3051</HoSoBoSungId>", "<HoSoBoSungId>+3051</HoSoBoSungId>")
    data = data.replace(b"<TrangThaiBoSung>true</TrangThaiBoSung>", b"<TrangThaiBoSung>1</TrangThaiBoSung>")
    data = data.replace(b"<SoLuong>2</SoLuong>", b"<SoLuong>hai</SoLuong>")
    _, packet = xml_to_packet(data)
    round_ = packet["data"][0]["DanhSachHoSoBoSung"][0]
    assert round_["HoSoBoSungId"] == "+3051" and round_["TrangThaiBoSung"] == "1"
    assert packet["data"][0]["DanhSachTepDinhKemKhac"][0]["SoLuong"] == "hai"
    assert len(json_errors(packet, "DongBoHoSoMC")) == 3
    paths = {error.split(": ", 1)[0] for error in xsd_errors(data, "DongBoHoSoMC")}
    assert {path.rsplit("/", 1)[1] for path in paths} == {"HoSoBoSungId", "TrangThaiBoSung", "SoLuong"}


def test_text_where_a_list_belongs_is_kept_for_json_validation_to_report() -> None:
    data = _dossier_xml_with("<DanhSachGiayToKetQua/>", "<DanhSachGiayToKetQua>none</DanhSachGiayToKetQua>")
    _, packet = xml_to_packet(data)
    assert packet["data"][0]["DanhSachGiayToKetQua"] == "none"
    assert any("DanhSachGiayToKetQua" in e for e in json_errors(packet, "DongBoHoSoMC"))
    assert any("DanhSachGiayToKetQua" in e for e in xsd_errors(data, "DongBoHoSoMC"))


# --- defects the XSD rejects (and the JSON Schema too, after mapping) ----------------------------


@pytest.mark.parametrize(
    ("old", "new", "path", "reason"),
    [
        (
            "<NgayTiepNhan>20240315083000</NgayTiepNhan>",
            "<NgayTiepNhan>2024-03-15T08:30:00</NgayTiepNhan>",
            "/DongBoHoSoMC/data/item[1]/NgayTiepNhan",
            "pattern",
        ),
        (
            "<TrangThaiHoSo>4</TrangThaiHoSo>",
            "<TrangThaiHoSo>11</TrangThaiHoSo>",
            "/DongBoHoSoMC/data/item[1]/TrangThaiHoSo",
            "must be one of",
        ),
        (
            "<MaHoSo>000.00.15.H56-240318-0042</MaHoSo>",
            "",
            "/DongBoHoSoMC/data/item[2]",
            "MaHoSo' expected",
        ),
        (
            "<GhiChu></GhiChu>",
            "<GhiChu></GhiChu><MaHoSoCu>000.00.12.H56-231201-0007</MaHoSoCu>",
            "/DongBoHoSoMC/data/item[1]",
            "Unexpected child with tag 'MaHoSoCu'",
        ),
    ],
    ids=["iso-date", "status-11", "missing-MaHoSo", "unknown-element"],
)
def test_xsd_rejects_defects(old: str, new: str, path: str, reason: str) -> None:
    data = _dossier_xml_with(old, new)
    errors = xsd_errors(data, "DongBoHoSoMC")
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{path}: ") and reason in errors[0], errors[0]
    assert re.search(r"\(line [0-9]+\)$", errors[0])
    # the mapped JSON is rejected by the JSON Schema as well
    _, packet = xml_to_packet(data)
    assert len(json_errors(packet, "DongBoHoSoMC")) == 1


def test_missing_required_top_level_and_empty_data_are_rejected() -> None:
    packet = progress_packet()
    del packet["session"]
    packet["data"] = []
    data = assert_round_trip(packet, "CapNhatTienDoHoSoMC")
    assert b"<data/>" in data
    errors = xsd_errors(data, "CapNhatTienDoHoSoMC")
    assert len(errors) == 2, errors
    assert len(json_errors(packet, "CapNhatTienDoHoSoMC")) == 2


def test_a_document_of_another_type_is_not_valid_for_this_type() -> None:
    data = packet_to_xml(progress_packet(), "CapNhatTienDoHoSoMC")
    errors = xsd_errors(data, "DongBoHoSoMC")
    assert errors and "not an element of the schema" in errors[0]


# --- malformed and hostile input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"<DongBoHoSoMC xmlns='https://schemas.dvc-harness.org/v1/xml'><session>x</DongBoHoSoMC>",
            "malformed XML",
        ),
        (b"", "malformed XML"),
        (b'{"session": "x"}', "malformed XML"),
        (b"<ThongBao xmlns='https://schemas.dvc-harness.org/v1/xml'/>", "not a packet type with an XML form"),
        (b"<DongBoHoSoMC/>", "no namespace"),
        (b"<DongBoHoSoMC xmlns='urn:other'/>", "namespace 'urn:other'"),
    ],
    ids=["mismatched-tag", "empty", "json", "unknown-root", "no-namespace", "wrong-namespace"],
)
def test_unusable_documents_raise_xml_form_error(data: bytes, message: str) -> None:
    with pytest.raises(XmlFormError, match=message) as info:
        xml_to_packet(data)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_malformed_xml_raises_in_xsd_errors_too() -> None:
    with pytest.raises(XmlFormError, match="malformed XML"):
        xsd_errors(b"<DongBoHoSoMC", "DongBoHoSoMC")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CapNhatTienDoHoSoMC [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<CapNhatTienDoHoSoMC xmlns="https://schemas.dvc-harness.org/v1/xml"><session>&lol4;</session></CapNhatTienDoHoSoMC>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CapNhatTienDoHoSoMC [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CapNhatTienDoHoSoMC xmlns="https://schemas.dvc-harness.org/v1/xml"><session>&secret;</session></CapNhatTienDoHoSoMC>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity-expansion", "external-entity"])
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(XmlFormError, match="DOCTYPE"):
        xml_to_packet(data)
    with pytest.raises(XmlFormError, match="DOCTYPE"):
        xsd_errors(data, "CapNhatTienDoHoSoMC")


# --- root arrays (adapter packet types are top-level JSON arrays) --------------------------------


@pytest.fixture
def root_array_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A schema tree with one extra xml=true type whose packets are top-level arrays of dossiers."""
    root = tmp_path / "schemas"
    shutil.copytree(schema_root(), root)
    (root / "dvcqg" / "test-root-array.schema.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://schemas.dvc-harness.org/v1/dvcqg/test-root-array.schema.json",
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "objects.schema.json#/$defs/Dossier"},
                "x-source": "test fixture [L]",
            }
        ),
        encoding="utf-8",
    )
    (root / "catalogue" / "packets.zz-test.toml").write_text(
        '["test.RootArray"]\nschema = "dvcqg/test-root-array.schema.json"\nxml = true\n', encoding="utf-8"
    )
    caches = (schema_root, load_store, load_catalogue, load_xsd)
    monkeypatch.setenv("DVC_HARNESS_SCHEMAS", str(root))
    for cached in caches:
        cached.cache_clear()
    try:
        xsdgen.write()
        yield "test.RootArray"
    finally:
        monkeypatch.delenv("DVC_HARNESS_SCHEMAS")
        for cached in caches:
            cached.cache_clear()


def test_root_arrays_round_trip_and_validate(root_array_type: str) -> None:
    assert xsd_path(root_array_type).name == "test.RootArray.xsd"
    assert xsdgen.check() == []
    packet = dossier_packet()["data"]
    assert json_errors(packet, root_array_type) == []
    data = assert_round_trip(packet, root_array_type)
    assert data.splitlines()[1] == b'<test.RootArray xmlns="https://schemas.dvc-harness.org/v1/xml">'
    assert xsd_errors(data, root_array_type) == []
    empty = assert_round_trip([], root_array_type)
    assert len(xsd_errors(empty, root_array_type)) == 1  # minItems 1


# --- examples ------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"])
def test_examples_are_valid_and_consistent(type_name: str) -> None:
    data = (EXAMPLES / f"{type_name}.xml").read_bytes()
    assert xsd_errors(data, type_name) == []
    name, packet = xml_to_packet(data)
    assert name == type_name
    assert json_errors(packet, type_name) == []
    assert typed(xml_to_packet(packet_to_xml(packet, type_name))[1]) == typed(packet)
    for entity in packet["data"]:
        code = entity["MaHoSo"]
        assert re.fullmatch(r"000\.00\.[0-9]{2}\.H56-[0-9]{6}-[0-9]{4}", code)
        if type_name == "DongBoHoSoMC":
            assert code.split("-")[1] == entity["NgayTiepNhan"][2:8]
            assert entity["NgayHenTra"] > entity["NgayTiepNhan"]
    if type_name == "CapNhatTienDoHoSoMC":
        times = [step["ThoiDiemXuLy"] for step in packet["data"]]
        assert times == sorted(times)


def test_example_dossiers_have_the_nested_lists() -> None:
    _, packet = xml_to_packet((EXAMPLES / "DongBoHoSoMC.xml").read_bytes())
    keys = {key for dossier in packet["data"] for key, value in dossier.items() if isinstance(value, list)}
    assert {"TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachTepDinhKemKhac"} <= keys


def test_packets_survive_a_deep_copy_unchanged() -> None:
    """packet_to_xml must not mutate its input."""
    packet = dossier_packet()
    before = copy.deepcopy(packet)
    packet_to_xml(packet, "DongBoHoSoMC")
    assert typed(packet) == typed(before)
