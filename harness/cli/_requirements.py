"""`dvc-harness requirements list|coverage`: the requirement catalogue by regulation article, and whether every
SHALL requirement of a profile has a suite test, an attestation item or a not-tested reason (the CI gate)."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from harness.requirements import CoverageReport, Requirement, RequirementCatalogue, load_catalogue


@click.group("requirements")
def requirements_group() -> None:
    """The requirement catalogue (suites/requirements) and its coverage by the conformance suites."""


def _requirement_json(req: Requirement, catalogue: RequirementCatalogue) -> dict[str, Any]:
    return {
        "id": req.id,
        "citation": req.citation,
        "level": req.level.value,
        "testability": req.testability.value,
        "area": req.area.value,
        "summary_en": req.summary_en,
        "text_vi": req.text_vi,
        "reason": req.reason,
        "evidence": list(req.evidence),
        "related": list(req.related),
        "confidence": req.confidence.value,
        "source": req.source,
        "profiles": sorted(name for name, profile in catalogue.profiles.items() if req.id in profile),
    }


@requirements_group.command("list")
@click.option("--profile", default=None, help="Only the requirements active in this regulation profile.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def list_command(profile: str | None, as_json: bool) -> None:
    """List the requirements grouped by regulation article (the whole catalogue without --profile)."""
    catalogue = load_catalogue()
    view = catalogue.for_profile(profile) if profile else catalogue
    groups = view.by_article()
    if as_json:
        document = {
            "profile": view.profile_name,
            "requirements": len(view),
            "articles": [
                {
                    "regulation": regulation,
                    "article": article,
                    "requirements": [_requirement_json(req, catalogue) for req in reqs],
                }
                for (regulation, article), reqs in groups.items()
            ],
        }
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        return
    scope = f"profile {view.profile_name}" if view.profile_name else "the whole catalogue"
    click.echo(f"{len(view)} requirements in {scope}, {len(groups)} articles")
    for (regulation, article), reqs in groups.items():
        click.echo(f"\n{regulation} — {article}")
        for req in reqs:
            click.echo(f"  {req.id:<28} {req.level.value:<6} {req.testability.value:<11} {req.summary_en}")


@requirements_group.command("coverage")
@click.option("--profile", default=None, help="Regulation profile (default: the catalogue's default profile).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--suites",
    "suites_path",
    default=None,
    envvar="DVC_HARNESS_SUITES",
    hidden=True,
    help="Directory of suites to collect instead of the `suites` package.",
)
def coverage_command(profile: str | None, as_json: bool, suites_path: str | None) -> None:
    """Check that every SHALL requirement has a suite test, an attestation item or a not-tested reason.

    Exit 0 when covered; 3 when a SHALL requirement is missing or a test names an unknown requirement ID.
    """
    from harness.reporting import collect_tagged_tests, suite_coverage, suites_dir

    catalogue = load_catalogue()
    catalogue.profile(profile)  # an unknown profile is a usage error before anything is collected
    collected = collect_tagged_tests(suites_dir(suites_path))
    report = suite_coverage(catalogue, profile, collected)
    tests_by_id = collected.by_requirement()
    if as_json:
        document = {
            **report.to_dict(),
            "suites": str(collected.directory),
            "tests_collected": len(collected.tests),
            "untagged_tests": sorted(nodeid for nodeid, ids in collected.tests.items() if not ids),
            "unknown_id_tests": {rid: tests_by_id[rid] for rid in report.unknown_ids},
        }
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_coverage(report, tests_by_id)
    if not report.ok:
        sys.exit(3)


def _print_coverage(report: CoverageReport, tests_by_id: dict[str, list[str]]) -> None:
    click.echo(
        f"coverage of profile {report.profile}: {report.total} requirements — {len(report.tested)} tested, "
        f"{len(report.attested)} attested, {len(report.declared_not_tested)} declared not tested, "
        f"{len(report.optional_gaps)} SHOULD/MAY without a test, {len(report.missing)} SHALL missing"
    )
    if report.missing:
        click.echo("missing (SHALL, with no suite test, no attestation item and no not-tested reason):")
        for req in report.missing:
            click.echo(f"  {req.id:<28} {req.citation}: {req.summary_en}")
    if report.unknown_ids:
        click.echo("unknown requirement IDs named by suite tests:")
        for rid in report.unknown_ids:
            tests = tests_by_id[rid]
            more = f" (and {len(tests) - 1} more)" if len(tests) > 1 else ""
            click.echo(f"  {rid:<28} {tests[0]}{more}")
