"""The national SSO test account a tester signs in with to act as an applicant in interactive mode.

An online dossier's applicant is whoever signed in: the portal takes the name and ID number from the login. So
that the dossier the tester submits is the applicant the harness asked for, the harness registers that person as
a test account on its national mock (`POST /_admin/sso/accounts`) and the step names the account to choose.
"""

from __future__ import annotations

import httpx

from harness.core.errors import HarnessError
from harness.sut._models import DossierRequest

PATH = "/_admin/sso/accounts"
_ACCOUNT_TYPE = {"1": "1", "2": "2"}  # LoaiDoiTuong → LoaiTaiKhoan; state agencies and others are organisations


def account_body(request: DossierRequest) -> dict[str, str]:
    """The account for this applicant: a citizen by SoDinhDanh, an enterprise or organisation by tax code."""
    account_type = _ACCOUNT_TYPE.get(request.applicant_type, "3")
    body = {
        "LoaiTaiKhoan": account_type,
        "HoVaTen": request.applicant,
        ("SoDinhDanh" if account_type == "1" else "MaSoThue"): request.id_number,
        "SoDienThoai": request.phone,
        "ThuDienTu": request.email,
    }
    if request.address:
        body["DiaChi"] = request.address
    if request.tech_id:
        body["TechID"] = request.tech_id
    return body


def sso_account(client: httpx.Client, request: DossierRequest) -> str | None:
    """The login hint of the applicant's test account on the mock (made if new); None when the mock cannot make
    one for this applicant (the step then asks the tester to sign in as the person with that ID number)."""
    try:
        answer = client.post(PATH, json=account_body(request))
    except httpx.HTTPError as exc:
        raise HarnessError(f"the national mock could not register an SSO test account: {exc}") from None
    if answer.status_code in (200, 201):
        hint = answer.json().get("login_hint")
        return hint if isinstance(hint, str) and hint else None
    if answer.status_code in (404, 409, 422):  # an older mock, an ID number taken by another name, a shape it refuses
        return None
    raise HarnessError(f"the national mock refused an SSO test account: HTTP {answer.status_code} {answer.text[:200]}")
