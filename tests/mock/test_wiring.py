"""`POST /_admin/sut`: the national side configured for one SUT (its DVCQG account, payment partner, secret and
IPN URL, SSO client), as every run does from sut.toml; `GET /_admin/sut` shows it, secrets redacted."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mock_portal.server import RunningMock, running_mock

ADMIN = {"Authorization": "Bearer demo-admin"}
WIRING = {
    "dvcqg": {"username": "thanhhoa", "password": "p4ss", "madonvi": "000.00.00.H38"},
    "payment": {"partner": "THANHHOA", "secret": "pay-s3cret", "ipn_url": "http://127.0.0.1:9/ipn"},
    "sso": {"client_id": "dvc-h38", "client_secret": "sso-s3cret", "redirect_uris": ["http://127.0.0.1:9/cb"]},
}


@pytest.fixture
def mock() -> Iterator[RunningMock]:
    with running_mock() as running:
        yield running


def test_the_sut_can_log_in_with_the_account_it_was_given(mock: RunningMock) -> None:
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        login = {"username": "thanhhoa", "password": "p4ss"}
        assert http.post("/dvcqg/auth", json=login).json()["error_code"] != 0  # not known yet
        answer = http.post("/_admin/sut", json=WIRING, headers=ADMIN)
        assert answer.status_code == 200, answer.text
        assert http.post("/dvcqg/auth", json=login).json()["error_code"] == 0
        assert http.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()["error_code"] == 0


def test_the_wiring_is_shown_with_secrets_redacted(mock: RunningMock) -> None:
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        http.post("/_admin/sut", json=WIRING, headers=ADMIN)
        shown = http.get("/_admin/sut", headers=ADMIN).json()
    assert {"username": "thanhhoa", "password": "***", "province": "H38"} in shown["dvcqg"]
    assert shown["payment"] == {"partner": "THANHHOA", "secret": "***", "ipn_url": "http://127.0.0.1:9/ipn"}
    client = next(c for c in shown["sso"] if c["client_id"] == "dvc-h38")
    assert client["client_secret"] == "***" and client["redirect_uris"] == ["http://127.0.0.1:9/cb"]
    assert mock.app.mock.config.payment_secret == "pay-s3cret"
    assert mock.app.mock.config.sut_ipn_url == "http://127.0.0.1:9/ipn"


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"dvcqg": {"username": "x"}},
        {"payment": {"partner": "X", "ipn_url": "ftp://x"}},
        {"sso": {"client_id": "x", "redirect_uris": "http://x"}},
        {"unknown": {}},
    ],
)
def test_a_malformed_wiring_is_400_and_changes_nothing(mock: RunningMock, body: object) -> None:
    before = mock.app.mock.config
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        answer = http.post("/_admin/sut", json=body, headers=ADMIN)
        assert http.post("/_admin/sut", json=WIRING).status_code == 401  # admin token required
    assert answer.status_code == 400 and answer.json()["error"] == "bad_request"
    assert mock.app.mock.config == before


def test_the_endpoint_is_in_the_openapi_document(mock: RunningMock) -> None:
    document = httpx.get(f"{mock.url}/openapi.json", timeout=10).json()
    assert {"get", "post"} <= set(document["paths"]["/_admin/sut"])
