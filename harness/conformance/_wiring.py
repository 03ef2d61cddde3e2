"""Wiring a SUT to the national side of a run, and proving it before any test.

- `national_wiring(description)`: the body of the mock's `POST /_admin/sut` built from sut.toml (the DVCQG
  account and agency, the payment partner, secret and IPN URL, the SSO client and its redirect URIs), sent to a
  mock the run starts and to a running one alike.
- `wiring_lines(url, description)`: what the run prints first: the national side's URLs and what the SUT must
  be configured with.
- `prove_wiring(...)`: the SUT produces one national exchange (a test dossier through its driver: the control
  API, or the first interactive step) and the run waits for it; nothing arriving is a wiring problem (exit 4),
  never a failure charged to the SUT.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.core.errors import HarnessError
from harness.sut import AttachedFile, DossierRequest, SutDescription, SutDriver

#: a procedure of the national catalogue every SUT offers in the suites (suites/_support.py PROCEDURE)
WIRING_PROCEDURE = "1.001193"
POLL_S = 0.2


class WiringError(HarnessError):
    """The SUT is not talking to this run's national side (exit 4: not a conformance verdict)."""


def national_wiring(description: SutDescription) -> dict[str, Any]:
    national = description.national
    body: dict[str, Any] = {
        "dvcqg": {"username": national.username, "password": national.password, "madonvi": national.madonvi}
    }
    if description.payment is not None:
        payment = description.payment
        body["payment"] = {"partner": payment.ma_doi_tac, "ipn_url": payment.ipn_url}
        if payment.secret:
            body["payment"]["secret"] = payment.secret
    if description.sso is not None:
        sso = description.sso
        body["sso"] = {"client_id": sso.client_id, "redirect_uris": [sso.redirect_uri]}
        if sso.client_secret:
            body["sso"]["client_secret"] = sso.client_secret
        if sso.post_logout_redirect_uri:
            body["sso"]["post_logout_redirect_uris"] = [sso.post_logout_redirect_uri]
    return body


def wiring_lines(url: str, description: SutDescription) -> list[str]:
    """Vietnamese first, English beside: where the national side listens and what the SUT must use."""
    national = description.national
    lines = [
        f"Phía quốc gia (mock) / national side: {url}",
        f"  DVCQG      {url}/dvcqg  (auth, integration, share; adapter {url}/dvcqg/adapter/<service>)",
        f"             tài khoản / account {national.username!r}, madonvi {national.madonvi}",
    ]
    if description.payment is not None:
        lines.append(
            f"  thanh toán / payment  {url}/payment  MaDoiTac {description.payment.ma_doi_tac!r}, "
            f"IPN → {description.payment.ipn_url}"
        )
    if description.sso is not None:
        lines.append(
            f"  SSO        {url}/sso/.well-known/openid-configuration  client {description.sso.client_id!r}, "
            f"redirect_uri {description.sso.redirect_uri}"
        )
    lines.append(
        f"Cấu hình hệ thống được kiểm thử trỏ tới {url} / configure the SUT ({description.name}) to call {url}"
    )
    return lines


def wiring_request() -> DossierRequest:
    """The test dossier that proves the wiring (a recognisable summary, so a tester can tell it apart)."""
    return DossierRequest(
        procedure_code=WIRING_PROCEDURE,
        channel="1",
        applicant="Nguyễn Văn Kiểm Thử",
        applicant_type="1",
        id_number="038090000001",
        phone="0912000001",
        email="kiem-thu@example.vn",
        summary="Hồ sơ kiểm tra kết nối của dvc-harness (wiring check)",
        files=(AttachedFile("to-khai.pdf", b"%PDF-1.4 dvc-harness wiring check"),),
    )


def prove_wiring(
    driver: SutDriver,
    exchanges: Callable[..., list[dict[str, Any]]],
    *,
    url: str,
    description: SutDescription,
    timeout_s: float,
) -> dict[str, Any]:
    """Make the SUT send one DongBoHoSoMC and wait for it; `WiringError` naming `url` when nothing arrives."""
    before = exchanges(record=False)
    mark = int(before[-1]["seq"]) if before else 0
    code = driver.create_dossier(wiring_request()).ma_ho_so
    deadline = time.monotonic() + timeout_s
    while True:
        driver.flush_sync()
        rows = exchanges(service="DongBoHoSoMC", ma_ho_so=code, since=mark, record=False)
        if rows:
            return rows[0]
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_S)
    seen = [r for r in exchanges(since=mark, record=False) if r.get("channel") == "dvcqg"]
    refused = [r for r in seen if "AUTH:rejected" in (r.get("rules") or [])]
    if refused:
        why = (
            f"the SUT reached {url} but its DVCQG login was refused: set its account to "
            f"{description.national.username!r} / the password of sut.toml, madonvi {description.national.madonvi}"
        )
    elif seen:
        services = ", ".join(sorted({str(r.get("service")) for r in seen}))
        why = f"the SUT reached {url} ({services}) but sent no DongBoHoSoMC for its new dossier {code}"
    else:
        why = (
            f"nothing from the SUT reached the national mock at {url}: set the SUT's DVCQG URL to {url}/dvcqg "
            f"(payment {url}/payment, SSO {url}/sso) and its account to {description.national.username!r}"
        )
    raise WiringError(f"wiring check failed after {timeout_s:g} s (test dossier {code}): {why}")
