"""HTTP surface of ratings and statistics: the public portal pages' API and the control hooks the suites use.

Public (TT 22/2019 Điều 6 k1 h, i: citizens rate, everybody sees the statistics):
  POST /api/ratings                 {"MaHoSo", "MucDo": "1"|"2"|"3", "NoiDung"?} → 201, by the dossier's owner
                                    signed in with the national SSO (401 anonymous, 403 anyone else)
  GET  /api/ratings?month=YYYY-MM   the month's rating summaries (the DongBoDanhGia items)
  GET  /api/statistics?month=YYYY-MM  the month's dossier counters and the DongBoThongKeHoSo item
Control (bearer control token):
  POST /_control/ratings            the same body, for headless runs
  POST /_control/statistics/sync    {"month": "YYYY-MM"} queues DongBoThongKeHoSo for that month
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.auth import current_citizen
from reference_portal.dossiers import Dossier, InvalidRequest, NotFound
from reference_portal.feedback.periods import InvalidMonth, Month
from reference_portal.feedback.ratings import NewRating, RatingRefused, RatingService
from reference_portal.feedback.statistics import count_month, statistics_item
from reference_portal.portal import Portal
from reference_portal.public import is_owner
from reference_portal.sync import outbox
from reference_portal.sync.packets import stamp
from reference_portal.web.common import HttpError, json_body, require_control_token


def _month(portal: Portal, raw: object, *, default_now: bool) -> Month:
    current = Month.of(portal.clock())
    if raw is None and default_now:
        return current
    try:
        month = Month.parse(raw)
    except InvalidMonth as exc:
        raise HttpError(422, "invalid", str(exc)) from None
    if month > current:
        raise HttpError(422, "invalid", f"{month} has not started yet (the portal's month is {current})")
    return month


def _statistics(portal: Portal, month: Month) -> dict[str, Any]:
    now = stamp(portal.clock())
    counts = count_month(
        (d.record for d in portal.dossiers.all()),
        month,
        now,
        withdrawn_as_processed=portal.defects.on("statistics-miscount"),
    )
    config = portal.config
    item = statistics_item(
        counts,
        month,
        config.receiving_agency,
        config.receiving_agency_name,
        zero_based_month=portal.defects.on("statistics-month-zero-based"),
    )
    return {"month": str(month), "as_of": min(month.end, now), "counts": counts.to_json(), "item": item}


def _require_owner(portal: Portal, request: Request, dossier: Dossier) -> None:
    citizen = current_citizen(portal, request)
    if citizen is None:
        raise HttpError(401, "not_signed_in", "Đăng nhập bằng tài khoản Cổng DVCQG để đánh giá hồ sơ của mình "
                        "(sign in with the national SSO to rate your dossier: GET /auth/login)")  # fmt: skip
    if not is_owner(citizen, dossier):
        raise HttpError(403, "not_owner", f"Chỉ chủ hồ sơ được đánh giá hồ sơ {dossier.ma_ho_so} "
                        f"(only the applicant may rate dossier {dossier.ma_ho_so})")  # fmt: skip


def routes(portal: Portal) -> list[BaseRoute]:
    token = portal.config.control_token
    ratings = RatingService(portal.db, portal.config, portal.defects)

    async def record(request: Request, *, by_owner: bool) -> Response:
        try:
            new = NewRating.from_json(await json_body(request))
            dossier = portal.dossiers.get(new.ma_ho_so)
            if by_owner and not portal.defects.on("rating-by-anyone"):
                _require_owner(portal, request, dossier)
            answer = ratings.rate(dossier, new, portal.clock())
        except InvalidRequest as exc:
            raise HttpError(422, "invalid", "; ".join(exc.problems)) from None
        except NotFound as exc:
            raise HttpError(404, "not_found", str(exc)) from None
        except RatingRefused as exc:
            raise HttpError(409, "action_not_allowed", str(exc)) from None
        portal.outbox.wake()
        return JSONResponse(answer, status_code=201)

    async def rate(request: Request) -> Response:
        """A citizen rates their own dossier (signed in with the national SSO; TT 01/2018 Điều 12: the applicant
        rates the handling of their dossier): anyone else is refused before the vote is counted."""
        return await record(request, by_owner=True)

    async def control_rate(request: Request) -> Response:
        require_control_token(request, token)
        return await record(request, by_owner=False)

    async def rating_summaries(request: Request) -> Response:
        month = _month(portal, request.query_params.get("month"), default_now=True)
        return JSONResponse({"month": str(month), "TongHop": ratings.summaries(month)})

    async def statistics(request: Request) -> Response:
        month = _month(portal, request.query_params.get("month"), default_now=True)
        return JSONResponse(_statistics(portal, month))

    async def sync_statistics(request: Request) -> Response:
        require_control_token(request, token)
        body = await json_body(request)
        if not isinstance(body, dict) or "month" not in body:
            raise HttpError(422, "invalid", 'send {"month": "YYYY-MM"}')
        month = _month(portal, body["month"], default_now=False)
        computed = _statistics(portal, month)
        with portal.db.transaction() as conn:
            outbox.enqueue(conn, "DongBoThongKeHoSo", {"data": [computed["item"]]}, ma_ho_so=None)
        portal.outbox.wake()
        return JSONResponse({"queued": "DongBoThongKeHoSo", **computed}, status_code=202)

    return [
        Route("/api/ratings", rate, methods=["POST"]),
        Route("/api/ratings", rating_summaries, methods=["GET"]),
        Route("/api/statistics", statistics, methods=["GET"]),
        Route("/_control/ratings", control_rate, methods=["POST"]),
        Route("/_control/statistics/sync", sync_statistics, methods=["POST"]),
    ]
