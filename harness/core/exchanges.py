"""Reading one exchange of the national side's evidence (a row of `/_admin/exchanges`): what was sent, and
whether the national side took it. Shared by the suites' evidence queries and the interactive driver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Exchange = dict[str, Any]


def request_body(row: Exchange) -> Any:
    return (row.get("request") or {}).get("body")


def items(row: Exchange) -> Iterator[dict[str, Any]]:
    """The `data[]` items of a DVCQG request (one object for the object forms, the list of the adapter form)."""
    body = request_body(row)
    data = body.get("data") if isinstance(body, dict) else body
    if isinstance(data, dict):
        yield data
    elif isinstance(data, list):
        yield from (item for item in data if isinstance(item, dict))


def accepted(row: Exchange) -> bool:
    """The national side took the message: HTTP 200 and error_code 0 (or MaLoi "00" for payments)."""
    body = (row.get("response") or {}).get("body")
    if row.get("status") != 200 or not isinstance(body, dict):
        return False
    return body.get("error_code") in (0, "0") or body.get("MaLoi") == "00"
