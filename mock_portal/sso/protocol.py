"""OAuth 2.0 plumbing shared by the endpoints: form parsing, client authentication, error answers.

Form bodies are parsed with the standard library (the middleware replays the body, so `request.body()`
works; Starlette's own form parser would need python-multipart). Every failure is an `OAuthError` that
the endpoint turns into `{"error", "error_description"}` with the status the RFCs give.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mock_portal._errors import JSON
from mock_portal.sso.clients import Client

FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 64
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


class OAuthError(Exception):
    """An error answer: RFC 6749 §5.2 code, description, HTTP status and extra headers."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def invalid_client(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, 401, {"www-authenticate": 'Basic realm="sso"'})


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(content), status, {**NO_STORE, **(headers or {})}, media_type=JSON)


def error_response(error: OAuthError) -> Response:
    body = {"error": error.error, "error_description": error.description}
    return json_response(body, error.status, error.headers)


def note(request: Request, service: str) -> None:
    """Name the exchange for the evidence store (the middleware set `request.state.note`)."""
    recorded = getattr(request.state, "note", None)
    if recorded is not None:
        recorded.service = service


def verdict(request: Request, error: OAuthError | None) -> None:
    """Record whether the request met the protocol; a rejected one carries `OAUTH:<error code>`."""
    recorded = getattr(request.state, "note", None)
    if recorded is None:
        return
    recorded.verdict = "invalid" if error else "valid"
    if error is not None:
        recorded.rules.append(f"OAUTH:{error.error}")


def parse_pairs(text: str) -> dict[str, str]:
    """Parameters of a query string or form body; a repeated parameter is an error (RFC 6749 §3.1)."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise invalid_request("parameters must be UTF-8 (percent-encoded)") from None
    except ValueError:
        raise invalid_request(f"too many parameters (at most {MAX_FIELDS})") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise invalid_request(f"parameter {name} is repeated; send each parameter once")
        params[name] = value
    return params


async def read_form(request: Request) -> dict[str, str]:
    """The application/x-www-form-urlencoded body (RFC 6749 §3.2); other content types are rejected."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != FORM:
        shown = content_type or "none"
        raise invalid_request(f"send the parameters as {FORM} (content type received: {shown})")
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request("the form body is not UTF-8") from None
    return parse_pairs(text)


def query_params(request: Request) -> dict[str, str]:
    raw: bytes = request.scope.get("query_string", b"")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_request("the query string is not UTF-8") from None
    return parse_pairs(text)


def require(params: dict[str, str], name: str) -> str:
    value = params.get(name, "")
    if not value:
        raise invalid_request(f"missing parameter {name}")
    return value


def authenticate_client(request: Request, params: dict[str, str], clients: dict[str, Client]) -> Client:
    """client_secret_basic or client_secret_post (RFC 6749 §2.3.1), never both at once."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if header and scheme.lower() == "basic":
        if "client_secret" in params:
            raise invalid_request("authenticate with one method: HTTP Basic or client_secret in the form, not both")
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise invalid_client("the Basic credentials are not base64 of client_id:client_secret") from None
        raw_id, colon, raw_secret = decoded.partition(":")
        if not colon:
            raise invalid_client("the Basic credentials are not base64 of client_id:client_secret")
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if params.get("client_id", client_id) != client_id:
            raise invalid_request("client_id in the form differs from the Basic credentials")
    elif "client_secret" in params:
        client_id, secret = params.get("client_id", ""), params["client_secret"]
        if not client_id:
            raise invalid_client("client_secret_post needs client_id in the form")
    else:
        raise invalid_client(
            "client authentication required: HTTP Basic (client_secret_basic) or client_id and "
            "client_secret in the form (client_secret_post)"
        )
    client = clients.get(client_id)
    if client is None or not client.secret_matches(secret):
        raise invalid_client("unknown client or wrong client secret")
    return client


def with_query(uri: str, params: dict[str, str]) -> str:
    """`uri` with `params` appended to its query (keeping any query it already has)."""
    parts = urlsplit(uri)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
