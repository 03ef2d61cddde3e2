"""Officer errors in Vietnamese first, the portal's English detail as the gloss:
`{"error": <code>, "detail": "<tiếng Việt> (<English>)", ...}`, never cached, 401 with its challenge."""

from __future__ import annotations

from starlette.responses import JSONResponse

from reference_portal.officer.login import CHALLENGE
from reference_portal.web.common import HttpError, error_response

#: the officers' own answers carry personal data: never kept by a shared cache
NO_STORE = {"cache-control": "no-store"}

_VIETNAMESE = {
    "unauthorized": "Cần đăng nhập bằng tài khoản cán bộ",
    "invalid": "Yêu cầu không hợp lệ",
    "unknown_procedure": "Không có thủ tục hành chính này",
    "not_found": "Không tìm thấy hồ sơ",
    "action_not_allowed": "Thao tác không được phép ở trạng thái hiện tại của hồ sơ",
    "body_too_large": "Yêu cầu quá lớn",
    "unsupported_media_type": "Nội dung phải là JSON",
    "national_unavailable": "Chưa kết nối được Cổng Dịch vụ công quốc gia",
}


def officer_error(exc: HttpError) -> JSONResponse:
    vietnamese = _VIETNAMESE.get(exc.error, "Không thực hiện được yêu cầu")
    response = error_response(HttpError(exc.status, exc.error, f"{vietnamese} ({exc.detail})", **exc.extra))
    response.headers.update(NO_STORE)
    if exc.status == 401:
        response.headers["www-authenticate"] = CHALLENGE
    return response
