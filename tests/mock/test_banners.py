"""Start-up banners (`dvc-harness mock serve`, `dvc-harness sut serve`): the documented demo credentials in clear,
every other configured secret masked; the mock says whether its exports pseudonymise personal data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from harness.cli._main import cli
from mock_portal.server import free_port

SECRETS = {
    "DVC_MOCK_ADMIN_TOKEN": "adm-9f3e1c77d2",
    "DVC_MOCK_PAYMENT_SECRET": "pay-51b0aa93e4",
    "DVC_MOCK_SSO_CLIENT_SECRET": "sso-c4d2e8f170",
}
ACCOUNT = '[[accounts]]\nusername = "h56-tichhop"\npassword = "pw-7e5d0b9c2a"\nprovince = "H56"\n'


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """The banner only: the servers are not started."""
    monkeypatch.setattr("mock_portal.server.serve_forever", lambda config: None)
    monkeypatch.setattr("reference_portal.server.serve_portal_forever", lambda config: None)
    for name in (*SECRETS, "DVC_MOCK_REDACT_PERSONAL", "DVC_PORTAL_CONTROL_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> Result:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False, **kwargs)
    assert result.exit_code == 0, result.output
    return result


def mock_serve(*extra: str, env: dict[str, str] | None = None) -> Result:
    return run("mock", "serve", "--port", str(free_port()), "--store", "memory", *extra, env=env)


def test_the_demo_credentials_are_printed_in_clear() -> None:
    output = mock_serve().output
    assert "account demo/demo" in output and "secret=demo-secret" in output and "demo-client/demo-secret" in output
    assert "token demo-admin" in output and "*** (set)" not in output
    assert "personal   pseudonymised in exports" in output  # `mock serve` may see real traffic


def test_configured_secrets_are_masked(tmp_path: Path) -> None:
    config = tmp_path / "mock.toml"
    config.write_text(ACCOUNT, encoding="utf-8")
    output = mock_serve("--config", str(config), env=SECRETS).output
    leaked = [value for value in (*SECRETS.values(), "pw-7e5d0b9c2a", "h56-tichhop") if value in output]
    assert not leaked
    assert output.count("*** (set)") == 4
    assert "MaDoiTac=DEMO" in output and "client demo-client/" in output  # identifiers, not secrets


def test_listening_beyond_loopback_warns_only_about_demo_credentials(tmp_path: Path) -> None:
    warned = mock_serve("--host", "0.0.0.0").output
    assert "public demo credentials" in warned and "admin token" in warned
    config = tmp_path / "mock.toml"
    config.write_text(ACCOUNT, encoding="utf-8")
    quiet = mock_serve("--host", "0.0.0.0", "--config", str(config), env=SECRETS).output
    assert "public demo credentials" not in quiet


def test_personal_data_in_clear_when_asked() -> None:
    assert "personal   in clear in exports" in mock_serve("--no-redact-personal").output
    assert "personal   in clear" in mock_serve(env={"DVC_MOCK_REDACT_PERSONAL": "false"}).output


def test_the_portal_control_token_is_masked_unless_it_is_the_demo_one(tmp_path: Path) -> None:
    db = str(tmp_path / "portal.sqlite")
    demo = run("sut", "serve", "--port", str(free_port()), "--db", db).output
    assert "token demo-control" in demo
    own = run("sut", "serve", "--port", str(free_port()), "--db", db, env={"DVC_PORTAL_CONTROL_TOKEN": "ctl-2b8e9d"})
    assert "ctl-2b8e9d" not in own.output and "token *** (set)" in own.output
