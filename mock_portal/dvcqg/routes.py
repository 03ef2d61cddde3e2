"""HTTP surface of the DVCQG channel (README "Mock national portal"; dvcqg-interfaces §2, §6).

Every answer is the national envelope {error_code, message[, result | session]}. Refusals are HTTP 200
with error_code != 0, as the real portal answers (clients test error_code, not the status); only a wrong
method or path gets 405/404, and a bug of the mock 500, still in the envelope. Each request tells the
evidence recorder its service, dossier codes, verdict and rule IDs through `request.state.note`.

The auth, integration and share endpoints are `LeanRoute`s: the evidence middleware calls their lean
entry directly (the hot path of a loaded mock); the Starlette endpoint is the same work behind a Request.

A refused packet lists at most `max_violations` violations (mock configuration) and the validator stops
looking past them, so a packet of 10,000 empty items costs what 10 do. A body of `LEAN_MAX_BYTES` or more
comes through the router, whose endpoint validates it on a worker thread before the (synchronous) work
runs: the event loop keeps serving meanwhile, and state is still changed only on the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness import ValidationResult, get_validator
from harness.core.violations import TRUNCATED_TAG
from harness.specs import scalar_pattern
from mock_portal._errors import JSON
from mock_portal.dvcqg.channel import DvcqgChannel
from mock_portal.dvcqg.errors import ChannelError, violations_message
from mock_portal.dvcqg.handlers import ADAPTER_SERVICES, SERVICES, Call, sync_dossiers, sync_progress
from mock_portal.dvcqg.sessions import Session
from mock_portal.dvcqg.store import Caller
from mock_portal.lean import LEAN_MAX_BYTES, Answer, LeanEndpoint, LeanRoute, Scope
from mock_portal.notes import ExchangeNote
from mock_portal.request_body import PARSED_KEY, parsed_json

log = logging.getLogger("mock_portal.dvcqg")

ENVELOPE_KEYS = ("session", "madonvi", "service")
POST_PATHS = ("/dvcqg/auth", "/dvcqg/integration", "/dvcqg/share")
_MAX_NOTED_CODES = 500
_MAX_SCANNED_ITEMS = 10 * _MAX_NOTED_CODES  # items looked at for codes (a hostile list may hold none)
_VERDICT_KEY = "dvcqg_verdict"  # scope state: (type, agency, packet, result) validated off the loop


@dataclass(frozen=True, slots=True)
class Body:
    """The request body as JSON, or why it is not."""

    parsed: bool
    value: Any
    problem: str
    raw: bytes = b""  # what `value` was parsed from, when the endpoint has it at hand

    def require(self) -> Any:
        if not self.parsed:
            raise ChannelError("invalid", self.problem, rules=("QCVN120-STRUCTURE",), verdict="invalid")
        return self.value


Work = Callable[[Scope, ExchangeNote, Body], dict[str, Any]]
_JSON_HEADERS = [(b"content-type", JSON.encode())]


def build_routes(channel: DvcqgChannel) -> list[BaseRoute]:
    endpoints = _Endpoints(channel)
    integration, share = endpoints.enveloped("integration"), endpoints.enveloped("share")
    return [
        LeanRoute("/dvcqg/auth", endpoints.run(endpoints.auth), endpoints.lean(endpoints.auth)),
        LeanRoute("/dvcqg/integration", endpoints.run(integration), endpoints.lean(integration)),
        LeanRoute("/dvcqg/share", endpoints.run(share), endpoints.lean(share)),
        Route("/dvcqg/adapter/{service}", endpoints.run(endpoints.adapter), methods=["POST"]),
        # 404/405 in the envelope instead of Starlette's plain text
        Route("/dvcqg/{rest:path}", endpoints.fallback, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    ]


class _Endpoints:
    def __init__(self, channel: DvcqgChannel) -> None:
        self.channel = channel

    def run(self, work: Work) -> Callable[[Request], Awaitable[Response]]:
        """The Starlette endpoint: read the body, do the work, answer in the envelope, brief the recorder."""

        async def endpoint(request: Request) -> Response:
            body = await _read_body(request)
            if body.parsed and len(body.raw) >= LEAN_MAX_BYTES:
                await self._validate_off_loop(request.scope, body.value)
            status, payload = self.answer(work, request.scope, _note(request), body)
            return Response(payload, status_code=status, media_type=JSON)

        return endpoint

    def lean(self, work: Work) -> LeanEndpoint:
        """The same endpoint for the evidence middleware, from the body and parse it already holds."""

        def endpoint(scope: Scope, raw: bytes, parsed: tuple[bool, Any], headers: dict[str, str]) -> Answer:
            ok, value = parsed
            body = Body(True, value, "", raw) if ok else _unparsed(raw, headers.get("content-type", "application/json"))
            status, payload = self.answer(work, scope, scope["state"]["note"], body)
            return status, _JSON_HEADERS, payload

        return endpoint

    def answer(self, work: Work, scope: Scope, note: ExchangeNote, body: Body) -> tuple[int, bytes]:
        """Do the work; answer in the envelope (refusals with error_code != 0), brief the recorder."""
        try:
            payload = work(scope, note, body)
        except ChannelError as exc:
            payload = {"error_code": self.channel.codes[exc.kind], "message": exc.message}
            note.rules.extend(rule for rule in exc.rules if rule not in note.rules)
            if exc.verdict is not None:
                note.verdict = exc.verdict
        except Exception as exc:  # a bug of the mock: say so in the envelope, never a traceback
            log.exception("DVCQG channel failed on %s", scope["path"])
            message = f"Lỗi nội bộ của Cổng DVCQG mock / internal error of the mock: {type(exc).__name__}"
            return 500, orjson.dumps({"error_code": self.channel.codes["invalid"], "message": message})
        return 200, orjson.dumps(payload)

    # --- POST /dvcqg/auth ---------------------------------------------------------------------------

    def auth(self, scope: Scope, note: ExchangeNote, body: Body) -> dict[str, Any]:
        note.service = "auth"
        value = body.require()
        if not isinstance(value, dict):
            raise ChannelError(
                "invalid",
                'Gói tin phải là đối tượng JSON {"username", "password"} / the body must be a JSON object',
                rules=("QCVN120-AUTH",),
                verdict="invalid",
            )
        self._validate(scope, "auth", value, None, note)
        account = self.channel.account(value["username"], value["password"])
        if account is None:
            raise ChannelError(
                "auth",
                "Tên đăng nhập hoặc mật khẩu không đúng / wrong username or password",
                rules=("AUTH:rejected",),
            )
        session = self.channel.sessions.issue(account)
        return {"error_code": 0, "message": "Lấy phiên làm việc thành công", "session": session.token}

    # --- POST /dvcqg/integration, /dvcqg/share ------------------------------------------------------

    def enveloped(self, endpoint: str) -> Work:
        def work(scope: Scope, note: ExchangeNote, body: Body) -> dict[str, Any]:
            value = body.require()
            if not isinstance(value, dict):
                raise ChannelError(
                    "invalid",
                    "Gói tin phải là đối tượng JSON {session, madonvi, service, ...} / the body must be a JSON object",
                    rules=("QCVN120-ENVELOPE",),
                    verdict="invalid",
                )
            note.ma_ho_so = _dossier_codes(value)
            service = value.get("service")
            if isinstance(service, str) and service:
                note.service = service
            missing = [k for k in ENVELOPE_KEYS if not isinstance(value.get(k), str) or not value[k]]
            if missing:
                raise ChannelError(
                    "invalid",
                    f"Thiếu trường bắt buộc của gói tin: {', '.join(missing)} "
                    f"(missing or empty envelope key(s); every call carries session, madonvi, service)",
                    rules=("QCVN120-ENVELOPE",),
                    verdict="invalid",
                )
            session = self._session(scope, value["session"])
            madonvi = value["madonvi"]
            self._check_agency(madonvi, session.province, "madonvi")
            route = SERVICES.get(value["service"])
            if route is None:
                here = sorted(name for name, (where, _) in SERVICES.items() if where == endpoint)
                raise ChannelError(
                    "invalid",
                    f"Dịch vụ {value['service']!r} không tồn tại / unknown service; "
                    f"/dvcqg/{endpoint} phục vụ / serves: {', '.join(here)}",
                    rules=("QCVN120-ENVELOPE",),
                    verdict="invalid",
                )
            where, handler = route
            if where != endpoint:
                raise ChannelError(
                    "invalid",
                    f"Dịch vụ {value['service']} được cung cấp qua /dvcqg/{where}, không qua /dvcqg/{endpoint} "
                    f"(use the {where} endpoint)",
                    rules=("QCVN120-ENVELOPE",),
                    verdict="invalid",
                )
            self._validate(scope, value["service"], value, madonvi, note)
            caller = Caller(session.username, session.province, madonvi, "integration")
            return handler(Call(self.channel, caller, value, self.channel.now(), body.raw))

        return work

    def _session(self, scope: Scope, token: str) -> Session:
        if scope.get("state", {}).get("expire_session"):
            self.channel.sessions.expire(token)
        session, status = self.channel.sessions.lookup(token)
        if session is None:
            why = "không hợp lệ hoặc đã hết hạn / unknown session"
            if status == "expired":
                why = "đã hết hạn / session expired"
            raise ChannelError(
                "session",
                f"Phiên làm việc {why}; lấy phiên mới qua /dvcqg/auth (authenticate again)",
                rules=(f"SESSION:{status}",),
            )
        return session

    def _check_agency(self, code: str, province: str, key: str) -> None:
        _check_agency_format(code, key)
        if code[-3:] != province:
            raise ChannelError(
                "forbidden",
                f"Đơn vị {code} không thuộc tỉnh/bộ {province} của tài khoản tích hợp "
                f"({key} is not an agency of the account's province or ministry {province})",
                rules=("STATE:forbidden",),
            )

    def _validate(self, scope: Scope, type_name: str, packet: Any, agency: str | None, note: ExchangeNote) -> None:
        found = scope.get("state", {}).get(_VERDICT_KEY)
        if found is not None and found[0] == type_name and found[1] == agency and found[2] is packet:
            result: ValidationResult = found[3]
        else:
            result = self._verdict(type_name, packet, agency)
        if result.valid:
            note.verdict = "valid"
            return
        rules = list(dict.fromkeys(v.rule for v in result.violations))
        if result.truncated:
            rules.append(TRUNCATED_TAG)
        raise ChannelError("invalid", violations_message(result), rules=rules, verdict="invalid")

    def _verdict(self, type_name: str, packet: Any, agency: str | None) -> ValidationResult:
        validator = get_validator(type_name, self.channel.profile)
        return validator.validate(packet, agency=agency, max_violations=self.channel.state.config.max_violations)

    async def _validate_off_loop(self, scope: Scope, value: Any) -> None:
        """Validate a large packet on a worker thread, as the work will ask for it (the type and agency it
        will name); the work then takes this verdict instead of computing it on the loop."""
        path: str = scope["path"]
        type_name: str | None = None
        agency: str | None = None
        if path.startswith("/dvcqg/adapter/"):
            service = scope.get("path_params", {}).get("service", "")
            if service in ADAPTER_SERVICES and isinstance(value, list):
                type_name = f"adapter.{service}"
                agency = QueryParams(scope.get("query_string", b"")).get("MaDinhDanhDV", "")
        elif isinstance(value, dict):
            if path == "/dvcqg/auth":
                type_name = "auth"
            elif value.get("service") in SERVICES and isinstance(value.get("madonvi"), str):
                type_name, agency = value["service"], value["madonvi"]
        if type_name is not None:
            result = await run_in_threadpool(self._verdict, type_name, value, agency)
            scope.setdefault("state", {})[_VERDICT_KEY] = (type_name, agency, value, result)

    # --- POST /dvcqg/adapter/{service} (LGSP proxy: bare array, no session) -------------------------

    def adapter(self, scope: Scope, note: ExchangeNote, body: Body) -> dict[str, Any]:
        service = scope["path_params"]["service"]
        query = QueryParams(scope.get("query_string", b""))
        note.service = service
        if service not in ADAPTER_SERVICES:
            raise ChannelError(
                "invalid",
                f"Dạng adapter chỉ hỗ trợ {', '.join(ADAPTER_SERVICES)}, không hỗ trợ {service!r} "
                f"(unknown adapter service; other services use /dvcqg/integration)",
                rules=("QCVN120-ADAPTER",),
                verdict="invalid",
            )
        value = body.require()
        if not isinstance(value, list):
            raise ChannelError(
                "invalid",
                f"Dạng adapter nhận một mảng JSON [...] các {'hồ sơ' if service == 'DongBoHoSoMC' else 'bước xử lý'} "
                f"(the adapter form takes a bare JSON array, no envelope)",
                rules=("QCVN120-ADAPTER",),
                verdict="invalid",
            )
        note.ma_ho_so = _dossier_codes(value)
        agency = query.get("MaDinhDanhDV", "")
        if not agency:
            raise ChannelError(
                "invalid",
                "Thiếu tham số MaDinhDanhDV (mã định danh đơn vị) / missing query parameter MaDinhDanhDV",
                rules=("QCVN120-ADAPTER",),
                verdict="invalid",
            )
        _check_agency_format(agency, "MaDinhDanhDV")
        account = self.channel.province_account(agency[-3:])
        if account is None:
            configured = ", ".join(sorted({a.province for a in self.channel.state.config.accounts}))
            raise ChannelError(
                "forbidden",
                f"Không có tài khoản tích hợp nào của {agency[-3:]} cho đơn vị {agency} (MaDinhDanhDV is not an "
                f"agency of a configured account's province or ministry; configured: {configured})",
                rules=("STATE:forbidden",),
            )
        flag = ""
        if service == "DongBoHoSoMC":
            flag = query.get("isUpdating", "")
            if self.channel.profile == "lenient":
                flag = flag.capitalize()
            if flag not in ("True", "False"):
                raise ChannelError(
                    "invalid",
                    f'Tham số isUpdating phải là "True" hoặc "False", nhận được {flag!r} '
                    f"(isUpdating query parameter: True to update, False to insert)",
                    rules=("QCVN120-BOOL-STRING",),
                    verdict="invalid",
                )
        self._validate(scope, f"adapter.{service}", value, agency, note)
        caller = Caller(account.username, account.province, agency, "adapter")
        call = Call(self.channel, caller, value, self.channel.now(), body.raw)
        if service == "DongBoHoSoMC":
            return sync_dossiers(call, value, flag == "True", "adapter.DongBoHoSoMC", ())
        return sync_progress(call, value)

    # --- anything else under /dvcqg -----------------------------------------------------------------

    async def fallback(self, request: Request) -> Response:
        path = request.url.path
        known = path in POST_PATHS or (path.startswith("/dvcqg/adapter/") and path.count("/") == 3)
        if known and request.method != "POST":
            message = f"{path} chỉ nhận phương thức POST / method {request.method} not allowed, use POST"
            return _json({"error_code": self.channel.codes["invalid"], "message": message}, 405, {"Allow": "POST"})
        message = (
            f"Không có địa chỉ {path} / no such endpoint; the national portal serves POST /dvcqg/auth, "
            f"/dvcqg/integration, /dvcqg/share and /dvcqg/adapter/{{{'|'.join(ADAPTER_SERVICES)}}}"
        )
        return _json({"error_code": self.channel.codes["invalid"], "message": message}, 404)


def _check_agency_format(code: str, key: str) -> None:
    if not scalar_pattern("AgencyCode").match(code):
        raise ChannelError(
            "invalid",
            f"{key} {code!r} không đúng định dạng mã định danh cơ quan ddd.dd.dd.Xdd "
            f"(agency identifier per QCVN 102, e.g. 000.00.00.H56)",
            rules=("CODE-AGENCY",),
            verdict="invalid",
        )


def _note(request: Request) -> ExchangeNote:
    """The middleware's note; a fresh one when the app runs without it (in-process fixtures)."""
    note = request.scope.setdefault("state", {}).get("note")
    if not isinstance(note, ExchangeNote):
        note = ExchangeNote()
        request.scope["state"]["note"] = note
    return note


async def _read_body(request: Request) -> Body:
    state = request.scope.get("state", {})
    content_type = request.headers.get("content-type", "application/json")
    if PARSED_KEY in state:
        parsed, value = parsed_json(state)
        if parsed:
            return Body(True, value, "", await request.body())
        raw = await request.body()
    else:  # no middleware in front of us
        raw = await request.body()
        if raw and "json" in content_type:
            try:
                return Body(True, orjson.loads(raw), "", raw)
            except orjson.JSONDecodeError:
                pass
    return _unparsed(raw, content_type)


def _unparsed(raw: bytes, content_type: str) -> Body:
    """Why a body is not a JSON packet."""
    if not raw:
        problem = "Nội dung yêu cầu rỗng; gửi một gói tin JSON / empty body: send a JSON packet"
    elif "json" not in content_type:
        problem = (
            f"Content-Type phải là application/json, nhận được {content_type!r} / send Content-Type: application/json"
        )
    else:
        problem = "Nội dung không phải JSON hợp lệ (UTF-8) / the body is not valid JSON"
    return Body(False, None, problem)


def _dossier_codes(value: Any) -> list[str]:
    """MaHoSo values a packet carries, for the evidence row (dossiers, steps, TraCuuHoSo, TTKM status):
    at most _MAX_NOTED_CODES, from the first _MAX_SCANNED_ITEMS items."""
    if isinstance(value, list):
        items: list[Any] = value
    elif isinstance(value, dict):
        if isinstance(value.get("mahoso"), str):
            return [value["mahoso"]]
        data = value.get("data")
        items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    else:
        return []
    codes: dict[str, None] = {}
    for item in items[:_MAX_SCANNED_ITEMS]:
        if isinstance(item, dict):
            for key in ("MaHoSo", "MaHoSoDonVi"):
                code = item.get(key)
                if isinstance(code, str) and code:
                    codes[code] = None
        if len(codes) >= _MAX_NOTED_CODES:
            break
    return list(codes)


def _json(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type=JSON, headers=headers)
