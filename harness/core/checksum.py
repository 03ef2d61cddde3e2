"""The national payment platform's `MaXacThuc`: SHA-256 over pipe-joined fields, secret last (not HMAC)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

ALGORITHM = "sha256-pipe-secret-last"


def render_field(value: Any) -> str:
    """How a field enters the checksum string: strings as-is, integers in decimal, absent as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def payment_checksum(message: Mapping[str, Any], fields: Sequence[str], secret: str) -> str:
    """`MaXacThuc` of `message` for the given field order and shared secret (lower-case hex)."""
    joined = "|".join([*(render_field(message.get(name)) for name in fields), secret])
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
