"""`dvc-harness sut serve|defects`: the bundled reference provincial portal (the default SUT)."""

from __future__ import annotations

import contextlib
import json

import click


@click.group("sut")
def sut_group() -> None:
    """The bundled reference provincial portal (the system certified when no --sut is given)."""


@sut_group.command("serve")
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="TCP port (default 8788).")
@click.option(
    "--national-url", default=None, help="The national side: DVCQG, payment, SSO (default http://127.0.0.1:8787)."
)
@click.option(
    "--public-url", default=None, help="The URL the national side reaches this portal at (IPN, SSO redirect)."
)
@click.option("--db", default=None, help="SQLite file of the portal (default .dvc-sut/portal.sqlite).")
@click.option(
    "--config", "config_file", default=None, type=click.Path(dir_okay=False), help="portal.toml (keys of PortalConfig)."
)
@click.option(
    "--defect",
    "defects",
    multiple=True,
    help="Start with a deliberate defect (repeatable; `dvc-harness sut defects` lists them). For self-tests only.",
)
def serve_command(
    host: str | None,
    port: int | None,
    national_url: str | None,
    public_url: str | None,
    db: str | None,
    config_file: str | None,
    defects: tuple[str, ...],
) -> None:
    """Serve the reference portal until interrupted; prints its URLs and control token (the demo one in clear,
    any other masked)."""
    from harness.cli._banner import shown
    from harness.launcher import check_port, load_portal_config, portal_config, serve_portal

    config = load_portal_config(
        config_file,
        host=host,
        port=port,
        national_url=national_url,
        public_url=public_url,
        db=db,
        defects=list(defects) or None,
    )
    check_port(config.host, config.port)  # a busy port: one line before the banner (a freed one is fine at once)
    base = config.base_url
    click.echo(f"dvc-harness reference portal on {base} (national side {config.national_url})")
    token = shown(config.control_token, portal_config().control_token)
    click.echo(f"  control API  {base}/_control/health  token {token}")
    click.echo(f"  IPN          {base}/payment/ipn")
    click.echo(f"  SSO login    {base}/auth/login")
    click.echo(f"  database     {config.db}")
    if config.defects:
        click.echo(f"  DEFECTS ON   {', '.join(sorted(config.defects))} (deliberately non-conformant)", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        serve_portal(config)


@sut_group.command("defects")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def defects_command(as_json: bool) -> None:
    """List the reference portal's defect switches and the requirements each must make fail."""
    from harness.launcher import reference_defects

    catalogue = reference_defects()
    if as_json:
        click.echo(json.dumps([d.__dict__ for d in catalogue.values()], ensure_ascii=False, indent=2))
        return
    for defect in catalogue.values():
        click.echo(f"{defect.id:32} {defect.area:10} {defect.title}  → {', '.join(defect.requirements)}")
