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
    fetched: set[str] = set()  # defect `result-link-expires`: the result files already downloaded once

    async def download(request: Request) -> Response:
        if portal.defects.on("file-links-need-login"):  # defect: the links work for nobody without a token
            require_control_token(request, portal.config.control_token)
        file_id = request.path_params["file_id"]
        try:
            if file_id in fetched:
                raise NotFound(file_id)
            name, content = portal.dossiers.file(file_id)
        except NotFound:
            raise HttpError(404, "not_found", "no file with this identifier") from None
        if portal.defects.on("result-link-expires") and _is_result(portal, file_id):
            fetched.add(file_id)
        disposition = f"attachment; filename*=UTF-8''{quote(name)}"
        return Response(content, media_type="application/octet-stream", headers={"content-disposition": disposition})

    return [Route("/files/{file_id}", download, methods=["GET"])]


def _is_result(portal: Portal, file_id: str) -> bool:
    row = portal.db.one("SELECT kind FROM dossier_file WHERE id = ?", (file_id,))
    return row is not None and row["kind"] == "result"
