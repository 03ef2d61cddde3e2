"""The mock's OpenAPI 3.1 document, built from the schema files (never a hand-written copy of a packet).

Each packet schema appears under `components/schemas` with its `$ref`s inlined (so any OpenAPI tool can
use it offline) and `x-schema-file` naming the source file, which the mock also serves under /schemas/.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs

from harness.specs import load_catalogue, load_store, scalar_pattern_text
from mock_portal.dvcqg.handlers import ADAPTER_SERVICES, catalogue_endpoints

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@cache
def component(type_name: str) -> tuple[str, dict[str, Any]]:
    store = load_store()
    ptype = load_catalogue().packet_type(type_name)
    schema = store.by_id(store.id_for_path(ptype.schema))
    registry = jsonschema_rs.Registry([(sid, store.by_id(sid)) for sid in store.ids()])
    inlined: dict[str, Any] = jsonschema_rs.dereference(schema, registry=registry)
    inlined = {k: v for k, v in inlined.items() if k not in ("$schema", "$id")}
    inlined["x-schema-file"] = f"/schemas/{ptype.schema}"
    return type_name.replace(".", "_"), inlined


def _body(type_name: str, media: str = JSON) -> dict[str, Any]:
    name, _ = component(type_name)
    return {"required": True, "content": {media: {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _reply(type_name: str, description: str = "answer in the channel's envelope") -> dict[str, Any]:
    name, _ = component(type_name)
    return {
        "200": {"description": description, "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
    }


def _one_of(type_names: list[str]) -> dict[str, Any]:
    """A JSON body that is one of several packet types (endpoints that dispatch on a key or path)."""
    refs = [{"$ref": f"#/components/schemas/{component(name)[0]}"} for name in type_names]
    return {"required": True, "content": {JSON: {"schema": {"oneOf": refs}}}}


def _plain(description: str, media: str = JSON) -> dict[str, Any]:
    return {"200": {"description": description, "content": {media: {"schema": {}}}}}


def _form(fields: dict[str, str], required: list[str]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {k: {"type": "string", "description": v} for k, v in fields.items()},
                    "required": required,
                }
            }
        },
    }


def build(base_url: str) -> dict[str, Any]:
    catalogue = load_catalogue()
    endpoints = catalogue_endpoints()  # packet type → the endpoint serving it, from the catalogue
    share = sorted(name for name, endpoint in endpoints.items() if endpoint == "share")
    integration_services = sorted(name for name, endpoint in endpoints.items() if endpoint == "integration")
    adapter_types = [name for name, endpoint in endpoints.items() if endpoint == "adapter"]
    post = "post"
    paths: dict[str, Any] = {
        "/dvcqg/auth": {
            post: {
                "summary": "DVCQG session (dvcqg-interfaces §2.1)",
                "requestBody": _body("auth"),
                "responses": _reply("auth.reply"),
            }
        },
        "/dvcqg/integration": {
            post: {
                "summary": "DVCQG integration endpoint: {session, madonvi, service, ...}",
                "description": "Services: "
                + ", ".join(integration_services)
                + ". Each service's body is the component of the same name.",
                "requestBody": _one_of(integration_services),
                "responses": _reply("reply"),
            }
        },
        "/dvcqg/share": {
            post: {
                "summary": "DVCQG share endpoint (catalogues): " + ", ".join(share),
                "requestBody": _one_of(share),
                "responses": _reply("reply"),
            }
        },
        "/dvcqg/adapter/{service}": {
            post: {
                "summary": "LGSP adapter form: a JSON array, agency and isUpdating as query parameters",
                "parameters": [
                    {
                        "name": "service",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(ADAPTER_SERVICES)},
                    },
                    {"name": "MaDinhDanhDV", "in": "query", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "isUpdating",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["True", "False"]},
                    },
                ],
                "requestBody": _one_of(adapter_types),
                "responses": _reply("reply"),
            }
        },
        "/payment/init": {
            post: {
                "summary": "Start a transaction (§11.1 a)",
                "requestBody": _body("payment.INIT"),
                "responses": _reply("payment.INIT.reply"),
            }
        },
        "/payment/query": {
            post: {
                "summary": "Transaction status (§11.1 c)",
                "requestBody": _body("payment.QUERY"),
                "responses": _reply("payment.QUERY.reply"),
            }
        },
        "/payment/getbill": {
            post: {
                "summary": "E-receipt (§11.1 d)",
                "requestBody": _body("payment.GET_BILL"),
                "responses": _reply("payment.GET_BILL.reply"),
            }
        },
        "/payment/pay/{MaThamChieu}": {
            "get": {
                "summary": "Pay page for a person (choose the outcome)",
                "parameters": [{"name": "MaThamChieu", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": _plain("HTML page", "text/html"),
            }
        },
        "/sso/.well-known/openid-configuration": {
            "get": {"summary": "OIDC discovery", "responses": _plain("discovery document")}
        },
        "/sso/jwks": {"get": {"summary": "RS256 public keys", "responses": _plain("JWK set")}},
        "/sso/oauth2/authorize": {
            "get": {
                "summary": "Authorization endpoint (login page; login_hint logs a test user in directly)",
                "parameters": [
                    {
                        "name": n,
                        "in": "query",
                        "required": n in ("response_type", "client_id", "redirect_uri"),
                        "schema": {"type": "string"},
                    }
                    for n in (
                        "response_type",
                        "client_id",
                        "redirect_uri",
                        "scope",
                        "state",
                        "nonce",
                        "acr_values",
                        "login_hint",
                    )
                ],
                "responses": {
                    "302": {"description": "redirect with code"},
                    "200": {"description": "login page"},
                    "400": {"description": "invalid request"},
                },
            }
        },
        "/sso/oauth2/token": {
            post: {
                "summary": "Token endpoint",
                "requestBody": _form(
                    {
                        "grant_type": "authorization_code | refresh_token",
                        "code": "",
                        "redirect_uri": "",
                        "client_id": "",
                        "client_secret": "",
                        "refresh_token": "",
                    },
                    ["grant_type"],
                ),
                "responses": {
                    **_reply("sso.token.reply"),
                    "400": {"description": "OAuth error"},
                    "401": {"description": "client authentication failed"},
                },
            }
        },
        "/sso/oauth2/userinfo": {
            "get": {"summary": "Claims of the DVCQG account (Bearer access token)", "responses": _reply("sso.userinfo")}
        },
        "/sso/oauth2/introspect": {
            post: {
                "summary": "RFC 7662",
                "requestBody": _form({"token": "", "client_id": "", "client_secret": ""}, ["token"]),
                "responses": _plain("introspection"),
            }
        },
        "/sso/oauth2/revoke": {
            post: {
                "summary": "RFC 7009",
                "requestBody": _form(
                    {"token": "", "token_type_hint": "", "client_id": "", "client_secret": ""}, ["token"]
                ),
                "responses": _plain("revoked"),
            }
        },
        "/sso/oidc/logout": {
            "get": {
                "summary": "RP-initiated logout",
                "parameters": [
                    {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                    for n in ("id_token_hint", "post_logout_redirect_uri", "state")
                ],
                "responses": {"302": {"description": "back to the client"}, "200": {"description": "logged out"}},
            }
        },
    }
    admin_paths = {
        "/_admin/health": ("get", "Health"),
        "/_admin/exchanges": ("get", "Evidence (redacted): ?service=&ma_ho_so=&ma_tham_chieu=&channel=&since=&limit="),
        "/_admin/exchanges.ndjson": (
            "get",
            "Evidence export (NDJSON): secrets redacted; personal data pseudonymised when redact_personal is on",
        ),
        "/_admin/kpi": ("get", "QĐ 766 indicators from what the SUT synced"),
        "/_admin/reset": ("post", "Forget state (and evidence unless ?evidence=keep)"),
    }
    for path, (method, summary) in admin_paths.items():
        paths[path] = {method: {"summary": summary, "security": [{"admin": []}], "responses": _plain(summary)}}
    paths["/_admin/faults"] = {
        m: {"summary": f"{m.upper()} fault rules", "security": [{"admin": []}], "responses": _plain("fault rules")}
        for m in ("get", "post", "delete")
    }
    paths["/_admin/sut"] = _sut_wiring()
    paths["/_admin/sso/accounts"] = _sso_accounts()
    components = dict(component(name) for name in sorted(catalogue.types))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "dvc-harness mock national portal",
            "version": "1.0.0",
            "description": "DVCQG integration API, national payment platform and SSO, as a test double. "
            "Packet schemas are the project's de-facto QCVN 120 profile (schemas/README.md).",
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {"admin": {"type": "http", "scheme": "bearer"}}},
    }


def _sut_wiring() -> dict[str, Any]:
    """`/_admin/sut`: the national side configured for one SUT (mock_portal/wiring.py)."""
    text = {"type": "string", "minLength": 1}
    urls = {"type": "array", "items": {"type": "string", "format": "uri"}}
    body = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "dvcqg": {
                "type": "object",
                "required": ["username", "password", "madonvi"],
                "properties": {"username": text, "password": text, "madonvi": text},
            },
            "payment": {
                "type": "object",
                "required": ["partner"],
                "properties": {"partner": text, "secret": text, "ipn_url": {"type": "string", "format": "uri"}},
            },
            "sso": {
                "type": "object",
                "required": ["client_id"],
                "properties": {
                    "client_id": text,
                    "client_secret": text,
                    "redirect_uris": urls,
                    "post_logout_redirect_uris": urls,
                },
            },
        },
    }
    security: list[dict[str, list[str]]] = [{"admin": []}]
    return {
        "get": {
            "summary": "What the mock expects of the SUT now: DVCQG accounts, payment partner, SSO clients (redacted)",
            "security": security,
            "responses": _plain("the wiring"),
        },
        "post": {
            "summary": "Configure the national side for a SUT (from its sut.toml): its DVCQG account and province, "
            "payment partner, secret and IPN URL, SSO client and redirect URIs; accounts and clients are added",
            "security": security,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {**_plain("the wiring after the change"), "400": {"description": "malformed body"}},
        },
    }


def _sso_accounts() -> dict[str, Any]:
    """`/_admin/sso/accounts`: SSO test accounts registered at run time (mock_portal/sso/accounts.py)."""
    text = {"type": "string"}
    body = {
        "type": "object",
        "additionalProperties": False,
        "required": ["HoVaTen"],
        "properties": {
            "LoaiTaiKhoan": {
                "type": "string",
                "enum": ["1", "2", "3"],
                "default": "1",
                "description": "1 citizen (needs SoDinhDanh), 2 enterprise, 3 organisation (need MaSoThue)",
            },
            "HoVaTen": {"type": "string", "minLength": 1, "maxLength": 200},
            "SoDinhDanh": {
                "type": "string",
                "pattern": scalar_pattern_text("CitizenId"),
                "description": "CCCD, citizens only",
            },
            "MaSoThue": {
                "type": "string",
                "pattern": "^[0-9]{10}(-?[0-9]{3})?$",
                "description": "tax code, enterprises and organisations only (13 digits are answered as 10-3)",
            },
            "SoDienThoai": {"type": "string", "description": "0 or +84 then 9-10 digits; spaces, dots, dashes ignored"},
            "ThuDienTu": {"type": "string", "maxLength": 254, "description": "e-mail address"},
            "DiaChi": {"type": "string", "maxLength": 500},
            "TechID": {"type": "string", "maxLength": 100, "description": "default: uuid5 of the identifier"},
        },
    }
    account = {
        "type": "object",
        "required": ["sub", "TechID", "LoaiTaiKhoan", "HoVaTen", "SoDinhDanh", "MaSoThue", "login_hint"],
        "properties": {
            **{name: text for name in ("sub", "TechID", "LoaiTaiKhoan", "HoVaTen", "SoDinhDanh", "MaSoThue")},
            "login_hint": {
                "type": "string",
                "description": "the CCCD (citizens) or tax code: login_hint= or the account chooser's user=",
            },
        },
    }
    error = {"type": "object", "required": ["error", "message"], "properties": {"error": text, "message": text}}

    def answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": description, "content": {JSON: {"schema": schema}}}

    security: list[dict[str, list[str]]] = [{"admin": []}]
    refused = {
        "401": answer("no or wrong admin token", error),
        "404": answer("the mock runs without its SSO channel", error),
    }
    return {
        "get": {
            "summary": "The SSO test accounts registered at run time (not the seeded ones), in registration order",
            "security": security,
            "responses": {"200": answer("the registered accounts", {"type": "array", "items": account}), **refused},
        },
        "post": {
            "summary": "Register an SSO test account for an applicant, so a tester can sign in as them",
            "description": "sub and TechID derive from the identifier (uuid5): re-registering gives the same values. "
            "The same identifier under the same HoVaTen answers 200 with the account already there (a seeded one "
            "too); under another name, LoaiTaiKhoan or TechID it is 409. Registered accounts survive "
            "POST /_admin/reset (like the signing key) and are bounded (10,000: then 409 registry_full).",
            "security": security,
            "requestBody": {"required": True, "content": {JSON: {"schema": body}}},
            "responses": {
                "201": answer("registered", account),
                "200": answer("already registered (or seeded) under this name", account),
                "409": answer("the identifier or TechID belongs to another account, or the registry is full", error),
                "422": answer("not a JSON object, an unknown key, a wrong type or shape", error),
                **refused,
            },
        },
    }
