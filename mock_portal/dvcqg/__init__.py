"""DVCQG channel of the mock national portal: session auth, the integration and share endpoints, the
LGSP adapter form, dossier state, and the seeded catalogue (dvcqg-interfaces §2-§10)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from mock_portal.dvcqg.channel import DvcqgChannel
from mock_portal.dvcqg.routes import build_routes
from mock_portal.state import MockState


def factory(state: MockState) -> tuple[DvcqgChannel, list[BaseRoute]]:
    channel = DvcqgChannel(state)
    return channel, build_routes(channel)


__all__ = ["DvcqgChannel", "factory"]
