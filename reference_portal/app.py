"""The reference portal's ASGI application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from reference_portal.calendar import now
from reference_portal.config import PortalConfig
from reference_portal.features import default_features
from reference_portal.national.dvcqg import NationalError
from reference_portal.portal import Feature, Portal
from reference_portal.web import control, files
from reference_portal.web.common import HttpError, error_response

log = logging.getLogger(__name__)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpError)
    return error_response(exc)


async def _warm_catalogue(portal: Portal) -> None:
    """Pull the national catalogue at start, retrying with backoff while DVCQG is unavailable (meanwhile
    a procedure is fetched on demand when a dossier needs it)."""
    delay = 1.0
    while True:
        try:
            count = await portal.catalogue.refresh()
        except NationalError as exc:
            log.warning("catalogue not pulled yet (retrying in %.0f s): %s", delay, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)
        else:
            log.info("catalogue: %s procedures from DVCQG", count)
            return


def create_app(
    config: PortalConfig | None = None,
    *,
    features: Sequence[Feature] | None = None,
    clock: Callable[[], datetime] = now,
    warm_catalogue: bool = True,
) -> Starlette:
    portal = Portal(config or PortalConfig(), default_features() if features is None else features, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        jobs = [portal.outbox.run] + [job for f in portal.features for job in f.tasks(portal)]
        tasks: list[asyncio.Task[None]] = [asyncio.create_task(job()) for job in jobs]
        if warm_catalogue:
            tasks.append(asyncio.create_task(_warm_catalogue(portal)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await portal.close()

    routes = [*control.routes(portal), *files.routes(portal)]
    for feature in portal.features:
        routes.extend(feature.routes(portal))
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HttpError: _http_error})
    app.state.portal = portal
    return app
