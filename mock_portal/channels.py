"""The channels the mock serves. Each factory returns (its state object with `reset()`, its routes)."""

from __future__ import annotations

from mock_portal.app import ChannelFactory

CHANNELS: dict[str, ChannelFactory] = {}


def register(name: str, factory: ChannelFactory) -> None:
    CHANNELS[name] = factory


def _load() -> None:
    """Import the channel packages present (each registers itself)."""
    import importlib

    for module in ("mock_portal.dvcqg", "mock_portal.payment", "mock_portal.sso"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_load()
