"""Personal data in the exchanges: the one list of fields pseudonymised in evidence exports and reports when
`redact_personal` is on (`mock_portal.evidence.pseudonymise`).

Nghị định 13/2023/NĐ-CP on personal data protection (bảo vệ dữ liệu cá nhân) counts as basic personal data
(Điều 2 khoản 3) a person's full name, date of birth, place of birth, registered birth place, home town,
permanent and current address, nationality, phone number, identity card (CMND/CCCD) and personal
identification number, passport number, personal tax code, social-insurance number, family relations
(parents, spouse) and digital accounts; and as sensitive personal data (khoản 4) among others religion,
ethnic origin and health (blood group). Certification data is synthetic; a staging mock fed by real
traffic holds citizens' data, and what it exports must not.

Fields are matched by name, case-insensitively, wherever they appear (any nesting, forms, XML, query
strings). Each has a kind, which decides the shape of its pseudonym (`pseudonymise.py`). Left in clear:
small integer codes (GioiTinh, TinhTrangHonNhan: a pseudonym would change their meaning), enterprise and
agency data, dossier codes and free text; a personal value also quoted in free text of the same exchange is
replaced there too.
"""

from __future__ import annotations

from types import MappingProxyType

#: a full name: `name-<10 letters/digits>`
NAME = "name"
#: an identifier (CCCD, CMND, passport, tax or social-insurance number, TechID): same length, digits for
#: digits, letters for letters, other characters kept (a 12-digit CCCD stays 12 digits); a UUID stays a UUID
IDENTIFIER = "id"
#: a phone number: its `+84`/`0` prefix, separators and length kept, the digits replaced
PHONE = "phone"
#: an e-mail address: `<10 letters/digits>@pseudonym.invalid`
EMAIL = "email"
#: an address or place: `address-<10 letters/digits>`
ADDRESS = "address"
#: a date of birth: another valid date in the same format
DATE = "date"
#: other personal text (religion, ethnicity, nationality, blood group): `text-<10 letters/digits>`
TEXT = "text"
#: an IP address: 10.x.y.z
IP = "ip"

PERSONAL_FIELDS = MappingProxyType(
    {
        # names (applicants, payers, contacts, family; officers handling a dossier too)
        "ChuHoSo": NAME,
        "ChuHo": NAME,
        "HoVaTen": NAME,
        "HoTenNguoiNop": NAME,
        "HoTenNguoiNopTien": NAME,
        "NguoiDaiDien": NAME,
        "NguoiLienHe": NAME,
        "KhachHang": NAME,
        "TenNguoiViPham": NAME,
        "Cha": NAME,
        "Me": NAME,
        "VoChong": NAME,
        "NguoiXuLy": NAME,
        "NguoiTraLoi": NAME,
        "NguoiTiepNhanBoSung": NAME,
        "NguoiYeuCauBoSung": NAME,
        # identifiers
        "SoDinhDanh": IDENTIFIER,
        "SoCMND": IDENTIFIER,
        "SoCMNDNguoiNop": IDENTIFIER,
        "SoCMTNguoiNopTien": IDENTIFIER,
        "SoGiayToChuHoSo": IDENTIFIER,
        "HoChieu": IDENTIFIER,
        "MaBHXH": IDENTIFIER,
        "MaSoThue": IDENTIFIER,
        "mstorcmnd": IDENTIFIER,
        "login_hint": IDENTIFIER,
        "TechID": IDENTIFIER,
        "sub": IDENTIFIER,
        # phones
        "SoDienThoai": PHONE,
        "SoDienThoaiBan": PHONE,
        "SoDienThoaiNguoiLienHe": PHONE,
        "DienThoai": PHONE,
        "Fax": PHONE,
        "phone_number": PHONE,
        # e-mail
        "Email": EMAIL,
        "ThuDienTu": EMAIL,
        # addresses and places
        "DiaChi": ADDRESS,
        "DiaChiChiTiet": ADDRESS,
        "DiaChiNguoiNop": ADDRESS,
        "DiaChiNguoiNopTien": ADDRESS,
        "NoiOHienNay": ADDRESS,
        "ThuongTru": ADDRESS,
        "QueQuan": ADDRESS,
        "NoiDangKyKhaiSinh": ADDRESS,
        # date of birth
        "NgayThangNamSinh": DATE,
        # other personal and sensitive data (Điều 2 khoản 4: religion, ethnic origin, health)
        "QuocTich": TEXT,
        "DanToc": TEXT,
        "TonGiao": TEXT,
        "NhomMau": TEXT,
        # network
        "Ip": IP,
    }
)

_BY_LOWER = {name.lower(): kind for name, kind in PERSONAL_FIELDS.items()}


def personal_kind(name: str) -> str | None:
    """The kind of a personal field (any case: HOVATEN is HoVaTen), None for any other name."""
    return _BY_LOWER.get(name.lower())


def personal_names() -> frozenset[str]:
    return frozenset(_BY_LOWER)
