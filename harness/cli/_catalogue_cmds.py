"""`dvc-harness types` and `dvc-harness rules`: the catalogues, for humans and scripts."""

from __future__ import annotations

import click
import orjson

from harness.specs import load_catalogue


@click.command("types")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def types_command(as_json: bool) -> None:
    """List the packet types `validate --type` accepts."""
    catalogue = load_catalogue()
    rows = [
        {
            "type": t.name,
            "family": t.family,
            "direction": t.direction,
            "schema": t.schema,
            "xml": t.xml,
            "detected_by": dict(t.detect) or dict(t.detect_items) or None,
            "description": t.description,
        }
        for t in sorted(catalogue.types.values(), key=lambda t: (t.family, t.name))
    ]
    if as_json:
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    for row in rows:
        xml = " (json, xml)" if row["xml"] else ""
        click.echo(f"{row['type']:<40} {row['family']:<8} {row['description']}{xml}")


@click.command("rules")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--profile",
    type=click.Choice(["strict", "lenient"]),
    default=None,
    help="Only the rules reported under this profile.",
)
def rules_command(as_json: bool, profile: str | None) -> None:
    """List the rule catalogue: ID, kind, profiles, confidence, source."""
    catalogue = load_catalogue()
    rules = sorted(catalogue.rules.values(), key=lambda r: r.id)
    if profile:
        rules = [r for r in rules if profile in r.profiles]
    if as_json:
        rows = [
            {
                "id": r.id,
                "kind": r.kind,
                "profiles": sorted(r.profiles),
                "confidence": r.confidence,
                "source": r.source,
                "title": r.title,
                "fix": r.fix,
            }
            for r in rules
        ]
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    for r in rules:
        profiles = "/".join(sorted(r.profiles))
        click.echo(f"{r.id:<30} {r.kind:<8} {profiles:<15} [{r.confidence}] {r.title}  ({r.source})")
