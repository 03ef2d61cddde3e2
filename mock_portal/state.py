"""The running mock's shared state: configuration, evidence store, faults, and each channel's domain state."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mock_portal.config import MockConfig
from mock_portal.evidence import EvidenceStore
from mock_portal.faults import FaultEngine


class Resettable(Protocol):
    def reset(self) -> None: ...


@dataclass
class MockState:
    config: MockConfig
    store: EvidenceStore
    faults: FaultEngine
    clock: Callable[[], float] = time.time
    channels: dict[str, Any] = field(default_factory=dict)  # "dvcqg" → its state object, ...

    def reset(self) -> None:
        """Forget every dossier, payment, session and fault (evidence is cleared separately)."""
        for channel in self.channels.values():
            reset = getattr(channel, "reset", None)
            if callable(reset):
                reset()
        self.faults.clear()
