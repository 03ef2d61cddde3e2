"""SSO test accounts registered at run time (`POST /_admin/sso/accounts`), beside the seeded ones.

In interactive mode a tester submits an online dossier *as* a given applicant, and the portal takes the
applicant's name and ID number from the SSO login; so the harness registers that applicant here first.

An account is keyed by its identifier (CCCD for citizens, tax code otherwise). `sub` and (unless given)
`TechID` are uuid5 of the identifier, so re-registering, even on another mock instance, gives the same
values. Re-registering the same identifier under the same name is idempotent (the first registration's
details stay); another name is a conflict, as is the identifier of a seeded account under another name.
Every value is checked against the shapes of the userinfo schema (sso.userinfo), so the claims of a
registered account always validate. The registry is bounded: clients choose what to register, and each
account stays until the mock stops (`/_admin/reset` keeps them, like the signing key).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from harness.specs import scalar_pattern
from mock_portal.sso.users import ACCOUNT_LABELS, CITIZEN, TestUser, test_users

MAX_ACCOUNTS = 10_000
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://schemas.dvc-harness.org/v1/mock/sso/accounts")
FIELDS = ("LoaiTaiKhoan", "HoVaTen", "SoDinhDanh", "MaSoThue", "SoDienThoai", "ThuDienTu", "DiaChi", "TechID")
MAX_NAME = 200
MAX_ADDRESS = 500
MAX_TECH_ID = 100

_TAX_CODE = re.compile(r"([0-9]{10})(?:-?([0-9]{3}))?")
_PHONE_SEPARATORS = str.maketrans("", "", " .-()")


class AccountError(Exception):
    """A refused registration: the HTTP status, a short error code and a one-line message."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message

    def body(self) -> dict[str, str]:
        return {"error": self.error, "message": self.message}


def _invalid(message: str) -> AccountError:
    return AccountError(422, "invalid_account", message)


def _conflict(message: str) -> AccountError:
    return AccountError(409, "conflict", message)


def canonical_tax_code(value: str) -> str | None:
    """`0101248141`, `0101248141-001` or `0101248141001` → the schema's form (`0101248141-001`); else None."""
    match = _TAX_CODE.fullmatch(value)
    if match is None:
        return None
    head, branch = match.groups()
    return f"{head}-{branch}" if branch else head


def _same_name(a: str, b: str) -> bool:
    """Names compare as a person reads them: NFC (composed or decomposed diacritics) and collapsed spaces."""
    return " ".join(unicodedata.normalize("NFC", a).split()) == " ".join(unicodedata.normalize("NFC", b).split())


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in text)


def account_view(user: TestUser) -> dict[str, str]:
    """What the admin API answers for an account (registered or seeded)."""
    return {
        "sub": user.sub,
        "TechID": user.tech_id,
        "LoaiTaiKhoan": user.account_type,
        "HoVaTen": user.full_name,
        "SoDinhDanh": user.citizen_id,
        "MaSoThue": user.tax_code,
        "login_hint": user.identifier,
    }


@cache
def _seeded() -> dict[str, TestUser]:
    """Every key a seeded account is found by (sub, TechID, CCCD, tax code) → the account."""
    index: dict[str, TestUser] = {}
    for user in test_users():
        for key in (user.sub, user.tech_id, user.citizen_id, user.tax_code):
            if key:
                index[key] = user
    return index


@dataclass(frozen=True)
class _Wanted:
    """A registration request, checked."""

    account_type: str
    name: str
    citizen_id: str
    tax_code: str
    phone: str
    email: str
    address: str
    tech_id: str | None

    @property
    def identifier(self) -> str:
        return self.citizen_id if self.account_type == CITIZEN else self.tax_code

    @property
    def number_name(self) -> str:
        return "SoDinhDanh" if self.account_type == CITIZEN else "MaSoThue"


def _optional_text(body: dict[str, Any], key: str) -> str:
    """An optional string field: absent or null is "", anything but a string is refused."""
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(f"{key} must be a string, got {type(value).__name__}")
    if _has_control(value):
        raise _invalid(f"{key} must not contain control characters")
    return value.strip()


def parse(body: Any) -> _Wanted:
    """The registration `body` asks for, or `AccountError` (422) naming the first problem."""
    if not isinstance(body, dict):
        raise _invalid('send the account as a JSON object, e.g. {"HoVaTen": "...", "SoDinhDanh": "038090001234"}')
    unknown = sorted(str(k) for k in body if k not in FIELDS)
    if unknown:
        raise _invalid(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}")
    account_type = body.get("LoaiTaiKhoan", CITIZEN)
    if not isinstance(account_type, str) or account_type not in ACCOUNT_LABELS:
        raise _invalid(
            f'LoaiTaiKhoan must be "1" (citizen), "2" (enterprise) or "3" (organisation), got {account_type!r}'
        )
    name = _optional_text(body, "HoVaTen")
    if not name:
        raise _invalid("HoVaTen is required: the account holder's full name (the enterprise name for 2 and 3)")
    if len(name) > MAX_NAME:
        raise _invalid(f"HoVaTen is longer than {MAX_NAME} characters")
    citizen_id = _optional_text(body, "SoDinhDanh")
    raw_tax_code = _optional_text(body, "MaSoThue")
    if account_type == CITIZEN:
        if not scalar_pattern("CitizenId").match(citizen_id):
            raise _invalid("SoDinhDanh is required for a citizen account (LoaiTaiKhoan 1): 12 digits (CCCD)")
        if raw_tax_code:
            raise _invalid("MaSoThue is for enterprise and organisation accounts; a citizen is known by SoDinhDanh")
        tax_code = ""
    else:
        if citizen_id:
            raise _invalid("SoDinhDanh is for citizen accounts; an enterprise or organisation is known by MaSoThue")
        tax_code = canonical_tax_code(raw_tax_code) or ""
        if not tax_code:
            raise _invalid(f"MaSoThue is required for LoaiTaiKhoan {account_type}: 10 digits, or 13 as 0101248141-001")
    phone = _optional_text(body, "SoDienThoai").translate(_PHONE_SEPARATORS)
    if phone and not scalar_pattern("Phone").match(phone):
        raise _invalid("SoDienThoai must be a Vietnamese number: 0 or +84, then 9-10 digits")
    email = _optional_text(body, "ThuDienTu")
    if email and (len(email) > 254 or not scalar_pattern("Email").match(email)):
        raise _invalid("ThuDienTu must be an e-mail address (name@domain.tld, at most 254 characters)")
    address = _optional_text(body, "DiaChi")
    if len(address) > MAX_ADDRESS:
        raise _invalid(f"DiaChi is longer than {MAX_ADDRESS} characters")
    tech_id = _optional_text(body, "TechID") or None
    if tech_id is not None and (len(tech_id) > MAX_TECH_ID or any(c.isspace() for c in tech_id)):
        raise _invalid(f"TechID must be at most {MAX_TECH_ID} characters without spaces")
    return _Wanted(account_type, name, citizen_id, tax_code, phone, email, address, tech_id)


@dataclass
class AccountRegistry:
    """The registered accounts of one mock instance, in registration order."""

    limit: int = MAX_ACCOUNTS
    _by_identifier: dict[str, TestUser] = field(default_factory=dict)
    _by_key: dict[str, TestUser] = field(default_factory=dict)  # sub, TechID and identifier → account

    def __len__(self) -> int:
        return len(self._by_identifier)

    def users(self) -> list[TestUser]:
        return list(self._by_identifier.values())

    def find(self, hint: str) -> TestUser | None:
        """The registered account a login hint names: its sub, TechID, SoDinhDanh or tax code."""
        hint = hint.strip()
        if not hint:
            return None
        return self._by_key.get(hint) or self._by_key.get(canonical_tax_code(hint) or "")

    def register(self, body: Any) -> tuple[int, TestUser]:
        """(201, the new account), (200, the account already registered or seeded), or `AccountError`."""
        wanted = parse(body)
        identifier = wanted.identifier
        existing = self._by_identifier.get(identifier)
        seeded = _seeded().get(identifier)
        if existing is None and seeded is not None and seeded.identifier == identifier:
            existing = seeded
        if existing is not None:
            return 200, _same_account(existing, wanted, seeded=existing is seeded)
        sub = str(uuid.uuid5(NAMESPACE, f"sub:{identifier}"))
        tech_id = wanted.tech_id or str(uuid.uuid5(NAMESPACE, f"TechID:{identifier}"))
        for label, key in (("sub", sub), ("TechID", tech_id), (wanted.number_name, identifier)):
            owner = self._by_key.get(key) or _seeded().get(key)
            if owner is not None:
                raise _conflict(f"{label} {key} already belongs to the account of {owner.full_name!r}")
        if len(self._by_identifier) >= self.limit:
            raise AccountError(
                409,
                "registry_full",
                f"the mock already holds {self.limit} registered SSO accounts (kept until it restarts)",
            )
        user = _new_user(wanted, sub, tech_id)
        self._by_identifier[identifier] = user
        for key in (sub, tech_id, identifier):
            self._by_key[key] = user
        return 201, user


def _same_account(existing: TestUser, wanted: _Wanted, *, seeded: bool) -> TestUser:
    """The account already known under this identifier, when the request describes the same one."""
    kind = "a seeded test account" if seeded else "registered"
    where = f"{wanted.number_name} {wanted.identifier} is {kind}"
    if not _same_name(existing.full_name, wanted.name):
        raise _conflict(f"{where} as {existing.full_name!r}, not {wanted.name!r}")
    if existing.account_type != wanted.account_type:
        raise _conflict(f"{where} with LoaiTaiKhoan {existing.account_type}, not {wanted.account_type}")
    if wanted.tech_id is not None and wanted.tech_id != existing.tech_id:
        raise _conflict(f"{where} with TechID {existing.tech_id}, not {wanted.tech_id}")
    return existing


def _new_user(wanted: _Wanted, sub: str, tech_id: str) -> TestUser:
    """A TestUser with what was given; what was not is empty ("", gender 0), as a real IdP sends it."""
    return TestUser(
        sub=sub,
        tech_id=tech_id,
        account_type=wanted.account_type,
        full_name=wanted.name,
        citizen_id=wanted.citizen_id,
        birth_date="",
        gender=0,
        email=wanted.email,
        phone=wanted.phone,
        address=wanted.address,
        hometown="",
        ethnicity="",
        social_insurance="",
        tax_code=wanted.tax_code,
        representative="",
        father="",
        mother="",
        vneid=False,
    )
