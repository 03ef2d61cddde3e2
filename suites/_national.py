"""The mock's DVCQG read services (LayDVC, LayThuTuc...), spoken with the SUT's own integration account: what the
national catalogue says a SUT should agree with."""

from __future__ import annotations

from typing import Any

import httpx

from harness.conformance import ConformanceEnvironment


class NationalCatalogue:
    """A session on the mock's DVCQG API; `call(service, **params)` answers the reply's `result`."""

    def __init__(self, dvc_env: ConformanceEnvironment) -> None:
        national = dvc_env.description.national
        self.madonvi = national.madonvi
        self.client = httpx.Client(base_url=dvc_env.national_url, timeout=30)
        answer = self.client.post("/dvcqg/auth", json={"username": national.username, "password": national.password})
        self.session = str(answer.json().get("session", ""))
        assert self.session, f"harness error: the mock refused the SUT's account: {answer.text[:300]}"
        self._results: dict[str, frozenset[str]] = {}

    def call(self, service: str, endpoint: str = "integration", **params: str) -> Any:
        body = {"session": self.session, "madonvi": self.madonvi, "service": service, **params}
        reply = self.client.post(f"/dvcqg/{endpoint}", json=body).json()
        assert reply.get("error_code") in (0, "0"), f"harness error: {service} answered {str(reply)[:300]}"
        return reply.get("result")

    def result_codes(self, ma_tthc: str) -> frozenset[str]:
        """The codes (MAKETQUA) of the procedure's results in LayThuTuc KETQUATHUCHIEN; empty when it codes none."""
        if ma_tthc not in self._results:
            detail = (self.call("LayThuTuc", maTTHC=ma_tthc) or [{}])[0]
            listed = detail.get("KETQUATHUCHIEN") or []
            self._results[ma_tthc] = frozenset(str(r["MAKETQUA"]) for r in listed if r.get("MAKETQUA"))
        return self._results[ma_tthc]

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> NationalCatalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
