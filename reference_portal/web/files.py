"""Public download of dossier files (DuongDanTaiTepTin / DuongDanTepTinKetQua): DVCQG must be able to
fetch them without a login, so the links carry unguessable 96-bit identifiers."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from reference_portal.dossiers import NotFound
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError, require_control_token


def routes(portal: Portal) -> list[BaseRoute]:
    async def download(request: Request) -> Response:
        if portal.defects.on("file-links-need-login"):  # defect: the links work for nobody without a token
            require_control_token(request, portal.config.control_token)
        try:
            name, content = portal.dossiers.file(request.path_params["file_id"])
        except NotFound:
            raise HttpError(404, "not_found", "no file with this identifier") from None
        disposition = f"attachment; filename*=UTF-8''{quote(name)}"
        return Response(content, media_type="application/octet-stream", headers={"content-disposition": disposition})

    return [Route("/files/{file_id}", download, methods=["GET"])]
