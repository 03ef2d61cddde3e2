"""Conformance-run machinery behind the pytest plugin: the national side and the SUT of a run, evidence
queries, waiting for the SUT's messages, per-requirement results.

Public: `ConformanceEnvironment`, `ConformanceOptions`, `Evidence`, `Exchange`, `ExchangeNotReceived`,
`RunResults`, `Faults`, `Observe` (what a test observed, the `dvc_observe` fixture), `accepted`, `items`,
`request_body`.
"""

from __future__ import annotations

from harness.conformance._environment import ConformanceEnvironment, ConformanceOptions
from harness.conformance._evidence import Evidence, Exchange, ExchangeNotReceived, accepted, items, request_body
from harness.conformance._faults import Faults
from harness.conformance._observations import Observe
from harness.conformance._results import STATES, RunResults, TestResult

__all__ = [
    "STATES",
    "ConformanceEnvironment",
    "ConformanceOptions",
    "Evidence",
    "Exchange",
    "ExchangeNotReceived",
    "Faults",
    "Observe",
    "RunResults",
    "TestResult",
    "accepted",
    "items",
    "request_body",
]
