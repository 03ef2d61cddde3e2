"""Value strategies for named scalar types (`$defs` names) and `x-gen` hints."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from hypothesis import strategies as st

from harness.generation._pools import (
    AGENCY_KINDS,
    CCCD_PROVINCE,
    FIELDS,
    FILES,
    PROCEDURES,
    PROVINCES,
    STEPS,
    pools,
)

Strategy = st.SearchStrategy[Any]

PROVINCE_CODES = tuple(sorted(PROVINCES))
_EPOCH_START = datetime(2023, 1, 2, 7, 0, 0)
_EPOCH_END = datetime(2026, 12, 30, 17, 0, 0)


def province_codes() -> Strategy:
    return st.sampled_from(PROVINCE_CODES)


def agency_codes(province: str | None = None) -> Strategy:
    level1 = st.just(province) if province else province_codes()
    return st.builds(lambda unit, code: f"000.00.{unit:02d}.{code}", st.integers(0, 40), level1)


def timestamps() -> Strategy:
    return st.datetimes(min_value=_EPOCH_START, max_value=_EPOCH_END).map(lambda d: d.strftime("%Y%m%d%H%M%S"))


def _dossier_code(agency: str, moment: str, sequence: int) -> str:
    return f"{agency}-{moment[2:8]}-{sequence:04d}"


def dossier_codes() -> Strategy:
    return st.builds(_dossier_code, agency_codes(), timestamps(), st.integers(1, 9999))


def procedure_codes() -> Strategy:
    national = st.builds(lambda lead, number: f"{lead}.{number:06d}", st.sampled_from([1, 2, 3]), st.integers(0, 12000))
    local = st.builds(lambda code, agency: f"{code}.{agency}", national, agency_codes())
    return st.one_of(national, national, local)


def cccd_numbers() -> Strategy:
    """12 digits: province of birth registration, century/gender digit, year of birth, 6 random digits."""
    return st.builds(
        lambda prov, gender, year, serial: f"{CCCD_PROVINCE[prov]}{gender}{year % 100:02d}{serial:06d}",
        province_codes(),
        st.sampled_from([0, 1, 2, 3]),
        st.integers(1950, 2007),
        st.integers(0, 999999),
    )


def tax_codes() -> Strategy:
    base = st.integers(100000000, 9999999999).map(lambda n: f"{n:010d}")
    return st.one_of(base, base, st.builds(lambda b, branch: f"{b}-{branch:03d}", base, st.integers(1, 999)))


def phones() -> Strategy:
    return st.builds(
        lambda prefix, rest: f"{prefix}{rest:07d}",
        st.sampled_from(["090", "091", "098", "097", "086", "032", "070", "083", "0237"]),
        st.integers(0, 9999999),
    )


def emails() -> Strategy:
    return st.builds(
        lambda user, number, domain: f"{user}{number}@{domain}",
        st.sampled_from(["nguyenvana", "tranthib", "lehoang", "phamminh", "hoangyen", "vuthanh"]),
        st.integers(1, 999),
        st.sampled_from(["gmail.com", "thanhhoa.gov.vn", "example.vn"]),
    )


def urls() -> Strategy:
    return st.builds(
        lambda host, folder, name: f"https://{host}/files/{folder}/{name}",
        st.sampled_from(["dichvucong.thanhhoa.gov.vn", "motcua.hanoi.gov.vn", "dvc.danang.gov.vn"]),
        st.integers(1000, 99999),
        st.sampled_from(FILES),
    )


def texts() -> Strategy:
    return st.sampled_from(pools().sentences)


def optional(strategy: Strategy) -> Strategy:
    return st.one_of(st.just(""), strategy)


def _date8() -> Strategy:
    return st.dates(min_value=date(1950, 1, 1), max_value=date(2007, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))


def _date_dmy() -> Strategy:
    return st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y"))


# `$defs` names of common/scalars.schema.json → strategy. Optional variants may be "".
BY_DEF: dict[str, Callable[[], Strategy]] = {
    "Timestamp": timestamps,
    "OptionalTimestamp": lambda: optional(timestamps()),
    "Date8": _date8,
    "DateDMY": _date_dmy,
    "Amount": lambda: st.integers(0, 5000).map(lambda n: str(n * 1000)),
    "IntAmount": lambda: st.integers(0, 5000).map(lambda n: n * 1000),
    "AgencyCode": agency_codes,
    "DossierCode": dossier_codes,
    "ProcedureCode": procedure_codes,
    "FieldCode": lambda: st.sampled_from([code for code, _ in FIELDS]),
    "CitizenId": cccd_numbers,
    "TaxCode": tax_codes,
    "Phone": lambda: optional(phones()),
    "Email": lambda: optional(emails()),
    "Url": urls,
    "OptionalUrl": lambda: optional(urls()),
    "Base64": lambda: st.binary(min_size=1, max_size=48).map(lambda b: base64.b64encode(b).decode("ascii")),
    "Text": lambda: optional(texts()),
    "NonEmptyText": texts,
}


def _numbers(low: int, high: int) -> Callable[[], Strategy]:
    """Counters and ids: integers, or their decimal strings where the schema wants a string (see `typed`)."""
    return lambda: st.integers(low, high)


def typed(strategy: Strategy, schema_type: Any) -> Strategy:
    """Adapt a hint's values to the JSON type the schema asks for (a hint can sit on either)."""
    kinds = schema_type if isinstance(schema_type, list) else [schema_type]
    if "string" in kinds and "integer" not in kinds:
        return strategy.map(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)
    return strategy


def _percent() -> Strategy:
    return st.one_of(st.just("0"), st.integers(0, 10000).map(lambda n: f"{n / 100:.2f}"))


# `x-gen` hints on a property override the def's provider.
BY_HINT: dict[str, Callable[[], Strategy]] = {
    "username": lambda: st.sampled_from(["demo", "motcua.thanhhoa", "lgsp-h56", "dvc_tinh"]),
    "password": lambda: st.binary(min_size=6, max_size=12).map(lambda b: b.hex()),
    "error_code": lambda: st.sampled_from([0, "0", -1, "-1", "3"]),
    "reply_message": lambda: st.sampled_from(
        [
            "Thành công",
            "Cập nhật hồ sơ thành công",
            "Hồ sơ đã tồn tại",
            "Phiên làm việc không hợp lệ",
            "Dữ liệu không hợp lệ",
        ]
    ),
    "count": _numbers(0, 500),
    "question_id": _numbers(1, 10**9),
    "answer_id": _numbers(1, 10**9),
    "question": lambda: st.sampled_from(
        [
            "Thủ tục đăng ký khai sinh cần những giấy tờ gì?",
            "Thời gian giải quyết cấp giấy phép xây dựng là bao lâu?",
            "Tôi có thể nộp hồ sơ trực tuyến ở đâu?",
        ]
    ),
    "answer": lambda: st.sampled_from(
        [
            "Công dân nộp tờ khai theo mẫu và giấy chứng sinh.",
            "Thời gian giải quyết là 15 ngày làm việc.",
            "Công dân nộp tại Cổng Dịch vụ công của tỉnh.",
        ]
    ),
    "percent": _percent,
    "percent_sign": lambda: st.integers(0, 100).map(lambda n: f"{n}%"),
    "month_year": lambda: st.builds(lambda m, y: f"{m}-{y}", st.integers(1, 12), st.integers(2020, 2026)),
    "month": lambda: st.integers(1, 12).map(str),
    "year": lambda: st.integers(2020, 2026).map(str),
    "date8": BY_DEF["Date8"],
    "date_dmy": BY_DEF["DateDMY"],
    "agency_code": agency_codes,
    "procedure_code": procedure_codes,
    "dossier_code": dossier_codes,
    "field_code": BY_DEF["FieldCode"],
    "digits": lambda: st.integers(0, 10**9).map(str),
    "base64": BY_DEF["Base64"],
    "bank_code": lambda: st.sampled_from(["970436", "970418", "970405", "970415", "VCB", "BIDV", "AGRIBANK"]),
    "bank_account": lambda: st.integers(10**9, 10**13).map(str),
    "payment_txn_id": lambda: st.builds(lambda n: f"PP{n:012d}", st.integers(0, 10**12 - 1)),
    "payment_ref": lambda: st.builds(lambda n, t: f"DVC{n:08d}{t}", st.integers(0, 10**8 - 1), timestamps()),
    "partner_code": lambda: st.sampled_from(["DEMO", "H56", "THANHHOA", "HANOI"]),
    "payment_version": lambda: st.just("1.0.6"),
    "service_code": lambda: st.sampled_from(["1", "2"]),
    "uuid": lambda: st.uuids(version=4).map(str),
    "access_token": lambda: st.binary(min_size=16, max_size=32).map(lambda b: b.hex()),
    "jwt": lambda: st.tuples(*(st.binary(min_size=8, max_size=40) for _ in range(3))).map(
        lambda parts: ".".join(base64.urlsafe_b64encode(p).decode("ascii").rstrip("=") for p in parts)
    ),
    "ipv4": lambda: st.tuples(*(st.integers(1, 254) for _ in range(4))).map(lambda t: ".".join(map(str, t))),
    "epoch_seconds": lambda: st.integers(1_672_531_200, 1_798_761_600),
    "checksum": lambda: st.binary(min_size=32, max_size=32).map(lambda b: b.hex()),
    "person_name": lambda: st.sampled_from(pools().person_names),
    "procedure_name": lambda: st.sampled_from(PROCEDURES),
    "field_name": lambda: st.sampled_from([name for _, name in FIELDS]),
    "agency_name": lambda: st.builds(
        lambda kind, place: f"{kind} {place}", st.sampled_from(AGENCY_KINDS), st.sampled_from(pools().place_names)
    ),
    "step_text": lambda: st.sampled_from(STEPS),
    "file_name": lambda: st.sampled_from(FILES),
    "tech_id": lambda: st.uuids(version=4).map(str),
    "session": lambda: st.binary(min_size=16, max_size=16).map(lambda b: b.hex()),
    "address": lambda: st.sampled_from(pools().addresses),
    "company": lambda: st.sampled_from(pools().companies),
    "cccd": cccd_numbers,
    "tax_code": tax_codes,
    "phone": phones,
    "email": emails,
    "url": urls,
    "timestamp": timestamps,
    "amount": BY_DEF["Amount"],
    "text": texts,
}
