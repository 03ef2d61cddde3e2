"""The national payment platform (dvcqg-interfaces §11.1): INIT, QUERY, GET_BILL, the pay page and IPNs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from mock_portal.payment.channel import PaymentChannel
    from mock_portal.state import MockState


def factory(state: MockState) -> tuple[PaymentChannel, list[BaseRoute]]:
    from mock_portal.payment.channel import PaymentChannel
    from mock_portal.payment.routes import routes

    channel = PaymentChannel(state)
    return channel, routes(channel)
