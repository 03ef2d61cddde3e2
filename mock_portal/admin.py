"""Admin API (bearer admin token): health, evidence query and NDJSON export, faults, reset, KPI, SUT wiring,
SSO test accounts."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from harness.core.errors import UsageError
from mock_portal.evidence import redact_exchange
from mock_portal.evidence.model import Exchange
from mock_portal.evidence.pseudonymise import Pseudonymiser
from mock_portal.request_body import parsed_json
from mock_portal.state import MockState


class _Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def routes(state: MockState) -> list[BaseRoute]:
    expected = f"Bearer {state.config.admin_token}".encode()
    pseudonymiser: list[Pseudonymiser] = []  # made at the first export (the key is read from the store)

    def authorised(request: Request) -> bool:
        given = request.headers.get("authorization", "").encode("latin-1")  # the header's own bytes
        return hmac.compare_digest(given, expected)  # constant time: the token is a credential

    def export_row(exchange: Exchange) -> dict[str, Any]:
        """An exchange as exports show it: secrets redacted; personal data pseudonymised when configured."""
        redacted = redact_exchange(exchange)
        if not state.config.redact_personal:
            return redacted.to_dict()
        if not pseudonymiser:
            pseudonymiser.append(Pseudonymiser.for_store(state.store))
        return pseudonymiser[0].row(redacted)

    def denied() -> Response:
        return _Json({"error": "unauthorised", "message": "send Authorization: Bearer <admin token>"}, 401)

    async def health(request: Request) -> Response:
        return _Json({"status": "ok", "store": state.store.url.split("@")[-1], "base_url": state.config.base_url})

    def filters(request: Request) -> dict[str, Any]:
        q = request.query_params
        since = q.get("since")
        try:
            return {
                "service": q.get("service") or None,
                "ma_ho_so": q.get("ma_ho_so") or None,
                "ma_tham_chieu": q.get("ma_tham_chieu") or None,
                "channel": q.get("channel") or None,
                "since": float(since) if since else None,
                "after_seq": int(q["after_seq"]) if q.get("after_seq") else None,
                "limit": min(int(q.get("limit", 1000)), 10_000),
            }
        except ValueError:
            raise UsageError("since is epoch seconds; after_seq and limit are integers") from None

    async def exchanges(request: Request) -> Response:
        if not authorised(request):
            return denied()
        try:
            wanted = filters(request)
        except UsageError as exc:
            return _Json({"error": "bad_request", "message": str(exc)}, 400)
        include_admin = wanted["channel"] == "admin"
        found = await state.store.query_async(**wanted)
        rows = [redact_exchange(e).to_dict() for e in found if include_admin or e.channel != "admin"]
        return _Json(rows)

    async def export(request: Request) -> Response:
        if not authorised(request):
            return denied()

        async def lines() -> AsyncIterator[bytes]:
            after = 0
            while True:
                batch = await state.store.query_async(after_seq=after, limit=500)
                if not batch:
                    return
                for exchange in batch:
                    yield orjson.dumps(export_row(exchange)) + b"\n"
                after = batch[-1].seq or after

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    async def faults(request: Request) -> Response:
        if not authorised(request):
            return denied()
        if request.method == "GET":
            return _Json([rule.to_dict() for rule in state.faults.rules])
        if request.method == "DELETE":
            state.faults.clear()
            return _Json({"cleared": True})
        ok, body = parsed_json(request.scope["state"])
        if not ok:
            return _Json({"error": "bad_request", "message": 'send a JSON fault rule or {"rules": [...]}'}, 400)
        raws = body.get("rules") if isinstance(body, dict) and "rules" in body else [body]
        if not isinstance(raws, list):
            return _Json({"error": "bad_request", "message": "rules must be a list"}, 400)
        try:
            added = [state.faults.add(raw) for raw in raws]
        except UsageError as exc:
            return _Json({"error": "bad_request", "message": str(exc)}, 400)
        return _Json([rule.to_dict() for rule in added], 201)

    async def reset(request: Request) -> Response:
        if not authorised(request):
            return denied()
        state.reset()
        if request.query_params.get("evidence", "clear") != "keep":
            await state.store.reset_async()
        return _Json({"reset": True})

    async def sut(request: Request) -> Response:
        from mock_portal.wiring import configure, describe

        if not authorised(request):
            return denied()
        if request.method == "GET":
            return _Json(describe(state))
        ok, body = parsed_json(request.scope["state"])
        if not ok:
            return _Json({"error": "bad_request", "message": "send the SUT's wiring as JSON"}, 400)
        try:
            return _Json(configure(state, body))
        except UsageError as exc:
            return _Json({"error": "bad_request", "message": str(exc)}, 400)

    async def sso_accounts(request: Request) -> Response:
        """Register an SSO test account for an applicant (interactive mode), or list the registered ones."""
        from mock_portal.sso.accounts import AccountError, account_view

        if not authorised(request):
            return denied()
        sso = state.channels.get("sso")
        if sso is None:
            return _Json({"error": "not_found", "message": "this mock runs without its SSO channel"}, 404)
        if request.method == "GET":
            return _Json([account_view(user) for user in sso.accounts.users()])
        ok, body = parsed_json(request.scope["state"])
        try:
            status, user = sso.accounts.register(body if ok else None)
        except AccountError as exc:
            return _Json(exc.body(), exc.status)
        return _Json(account_view(user), status)

    async def kpi(request: Request) -> Response:
        if not authorised(request):
            return denied()
        from mock_portal.kpi import compute_kpi

        return _Json(compute_kpi(state))

    async def openapi(request: Request) -> Response:
        from mock_portal.openapi import build

        return _Json(build(state.config.base_url))

    async def schema_file(request: Request) -> Response:
        from harness.specs.paths import schema_root

        root = schema_root().resolve()
        target = (root / request.path_params["path"]).resolve()
        if root not in target.parents or not target.is_file() or target.suffix not in (".json", ".xsd"):
            return _Json({"error": "not_found", "message": "no such schema file"}, 404)
        media = "application/schema+json" if target.suffix == ".json" else "application/xml"
        return Response(target.read_bytes(), media_type=media)

    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/schemas/{path:path}", schema_file, methods=["GET"]),
        Route("/_admin/health", health, methods=["GET"]),
        Route("/_admin/exchanges", exchanges, methods=["GET"]),
        Route("/_admin/exchanges.ndjson", export, methods=["GET"]),
        Route("/_admin/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_admin/reset", reset, methods=["POST"]),
        Route("/_admin/kpi", kpi, methods=["GET"]),
        Route("/_admin/sut", sut, methods=["GET", "POST"]),
        Route("/_admin/sso/accounts", sso_accounts, methods=["GET", "POST"]),
    ]
