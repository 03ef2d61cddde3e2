"""`dvc-harness verify DIR`: check a signed run directory against its manifest and signature."""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_OK, EXIT_PROBLEMS = 0, 3  # 2 (usage) comes from UsageError, see harness.cli._main


@click.command("verify")
@click.argument("directory", metavar="DIR")
@click.option(
    "--key",
    "key_file",
    metavar="PUBLIC.jwk",
    default=None,
    envvar="DVC_HARNESS_VERIFY_KEY",
    help="Public key the run must be signed with (default: accept the key the run carries).",
)
def verify_command(directory: str, key_file: str | None) -> None:
    """Check that no file of a signed run directory was changed, removed or added since it was signed.

    Exit 0 when every file matches, 3 with one line per problem (CHANGED, MISSING, EXTRA, BAD-SIGNATURE,
    UNTRUSTED-KEY), 2 when DIR, its manifest or the key file cannot be used.
    """
    from harness.signing import load_public_key, verify_directory

    trusted = load_public_key(key_file) if key_file else None
    result = verify_directory(Path(directory), trusted)
    if not result.ok:
        for problem in result.problems:
            click.echo(problem)
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"OK {result.files} files, signed by key {result.fingerprint}")
    if trusted is not None:
        click.echo(f"key checked: the signing key is the one of {key_file}")
    else:
        click.echo(
            "key not checked (no --key): the files are as they were signed, but not who signed them; "
            "pass the signer's public key with --key"
        )
    sys.exit(EXIT_OK)
