"""The channels the mock serves, listed here (as `reference_portal/features.py` lists the portal's features).

Each factory takes the mock's shared state and returns (its channel state, with `reset()`; its routes). The
channel packages know nothing of this list or of the application: `app` imports this module, which imports the
channels, and nothing imports back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import BaseRoute

from mock_portal.state import MockState

ChannelFactory = Callable[[MockState], tuple[Any, list[BaseRoute]]]


def default_channels() -> dict[str, ChannelFactory]:
    """Every channel, by name, in the order their routes are mounted (the admin routes come last)."""
    from mock_portal.dvcqg import factory as dvcqg
    from mock_portal.payment import factory as payment
    from mock_portal.sso import create_channel as sso

    return {"dvcqg": dvcqg, "payment": payment, "sso": sso}
