"""The test applicants the suites use, public for the load scenarios (`loadtests/portal.py`) that create the
same dossiers: the procedure without a fee and `applicant(rng)`. Defined in `suites._support`."""

from __future__ import annotations

from suites._support import PROCEDURE, applicant

__all__ = ["PROCEDURE", "applicant"]
