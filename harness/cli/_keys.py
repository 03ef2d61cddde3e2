"""`dvc-harness keys generate`: an Ed25519 key pair for signing run directories."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("keys")
def keys_group() -> None:
    """Keys that sign run directories (see `certify --sign-key` and `verify --key`)."""


@keys_group.command("generate")
@click.option("--out", "out_dir", required=True, metavar="DIR", help="Directory of the two key files (created).")
def generate_command(out_dir: str) -> None:
    """Write a new Ed25519 key pair: DIR/signing-key.jwk (private, mode 0600) and DIR/signing-key.pub.jwk.

    Never overwrites a key file. Exit 0, or 2 when a key file exists or DIR cannot be written.
    """
    from harness.signing import generate_key_files, load_signing_key

    private_path, public_path = generate_key_files(Path(out_dir))
    click.echo(f"private key: {private_path}  (keep it secret: it signs in your name)")
    click.echo(f"public key:  {public_path}  (give it to whoever verifies your reports)")
    click.echo(f"fingerprint: {load_signing_key(private_path).fingerprint}")
