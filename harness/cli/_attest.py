"""`dvc-harness attest DIR`: the certification officer settles an item with attached evidence; the report is
recomputed, rendered again and signed again (harness.reporting._attest)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("attest")
@click.argument("directory", metavar="DIR")
@click.option("--item", "requirement", required=True, metavar="REQ-ID", help="The requirement attested.")
@click.option("--file", "files", multiple=True, required=True, metavar="F", help="Evidence to attach (repeatable).")
@click.option("--by", "officer", required=True, metavar="NAME", help="Who attests (name, position).")
@click.option("--verdict", type=click.Choice(["pass", "fail"]), required=True, help="The officer's verdict.")
@click.option("--note", default="", help="What was checked, and how.")
@click.option(
    "--sign-key",
    required=True,
    envvar="DVC_HARNESS_SIGN_KEY",
    metavar="FILE",
    help="The officer's private JWK (dvc-harness keys generate): the run directory is signed again with it.",
)
def attest_command(
    directory: str, requirement: str, files: tuple[str, ...], officer: str, verdict: str, note: str, sign_key: str
) -> None:
    """Attest an item of a certification run (Xác nhận của cán bộ).

    Copies the files into DIR/attachments/REQ-ID/, records who attested what and when, recomputes the verdicts,
    re-renders report.html and certificate.pdf and signs the directory again. Exit 0; 2 with one line when DIR,
    the item, a file or the key cannot be used (DIR must verify intact first).
    """
    from harness.reporting._attest import attest

    report = attest(
        Path(directory), requirement, list(files), by=officer, verdict=verdict, note=note, sign_key=sign_key
    )
    settled = next(r for r in report.requirements if r.id == requirement)
    click.echo(f"{requirement}: {settled.verdict.label_vi} / {settled.verdict.label} (attested by {officer})")
    overall = report.verdict
    key = report.signing.key_fingerprint
    click.echo(f"Kết quả / Verdict: {overall.label_vi} ({overall.label_en}); signed by key {key}")
