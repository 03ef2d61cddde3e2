"""What the login keeps server-side: pending login attempts (state, nonce, PKCE verifier), the citizens'
sessions, and a log of logins, refusals and logouts.

A session is known by a random token the browser holds in the `portal_session` cookie; the table keeps
only its SHA-256, so a copy of the database opens no session. Times are wall-clock epoch seconds (the
provider's tokens are judged against the same clock).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from reference_portal.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS sso_login (
    state TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS portal_session (
    token_hash TEXT PRIMARY KEY,
    tech_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    account_type TEXT NOT NULL,
    full_name TEXT NOT NULL,
    citizen_id TEXT NOT NULL,
    tax_code TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    id_token TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    event TEXT NOT NULL,
    tech_id TEXT,
    detail TEXT NOT NULL
);
"""
TABLES = ("auth_event", "portal_session", "sso_login")

#: a login attempt must come back from the provider within this time
LOGIN_TTL_S = 600.0
SESSION_TTL_S = 8 * 3600.0
#: pending attempts kept at most (each /auth/login adds one; stale ones are pruned first)
MAX_PENDING_LOGINS = 10_000


class TooManyLogins(Exception):
    """More login attempts are pending than `MAX_PENDING_LOGINS` (HTTP 503)."""


@dataclass(frozen=True)
class LoginAttempt:
    state: str
    nonce: str
    code_verifier: str
    next_path: str
    expires_at: float

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


@dataclass(frozen=True)
class Citizen:
    """The signed-in account (a citizen, an enterprise or an organisation) as userinfo described it."""

    tech_id: str
    sub: str
    account_type: str  # LoaiTaiKhoan: "1" citizen, "2" enterprise, "3" organisation
    full_name: str
    citizen_id: str  # SoDinhDanh (CCCD), "" for enterprises
    tax_code: str  # MaSoThue / MaSoDoanhNghiep, "" for most citizens
    email: str
    phone: str
    address: str
    id_token: str
    expires_at: float

    @property
    def identifiers(self) -> frozenset[str]:
        return frozenset(i for i in (self.citizen_id, self.tax_code) if i)

    def to_json(self) -> dict[str, Any]:
        return {
            "TechID": self.tech_id,
            "sub": self.sub,
            "LoaiTaiKhoan": self.account_type,
            "HoVaTen": self.full_name,
            "SoDinhDanh": self.citizen_id,
            "MaSoThue": self.tax_code,
            "ThuDienTu": self.email,
            "SoDienThoai": self.phone,
            "DiaChi": self.address,
            "expires_at": int(self.expires_at),
        }


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class AuthStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- login attempts ---------------------------------------------------------------------------

    def begin_login(self, next_path: str) -> LoginAttempt:
        now = time.time()
        attempt = LoginAttempt(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            code_verifier=secrets.token_urlsafe(48),
            next_path=next_path,
            expires_at=now + LOGIN_TTL_S,
        )
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM sso_login WHERE expires_at <= ?", (now,))
            (pending,) = conn.execute("SELECT COUNT(*) FROM sso_login").fetchone()
            if pending >= MAX_PENDING_LOGINS:
                raise TooManyLogins(f"{pending} logins are in progress; try again in a few minutes")
            conn.execute(
                "INSERT INTO sso_login (state, nonce, code_verifier, next_path, expires_at) VALUES (?, ?, ?, ?, ?)",
                (attempt.state, attempt.nonce, attempt.code_verifier, attempt.next_path, attempt.expires_at),
            )
        return attempt

    def take_login(self, state: str) -> LoginAttempt | None:
        """The attempt `state` names, removed in the same transaction: a state is good for one callback."""
        with self._db.transaction() as conn:
            row = conn.execute("DELETE FROM sso_login WHERE state = ? RETURNING *", (state,)).fetchone()
        if row is None:
            return None
        return LoginAttempt(row["state"], row["nonce"], row["code_verifier"], row["next_path"], row["expires_at"])

    # --- sessions ---------------------------------------------------------------------------------

    def open_session(self, citizen: dict[str, str], id_token: str) -> tuple[str, Citizen]:
        """A new session for the account; returns the cookie token (kept nowhere else) and the citizen."""
        now = time.time()
        token = secrets.token_urlsafe(32)
        row = Citizen(**citizen, id_token=id_token, expires_at=now + SESSION_TTL_S)
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM portal_session WHERE expires_at <= ?", (now,))
            conn.execute(
                "INSERT INTO portal_session (token_hash, tech_id, sub, account_type, full_name, citizen_id, "
                "tax_code, email, phone, address, id_token, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_hash(token), row.tech_id, row.sub, row.account_type, row.full_name, row.citizen_id, row.tax_code,
                 row.email, row.phone, row.address, id_token, now, row.expires_at),
            )  # fmt: skip
            self._log(conn, "login", row.tech_id, f"{row.account_type}:{row.sub}")
        return token, row

    def session(self, token: str) -> Citizen | None:
        row = self._db.one("SELECT * FROM portal_session WHERE token_hash = ?", (_hash(token),))
        if row is None or row["expires_at"] <= time.time():
            return None
        keys = [k for k in Citizen.__dataclass_fields__]
        return Citizen(**{k: row[k] for k in keys})

    def close_session(self, token: str) -> Citizen | None:
        """End the session (logout); returns whose it was, None if there was none."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "DELETE FROM portal_session WHERE token_hash = ? RETURNING *", (_hash(token),)
            ).fetchone()
            if row is None:
                return None
            self._log(conn, "logout", row["tech_id"], "session ended")
        return Citizen(**{k: row[k] for k in Citizen.__dataclass_fields__})

    # --- the log ----------------------------------------------------------------------------------

    def log(self, event: str, tech_id: str | None, detail: str) -> None:
        with self._db.transaction() as conn:
            self._log(conn, event, tech_id, detail)

    @staticmethod
    def _log(conn: sqlite3.Connection, event: str, tech_id: str | None, detail: str) -> None:
        conn.execute(
            "INSERT INTO auth_event (at, event, tech_id, detail) VALUES (?, ?, ?, ?)",
            (time.time(), event, tech_id, detail[:1000]),
        )

    def events(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._db.query("SELECT * FROM auth_event ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in reversed(rows)]
