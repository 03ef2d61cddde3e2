"""The seeded test accounts of the mock identity provider: citizens, enterprises and an organisation.

Deterministic: Faker vi_VN and `random.Random` with fixed seeds, so every run (and every process) sees the
same accounts, `sub` and TechID. Identifiers are structurally valid: a 12-digit CCCD (3-digit province
code, gender/century digit, 2-digit year of birth, 6 digits) and a 10-digit tax code whose last digit is
the modulus-11 check digit of the tax authority.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from faker import Faker

SEED = 20191225
CITIZENS = 12
ENTERPRISES = 4

# Province: (name in addresses, CCCD province code, tax-code province prefix).
_PROVINCES = (
    ("tỉnh Thanh Hóa", "038", "28"),
    ("tỉnh Thanh Hóa", "038", "28"),
    ("thành phố Hà Nội", "001", "01"),
    ("tỉnh Nghệ An", "040", "29"),
    ("thành phố Hồ Chí Minh", "079", "03"),
    ("thành phố Đà Nẵng", "048", "04"),
    ("thành phố Hải Phòng", "031", "02"),
)
_MALE_MIDDLE = ("Văn", "Đức", "Quang", "Minh", "Hữu", "Xuân", "Tiến")
_FEMALE_MIDDLE = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Mai")
_ETHNICITIES = ("Kinh", "Kinh", "Kinh", "Kinh", "Mường", "Thái", "Tày")
_ENTERPRISE_FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Công ty TNHH MTV")
_TRADES = ("Thương mại và Dịch vụ", "Xây dựng", "Nông sản", "Vận tải", "Công nghệ", "Du lịch", "May mặc")
_BRANDS = ("Hoàng Long", "Minh Phát", "Phú Thịnh", "Thành Công", "An Khang", "Hưng Thịnh", "Tân Phát", "Lam Sơn")
_ORGANISATIONS = ("Hợp tác xã Nông nghiệp", "Hội Nông dân xã", "Quỹ Tín dụng nhân dân")
_MOBILE_PREFIXES = ("090", "091", "098", "097", "086", "032", "070", "083", "094", "039")
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)

CITIZEN = "1"
ENTERPRISE = "2"
ORGANISATION = "3"
ACCOUNT_LABELS = {CITIZEN: "Công dân", ENTERPRISE: "Doanh nghiệp", ORGANISATION: "Tổ chức"}


@dataclass(frozen=True)
class TestUser:
    """One account of the identity provider. Field names are English; `claims()` gives the DVCQG names."""

    __test__ = False  # not a pytest test class

    sub: str
    tech_id: str
    account_type: str  # LoaiTaiKhoan: "1" citizen, "2" enterprise, "3" organisation
    full_name: str  # HoVaTen (the enterprise name for enterprise and organisation accounts)
    citizen_id: str  # SoDinhDanh (12 digits; "" for enterprise accounts)
    birth_date: str  # yyyyMMdd, "" for enterprise accounts
    gender: int  # GioiTinh: 1 male, 2 female, 0 not applicable
    email: str
    phone: str
    address: str
    hometown: str
    ethnicity: str
    social_insurance: str  # MaBHXH
    tax_code: str  # MaSoThue / MaSoDoanhNghiep ("" for citizens)
    representative: str  # NguoiDaiDien for enterprise accounts
    father: str
    mother: str
    vneid: bool  # logs in through VNeID (userinfo in the VNeID-backed form, loginIdp "BCA")

    @property
    def is_citizen(self) -> bool:
        return self.account_type == CITIZEN

    @property
    def label(self) -> str:
        return ACCOUNT_LABELS[self.account_type]

    @property
    def identifier(self) -> str:
        """The number a person recognises the account by: CCCD for citizens, tax code otherwise."""
        return self.citizen_id if self.is_citizen else self.tax_code

    def claims(self) -> dict[str, Any]:
        """Userinfo claims of a DVCQG account (schema sso.userinfo)."""
        citizen = self.is_citizen
        return {
            "sub": self.sub,
            "TechID": self.tech_id,
            "LoaiTaiKhoan": self.account_type,
            "HoVaTen": self.full_name,
            "SoDinhDanh": self.citizen_id,
            "SoCMND": "",
            "MaSoThue": self.tax_code,
            "MaBHXH": self.social_insurance,
            "HoChieu": "",
            "ThuDienTu": self.email,
            "SoDienThoai": self.phone,
            "SoDienThoaiBan": "",
            "GioiTinh": self.gender,
            "DanToc": self.ethnicity,
            "TonGiao": "Không" if citizen else "",
            "TinhTrangHonNhan": 1 if citizen else 0,
            "NhomMau": "",
            "NgayThangNamSinh": self.birth_date,
            "NoiDangKyKhaiSinh": self.hometown,
            "QueQuan": self.hometown,
            "ThuongTru": self.address if citizen else "",
            "NoiOHienNay": self.address if citizen else "",
            "QuocTich": "Việt Nam",
            "Cha": self.father,
            "Me": self.mother,
            "VoChong": "",
            "NguoiDaiDien": self.representative,
            "ChuHo": self.full_name if citizen else "",
            "TrangThai": "1",
            "loAs": "LoA1",
            "MaSoDoanhNghiep": "" if citizen else self.tax_code,
            "TenDoanhNghiep": "" if citizen else self.full_name,
            "DiaChi": "" if citizen else self.address,
        }

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def tax_check_digit(first_nine: str) -> int | None:
    """The tenth digit of a tax code, or None when the nine digits admit none (remainder 0 → 10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, _TAX_WEIGHTS, strict=True))
    check = 10 - total % 11
    return check if check < 10 else None


def is_valid_tax_code(code: str) -> bool:
    head = code.split("-", 1)[0]
    return len(head) == 10 and head.isdigit() and tax_check_digit(head[:9]) == int(head[9])


def _ascii(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class _Generator:
    def __init__(self, seed: int) -> None:
        self.fake = Faker("vi_VN")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def person(self, male: bool) -> str:
        middle = self.rng.choice(_MALE_MIDDLE if male else _FEMALE_MIDDLE)
        first = self.fake.first_name_male() if male else self.fake.first_name_female()
        return f"{self.fake.last_name()} {middle} {first}"

    def place(self) -> tuple[str, str, str]:
        return self.rng.choice(_PROVINCES)

    def commune(self) -> str:
        name = self.fake.commune()
        return name[:1].lower() + name[1:]

    def address(self, province: str) -> str:
        return f"{self.fake.street_address()}, {self.commune()}, {province}"

    def phone(self) -> str:
        return f"{self.rng.choice(_MOBILE_PREFIXES)}{self.rng.randrange(10_000_000):07d}"

    def email(self, name: str, domain: str = "example.vn") -> str:
        words = _ascii(name).lower().split()
        return f"{words[-1]}.{''.join(w[0] for w in words[:-1])}{self.rng.randrange(10, 100)}@{domain}"

    def tax_code(self, prefix: str) -> str:
        while True:
            head = prefix + f"{self.rng.randrange(10_000_000):07d}"
            check = tax_check_digit(head)
            if check is not None:
                return f"{head}{check}"

    def citizen(self, index: int) -> TestUser:
        male = index % 2 == 0
        name = self.person(male)
        province, cccd_code, _ = self.place()
        born = date(self.rng.randrange(1950, 2006), self.rng.randrange(1, 13), self.rng.randrange(1, 29))
        century = 0 if born.year < 2000 else 2
        citizen_id = (
            f"{cccd_code}{century + (0 if male else 1)}{born.year % 100:02d}{self.rng.randrange(1_000_000):06d}"
        )
        return TestUser(
            sub=self.uuid(),
            tech_id=self.uuid(),
            account_type=CITIZEN,
            full_name=name,
            citizen_id=citizen_id,
            birth_date=born.strftime("%Y%m%d"),
            gender=1 if male else 2,
            email=self.email(name),
            phone=self.phone(),
            address=self.address(province),
            hometown=f"{self.commune()}, {province}",
            ethnicity=self.rng.choice(_ETHNICITIES),
            social_insurance=f"{cccd_code[1:]}{self.rng.randrange(100_000_000):08d}",
            tax_code="",
            representative="",
            father=self.person(True),
            mother=self.person(False),
            vneid=index % 3 == 1,
        )

    def enterprise(self, index: int, account_type: str) -> TestUser:
        province, _, tax_prefix = self.place()
        if account_type == ORGANISATION:
            name = f"{self.rng.choice(_ORGANISATIONS)} {self.commune().split(' ', 1)[-1]}"
        else:
            trade = self.rng.choice(_TRADES)
            name = f"{self.rng.choice(_ENTERPRISE_FORMS)} {trade} {self.rng.choice(_BRANDS)}"
        representative = self.person(index % 2 == 0)
        return TestUser(
            sub=self.uuid(),
            tech_id=self.uuid(),
            account_type=account_type,
            full_name=name,
            citizen_id="",
            birth_date="",
            gender=0,
            email=self.email(representative, "congty.example.vn"),
            phone=self.phone(),
            address=self.address(province),
            hometown="",
            ethnicity="",
            social_insurance="",
            tax_code=self.tax_code(tax_prefix),
            representative=representative,
            father="",
            mother="",
            vneid=False,
        )


@cache
def test_users() -> tuple[TestUser, ...]:
    """Every seeded account: 12 citizens (every third logs in through VNeID), 4 enterprises, 1 organisation."""
    generator = _Generator(SEED)
    users = [generator.citizen(i) for i in range(CITIZENS)]
    users += [generator.enterprise(i, ENTERPRISE) for i in range(ENTERPRISES)]
    users.append(generator.enterprise(ENTERPRISES, ORGANISATION))
    return tuple(users)


test_users.__test__ = False  # type: ignore[attr-defined]


def find_user(hint: str) -> TestUser | None:
    """The account a login hint names: its sub, TechID, SoDinhDanh (CCCD) or tax code."""
    hint = hint.strip()
    if not hint:
        return None
    for user in test_users():
        if hint in (user.sub, user.tech_id, user.citizen_id, user.tax_code):
            return user
    return None
