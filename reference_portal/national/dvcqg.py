"""The DVCQG session API client: authenticate, call a service, re-authenticate once when the session
has expired (the national side says so in the message: "Phiên làm việc ... hết hạn / session")."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx


class NationalError(Exception):
    """The call did not succeed: transport failure, HTTP error, or an answer with error_code ≠ 0."""

    def __init__(self, message: str, *, error_code: int | None = None, transient: bool = True) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.transient = transient


@dataclass(frozen=True)
class Reply:
    error_code: int
    message: str
    result: Any

    @property
    def ok(self) -> bool:
        return self.error_code == 0


def _looks_like_session_error(message: str) -> bool:
    lowered = message.lower()
    return "session" in lowered or "phiên" in lowered


class DvcqgClient:
    def __init__(self, http: httpx.AsyncClient, *, username: str, password: str, agency: str) -> None:
        self._http = http
        self._username = username
        self._password = password
        self.agency = agency
        self._session: str | None = None
        self._auth_lock = asyncio.Lock()

    async def _post(self, path: str, body: Any) -> dict[str, Any]:
        try:
            response = await self._http.post(path, json=body)
        except httpx.TimeoutException as exc:
            raise NationalError(f"DVCQG {path}: no answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise NationalError(f"DVCQG {path}: transport error ({type(exc).__name__}: {exc})") from exc
        if response.status_code >= 300:
            raise NationalError(f"DVCQG {path}: HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise NationalError(f"DVCQG {path}: the answer is not JSON") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("error_code"), int):
            raise NationalError(f"DVCQG {path}: the answer has no integer error_code")
        return answer

    async def authenticate(self) -> str:
        async with self._auth_lock:
            answer = await self._post("/dvcqg/auth", {"username": self._username, "password": self._password})
            if answer["error_code"] != 0 or not answer.get("session"):
                raise NationalError(f"DVCQG auth refused: {answer.get('message', '')}", error_code=answer["error_code"])
            self._session = str(answer["session"])
            return self._session

    async def call(self, service: str, fields: dict[str, Any], *, endpoint: str = "integration") -> Reply:
        """One service call with the envelope; a session error triggers one re-authentication."""
        for attempt in (1, 2):
            session = self._session or await self.authenticate()
            envelope = {"session": session, "madonvi": self.agency, "service": service, **fields}
            answer = await self._post(f"/dvcqg/{endpoint}", envelope)
            reply = Reply(answer["error_code"], str(answer.get("message", "")), answer.get("result"))
            if not reply.ok and attempt == 1 and _looks_like_session_error(reply.message):
                self._session = None
                continue
            return reply
        raise AssertionError("unreachable")

    def forget_session(self) -> None:
        self._session = None
