"""One exchange = one request and its response (or the transport error), with the mock's verdict."""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

# Exchange ids: unique across processes (random prefix, drawn once) and cheap per request (a counter;
# os.urandom per request costs ~50 µs on some kernels).
_PREFIX = uuid.uuid4().hex[:16]
_COUNTER = itertools.count(1)


def new_exchange_id() -> str:
    return f"{_PREFIX}{next(_COUNTER):012x}"


@dataclass(slots=True)
class Exchange:
    direction: str  # "inbound": the SUT called the mock; "outbound": the mock called the SUT (IPN)
    channel: str  # dvcqg | payment | sso | admin | other
    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: bytes = b""
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    service: str | None = None
    ma_ho_so: tuple[str, ...] = ()
    ma_tham_chieu: str | None = None
    verdict: str = "n/a"  # valid | invalid | n/a
    rules: tuple[str, ...] = ()
    error: str | None = None
    ts: float = field(default_factory=time.time)
    duration_ms: float = 0.0
    id: str = field(default_factory=new_exchange_id)
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: bodies as text when they are UTF-8 (JSON bodies parsed), else base64."""
        return {
            "seq": self.seq,
            "id": self.id,
            "ts": self.ts,
            "direction": self.direction,
            "channel": self.channel,
            "method": self.method,
            "url": self.url,
            "service": self.service,
            "ma_ho_so": list(self.ma_ho_so),
            "ma_tham_chieu": self.ma_tham_chieu,
            "status": self.status,
            "verdict": self.verdict,
            "rules": list(self.rules),
            "error": self.error,
            "duration_ms": round(self.duration_ms, 3),
            "request": {"headers": self.request_headers, "body": body_view(self.request_body)},
            "response": {"headers": self.response_headers, "body": body_view(self.response_body)},
        }


def body_view(body: bytes) -> Any:
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        import base64

        return {"base64": base64.b64encode(body).decode("ascii")}
