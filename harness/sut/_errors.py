"""Exceptions of the SUT layer, on the exit-code hierarchy of `harness.core.errors` (the CLI's exit codes).

- `SutConfigError` (exit 2): `sut.toml` or its environment overrides are unusable.
- `SutError` (exit 4) and its subclasses: talking to the SUT's control API failed. `SutUnauthorized` is the
  exception (exit 2): a refused control token is a configuration mistake, not an outage.
"""

from __future__ import annotations

from harness.core.errors import HarnessError, UsageError


class SutConfigError(UsageError):
    """The SUT description (`sut.toml`, `DVC_SUT_*` variables) is missing, malformed or inconsistent (exit 2)."""


class SutError(HarnessError):
    """A call to the SUT control API failed (exit 4).

    `endpoint` is the operation as the OpenAPI document names it (`POST /_control/dossiers/{MaHoSo}/actions`),
    `url` the URL actually called, `http_status` the HTTP status when the SUT answered at all.
    """

    def __init__(self, message: str, *, endpoint: str = "", url: str = "", http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.endpoint = endpoint
        self.url = url
        self.http_status = http_status


class SutUnreachable(SutError):
    """No answer: connection refused, DNS failure, TLS failure or timeout (exit 4)."""


class SutProtocolError(SutError):
    """The SUT answered, but not as the control API says: a 5xx, a body that is not JSON, a wrong shape."""


class SutUnauthorized(SutError):
    """The SUT refused the control token (401/403): fix `[sut] control_token` (exit 2)."""

    exit_code = 2


class SutRequestRejected(SutError):
    """The SUT refused the request itself (400, 404 unknown `MaHoSo`, 422); `error`/`detail` are its words."""

    def __init__(
        self, message: str, *, endpoint: str, url: str, http_status: int, error: str = "", detail: str = ""
    ) -> None:
        super().__init__(message, endpoint=endpoint, url=url, http_status=http_status)
        self.error = error
        self.detail = detail


class SutActionRefused(SutRequestRejected):
    """409: the action is not allowed in the dossier's current status.

    `dossier_status` is the dossier's `TrangThaiHoSo` when the SUT said it (the error body's optional field).
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        url: str,
        error: str = "",
        detail: str = "",
        dossier_status: str | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, url=url, http_status=409, error=error, detail=detail)
        self.dossier_status = dossier_status
