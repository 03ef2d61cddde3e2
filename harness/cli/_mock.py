"""`dvc-harness mock serve`: the mock national portal, payment platform and SSO on one server."""

from __future__ import annotations

import click

from harness.core.errors import UsageError


@click.group("mock")
def mock_group() -> None:
    """The mock national side (DVCQG, payment platform, SSO)."""


@mock_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8787, show_default=True, type=int, help="TCP port.")
@click.option("--store", default=None, help="Evidence store: sqlite:///path, sqlite:///:memory: or postgresql://...")
@click.option(
    "--config",
    "config_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="mock.toml (every key of MockConfig; [[accounts]]; faults_file ...).",
)
@click.option(
    "--profile",
    type=click.Choice(["strict", "lenient"]),
    default=None,
    help="Validation profile for incoming packets (default strict).",
)
@click.option("--sut-ipn-url", default=None, help="Where the payment platform sends IPNs.")
def serve_command(
    host: str, port: int, store: str | None, config_file: str | None, profile: str | None, sut_ipn_url: str | None
) -> None:
    """Serve the mock until interrupted. Prints the base URL and the demo credentials."""
    from mock_portal.config import load_config
    from mock_portal.server import check_port, serve_forever

    config = load_config(config_file, host=host, port=port, store=store, profile=profile, sut_ipn_url=sut_ipn_url)
    if not config.host.startswith("127.") and config.host not in ("localhost", "::1"):
        click.echo(f"warning: listening on {config.host}: the demo credentials are public", err=True)
    check_port(config.host, config.port)
    base = config.base_url
    account = config.accounts[0]
    click.echo(f"dvc-harness mock national portal on {base}")
    click.echo(
        f"  DVCQG      {base}/dvcqg/auth  account {account.username}/{account.password} "
        f"(province {account.province}, madonvi 000.00.00.{account.province})"
    )
    click.echo(f"  payment    {base}/payment/init  MaDoiTac={config.payment_partner} secret={config.payment_secret}")
    click.echo(
        f"  SSO        {base}/sso/.well-known/openid-configuration  client "
        f"{config.sso_client_id}/{config.sso_client_secret}"
    )
    click.echo(f"  admin      {base}/_admin/health  token {config.admin_token}")
    click.echo(f"  evidence   {config.store}")
    try:
        serve_forever(config)
    except UsageError:
        raise
    except KeyboardInterrupt:
        pass
