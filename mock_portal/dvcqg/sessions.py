"""Opaque sessions of the integration accounts (dvcqg-interfaces §2.1): random tokens with a TTL."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from mock_portal.config import Account

_PRUNE_ABOVE = 10_000  # sessions kept before expired ones are swept at the next issue


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    username: str
    province: str  # level-1 code of the account, e.g. H56
    expires_at: float


class SessionStore:
    def __init__(self, ttl_s: float, clock: Callable[[], float]) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def issue(self, account: Account) -> Session:
        now = self._clock()
        session = Session(secrets.token_hex(16), account.username, account.province, now + self.ttl_s)
        with self._lock:
            if len(self._sessions) > _PRUNE_ABOVE:
                # keep recently expired ones so their holders still hear "expired", not "unknown"
                horizon = now - self.ttl_s
                self._sessions = {t: s for t, s in self._sessions.items() if s.expires_at > horizon}
            self._sessions[session.token] = session
        return session

    def lookup(self, token: str) -> tuple[Session | None, str]:
        """(session, "ok") or (None, "expired" | "unknown")."""
        with self._lock:
            session = self._sessions.get(token)
        if session is None:
            return None, "unknown"
        if self._clock() >= session.expires_at:
            return None, "expired"
        return session, "ok"

    def expire(self, token: str) -> None:
        """End a session now (the session_expiry fault): its holder must authenticate again."""
        with self._lock:
            session = self._sessions.get(token)
            if session is not None:
                self._sessions[token] = Session(token, session.username, session.province, self._clock())

    def reset(self) -> None:
        with self._lock:
            self._sessions.clear()
