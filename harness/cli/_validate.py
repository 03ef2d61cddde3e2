"""`dvc-harness validate FILE...`: the violations with rule ID, JSON pointer, message and source.

Bounded by two options: an input larger than --max-bytes is refused unread (exit 2), and at most
--max-violations violations are listed per packet, with how many were found ("N of M", or "more than N"
when the validator stopped looking).
"""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from harness.core.errors import UsageError
from harness.core.violations import DEFAULT_MAX_VIOLATIONS, ValidationResult
from harness.specs import load_catalogue
from harness.validation.files import DEFAULT_MAX_BYTES, validate_file
from harness.validation.validator import DEFAULT_SECRET

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--type",
    "type_name",
    metavar="TYPE",
    help="Packet type (see `dvc-harness types`); detected from service / LoaiBanTin when absent.",
)
@click.option(
    "--profile",
    type=click.Choice(["strict", "lenient"]),
    default="strict",
    show_default=True,
    help="strict = certification; lenient = what real clients get away with.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one object per file).")
@click.option(
    "--secret", default=DEFAULT_SECRET, show_default=True, help="Payment partner secret for MaXacThuc checksums."
)
@click.option(
    "--agency",
    metavar="CODE",
    default=None,
    help="Caller's agency code, for forms without an envelope (adapter MaDinhDanhDV).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse a larger input (exit 2) without reading it whole.",
)
@click.option(
    "--max-violations",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_VIOLATIONS,
    show_default=True,
    help="Violations listed per packet; the rest are counted, or said to be more.",
)
def validate_command(
    files: tuple[str, ...],
    type_name: str | None,
    profile: str,
    as_json: bool,
    secret: str,
    agency: str | None,
    max_bytes: int,
    max_violations: int,
) -> None:
    """Validate packet files (JSON or XML; `-` reads standard input).

    Exit 0 when every file is valid, 1 when a packet is invalid, 2 when a file cannot be used (unreadable,
    not a packet, or larger than --max-bytes).
    """
    if type_name is not None:
        try:
            load_catalogue().packet_type(type_name)
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
    outcomes: list[dict[str, Any]] = []
    exit_code = EXIT_VALID
    for name in files:
        try:
            result = validate_file(
                name,
                type_name,
                profile,
                secret=secret,
                agency=agency,
                max_bytes=max_bytes,
                max_violations=max_violations,
            )
        except UsageError as exc:
            exit_code = EXIT_USAGE
            click.echo(f"dvc-harness: {exc}", err=True)
            outcomes.append({"file": name, "valid": False, "type": type_name, "violations": [], "error": str(exc)})
            continue
        if not result.valid and exit_code == EXIT_VALID:
            exit_code = EXIT_INVALID
        outcomes.append({"file": name, **result.to_dict()})
        if not as_json:
            _print_human(name, result)
    if as_json:
        payload: Any = outcomes[0] if len(outcomes) == 1 else outcomes
        sys.stdout.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.exit(exit_code)


def _print_human(name: str, result: ValidationResult) -> None:
    if result.valid:
        click.echo(f"{click.style('valid', fg='green')}    {name}  [{result.type}, {result.profile}]")
        return
    click.echo(
        f"{click.style('INVALID', fg='red', bold=True)}  {name}  [{result.type}, {result.profile}] "
        f"{result.count_text()}"
    )
    for violation in result.violations:
        click.echo(f"  {click.style(violation.rule, bold=True)}  at {violation.pointer or '/'}")
        click.echo(f"      {violation.message}")
        click.echo(f"      source: {violation.source}")
    if result.truncated:
        total = result.violation_count
        more = f"{result.omitted} more" if total is not None else "more (not counted: the validator stopped looking)"
        click.echo(f"  ... and {more}; --max-violations lists more")
