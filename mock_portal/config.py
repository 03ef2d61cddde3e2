"""Mock configuration: defaults (the documented demo credentials, README), a TOML file, environment variables.

Precedence: explicit arguments (CLI flags) > environment (`DVC_MOCK_*`) > `--config mock.toml` > defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError

ENV_PREFIX = "DVC_MOCK_"
# `dvc-harness mock serve` without a store: a durable file (evidence and national state survive restarts).
# The library default (MockConfig.store: tests, the pytest plugin, certify's own mock) stays in memory.
SERVE_STORE = "sqlite:///.dvc-mock/national.sqlite"


@dataclass(frozen=True)
class Account:
    """A DVCQG integration account and the agencies it may speak for (level-1 code, e.g. H56)."""

    username: str
    password: str
    province: str


@dataclass(frozen=True)
class MockConfig:
    host: str = "127.0.0.1"
    port: int = 8787
    store: str = "sqlite:///:memory:"
    profile: str = "strict"
    session_ttl_s: float = 600.0
    max_body_bytes: int = 1_048_576
    #: violations listed per refused packet; the rest are counted or said to be "more" (bounded work)
    max_violations: int = 100
    admin_token: str = "demo-admin"
    accounts: tuple[Account, ...] = (Account("demo", "demo", "H56"),)
    payment_partner: str = "DEMO"
    payment_secret: str = "demo-secret"
    sso_client_id: str = "demo-client"
    sso_client_secret: str = "demo-secret"
    sut_ipn_url: str = ""
    catalogue_file: str = ""
    faults_file: str = ""
    #: pseudonymise personal data in evidence exports (NĐ 13/2023; mock_portal.evidence.pseudonymise). Off here,
    #: for the in-process mocks fed by synthetic data (certify, tests, the pytest plugin); `mock serve`, which
    #: may be fed real traffic, turns it on unless the flag, environment or file says otherwise
    redact_personal: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def with_overrides(self, **values: Any) -> MockConfig:
        return replace(self, **{k: v for k, v in values.items() if v is not None})


_SCALARS = {f.name: f for f in fields(MockConfig) if f.name not in ("accounts", "extra")}


def _coerce(name: str, value: Any) -> Any:
    kind = _SCALARS[name].type
    if kind == "bool":
        return _flag(name, value)
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except (TypeError, ValueError):
        raise UsageError(f"mock configuration: {name} must be a number, got {value!r}") from None
    return str(value)


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"mock configuration: {name} must be true or false, got {value!r}")


def load_config(
    path: str | None = None,
    env: dict[str, str] | None = None,
    defaults: dict[str, Any] | None = None,
    **overrides: Any,
) -> MockConfig:
    """`defaults` replace MockConfig's own below the file, the environment and `overrides`."""
    values: dict[str, Any] = dict(defaults or {})
    extra: dict[str, Any] = {}
    accounts: tuple[Account, ...] | None = None
    if path:
        try:
            with Path(path).open("rb") as handle:
                document = tomllib.load(handle)
        except FileNotFoundError:
            raise UsageError(f"mock configuration file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"mock configuration file {path} is not valid TOML: {exc}") from None
        for key, value in document.items():
            if key in _SCALARS:
                values[key] = _coerce(key, value)
            elif key == "accounts":
                try:
                    accounts = tuple(Account(a["username"], a["password"], a["province"]) for a in value)
                except (KeyError, TypeError):
                    raise UsageError(f"{path}: each [[accounts]] needs username, password, province") from None
            else:
                extra[key] = value
    for key, raw in (env if env is not None else os.environ).items():
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() in _SCALARS:
            name = key[len(ENV_PREFIX) :].lower()
            values[name] = _coerce(name, raw)
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    config = MockConfig(**values, extra=extra)
    if accounts is not None:
        config = replace(config, accounts=accounts)
    if config.profile not in ("strict", "lenient"):
        raise UsageError(f"mock configuration: profile must be strict or lenient, got {config.profile!r}")
    if config.max_violations < 1:
        raise UsageError(f"mock configuration: max_violations must be at least 1, got {config.max_violations}")
    return config
