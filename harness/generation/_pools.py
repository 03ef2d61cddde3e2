"""Realistic Vietnamese values, drawn once from Faker vi_VN with a fixed seed and sampled by Hypothesis
(so examples shrink and replay from Hypothesis's own seed)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from faker import Faker

POOL_SIZE = 200

# Province level-1 codes (QCVN 102 style) with names; a handful is enough for realistic variety.
PROVINCES = {
    "H56": "Thanh Hóa",
    "H01": "Hà Nội",
    "H29": "Hải Dương",
    "H48": "Đà Nẵng",
    "H92": "Cần Thơ",
    "H22": "Hà Giang",
    "H41": "Nghệ An",
    "H79": "Hồ Chí Minh",
}
# CCCD province codes (first 3 digits of the 12-digit number) for the provinces above.
CCCD_PROVINCE = {
    "H56": "038",
    "H01": "001",
    "H29": "030",
    "H48": "048",
    "H92": "092",
    "H22": "002",
    "H41": "040",
    "H79": "079",
}

FIELDS = [
    ("G03-GD10", "Giáo dục và Đào tạo thuộc hệ thống giáo dục quốc dân"),
    ("G09-TP01", "Hộ tịch"),
    ("G12-TC05", "Quản lý công sản"),
    ("G05-KH02", "Thành lập và hoạt động của doanh nghiệp"),
    ("G17-XD03", "Hoạt động xây dựng"),
    ("G14-DD01", "Đất đai"),
    ("G15-YT07", "Khám bệnh, chữa bệnh"),
    ("G16-LD04", "Việc làm"),
]
PROCEDURES = [
    "Đăng ký khai sinh",
    "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Đăng ký thành lập hộ kinh doanh",
    "Cấp bản sao trích lục hộ tịch",
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
    "Đăng ký kết hôn",
    "Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
    "Cấp phiếu lý lịch tư pháp",
    "Thẩm định hồ sơ đề nghị công nhận trường mầm non đạt chuẩn quốc gia",
    "Cấp giấy phép lái xe",
]
STEPS = [
    "Tiếp nhận hồ sơ",
    "Chuyển hồ sơ đến phòng chuyên môn",
    "Thẩm định hồ sơ",
    "Trình lãnh đạo phê duyệt",
    "Yêu cầu bổ sung giấy tờ",
    "Kết thúc xử lý hồ sơ",
    "Trả kết quả cho công dân",
    "Ký duyệt kết quả",
]
FILES = [
    "don-de-nghi.pdf",
    "cccd-mat-truoc.jpg",
    "giay-khai-sinh.pdf",
    "ban-ve-thiet-ke.pdf",
    "to-khai.docx",
    "so-ho-khau.pdf",
    "hop-dong-mua-ban.pdf",
    "quyet-dinh.pdf",
]
AGENCY_KINDS = [
    "UBND xã",
    "UBND phường",
    "UBND huyện",
    "Sở Tư pháp tỉnh",
    "Sở Xây dựng tỉnh",
    "Trung tâm Phục vụ hành chính công tỉnh",
    "Sở Tài nguyên và Môi trường tỉnh",
]
TITLES = ["Chuyên viên", "Cán bộ một cửa", "Trưởng phòng", "Phó Giám đốc", "Văn thư"]
DEPARTMENTS = ["Bộ phận một cửa", "Phòng Hành chính", "Phòng Quản lý đô thị", "Phòng Tư pháp", "Văn phòng Sở"]


@dataclass(frozen=True)
class Pools:
    person_names: tuple[str, ...]
    addresses: tuple[str, ...]
    companies: tuple[str, ...]
    place_names: tuple[str, ...]
    sentences: tuple[str, ...]


@cache
def pools() -> Pools:
    fake = Faker("vi_VN")
    fake.seed_instance(20191225)  # TT 18/2019's date: any fixed seed keeps runs reproducible
    names = []
    for index in range(POOL_SIZE):
        first = fake.first_name_male() if index % 2 else fake.first_name_female()
        names.append(f"{fake.last_name()} {fake.middle_name()} {first}")
    streets = [fake.street_address() for _ in range(POOL_SIZE)]
    places = [fake.province().removeprefix("tỉnh ").removeprefix("Thành phố ") for _ in range(POOL_SIZE)]
    addresses = [f"{street}, {place}" for street, place in zip(streets, places, strict=True)]
    companies = [fake.company() for _ in range(POOL_SIZE)]
    sentences = [
        f"{kind} {fake.last_name().lower()} {place}"
        for kind, place in zip(["Đề nghị", "Xin cấp", "Hồ sơ đề nghị", "Đơn xin"] * 50, places, strict=False)
    ]
    return Pools(tuple(names), tuple(addresses), tuple(companies), tuple(sorted(set(places))), tuple(sentences))
