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
@click.option(
    "--store",
    default=None,
    help="Where evidence and the national state (synced dossiers) are kept: sqlite:///path (default "
    "sqlite:///.dvc-mock/national.sqlite, survives restarts), postgresql://... or memory (volatile).",
)
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
@click.option(
    "--redact-personal/--no-redact-personal",
    default=None,
    help="Pseudonymise personal data (names, CCCD, phones, e-mails, addresses) in evidence exports and the "
    "reports made from them (NĐ 13/2023). Default on for `mock serve` (it may see real traffic); "
    "env DVC_MOCK_REDACT_PERSONAL, config key redact_personal.",
)
def serve_command(
    host: str,
    port: int,
    store: str | None,
    config_file: str | None,
    profile: str | None,
    sut_ipn_url: str | None,
    redact_personal: bool | None,
) -> None:
    """Serve the mock until interrupted. Prints the base URL and the demo credentials (others masked)."""
    from harness.cli._banner import SET, UNSET, shown, shown_pair
    from harness.launcher import check_port, load_served_mock_config, mock_config, serve_mock

    config = load_served_mock_config(
        config_file,
        host=host,
        port=port,
        store=store,
        profile=profile,
        sut_ipn_url=sut_ipn_url,
        redact_personal=redact_personal,
    )
    demo = mock_config()
    account, demo_account = config.accounts[0], demo.accounts[0]
    credentials = {
        "DVCQG account": shown_pair(account.username, account.password, demo_account.username, demo_account.password),
        "payment secret": shown(config.payment_secret, demo.payment_secret),
        "SSO client secret": shown(config.sso_client_secret, demo.sso_client_secret),
        "admin token": shown(config.admin_token, demo.admin_token),
    }
    public = [name for name, value in credentials.items() if value not in (SET, UNSET)]
    if public and not config.host.startswith("127.") and config.host not in ("localhost", "::1"):
        click.echo(f"warning: listening on {config.host} with public demo credentials: {', '.join(public)}", err=True)
    check_port(config.host, config.port)
    base = config.base_url
    click.echo(f"dvc-harness mock national portal on {base}")
    click.echo(
        f"  DVCQG      {base}/dvcqg/auth  account {credentials['DVCQG account']} "
        f"(province {account.province}, madonvi 000.00.00.{account.province})"
    )
    click.echo(
        f"  payment    {base}/payment/init  MaDoiTac={config.payment_partner} secret={credentials['payment secret']}"
    )
    click.echo(
        f"  SSO        {base}/sso/.well-known/openid-configuration  client "
        f"{config.sso_client_id}/{credentials['SSO client secret']}"
    )
    click.echo(f"  admin      {base}/_admin/health  token {credentials['admin token']}")
    click.echo(f"  evidence   {_store_line(config.store)}")
    personal = "pseudonymised in exports" if config.redact_personal else "in clear in exports (synthetic data only)"
    click.echo(f"  personal   {personal}")
    try:
        serve_mock(config)
    except UsageError:
        raise
    except KeyboardInterrupt:
        pass


def _store_line(url: str) -> str:
    """The store, and whether what the mock keeps survives a restart (credentials of database URLs hidden)."""
    shown = url
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        shown = f"{scheme}://{rest.split('@')[-1]}"
    if url in ("memory", "sqlite:///:memory:", "sqlite://"):
        return f"{shown} (volatile: evidence and DVCQG state are lost when the mock stops)"
    return f"{shown} (durable: evidence and DVCQG state survive a restart)"
