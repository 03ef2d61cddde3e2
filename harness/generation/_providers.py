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
    national = st.builds(lambda lead, number: f"{lead}.{number:06d}", st.sampled_from([1, 2, 3]),
                         st.integers(0, 12000))
    local = st.builds(lambda code, agency: f"{code}.{agency}", national, agency_codes())
    return st.one_of(national, national, local)


def cccd_numbers() -> Strategy:
    """12 digits: province of birth registration, century/gender digit, year of birth, 6 random digits."""
    return st.builds(lambda prov, gender, year, serial: f"{CCCD_PROVINCE[prov]}{gender}{year % 100:02d}{serial:06d}",
                     province_codes(), st.sampled_from([0, 1, 2, 3]), st.integers(1950, 2007),
                     st.integers(0, 999999))


def tax_codes() -> Strategy:
    base = st.integers(100000000, 9999999999).map(lambda n: f"{n:010d}")
    return st.one_of(base, base, st.builds(lambda b, branch: f"{b}-{branch:03d}", base, st.integers(1, 999)))


def phones() -> Strategy:
    return st.builds(lambda prefix, rest: f"{prefix}{rest:07d}",
                     st.sampled_from(["090", "091", "098", "097", "086", "032", "070", "083", "0237"]),
                     st.integers(0, 9999999))


def emails() -> Strategy:
    return st.builds(lambda user, number, domain: f"{user}{number}@{domain}",
                     st.sampled_from(["nguyenvana", "tranthib", "lehoang", "phamminh", "hoangyen", "vuthanh"]),
                     st.integers(1, 999), st.sampled_from(["gmail.com", "thanhhoa.gov.vn", "example.vn"]))


def urls() -> Strategy:
    return st.builds(lambda host, folder, name: f"https://{host}/files/{folder}/{name}",
                     st.sampled_from(["dichvucong.thanhhoa.gov.vn", "motcua.hanoi.gov.vn", "dvc.danang.gov.vn"]),
                     st.integers(1000, 99999), st.sampled_from(FILES))


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

# `x-gen` hints on a property override the def's provider.
BY_HINT: dict[str, Callable[[], Strategy]] = {
    "person_name": lambda: st.sampled_from(pools().person_names),
    "procedure_name": lambda: st.sampled_from(PROCEDURES),
    "field_name": lambda: st.sampled_from([name for _, name in FIELDS]),
    "agency_name": lambda: st.builds(lambda kind, place: f"{kind} {place}", st.sampled_from(AGENCY_KINDS),
                                     st.sampled_from(pools().place_names)),
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
