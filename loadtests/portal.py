"""Locust scenarios against a provincial portal (the SUT): citizens looking dossiers up and browsing the
procedure catalogue, officers submitting and receiving dossiers through the SUT control API.

    locust -f loadtests/portal.py --host http://127.0.0.1:8788                      # web UI on :8089
    locust -f loadtests/portal.py --host http://127.0.0.1:8788 -u 10 -r 10 -t 30s --headless
    locust -f loadtests/portal.py,loadtests/shapes.py --host ... -u 200 -t 10m --headless   # the peak-day shape

The officers need the control token: `--control-token T` or `DVC_HARNESS_CONTROL_TOKEN` (default
`demo-control`, the reference portal's); `--control-url` / `DVC_HARNESS_CONTROL_URL` when the control API
is not on the host. Tasks are tagged with what they need from the SUT (`public_lookup`, `catalogue`:
capabilities of sut.toml; `control`: the HTTP control API): `--exclude-tags catalogue` for a portal that
does not publish its catalogue. The harness runs this file through Locust's Python API (harness.load).
"""

from __future__ import annotations

import logging
import os
import random
from typing import Any

import requests
from locust import HttpUser, between, events, tag, task
from locust.clients import ResponseContextManager
from locust.env import Environment
from locust.runners import MasterRunner

from harness.load import (
    CONTROL_TOKEN_ENV,
    CONTROL_URL_ENV,
    DEFAULT_CONTROL_TOKEN,
    DEFAULT_REQUEST_TIMEOUT_S,
    REQUEST_TIMEOUT_ENV,
)
from suites.applicants import PROCEDURE, applicant

log = logging.getLogger(__name__)
#: dossiers created through the control API when the test starts, so the first lookups find something
SEED_DOSSIERS = 3
#: how many dossier and procedure codes this process remembers for lookups
MAX_KNOWN = 500
#: a well-formed dossier code no portal issues (agency X00): its lookup must answer 404
UNKNOWN_CODE = "000.00.00.X00-000101-0001"

known_codes: list[str] = []
known_procedures: list[str] = []


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    parser.add_argument(
        "--control-token", env_var=CONTROL_TOKEN_ENV, default="", is_secret=True, help="the SUT control API token"
    )
    parser.add_argument(
        "--control-url", env_var=CONTROL_URL_ENV, default="", help="the SUT control API base URL (default: --host)"
    )


def _setting(environment: Environment, option: str, variable: str) -> str:
    """A Locust command-line option when Locust parsed one, else the environment variable (the harness)."""
    given = getattr(environment.parsed_options, option, None) if environment.parsed_options else None
    return str(given or os.environ.get(variable) or "")


def _remember(codes: list[str], code: str) -> None:
    codes.append(code)
    del codes[:-MAX_KNOWN]


def _expect(response: ResponseContextManager, status: int, key: str) -> dict[str, Any] | None:
    """The JSON object of an answer with this status and key; anything else is marked as a failure."""
    if response.status_code != status:
        detail = response.error if response.error and not response.status_code else (response.text or "")[:160]
        response.failure(f"HTTP {response.status_code} (expected {status}): {detail}")
        return None
    try:
        body = response.json()
    except ValueError:
        response.failure("the answer is not JSON")
        return None
    if not isinstance(body, dict) or key not in body:
        response.failure(f"the answer has no {key}")
        return None
    return body


@events.test_start.add_listener
def _seed(environment: Environment, **_: Any) -> None:
    """A few dossiers to look up (on each worker; not counted in the stats: they precede the run)."""
    if isinstance(environment.runner, MasterRunner):
        return
    known_codes.clear()
    control = _setting(environment, "control_url", CONTROL_URL_ENV) or str(environment.host or "")
    token = _setting(environment, "control_token", CONTROL_TOKEN_ENV) or DEFAULT_CONTROL_TOKEN
    rng = random.Random(random.getrandbits(64))
    with requests.Session() as session:
        for _ in range(SEED_DOSSIERS):
            try:
                answer = session.post(
                    f"{control.rstrip('/')}/_control/dossiers",
                    json=applicant(rng).to_json(),
                    headers={"authorization": f"Bearer {token}"},
                    timeout=30,
                )
                answer.raise_for_status()
                _remember(known_codes, str(answer.json()["MaHoSo"]))
            except (requests.RequestException, ValueError, KeyError) as exc:
                log.warning("no seed dossier (lookups will use an unknown code): %s", exc)
                return


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.timeout = float(os.environ.get(REQUEST_TIMEOUT_ENV) or DEFAULT_REQUEST_TIMEOUT_S)


class Citizen(PortalUser):
    """Someone at home: looks their dossier up by code, browses the services the portal offers."""

    weight = 3

    @tag("public_lookup")
    @task(3)
    def lookup(self) -> None:
        code = random.choice(known_codes) if known_codes else None
        path = f"/api/lookup/{code or UNKNOWN_CODE}"
        with self.client.get(path, name="/api/lookup/[MaHoSo]", catch_response=True, timeout=self.timeout) as answer:
            if code is not None:
                _expect(answer, 200, "TrangThaiHoSo")
            elif answer.status_code == 404:
                answer.success()
            else:
                answer.failure(f"a code no portal issues answered HTTP {answer.status_code}, expected 404")

    @tag("catalogue")
    @task(2)
    def browse(self) -> None:
        with self.client.get("/api/procedures", catch_response=True, timeout=self.timeout) as answer:
            body = _expect(answer, 200, "procedures")
        for item in (body or {}).get("procedures", [])[:50]:
            if isinstance(item, dict) and item.get("MaTTHC") and len(known_procedures) < MAX_KNOWN:
                known_procedures.append(str(item["MaTTHC"]))

    @tag("catalogue")
    @task(1)
    def procedure(self) -> None:
        code = random.choice(known_procedures) if known_procedures else PROCEDURE
        with self.client.get(
            f"/api/procedures/{code}", name="/api/procedures/[MaTTHC]", catch_response=True, timeout=self.timeout
        ) as answer:
            _expect(answer, 200, "MaTTHC")


class Officer(PortalUser):
    """One-stop staff (through the control API): records dossiers and receives them."""

    weight = 1

    def on_start(self) -> None:
        super().on_start()
        token = _setting(self.environment, "control_token", CONTROL_TOKEN_ENV) or DEFAULT_CONTROL_TOKEN
        self.headers = {"authorization": f"Bearer {token}"}
        self.control = (_setting(self.environment, "control_url", CONTROL_URL_ENV) or self.host or "").rstrip("/")
        self.pending: list[str] = []

    @tag("control")
    @task(3)
    def submit(self) -> None:
        with self.client.post(
            f"{self.control}/_control/dossiers",
            json=applicant(random.Random(random.getrandbits(64))).to_json(),
            headers=self.headers,
            name="/_control/dossiers",
            catch_response=True,
            timeout=self.timeout,
        ) as answer:
            body = _expect(answer, 201, "MaHoSo")
        if body is not None:
            _remember(known_codes, str(body["MaHoSo"]))
            self.pending.append(str(body["MaHoSo"]))

    @tag("control")
    @task(1)
    def receive(self) -> None:
        if not self.pending:
            self.submit()
            return
        code = self.pending.pop(0)
        with self.client.post(
            f"{self.control}/_control/dossiers/{code}/actions",
            json={"action": "receive"},
            headers=self.headers,
            name="/_control/dossiers/[MaHoSo]/actions",
            catch_response=True,
            timeout=self.timeout,
        ) as answer:
            _expect(answer, 200, "TrangThaiHoSo")
