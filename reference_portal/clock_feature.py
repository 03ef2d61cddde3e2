"""The portal's clock as a feature (capability `clock`, routes: reference_portal.web.clock): the harness may
shift the time the portal lives at, so a run can drive a flow in the afternoon or across midnight whatever the
hour it runs at.

Everything the portal stamps (dossier codes, NgayTiepNhan, steps, due dates) reads `portal.clock`, so shifting
it moves all of them together; the national side keeps real time, and a harness that shifted the clock knows by
how much when it compares the two.
"""

from __future__ import annotations

from reference_portal.calendar import ShiftableClock
from reference_portal.portal import Feature, Portal
from reference_portal.web.clock import routes


def _reset(portal: Portal) -> None:
    if isinstance(portal.clock, ShiftableClock):
        portal.clock.shift_to(None)


FEATURE = Feature("clock", routes=routes, reset=_reset, capabilities=("clock",))

__all__ = ["FEATURE"]
