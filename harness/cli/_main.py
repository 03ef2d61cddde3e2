"""Top-level command group; sub-commands live in their own modules."""

from __future__ import annotations

import sys

import click

from harness import __version__
from harness.cli._attest import attest_command
from harness.cli._catalogue_cmds import rules_command, types_command
from harness.cli._certify import certify_command
from harness.cli._keys import keys_group
from harness.cli._mock import mock_group
from harness.cli._requirements import requirements_group
from harness.cli._sut import sut_group
from harness.cli._validate import validate_command
from harness.cli._verify import verify_command
from harness.core.errors import HarnessError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "DVC_HARNESS"})
@click.version_option(__version__, prog_name="dvc-harness")
def cli() -> None:
    """Conformance harness and mock national portal for Vietnamese e-government data exchange.

    Exit codes: 0 all passed/valid, 1 invalid packet (validate), 2 usage or configuration error,
    3 conformance failures, 4 internal or SUT-unreachable error.
    """


cli.add_command(validate_command)
cli.add_command(types_command)
cli.add_command(rules_command)
cli.add_command(mock_group)
cli.add_command(sut_group)
cli.add_command(certify_command)
cli.add_command(requirements_group)
cli.add_command(keys_group)
cli.add_command(verify_command)
cli.add_command(attest_command)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="dvc-harness", standalone_mode=True)
    except HarnessError as exc:
        click.echo(f"dvc-harness: {exc}", err=True)
        sys.exit(exc.exit_code)
