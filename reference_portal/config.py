"""Reference portal configuration: defaults (the documented demo credentials), a TOML file, environment.

Precedence: explicit arguments (CLI flags) > environment (`DVC_SUT_*`) > `--config portal.toml` > defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError

ENV_PREFIX = "DVC_PORTAL_"


@dataclass(frozen=True)
class PortalConfig:
    host: str = "127.0.0.1"
    port: int = 8788
    #: where the national side (DVCQG, payment platform, SSO) answers
    national_url: str = "http://127.0.0.1:8787"
    #: the URL the national side uses to reach this portal (IPN, SSO redirect); default http://host:port
    public_url: str = ""
    #: SQLite file holding every dossier, history step, outbox entry and payment
    db: str = ".dvc-sut/portal.sqlite"
    control_token: str = "demo-control"
    #: the one-stop officer's login for /api/officer (HTTP Basic); demo values for tests and local runs only,
    #: set your own in any shared deployment; an empty username or password turns the officer endpoints off
    officer_username: str = "canbo"
    officer_password: str = "canbo"
    # credentials toward DVCQG
    dvcqg_username: str = "demo"
    dvcqg_password: str = "demo"
    #: the province's own code, sent as `madonvi` in every envelope
    province_agency: str = "000.00.00.H56"
    #: the receiving agency (bộ phận một cửa): the first segment of every MaHoSo
    receiving_agency: str = "000.00.01.H56"
    receiving_agency_name: str = "Bộ phận Một cửa UBND tỉnh Thanh Hóa"
    # payment platform
    payment_partner: str = "DEMO"
    payment_secret: str = "demo-secret"
    # SSO client registered with the national OIDC provider
    sso_client_id: str = "demo-client"
    sso_client_secret: str = "demo-secret"
    # outbox behaviour
    sync_poll_s: float = 0.2
    sync_retry_base_s: float = 0.2
    sync_retry_max_s: float = 5.0
    http_timeout_s: float = 6.0
    #: pending payments are polled with QUERY this often
    payment_poll_s: float = 2.0
    #: violations the inbound endpoints look for and count in a refusal; past them "more than N" (bounded work)
    max_violations: int = 100
    #: extra weekdays off (yyyy-mm-dd) on top of the calendar files data/workdays-YYYY.toml
    holidays: tuple[str, ...] = ()
    #: defect switches (IDs of reference_portal/defects/*.toml); for the project's own tests only
    defects: frozenset[str] = field(default_factory=frozenset)

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def with_overrides(self, **values: Any) -> PortalConfig:
        return replace(self, **{k: v for k, v in values.items() if v is not None})


_FIELDS = {f.name: f for f in fields(PortalConfig)}


def _coerce(name: str, value: Any, where: str) -> Any:
    kind = _FIELDS[name].type
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{where}: {name} must be a number, got {value!r}") from None
    if kind == "frozenset[str]" or kind == "tuple[str, ...]":
        items = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list | tuple | set | frozenset) or not all(isinstance(i, str) for i in items):
            raise UsageError(f"{where}: {name} must be a list of strings, got {value!r}")
        cleaned = [i for i in items if i]
        return frozenset(cleaned) if kind == "frozenset[str]" else tuple(cleaned)
    if not isinstance(value, str | int | float):
        raise UsageError(f"{where}: {name} must be a string, got {value!r}")
    return str(value)


def load_portal_config(path: str | None = None, env: dict[str, str] | None = None, **overrides: Any) -> PortalConfig:
    values: dict[str, Any] = {}
    if path:
        try:
            with Path(path).open("rb") as handle:
                document = tomllib.load(handle)
        except FileNotFoundError:
            raise UsageError(f"portal configuration file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"portal configuration file {path} is not valid TOML: {exc}") from None
        for key, value in document.items():
            if key not in _FIELDS:
                known = ", ".join(sorted(_FIELDS))
                raise UsageError(f"{path}: unknown key {key!r} (known: {known})")
            values[key] = _coerce(key, value, str(path))
    for key, raw in (env if env is not None else os.environ).items():
        name = key[len(ENV_PREFIX) :].lower()
        if key.startswith(ENV_PREFIX) and name in _FIELDS:
            values[name] = _coerce(name, raw, f"environment {key}")
    for key, value in overrides.items():
        if value is not None:
            values[key] = _coerce(key, value, "option") if key in ("defects", "holidays") else value
    config = PortalConfig(**values)
    if config.max_violations < 1:
        raise UsageError(f"portal configuration: max_violations must be at least 1, got {config.max_violations}")
    from reference_portal.defects import check_defects

    check_defects(config.defects)
    return config
