"""`GET /_control/clock` (the portal's time and its offset) and `POST /_control/clock` `{"at": "yyyyMMddHHmmss"
| null}` (live at that Vietnam time from now on; null: real time again). Bearer control token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.calendar import VIETNAM, ShiftableClock
from reference_portal.portal import Portal
from reference_portal.sync.packets import stamp
from reference_portal.web.common import HttpError, json_body, require_control_token

#: how far the harness may move the portal's clock: a year either way reaches every kind of day of the national
#: calendar (a public holiday, a worked Saturday, a month and a year end) whatever the day of the run
MAX_SHIFT_S = 400 * 24 * 3600


def _view(clock: ShiftableClock) -> dict[str, Any]:
    return {"now": stamp(clock()), "offset_s": int(clock.offset.total_seconds())}


def _at(body: Any) -> datetime | None:
    if not isinstance(body, dict) or set(body) != {"at"}:
        raise HttpError(422, "invalid", 'send {"at": "yyyyMMddHHmmss"} (Vietnam time), or {"at": null}')
    value = body["at"]
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 14 or not value.isdigit():
        raise HttpError(422, "invalid", f"at must be yyyyMMddHHmmss (Vietnam time), got {value!r}"[:200])
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)
    except ValueError:
        raise HttpError(422, "invalid", f"at {value!r} is not a calendar date and time") from None


def routes(portal: Portal) -> list[BaseRoute]:
    token = portal.config.control_token

    def clock() -> ShiftableClock:
        if not isinstance(portal.clock, ShiftableClock):
            raise HttpError(409, "action_not_allowed", "this portal runs on a fixed clock")
        return portal.clock

    async def read(request: Request) -> Response:
        require_control_token(request, token)
        return JSONResponse(_view(clock()))

    async def shift(request: Request) -> Response:
        require_control_token(request, token)
        at = _at(await json_body(request))
        shiftable = clock()
        if at is not None and abs((at - datetime.now(VIETNAM)).total_seconds()) > MAX_SHIFT_S:
            raise HttpError(422, "invalid", f"at most {MAX_SHIFT_S // 3600} h from the real time")
        shiftable.shift_to(at)
        return JSONResponse(_view(shiftable))

    return [Route("/_control/clock", read, methods=["GET"]), Route("/_control/clock", shift, methods=["POST"])]
