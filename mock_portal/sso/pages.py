"""HTML pages of the identity provider: the test-account chooser, error pages, the logged-out page.

The chooser is a form that posts the authorization request back (hidden fields, re-validated on POST)
with the chosen account's `sub` in `user`. It lists the seeded accounts, then those the harness registered
(`POST /_admin/sso/accounts`, tagged), so a tester finds the applicant they were asked to act as. Every value
is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from html.parser import HTMLParser

from starlette.responses import HTMLResponse

from mock_portal.sso.users import TestUser

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1b1b1b}
h1{font-size:1.4rem;color:#a50e0e}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.45rem;text-align:left}
button{padding:.3rem .9rem;cursor:pointer}.tag{font-size:.8rem;background:#e6f0ff;padding:.1rem .4rem}
.note{color:#555;font-size:.9rem}
"""
_HEADERS = {"cache-control": "no-store", "x-frame-options": "DENY"}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )
    return HTMLResponse(html, status, headers=_HEADERS)


def login_page(
    action: str,
    request_params: dict[str, str],
    users: Iterable[TestUser],
    client_id: str,
    registered: Iterable[TestUser] = (),
) -> HTMLResponse:
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in request_params.items()
        if name not in ("user", "login_hint")
    )
    rows = []
    listed = [(user, False) for user in users] + [(user, True) for user in registered]
    for user, was_registered in listed:
        badge = ' <span class="tag">VNeID</span>' if user.vneid else ""
        badge += ' <span class="tag">registered</span>' if was_registered else ""
        rows.append(
            "<tr>"
            f"<td>{escape(user.full_name)}{badge}</td>"
            f"<td>{escape(user.label)}</td>"
            f"<td><code>{escape(user.identifier)}</code></td>"
            f"<td><code>{escape(user.sub)}</code></td>"
            f'<td><button type="submit" name="user" value="{escape(user.sub)}">Đăng nhập</button></td>'
            "</tr>"
        )
    body = (
        "<h1>Cổng Dịch vụ công Quốc gia — đăng nhập (mô phỏng)</h1>"
        f'<p class="note">Mock identity provider for tests. Application <code>{escape(client_id)}</code> asks you '
        "to sign in: choose a test account (no password).</p>"
        f'<form method="post" action="{escape(action)}">{hidden}'
        "<table><thead><tr><th>Họ và tên</th><th>Loại tài khoản</th><th>Số định danh / Mã số thuế</th>"
        "<th>sub</th><th></th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></form>"
    )
    return _page("Đăng nhập — DVCQG (mock)", body)


UNTRUSTED_REDIRECT = (
    "The request was not redirected back to the application because its client or redirect URI could not be "
    "trusted (RFC 6749 §4.1.2.1)."
)


def error_page(error: str, description: str, status: int = 400, note: str = UNTRUSTED_REDIRECT) -> HTMLResponse:
    body = (
        "<h1>Không thể xử lý yêu cầu</h1>"
        f"<p><strong>{escape(error)}</strong>: {escape(description)}</p>"
        f'<p class="note">{escape(note)}</p>'
    )
    return _page("Lỗi — DVCQG SSO (mock)", body, status)


def logged_out_page() -> HTMLResponse:
    return _page("Đã đăng xuất — DVCQG (mock)", "<h1>Bạn đã đăng xuất</h1><p>You have been signed out.</p>")


class AccountChooser(HTMLParser):
    """The test-account chooser as a browser reads it: the form's target and the hidden fields it posts back
    (with `user` set to the chosen account's sub, TechID, CCCD or tax code), for scripted sign-ins."""

    def __init__(self) -> None:
        super().__init__()
        self.target = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.target = values.get("action") or ""
        if tag == "input" and values.get("type") == "hidden" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""
