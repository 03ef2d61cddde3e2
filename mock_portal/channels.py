"""The channels the mock serves. Each factory returns (its state object with `reset()`, its routes)."""

from __future__ import annotations

from mock_portal.app import ChannelFactory

CHANNELS: dict[str, ChannelFactory] = {}


def register(name: str, factory: ChannelFactory) -> None:
    CHANNELS[name] = factory


def _load() -> None:
    """Import the channel packages (each registers itself on import)."""
    import mock_portal.dvcqg
    import mock_portal.payment
    import mock_portal.sso  # noqa: F401


_load()
