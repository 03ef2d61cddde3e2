"""The portal's parts wired together, and the `Feature` each concern plugs in with.

A feature (payments, SSO login, public lookup, inbound pushes, ratings and statistics) brings its own
tables, HTTP routes, background tasks and reset hook; `Portal` owns the shared services they use.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from starlette.routing import BaseRoute

from reference_portal.calendar import ShiftableClock, WorkingCalendar, now
from reference_portal.catalogue import SCHEMA as CATALOGUE_SCHEMA
from reference_portal.catalogue import Catalogue
from reference_portal.config import PortalConfig
from reference_portal.db import Database
from reference_portal.defects import Defects
from reference_portal.dossiers import SCHEMA as DOSSIER_SCHEMA
from reference_portal.dossiers import TABLES as DOSSIER_TABLES
from reference_portal.dossiers import DossierService
from reference_portal.national.dvcqg import DvcqgClient
from reference_portal.sync.outbox import SCHEMA as OUTBOX_SCHEMA
from reference_portal.sync.outbox import TABLES as OUTBOX_TABLES
from reference_portal.sync.outbox import Outbox


@dataclass(frozen=True)
class Feature:
    name: str
    #: CREATE TABLE IF NOT EXISTS ... statements
    schema: str = ""
    #: tables wiped by POST /_control/reset (children before parents)
    tables: tuple[str, ...] = ()
    routes: Callable[[Portal], Sequence[BaseRoute]] = lambda portal: ()
    #: long-running coroutines started with the app (e.g. polling pending payments)
    tasks: Callable[[Portal], Sequence[Callable[[], Coroutine[Any, Any, None]]]] = lambda portal: ()
    #: in-memory state to forget on reset
    reset: Callable[[Portal], None] = lambda portal: None
    capabilities: tuple[str, ...] = field(default_factory=tuple)


class Portal:
    def __init__(
        self, config: PortalConfig, features: Sequence[Feature], *, clock: Callable[[], datetime] = now
    ) -> None:
        self.config = config
        self.features = tuple(features)
        self.defects = Defects(config.defects)
        self.clock: Callable[[], datetime] = ShiftableClock(clock)
        self.calendar = WorkingCalendar(config.holidays)
        self.db = Database(
            config.db, [CATALOGUE_SCHEMA, DOSSIER_SCHEMA, OUTBOX_SCHEMA, *(f.schema for f in self.features if f.schema)]
        )
        self.http = httpx.AsyncClient(base_url=config.national_url, timeout=config.http_timeout_s)
        self.dvcqg = DvcqgClient(
            self.http, username=config.dvcqg_username, password=config.dvcqg_password, agency=config.province_agency
        )
        self.catalogue = Catalogue(self.db, self.dvcqg)
        self.outbox = Outbox(
            self.db,
            self.dvcqg,
            self.defects,
            poll_s=config.sync_poll_s,
            retry_base_s=config.sync_retry_base_s,
            retry_max_s=config.sync_retry_max_s,
        )
        self.dossiers = DossierService(
            self.db, self.catalogue, self.calendar, config, self.defects, clock=self.clock, on_change=self.outbox.wake
        )

    @property
    def capabilities(self) -> list[str]:
        return sorted({c for f in self.features for c in f.capabilities})

    def reset(self) -> None:
        """Forget every dossier, outbox entry and feature record (the catalogue cache stays)."""
        tables = [t for f in reversed(self.features) for t in f.tables]
        self.db.wipe([*tables, *OUTBOX_TABLES, *DOSSIER_TABLES])
        for feature in self.features:
            feature.reset(self)
        self.dvcqg.forget_session()

    async def close(self) -> None:
        await self.http.aclose()
        self.db.close()


__all__ = ["Feature", "Portal"]
