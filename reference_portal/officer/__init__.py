"""The one-stop officers' endpoints (`/api/officer/...`): counter intake and the processing screen as an API.

What the control API does for the harness, an officer does here with a login (HTTP Basic, the portal's
officer account): register a dossier brought to the counter or by post, move it through the NĐ 61/2018 flow,
read it, find an applicant's dossiers. Both surfaces call the same code (reference_portal.web.control), so
a dossier handled here is stored and synced to DVCQG exactly like one driven through the control API. The
control token is not an officer login.
"""

from __future__ import annotations

from reference_portal.officer.routes import routes
from reference_portal.portal import Feature

FEATURE = Feature("officer", routes=routes)

__all__ = ["FEATURE"]
