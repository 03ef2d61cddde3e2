"""The endpoints DVCQG pushes to (dvcqg-interfaces §10, OpenCPS REST base /o/rest/v2/nps) and the control
hook listing what was received.

Every answer is `{"error_code", "message"}` (inbound.reply): 0 stored ("<codes>| create dossier success"),
1 a repeat of a stored push ("duplicate refId ..."), -1 refused. A body that parses but breaks the packet's
schema or rules is answered HTTP 200 with -1 and every violation (rule ID, JSON pointer, message), as OpenCPS
answers its business errors; nothing is stored.

A body that is not JSON at all is answered HTTP 400 with -1 and "request body incorrect: <why>". OpenCPS
answers 500 there; a 5xx tells the sender "the province failed, try again later", which is wrong for a
body that will never parse, and hides a real server fault among client errors. 400 says "your request is
wrong" and the reply keeps the documented shape, so a DVCQG client reading error_code still sees -1.

The endpoints take no credentials: in production they are reachable only from DVCQG through the
provincial LGSP (network allow-list); TD's variant adds a shared SecurityKey, which is not modelled.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from harness import PacketValidator, Violation, get_validator
from reference_portal.inbound import store
from reference_portal.inbound.kinds import ENDPOINTS, describe, packet_type_for
from reference_portal.inbound.notice import NoticeError
from reference_portal.portal import Portal
from reference_portal.sync.packets import stamp
from reference_portal.web.common import MAX_BODY_BYTES, require_control_token

log = logging.getLogger(__name__)

BASE = "/o/rest/v2/nps"
#: violations listed in a refusal; the rest are counted
MAX_LISTED = 20
#: no inbound packet nests deeper than 4 levels; deeper bodies are refused before validation, whose error
#: messages (and the repr of the offending value) would otherwise recurse through them
MAX_DEPTH = 16


class _Unreadable(Exception):
    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


def reply(error_code: int, message: str, status: int = 200) -> Response:
    return JSONResponse({"error_code": error_code, "message": message}, status_code=status)


@cache
def _validator(packet_type: str) -> PacketValidator:
    return get_validator(packet_type, "strict")


def violations_message(packet_type: str, violations: Sequence[Violation]) -> str:
    listed = "; ".join(f"{v.rule} at {v.pointer or '/'}: {v.message}" for v in violations[:MAX_LISTED])
    more = f"; and {len(violations) - MAX_LISTED} more" if len(violations) > MAX_LISTED else ""
    return f"invalid {packet_type} packet, nothing stored ({len(violations)} violation(s)): {listed}{more}"


async def _body(request: Request) -> object:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _Unreadable(413, f"request body incorrect: larger than {MAX_BODY_BYTES} bytes")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise _Unreadable(413, f"request body incorrect: larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        raise _Unreadable(400, "request body incorrect: the body is empty (send a JSON object)")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _Unreadable(400, f"request body incorrect: not JSON ({exc})") from None


def nested_deeper_than(value: object, limit: int) -> bool:
    """Whether a parsed JSON value nests objects/arrays more than `limit` levels (iteratively: no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def routes(portal: Portal) -> list[BaseRoute]:
    def endpoint(name: str) -> Route:
        async def receive(request: Request) -> Response:
            try:
                body = await _body(request)
            except _Unreadable as exc:
                return reply(-1, str(exc), exc.status)
            packet_type = packet_type_for(name, body)
            if nested_deeper_than(body, MAX_DEPTH):
                return reply(-1, f"invalid {packet_type} packet, nothing stored: nested deeper than {MAX_DEPTH} levels")
            verdict = _validator(packet_type).validate(body)
            accept_invalid = portal.defects.on("inbound-accepts-invalid")
            if not verdict.valid and not accept_invalid:
                return reply(-1, violations_message(packet_type, verdict.violations))
            try:
                push = describe(packet_type, body, lenient=accept_invalid)
            except NoticeError as exc:
                return reply(-1, f"invalid {packet_type} packet, nothing stored: /data/FileThongBaoThue: {exc}")
            keep_repeats = portal.defects.on("inbound-duplicates-stored")
            if not store.store(portal.db, push, body, stamp(portal.clock()), keep_repeats=keep_repeats):
                return reply(1, f"duplicate refId {push.ref_id}: already received, nothing changed")
            log.info("inbound %s %s stored (%s)", push.kind, push.ref_id, push.national_code)
            return reply(0, f"{push.national_code}| create dossier success")

        return Route(f"{BASE}/{name}", receive, methods=["POST"])

    async def listing(request: Request) -> Response:
        require_control_token(request, portal.config.control_token)
        kind = request.query_params.get("kind") or None
        return JSONResponse({"messages": store.received(portal.db, kind)})

    return [*(endpoint(name) for name in ENDPOINTS), Route("/_control/inbound", listing, methods=["GET"])]
