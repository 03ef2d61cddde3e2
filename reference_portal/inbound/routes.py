"""The endpoints DVCQG pushes to (dvcqg-interfaces §10, OpenCPS REST base /o/rest/v2/nps) and the control
hook listing what was received.

Every answer is `{"error_code", "message"}` (inbound.reply): 0 stored ("<codes>| create dossier success"),
1 a repeat of a stored push ("duplicate refId ..."), -1 refused. A body that parses but breaks the packet's
schema or rules is answered HTTP 200 with -1 and every violation (rule ID, JSON pointer, message), as OpenCPS
answers its business errors; nothing is stored.

A refusal lists the first violations and says how many were found: the validator stops past
`max_violations` (portal configuration; then "N of more than N"), so a packet of 10,000 empty items costs
what a few do, and a large body is validated on a worker thread, so that the event loop keeps serving. A
body over `MAX_BODY_BYTES` is answered 413 with -1 as soon as it passes the limit (chunked bodies too):
reading stops there.

A body that is not JSON at all is answered HTTP 400 with -1 and "request body incorrect: <why>". OpenCPS
answers 500 there; a 5xx tells the sender "the province failed, try again later", which is wrong for a
body that will never parse, and hides a real server fault among client errors. 400 says "your request is
wrong" and the reply keeps the documented shape, so a DVCQG client reading error_code still sees -1.

The endpoints take no credentials: in production they are reachable only from DVCQG through the
provincial LGSP (network allow-list); TD's variant adds a shared SecurityKey, which is not modelled.
"""

from __future__ import annotations

import logging
from functools import cache

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from harness import PacketValidator, ValidationResult, get_validator
from reference_portal.inbound import store
from reference_portal.inbound.kinds import ENDPOINTS, describe, packet_type_for
from reference_portal.inbound.notice import NoticeError
from reference_portal.portal import Portal
from reference_portal.sync.packets import stamp
from reference_portal.web.common import MAX_BODY_BYTES, BodyTooLarge, read_body, require_control_token

log = logging.getLogger(__name__)

BASE = "/o/rest/v2/nps"
#: violations listed in a refusal; the rest are counted
MAX_LISTED = 20
#: bodies at least this large are validated on a worker thread
OFFLOAD_BYTES = 64 * 1024
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


def violations_message(packet_type: str, verdict: ValidationResult) -> str:
    violations = verdict.violations
    listed = violations[:MAX_LISTED]
    text = "; ".join(f"{v.rule} at {v.pointer or '/'}: {v.message}" for v in listed)
    total = verdict.violation_count
    if total is None:
        rest = len(violations) - len(listed)
        more = f"; and more than {rest} more" if rest else "; and more"
    else:
        more = f"; and {total - len(listed)} more" if total > len(listed) else ""
    found = f"{len(violations)} violation(s)" if not verdict.truncated else verdict.count_text()
    return f"invalid {packet_type} packet, nothing stored ({found}): {text}{more}"


async def _body(request: Request) -> tuple[object, int]:
    """The parsed body and its size in bytes."""
    try:
        raw = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        raise _Unreadable(413, f"request body incorrect: larger than {MAX_BODY_BYTES} bytes") from None
    if not raw.strip():
        raise _Unreadable(400, "request body incorrect: the body is empty (send a JSON object)")
    try:
        return orjson.loads(raw), len(raw)
    except orjson.JSONDecodeError as exc:
        raise _Unreadable(400, f"request body incorrect: not JSON ({exc})") from None


def nested_deeper_than(value: object, limit: int) -> bool:
    """Whether a parsed JSON value nests objects/arrays more than `limit` levels (iteratively: no recursion)."""
    if not isinstance(value, dict | list):
        return False
    if limit < 1:
        return True
    stack: list[tuple[dict[object, object] | list[object], int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                if child:  # an empty container nests no further: not pushed (a hostile list holds many)
                    stack.append((child, depth + 1))
    return False


async def _judge(packet_type: str, body: object, size: int, cap: int) -> ValidationResult | None:
    """The verdict listing at most `cap` violations, or None when the body nests too deep; on a worker thread
    for a large body (both walks are bounded by its size, but a hostile list of items is long)."""

    def judge() -> ValidationResult | None:
        if nested_deeper_than(body, MAX_DEPTH):
            return None
        return _validator(packet_type).validate(body, max_violations=cap)

    return judge() if size < OFFLOAD_BYTES else await run_in_threadpool(judge)


def routes(portal: Portal) -> list[BaseRoute]:
    def endpoint(name: str) -> Route:
        async def receive(request: Request) -> Response:
            try:
                body, size = await _body(request)
            except _Unreadable as exc:
                return reply(-1, str(exc), exc.status)
            packet_type = packet_type_for(name, body)
            verdict = await _judge(packet_type, body, size, portal.config.max_violations)
            if verdict is None:
                return reply(-1, f"invalid {packet_type} packet, nothing stored: nested deeper than {MAX_DEPTH} levels")
            accept_invalid = portal.defects.on("inbound-accepts-invalid")
            if not verdict.valid and not accept_invalid:
                return reply(-1, violations_message(packet_type, verdict))
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
