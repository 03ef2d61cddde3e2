"""The requirement catalogue as data: testable clauses of TT 22/2019, QCVN 120:2019 (one requirement per packet
rule), NĐ 61/2018, TT 01/2018, the payment platform and SSO, and the regulation profiles that select them.

Data: `suites/requirements/*.toml` (see `docs/requirements.md`). Typical use:

    catalogue = load_catalogue()
    active = catalogue.for_profile("tt22-2019")
    for (regulation, article), reqs in active.by_article().items(): ...
    report = coverage(catalogue, "tt22-2019", tested_ids, attested_ids)
"""

from __future__ import annotations

from harness.requirements.coverage import CoverageReport, RuleSync, coverage, sync_with_rules
from harness.requirements.errors import (
    RequirementCatalogueError,
    UnknownProfileError,
    UnknownRequirementError,
    UnknownThresholdError,
)
from harness.requirements.loader import (
    ENV_VAR,
    RequirementCatalogue,
    default_profile,
    load_catalogue,
    requirements_root,
)
from harness.requirements.model import (
    Area,
    Comparison,
    Confidence,
    Level,
    ProfileStatus,
    RegulationProfile,
    Requirement,
    Testability,
    TextSource,
    Threshold,
)

__all__ = [
    "ENV_VAR",
    "Area",
    "Comparison",
    "Confidence",
    "CoverageReport",
    "Level",
    "ProfileStatus",
    "RegulationProfile",
    "Requirement",
    "RequirementCatalogue",
    "RequirementCatalogueError",
    "RuleSync",
    "Testability",
    "TextSource",
    "Threshold",
    "UnknownProfileError",
    "UnknownRequirementError",
    "UnknownThresholdError",
    "coverage",
    "default_profile",
    "load_catalogue",
    "requirements_root",
    "sync_with_rules",
]
