"""Online submission needs a signed-in national account (TT 22/2019 Điều 6 k1 e); the defect switch
`anonymous-submission-accepted` shows what the suites must catch."""

from __future__ import annotations

import httpx
import pytest

from tests.reference.conftest import PROCEDURE, PortalFactory


@pytest.mark.parametrize(("defects", "status"), [((), 401), (("anonymous-submission-accepted",), 201)])
def test_anonymous_online_submission(
    defects: tuple[str, ...], status: int, portal_factory: PortalFactory, admin: httpx.Client
) -> None:
    body = {"MaTTHC": PROCEDURE, "TrichYeuHoSo": "Nộp hồ sơ khi chưa đăng nhập"}
    with portal_factory(defects=set(defects)) as sut:
        answer = httpx.post(f"{sut.url}/api/dossiers", json=body, timeout=15)
        assert answer.status_code == status, answer.text
        assert len(sut.portal.dossiers.all()) == (1 if defects else 0)
