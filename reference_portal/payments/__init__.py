"""Fees paid through the national payment platform (docs/reference/dvcqg-interfaces.md §11.1).

A dossier in status 6 owes the sum of its DanhSachLePhi lines. `POST /_control/payments` sends INIT and
answers the pay page; the platform reports the result with an IPN (`POST /payment/ipn`), and a background
task QUERYs payments still pending, so a lost or refused IPN still converges. A paid payment moves the
dossier 6 → 4 (the internal `pay` step, synced with DuocThanhToanTrucTuyen "1") and its e-receipt is
fetched with GET_BILL and kept. The signed-in citizen starts the payment of their own dossier's fee with
`POST /api/my/dossiers/{MaHoSo}/payments` and sees its payments with `GET` there (`citizen.py`).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from reference_portal.payments import citizen
from reference_portal.payments.routes import routes
from reference_portal.payments.service import service_of
from reference_portal.payments.store import SCHEMA, TABLES
from reference_portal.portal import Feature, Portal


def _routes(portal: Portal) -> list[BaseRoute]:
    return [*routes(portal), *citizen.routes(portal)]


FEATURE = Feature(
    "payments",
    schema=SCHEMA,
    tables=TABLES,
    routes=_routes,
    tasks=lambda portal: (service_of(portal).run,),
    capabilities=("payment",),
)

__all__ = ["FEATURE"]
