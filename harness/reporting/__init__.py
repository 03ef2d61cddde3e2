"""Certification reports and requirement coverage of the conformance suites.

- `collect_tagged_tests(dir)` and `suite_coverage(catalogue, profile, collected)`: which requirements the suites'
  `@pytest.mark.req` tags cover (`dvc-harness requirements coverage`).

Guide: docs/certify.md.
"""

from __future__ import annotations

from harness.reporting._collect import CollectedSuites, collect_tagged_tests, suite_coverage
from harness.reporting._suites import suites_dir

__all__ = [
    "CollectedSuites",
    "collect_tagged_tests",
    "suite_coverage",
    "suites_dir",
]
