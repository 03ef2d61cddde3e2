"""The SUT description: `sut.toml`, overridden key by key by `DVC_SUT_<SECTION>_<KEY>` environment variables.

Every problem is one `SutConfigError` line naming the file (or the variable) and the key; nothing is guessed
and nothing unknown is ignored (a typo would silently skip a suite).
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.core.jsontypes import json_type
from harness.sut._errors import SutConfigError

ENV_PREFIX = "DVC_SUT_"

#: optional capabilities a SUT may declare; the suites of an undeclared capability are skipped, not failed
CAPABILITIES: tuple[str, ...] = (
    "payment",  # national payment platform: INIT, IPN, QUERY, GET_BILL
    "sso",  # single sign-on with the national identity provider (OIDC)
    "inbound",  # endpoints DVCQG pushes to (docs/reference/dvcqg-interfaces.md §10)
    "ratings",  # DongBoDanhGia
    "statistics",  # DongBoThongKeHoSo
    "public_lookup",  # anyone looks a dossier up by MaHoSo (no personal data); its owner sees the history
    "qa",  # Q&A: DongBoHoiDap, DongBoKetQuaHoiDapGuiTuDVCQG
    "catalogue",  # the procedure catalogue published with service levels (GET /api/procedures)
    "web",  # HTML pages for people (lang vi, phone viewport), robots.txt + sitemap.xml, GET /api/my/dossiers
    "restart",  # the harness may restart the SUT (the embedded reference portal) to check the outbox survives
    "clock",  # POST /_control/clock: the harness may shift the SUT's clock (a flow in the afternoon, at midnight)
)
DEFAULT_SYNC_DELAY_S = 10.0


@dataclass(frozen=True, slots=True)
class NationalCredentials:
    """What the SUT uses toward DVCQG: its integration account and the agency it speaks for (`madonvi`)."""

    username: str
    password: str = field(repr=False)
    madonvi: str

    @property
    def province(self) -> str:
        """The level-1 unit of `madonvi` (`H56` for `000.00.00.H56`): the province the account belongs to."""
        return self.madonvi.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """The SUT as a partner of the national payment platform."""

    ma_doi_tac: str
    ipn_url: str
    #: the checksum secret the platform shared with it (`MaXacThuc`); empty: the national side's own default
    secret: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class SsoSettings:
    """The SUT as an OIDC client of the national identity provider."""

    client_id: str
    redirect_uri: str
    #: empty: the national side's own default for the client
    client_secret: str = field(default="", repr=False)
    post_logout_redirect_uri: str = ""


@dataclass(frozen=True, slots=True)
class SutDescription:
    """One system under test, as `sut.toml` describes it."""

    name: str
    base_url: str
    control_url: str
    control_token: str = field(repr=False)
    national: NationalCredentials
    payment: PaymentSettings | None = None
    sso: SsoSettings | None = None
    capabilities: frozenset[str] = frozenset()
    #: how long a suite waits for a sync message from the SUT before it fails
    sync_delay_s: float = DEFAULT_SYNC_DELAY_S
    #: `module:factory` of a Python `SutDriver` to use instead of the HTTP control API (see `connect`)
    driver: str | None = None
    #: `api` (the control API or `driver`) or `interactive` (a human tester performs every step, `[control] mode`)
    control_mode: str = "api"
    #: where the description came from (a path, or `<mapping>`), for messages
    source: str = field(default="<mapping>", compare=False)

    def declares(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def interactive(self) -> bool:
        """No control API: a human tester plays each step in the SUT's own screens (docs/sut.md)."""
        return self.control_mode == "interactive"

    def as_dict(self, *, redact: bool = True) -> dict[str, Any]:
        """The description in `sut.toml`'s shape, secrets replaced by `***` unless `redact=False` (for reports)."""

        def secret(value: str) -> str:
            return "***" if redact else value

        document: dict[str, Any] = {
            "sut": {
                "name": self.name,
                "base_url": self.base_url,
                "control_url": self.control_url,
                **({"control_token": secret(self.control_token)} if self.control_token else {}),
                **({"driver": self.driver} if self.driver else {}),
            },
            "national": {
                "username": self.national.username,
                "password": secret(self.national.password),
                "madonvi": self.national.madonvi,
            },
            "capabilities": {"declared": sorted(self.capabilities)},
            "timing": {"sync_delay_s": self.sync_delay_s},
        }
        if self.interactive:
            document["control"] = {"mode": self.control_mode}
        if self.payment is not None:
            document["payment"] = {"ma_doi_tac": self.payment.ma_doi_tac, "ipn_url": self.payment.ipn_url}
            if self.payment.secret:
                document["payment"]["secret"] = secret(self.payment.secret)
        if self.sso is not None:
            document["sso"] = {"client_id": self.sso.client_id, "redirect_uri": self.sso.redirect_uri}
            if self.sso.client_secret:
                document["sso"]["client_secret"] = secret(self.sso.client_secret)
            if self.sso.post_logout_redirect_uri:
                document["sso"]["post_logout_redirect_uri"] = self.sso.post_logout_redirect_uri
        return document

    @classmethod
    def from_mapping(
        cls, document: Mapping[str, Any], *, source: str = "<mapping>", env: Mapping[str, str] | None = None
    ) -> SutDescription:
        """Validate a parsed `sut.toml` (plus the `DVC_SUT_*` overrides in `env`, default `os.environ`)."""
        return _Loader(source, env if env is not None else os.environ).build(document)


def load_sut(path: str | os.PathLike[str], *, env: Mapping[str, str] | None = None) -> SutDescription:
    """Read `sut.toml`; `DVC_SUT_<SECTION>_<KEY>` variables in `env` (default `os.environ`) override its keys."""
    shown = os.fspath(path)
    try:
        with Path(path).open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise SutConfigError(f"SUT description {shown} does not exist") from None
    except IsADirectoryError:
        raise SutConfigError(f"SUT description {shown} is a directory, not a sut.toml file") from None
    except OSError as exc:
        raise SutConfigError(f"SUT description {shown} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SutConfigError(f"SUT description {shown} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SutConfigError(f"SUT description {shown} is not valid TOML: {exc}") from None
    return SutDescription.from_mapping(document, source=shown, env=env)


# --- the schema of sut.toml ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Key:
    kind: str  # text | secret | token | url | agency | seconds | capabilities | driver
    required: bool = False


_SECTIONS: dict[str, dict[str, _Key]] = {
    "sut": {
        "name": _Key("text"),
        "base_url": _Key("url", required=True),
        "control_url": _Key("url"),
        "control_token": _Key("token", required=True),  # not required when `driver` is set
        "driver": _Key("driver"),
    },
    "national": {
        "username": _Key("text", required=True),
        "password": _Key("secret", required=True),
        "madonvi": _Key("agency", required=True),
    },
    # required as a whole when the section is present or its capability is declared
    "payment": {
        "ma_doi_tac": _Key("text", required=True),
        "ipn_url": _Key("url", required=True),
        "secret": _Key("secret"),
    },
    "sso": {
        "client_id": _Key("text", required=True),
        "redirect_uri": _Key("url", required=True),
        "client_secret": _Key("secret"),
        "post_logout_redirect_uri": _Key("url"),
    },
    "capabilities": {"declared": _Key("capabilities")},
    "timing": {"sync_delay_s": _Key("seconds")},
    "control": {"mode": _Key("mode")},
}


def env_var(section: str, key: str) -> str:
    """The environment variable that overrides `[section] key`."""
    return f"{ENV_PREFIX}{section}_{key}".upper()


# TOML's names for the JSON types; TOML has no null: what json_type calls null is a date/time
_TOML_TYPES = {
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a float",
    "string": "a string",
    "array": "an array",
    "object": "a table",
    "null": "a date/time",
}


def _toml_type(value: Any) -> str:
    return _TOML_TYPES[json_type(value)]


def _suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _agency_pattern() -> re.Pattern[str]:
    """`AgencyCode` from schemas/common/scalars.schema.json (the schemas are the one source of truth)."""
    from harness.specs import scalar_pattern

    return scalar_pattern("AgencyCode")


class _Loader:
    def __init__(self, source: str, env: Mapping[str, str]) -> None:
        self.source = source
        self.env = env
        # (section, key) -> (raw value, where it came from: None = the file, else the variable's name)
        self.values: dict[tuple[str, str], tuple[Any, str | None]] = {}
        self.sections: set[str] = set()  # the sections the document has, even empty ones

    def fail(self, message: str) -> SutConfigError:
        return SutConfigError(f"{self.source}: {message}")

    def where(self, section: str, key: str, origin: str | None) -> str:
        if origin is None:
            return f"{self.source}: [{section}] {key}"
        return f"environment variable {origin} (overriding [{section}] {key} of {self.source})"

    def build(self, document: Mapping[str, Any]) -> SutDescription:
        self._read_document(document)
        self._read_env()
        get = self._converted
        declared: frozenset[str] = get("capabilities", "declared") or frozenset()
        sections = self.sections | {section for section, _ in self.values}
        for section, keys in _SECTIONS.items():
            if section not in sections:
                if section in ("sut", "national"):
                    needed = " and ".join(k for k, spec in keys.items() if spec.required)
                    raise self.fail(f"section [{section}] is missing (it needs {needed})")
                if section in declared:
                    raise self.fail(f"capability {section} is declared but section [{section}] is missing")
                continue
            for key, spec in keys.items():
                if (section, key) == ("sut", "control_token") and (
                    ("sut", "driver") in self.values or get("control", "mode") == "interactive"
                ):
                    continue
                if (section, key) == ("sut", "control_token") and (section, key) not in self.values:
                    raise self.fail(
                        f"[sut] control_token is missing; set it (or {env_var(section, key)}) for the control API, "
                        'or [control] mode = "interactive" when a tester performs the steps by hand'
                    )
                if spec.required and (section, key) not in self.values:
                    raise self.fail(f"[{section}] {key} is missing; set it or {env_var(section, key)}")
        base_url: str = get("sut", "base_url")
        payment = (
            PaymentSettings(get("payment", "ma_doi_tac"), get("payment", "ipn_url"), get("payment", "secret") or "")
            if "payment" in sections
            else None
        )
        sso = (
            SsoSettings(
                get("sso", "client_id"),
                get("sso", "redirect_uri"),
                get("sso", "client_secret") or "",
                get("sso", "post_logout_redirect_uri") or "",
            )
            if "sso" in sections
            else None
        )
        delay = get("timing", "sync_delay_s")
        return SutDescription(
            name=get("sut", "name") or urlsplit(base_url).netloc,
            base_url=base_url,
            control_url=get("sut", "control_url") or base_url,
            control_token=get("sut", "control_token") or "",
            national=NationalCredentials(
                get("national", "username"), get("national", "password"), get("national", "madonvi")
            ),
            payment=payment,
            sso=sso,
            capabilities=declared,
            sync_delay_s=DEFAULT_SYNC_DELAY_S if delay is None else delay,
            driver=get("sut", "driver"),
            control_mode=get("control", "mode") or "api",
            source=self.source,
        )

    def _read_document(self, document: Mapping[str, Any]) -> None:
        for section, table in document.items():
            if section not in _SECTIONS:
                if section in {k for keys in _SECTIONS.values() for k in keys}:
                    owner = next(s for s, keys in _SECTIONS.items() if section in keys)
                    raise self.fail(f"key {section} must be inside its section: [{owner}] {section}")
                known = ", ".join(f"[{s}]" for s in _SECTIONS)
                raise self.fail(f"unknown section [{section}] (known: {known}){_suggest(section, _SECTIONS)}")
            if not isinstance(table, dict):
                raise self.fail(f"[{section}] must be a table of keys, got {_toml_type(table)}")
            self.sections.add(section)
            for key, value in table.items():
                if key not in _SECTIONS[section]:
                    known = ", ".join(_SECTIONS[section])
                    raise self.fail(
                        f"unknown key [{section}] {key} (known in [{section}]: {known})"
                        f"{_suggest(key, _SECTIONS[section])}"
                    )
                self.values[(section, key)] = (value, None)

    def _read_env(self) -> None:
        targets = {env_var(section, key): (section, key) for section, keys in _SECTIONS.items() for key in keys}
        for name in sorted(self.env):
            if not name.upper().startswith(ENV_PREFIX):
                continue
            target = targets.get(name.upper())
            if target is None:
                raise SutConfigError(
                    f"environment variable {name} does not name a sut.toml key{_suggest(name.upper(), targets)} "
                    f"(the form is {ENV_PREFIX}<SECTION>_<KEY>, e.g. {env_var('sut', 'control_token')})"
                )
            self.values[target] = (self.env[name], name)

    def _converted(self, section: str, key: str) -> Any:
        if (section, key) not in self.values:
            return None
        raw, origin = self.values[(section, key)]
        where = self.where(section, key, origin)
        return _CONVERTERS[_SECTIONS[section][key].kind](raw, where, origin is not None)


def _text(raw: Any, where: str, from_env: bool, *, secret: bool = False) -> str:
    if not isinstance(raw, str):
        shown = "" if secret else f" {raw!r}"
        raise SutConfigError(f"{where} must be a string, got {_toml_type(raw)}{shown}")
    if not raw.strip():
        raise SutConfigError(f"{where} must not be empty")
    return raw


def _secret(raw: Any, where: str, from_env: bool) -> str:
    return _text(raw, where, from_env, secret=True)


def _token(raw: Any, where: str, from_env: bool) -> str:
    value = _secret(raw, where, from_env)
    if not all("!" <= char <= "~" for char in value):
        raise SutConfigError(f"{where} must be printable ASCII without spaces (it is sent in an HTTP header)")
    return value


def _url(raw: Any, where: str, from_env: bool) -> str:
    value = _text(raw, where, from_env).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise SutConfigError(f"{where} must be an http:// or https:// URL with a host, got {value!r}")
    return value.rstrip("/")


def check_url(value: str, where: str) -> str:
    """`value` without its trailing slash, or `SutConfigError` when it is not an http(s) URL with a host."""
    return _url(value, where, False)


_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_DRIVER_FORM = re.compile(f"{_DOTTED}:{_DOTTED}")


def _driver(raw: Any, where: str, from_env: bool) -> str:
    value = _text(raw, where, from_env).strip()
    if not _DRIVER_FORM.fullmatch(value):
        raise SutConfigError(
            f"{where} must name a factory as module:attribute (e.g. acme_sut.driver:make), got {value!r}"
        )
    return value


def _mode(raw: Any, where: str, from_env: bool) -> str:
    value = _text(raw, where, from_env).strip()
    if value not in ("api", "interactive"):
        raise SutConfigError(f'{where} must be "api" (the control API) or "interactive" (a tester), got {value!r}')
    return value


def _agency(raw: Any, where: str, from_env: bool) -> str:
    value = _text(raw, where, from_env)
    if not _agency_pattern().match(value):
        raise SutConfigError(f"{where} must be an agency identifier ddd.dd.dd.Xdd such as 000.00.00.H56, got {value!r}")
    return value


def _seconds(raw: Any, where: str, from_env: bool) -> float:
    if from_env and isinstance(raw, str):
        try:
            raw = float(raw)
        except ValueError:
            raise SutConfigError(f"{where} must be a number of seconds, got {raw!r}") from None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise SutConfigError(f"{where} must be a number of seconds, got {_toml_type(raw)} {raw!r}")
    if not math.isfinite(raw) or raw <= 0:
        raise SutConfigError(f"{where} must be a positive number of seconds, got {raw!r}")
    return float(raw)


def _capabilities(raw: Any, where: str, from_env: bool) -> frozenset[str]:
    if from_env and isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise SutConfigError(f"{where} must be an array of capability names, got {raw!r}")
    for item in raw:
        if item not in CAPABILITIES:
            raise SutConfigError(
                f"{where}: unknown capability {item!r} (known: {', '.join(CAPABILITIES)}){_suggest(item, CAPABILITIES)}"
            )
    return frozenset(raw)


_CONVERTERS: dict[str, Callable[[Any, str, bool], Any]] = {
    "text": _text,
    "secret": _secret,
    "token": _token,
    "url": _url,
    "agency": _agency,
    "driver": _driver,
    "mode": _mode,
    "seconds": _seconds,
    "capabilities": _capabilities,
}
