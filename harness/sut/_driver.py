"""How the harness drives a SUT: the `SutDriver` protocol, its HTTP implementation over the control API
(schemas/control/openapi.yaml) and `connect`, which picks one from a `SutDescription`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import quote

import httpx

from harness.sut._description import SutDescription, check_url
from harness.sut._errors import (
    SutActionRefused,
    SutConfigError,
    SutProtocolError,
    SutRequestRejected,
    SutUnauthorized,
    SutUnreachable,
)
from harness.sut._models import (
    Action,
    DossierRef,
    DossierRequest,
    DossierView,
    Health,
    PaymentRef,
    SyncReport,
    read_error,
    read_ok,
)

DEFAULT_TIMEOUT_S = 10.0
T = TypeVar("T")


@runtime_checkable
class SutDriver(Protocol):
    """What the suites need from a SUT; one method per operation of the control API.

    Failures raise the `SutError` family: `SutUnreachable`, `SutUnauthorized`, `SutActionRefused` (the action
    is not allowed in the dossier's status), `SutRequestRejected` (400/404/422), `SutProtocolError`.
    """

    def health(self) -> Health: ...

    def create_dossier(self, request: DossierRequest) -> DossierRef: ...

    def act(
        self,
        ma_ho_so: str,
        action: Action,
        *,
        reason: str | None = None,
        amount: int | None = None,
        officer: str | None = None,
    ) -> DossierRef: ...

    def view(self, ma_ho_so: str) -> DossierView: ...

    def start_payment(self, ma_ho_so: str, amount: int | None = None) -> PaymentRef: ...

    def flush_sync(self) -> SyncReport: ...

    def reset(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    template: str  # the operation's path as the OpenAPI document writes it
    url: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.url}"


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class HttpSutDriver:
    """`SutDriver` over the SUT control API, with a bearer token.

    `HttpSutDriver(description)` uses `control_url` and `control_token` of a `SutDescription`;
    `HttpSutDriver("http://host:port", token="...")` needs no description. `transport` replaces the network
    (tests: `httpx.MockTransport`, an ASGI transport). No retries: a flaky SUT should be seen, not hidden.
    """

    def __init__(
        self,
        sut: SutDescription | str,
        *,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if isinstance(sut, SutDescription):
            if token is not None:
                raise TypeError("HttpSutDriver(description) takes the token from the description; do not pass token=")
            if sut.driver is not None:
                raise SutConfigError(f"{sut.source}: [sut] driver is set; use harness.sut.connect(description)")
            url, token = sut.control_url, sut.control_token
        else:
            if token is None:
                raise TypeError("HttpSutDriver(url) needs token= (the SUT's control token)")
            url = check_url(sut, "HttpSutDriver: the control API URL")
        self.url = url
        self.timeout = timeout
        self._client = httpx.Client(
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": "dvc-harness",
            },
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"HttpSutDriver({self.url!r})"

    # --- the control API ---

    def health(self) -> Health:
        call, data = self._request("GET", "/_control/health")
        return self._parse(Health.from_json, data, call)

    def create_dossier(self, request: DossierRequest) -> DossierRef:
        call, data = self._request("POST", "/_control/dossiers", body=request.to_json())
        return self._parse(DossierRef.from_json, data, call)

    def act(
        self,
        ma_ho_so: str,
        action: Action,
        *,
        reason: str | None = None,
        amount: int | None = None,
        officer: str | None = None,
    ) -> DossierRef:
        body: dict[str, Any] = {"action": action}
        optional = {"reason": reason, "amount": amount, "officer": officer}
        body.update({key: value for key, value in optional.items() if value is not None})
        call, data = self._request("POST", "/_control/dossiers/{MaHoSo}/actions", ma_ho_so=ma_ho_so, body=body)
        return self._same_dossier(self._parse(DossierRef.from_json, data, call), ma_ho_so, call)

    def view(self, ma_ho_so: str) -> DossierView:
        call, data = self._request("GET", "/_control/dossiers/{MaHoSo}", ma_ho_so=ma_ho_so)
        return self._same_dossier(self._parse(DossierView.from_json, data, call), ma_ho_so, call)

    def start_payment(self, ma_ho_so: str, amount: int | None = None) -> PaymentRef:
        body: dict[str, Any] = {"MaHoSo": ma_ho_so}
        if amount is not None:
            body["amount"] = amount
        call, data = self._request("POST", "/_control/payments", body=body)
        return self._parse(PaymentRef.from_json, data, call)

    def flush_sync(self) -> SyncReport:
        call, data = self._request("POST", "/_control/sync")
        return self._parse(SyncReport.from_json, data, call)

    def reset(self) -> None:
        call, data = self._request("POST", "/_control/reset")
        self._parse(read_ok, data, call)

    # --- lifecycle ---

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpSutDriver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # --- plumbing ---

    def _request(
        self, method: str, template: str, *, ma_ho_so: str | None = None, body: dict[str, Any] | None = None
    ) -> tuple[_Call, Any]:
        path = template if ma_ho_so is None else template.replace("{MaHoSo}", quote(ma_ho_so, safe=""))
        call = _Call(method, template, self.url + path)
        try:
            response = self._client.request(method, call.url, json=body)
        except httpx.TimeoutException as exc:
            raise SutUnreachable(
                f"{call.label}: the SUT control API did not answer within {self.timeout:g} s ({type(exc).__name__})",
                endpoint=f"{method} {template}",
                url=call.url,
            ) from None
        except (httpx.ProtocolError, httpx.DecodingError) as exc:
            raise SutProtocolError(
                f"{call.label}: the SUT broke the HTTP exchange: {exc or type(exc).__name__}",
                endpoint=f"{method} {template}",
                url=call.url,
            ) from None
        except httpx.RequestError as exc:  # connection refused, DNS, TLS, proxy, ...
            raise SutUnreachable(
                f"{call.label}: cannot reach the SUT control API: {exc or type(exc).__name__}",
                endpoint=f"{method} {template}",
                url=call.url,
            ) from None
        return call, self._answer(call, response)

    def _answer(self, call: _Call, response: httpx.Response) -> Any:
        status = response.status_code
        endpoint = f"{call.method} {call.template}"
        try:
            data: Any = response.json()
            parsed = True
        except ValueError:
            data, parsed = None, False
        if 200 <= status < 300:
            if not parsed:
                shown = _snippet(response.text) or "an empty body"
                raise SutProtocolError(
                    f"{call.label}: answered {status} with a body that is not JSON: {shown}",
                    endpoint=endpoint,
                    url=call.url,
                    http_status=status,
                )
            return data
        error, detail, dossier_status = read_error(data)
        said = ": ".join(part for part in (error, detail) if part) or _snippet(response.text) or "no explanation"
        if status in (401, 403):
            raise SutUnauthorized(
                f"{call.label}: the SUT refused the control token ({status}: {said}); "
                "check [sut] control_token in sut.toml or DVC_SUT_SUT_CONTROL_TOKEN",
                endpoint=endpoint,
                url=call.url,
                http_status=status,
            )
        if status == 409:
            in_status = f" (dossier status {dossier_status})" if dossier_status else ""
            raise SutActionRefused(
                f"{call.label}: refused (409){in_status}: {said}",
                endpoint=endpoint,
                url=call.url,
                error=error,
                detail=detail,
                dossier_status=dossier_status,
            )
        if 400 <= status < 500:
            raise SutRequestRejected(
                f"{call.label}: rejected the request ({status}): {said}",
                endpoint=endpoint,
                url=call.url,
                http_status=status,
                error=error,
                detail=detail,
            )
        raise SutProtocolError(
            f"{call.label}: answered HTTP {status}: {said}", endpoint=endpoint, url=call.url, http_status=status
        )

    @staticmethod
    def _parse(parse: Callable[..., T], data: Any, call: _Call) -> T:
        try:
            return parse(data, endpoint=call.label)
        except SutProtocolError as exc:
            exc.endpoint, exc.url = f"{call.method} {call.template}", call.url
            raise

    @staticmethod
    def _same_dossier(answer: T, ma_ho_so: str, call: _Call) -> T:
        got = getattr(answer, "ma_ho_so", ma_ho_so)
        if got != ma_ho_so:
            raise SutProtocolError(
                f"{call.label}: answered about dossier {got!r}, not {ma_ho_so!r}",
                endpoint=f"{call.method} {call.template}",
                url=call.url,
            )
        return answer


def connect(
    description: SutDescription, *, transport: httpx.BaseTransport | None = None, timeout: float = DEFAULT_TIMEOUT_S
) -> SutDriver:
    """The driver for a SUT: `HttpSutDriver` over the control API, or the Python factory named by
    `[sut] driver = "module:factory"` (called with the description; must return a `SutDriver`)."""
    if description.driver is None:
        return HttpSutDriver(description, transport=transport, timeout=timeout)
    where = f"{description.source}: [sut] driver {description.driver!r}"
    module_name, _, attribute = description.driver.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise SutConfigError(f"{where}: cannot import {module_name}: {exc}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise SutConfigError(f"{where}: {module_name} has no attribute {attribute}") from None
    if not callable(target):
        raise SutConfigError(f"{where}: {attribute} is not callable")
    driver = target(description)
    if not isinstance(driver, SutDriver):
        missing = [name for name in _PROTOCOL_METHODS if not callable(getattr(driver, name, None))]
        raise SutConfigError(f"{where}: the factory returned {type(driver).__name__}, which lacks {', '.join(missing)}")
    return driver


_PROTOCOL_METHODS = ("health", "create_dossier", "act", "view", "start_payment", "flush_sync", "reset")
