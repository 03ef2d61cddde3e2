"""The national side's evidence, as the suites read it: every exchange the mock saw or sent, queried
through its admin API, and waiting for a message the SUT must send (a missed message is its own failure)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from harness.conformance._observations import OBSERVER
from harness.core.errors import HarnessError
from harness.core.exchanges import Exchange, accepted, items, request_body

POLL_S = 0.1
PAGE = 5000


class ExchangeNotReceived(AssertionError):
    """The SUT did not send an expected message within the allowed delay."""

    def __init__(self, service: str, ma_ho_so: str | None, timeout_s: float, detail: str = "") -> None:
        subject = f" for {ma_ho_so}" if ma_ho_so else ""
        message = f"{service}{subject} not received within {timeout_s:g} s"
        super().__init__(f"{message}: {detail}" if detail else message)
        self.service = service
        self.ma_ho_so = ma_ho_so
        self.timeout_s = timeout_s


@dataclass
class Evidence:
    """Reads `/_admin/exchanges` of the national mock (admin bearer token).

    `floor`: the sequence number before this run's first exchange. A running mock (`--dvc-mock-url`) keeps the
    evidence of earlier runs; queries and the export see only this run's."""

    client: httpx.Client
    floor: int = 0

    def exchanges(
        self,
        *,
        service: str | None = None,
        ma_ho_so: str | None = None,
        since: int | None = None,
        direction: str | None = None,
        record: bool = True,
    ) -> list[Exchange]:
        """Every matching exchange, oldest first; `since` is a sequence number (exclusive, see `mark`).
        Pages through the admin API, so long runs are read whole. The rows are recorded as observed by the
        running test (`record=False` for a look that judges nothing)."""
        rows: list[Exchange] = []
        after = max(since or 0, self.floor)
        while True:
            params = {"service": service, "ma_ho_so": ma_ho_so, "after_seq": after or None, "limit": PAGE}
            try:
                response = self.client.get(
                    "/_admin/exchanges", params={k: v for k, v in params.items() if v is not None}
                )
            except httpx.HTTPError as exc:
                raise HarnessError(f"the national mock's evidence could not be read: {exc}") from exc
            if response.status_code != 200:
                raise HarnessError(f"the national mock's evidence could not be read: HTTP {response.status_code}")
            page: list[Exchange] = response.json()
            rows.extend(page)
            if len(page) < PAGE:
                break
            after = int(page[-1]["seq"])
        found = [r for r in rows if direction is None or r.get("direction") == direction]
        if record:
            OBSERVER.exchanges(found)
        return found

    def export_ndjson(self, path: str) -> int:
        """Write every exchange (the mock's redacted NDJSON export) to `path`; returns the line count."""
        from pathlib import Path

        response = self.client.get("/_admin/exchanges.ndjson")
        if response.status_code != 200:
            raise HarnessError(f"the national mock's evidence export failed: HTTP {response.status_code}")
        lines = response.content.splitlines(keepends=True)
        if self.floor:
            lines = [line for line in lines if line.strip() and _seq(line) > self.floor]
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"".join(lines))
        return len(lines)

    def mark(self) -> int:
        """The sequence number of the newest exchange: pass it as `since` to see only what follows."""
        rows = self.exchanges(record=False)
        return int(rows[-1]["seq"]) if rows else 0

    def wait_for(
        self,
        service: str,
        ma_ho_so: str | None = None,
        *,
        timeout: float,
        where: Callable[[Exchange], bool] | None = None,
        since: int | None = None,
        nudge: Callable[[], object] | None = None,
    ) -> Exchange:
        """The first exchange of `service` (for `ma_ho_so`) matching `where`; ExchangeNotReceived after
        `timeout` seconds. `nudge` (e.g. the driver's flush_sync) is called before each look."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            if nudge is not None:
                nudge()
            rows = self.exchanges(service=service, ma_ho_so=ma_ho_so, since=since, record=False)
            seen = len(rows)
            for row in rows:
                if where is None or where(row):
                    OBSERVER.exchange(row)
                    return row
            if time.monotonic() >= deadline:
                detail = f"{seen} {service} exchange(s) seen, none matching" if seen else ""
                raise ExchangeNotReceived(service, ma_ho_so, timeout, detail)
            time.sleep(POLL_S)


def _seq(line: bytes) -> int:
    try:
        return int(json.loads(line).get("seq", 0))
    except (ValueError, TypeError, AttributeError):
        return 0


__all__ = ["Evidence", "Exchange", "ExchangeNotReceived", "accepted", "items", "request_body"]
