"""What every route of the portal shares: JSON bodies read safely, errors in one shape, the control token."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

#: the largest request body any endpoint reads; reading stops as soon as a body passes it (413)
MAX_BODY_BYTES = 32 * 1024 * 1024


class BodyTooLarge(Exception):
    """The request body passed `limit` bytes; reading stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


class HttpError(Exception):
    """Answered as `{"error": ..., "detail": ...}` with `status` (see `error_response`)."""

    def __init__(self, status: int, error: str, detail: str = "", **extra: Any) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail
        self.extra = extra


def error_response(exc: HttpError) -> JSONResponse:
    """`{"error": <machine-readable code>, "detail": <text for a person>, ...}` (control API `Error`)."""
    return JSONResponse({"error": exc.error, "detail": exc.detail, **exc.extra}, status_code=exc.status)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, read chunk by chunk and given up as soon as it passes `limit` (BodyTooLarge),
    chunked bodies without Content-Length included: an oversized body costs at most `limit` plus one
    chunk, not its own size (the server discards the rest)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        if chunk:
            chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def json_body(request: Request, *, required: bool = True) -> Any:
    """The request's JSON body; HttpError 413/415/400 for oversized, non-JSON or malformed bodies."""
    try:
        raw = await read_body(request)
    except BodyTooLarge as exc:
        raise HttpError(413, "body_too_large", f"at most {exc.limit} bytes") from None
    if not raw.strip():
        if required:
            raise HttpError(400, "invalid", "empty body: send a JSON object")
        return {}
    content_type = request.headers.get("content-type", "")
    if content_type and "json" not in content_type:
        raise HttpError(415, "unsupported_media_type", f"{content_type!r}: send application/json")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HttpError(400, "invalid", f"malformed JSON: {exc}") from None


def require_control_token(request: Request, token: str) -> None:
    """The control API's bearer token (from sut.toml / the portal configuration)."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), token.encode()):
        raise HttpError(401, "unauthorized", "the control API needs Authorization: Bearer <control token>")
