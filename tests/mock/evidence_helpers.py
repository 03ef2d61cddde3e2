"""Shared by the evidence-store tests: many concurrent recordings, as a loaded mock makes them."""

from __future__ import annotations

import asyncio

from mock_portal.evidence import EvidenceStore, Exchange


def record_burst(store: EvidenceStore, count: int, body: bytes) -> None:
    """`count` concurrent DongBoHoSoMC exchanges, MaHoSo 000.00.12.H56-240315-0000 onwards."""

    async def burst() -> None:
        await asyncio.gather(*(
            store.record(Exchange("inbound", "dvcqg", "POST", "/dvcqg/integration", request_body=body,
                                  service="DongBoHoSoMC", ma_ho_so=(f"000.00.12.H56-240315-{i:04d}",)))
            for i in range(count)
        ))  # fmt: skip

    asyncio.run(burst())
