"""Fault injection on the national side during a run (the mock's `/_admin/faults`): the suites make DVCQG
fail in the ways production does and check that the SUT recovers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from harness.core.errors import HarnessError


@dataclass
class Faults:
    client: httpx.Client

    def add(self, **rule: Any) -> int:
        """One rule (`kind`, `service`/`path`, `count`, `probability`, ...); returns its id."""
        response = self.client.post("/_admin/faults", json=rule)
        if response.status_code not in (200, 201):
            raise HarnessError(f"the national mock refused the fault rule {rule}: {response.text[:300]}")
        added = response.json()
        return int((added[0] if isinstance(added, list) else added)["id"])

    def fired(self, rule_id: int) -> int:
        for rule in self.client.get("/_admin/faults").json():
            if rule["id"] == rule_id:
                return int(rule["fired"])
        return 0

    def clear(self) -> None:
        self.client.delete("/_admin/faults")
