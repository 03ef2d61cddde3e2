"""The two sides of a conformance run: the national side (our mock, started on a free loopback port or
reached at `--mock-url`) and the SUT (described by `sut.toml`, or the bundled reference portal started on
loopback against that mock when no `--sut` is given)."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from harness.conformance._evidence import Evidence
from harness.conformance._faults import Faults
from harness.core.errors import HarnessError, UsageError
from harness.sut import SutDescription, SutDriver, SutError, SutUnreachable, connect, load_sut

DEFAULT_ADMIN_TOKEN = "demo-admin"
#: payment-platform timings of the mock a run starts (docs/payment-outcomes.md): short, so the payment suite's
#: pending and late outcomes play out in seconds; a late IPN still lands well after a QUERY could learn the result
MOCK_PAYMENT_TIMINGS = {"auto_delay_s": 0.2, "pending_s": 1.0, "late_ipn_s": 1.5, "duplicate_gap_s": 0.1}


@dataclass(frozen=True)
class ConformanceOptions:
    sut_file: str | None = None
    mock_url: str | None = None
    mock_admin_token: str = DEFAULT_ADMIN_TOKEN
    profile: str = "tt22-2019"
    seed: int | None = None
    expected_deviations: str | None = None
    #: self-tests only: defect switches of the embedded reference portal
    reference_defects: frozenset[str] = field(default_factory=frozenset)


#: the embedded portal polls its outbox every 0.1 s and retries within a second; 5 s is a wide margin that
#: keeps a failing self-test (every wait runs to its end) short
REFERENCE_SYNC_DELAY_S = 5


def _reference_description(port: int, national_url: str) -> SutDescription:
    base = f"http://127.0.0.1:{port}"
    return SutDescription.from_mapping(
        {
            "sut": {"name": "dvc-harness reference portal", "base_url": base, "control_token": "demo-control"},
            "national": {"username": "demo", "password": "demo", "madonvi": "000.00.00.H56"},
            "payment": {"ma_doi_tac": "DEMO", "ipn_url": f"{base}/payment/ipn"},
            "sso": {"client_id": "demo-client", "redirect_uri": f"{base}/auth/callback"},
            "capabilities": {
                "declared": [
                    "payment",
                    "sso",
                    "inbound",
                    "ratings",
                    "statistics",
                    "public_lookup",
                    "catalogue",
                    "restart",
                    "web",
                ]
            },
            "timing": {"sync_delay_s": REFERENCE_SYNC_DELAY_S},
        },
        source="<embedded reference portal>",
        env={},
    )


class ConformanceEnvironment:
    """Started once per test session; `close()` stops what it started."""

    def __init__(self, options: ConformanceOptions) -> None:
        self.options = options
        self._stack = contextlib.ExitStack()
        self.mock: Any = None  # mock_portal.server.RunningMock when we started it
        self.portal: Any = None  # reference_portal.server.RunningPortal when we started it
        self.description: SutDescription
        self.driver: SutDriver
        self.national_url: str
        self.evidence: Evidence
        self.faults: Faults

    @classmethod
    def start(cls, options: ConformanceOptions) -> ConformanceEnvironment:
        env = cls(options)
        try:
            env._start()
        except BaseException:
            env.close()
            raise
        return env

    def _start(self) -> None:
        from mock_portal.server import free_port

        described = load_sut(self.options.sut_file) if self.options.sut_file else None
        portal_port = free_port() if described is None else 0
        description = described or _reference_description(portal_port, "")
        self.national_url = self._national(description)
        if described is None:
            description = _reference_description(portal_port, self.national_url)
            self._start_reference_portal(portal_port)
        self.description = description
        self.driver = connect(description)
        with contextlib.suppress(AttributeError):
            self._stack.callback(self.driver.close)  # type: ignore[attr-defined]
        try:
            self.driver.health()
        except SutUnreachable:
            raise
        except SutError as exc:
            raise HarnessError(f"the SUT at {description.control_url} answered its health check badly: {exc}") from exc

    def _national(self, description: SutDescription) -> str:
        admin_headers = {"authorization": f"Bearer {self.options.mock_admin_token}"}
        if self.options.mock_url:
            url = self.options.mock_url.rstrip("/")
            client = self._stack.enter_context(httpx.Client(base_url=url, headers=admin_headers, timeout=30))
            try:
                health = client.get("/_admin/health")
            except httpx.HTTPError as exc:
                raise HarnessError(f"the national mock at {url} is unreachable ({type(exc).__name__})") from None
            if health.status_code != 200:
                raise UsageError(f"the national mock at {url} refused the admin token (HTTP {health.status_code})")
            self.evidence, self.faults = Evidence(client), Faults(client)
            return url
        from mock_portal.config import Account, MockConfig
        from mock_portal.server import start_in_thread

        national = description.national
        config = MockConfig(
            port=0,
            admin_token=self.options.mock_admin_token,
            accounts=(Account(national.username, national.password, national.province),),
            sut_ipn_url=description.payment.ipn_url if description.payment else "",
            payment_partner=description.payment.ma_doi_tac if description.payment else MockConfig.payment_partner,
            sso_client_id=description.sso.client_id if description.sso else MockConfig.sso_client_id,
            extra={"payment": dict(MOCK_PAYMENT_TIMINGS)},
        )
        self.mock = start_in_thread(config)
        self._stack.callback(self.mock.stop)
        client = self._stack.enter_context(httpx.Client(base_url=self.mock.url, headers=admin_headers, timeout=30))
        self.evidence, self.faults = Evidence(client), Faults(client)
        return str(self.mock.url)

    def _start_reference_portal(self, port: int) -> None:
        from reference_portal.config import PortalConfig
        from reference_portal.server import start_portal_in_thread

        workdir = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="dvc-sut-")))
        config = PortalConfig(
            port=port,
            national_url=self.national_url,
            db=str(workdir / "portal.sqlite"),
            sync_poll_s=0.1,
            sync_retry_base_s=0.1,
            sync_retry_max_s=1.0,
            payment_poll_s=0.5,
            defects=self.options.reference_defects,
        )
        self.portal = start_portal_in_thread(config)
        self._stack.callback(lambda: self.portal.stop())

    def restart_sut(self) -> None:
        """Stop the SUT and start it again on the same database (capability `restart`: embedded portal)."""
        if self.portal is None:
            raise HarnessError("this SUT cannot be restarted by the harness (it does not declare `restart`)")
        from reference_portal.server import start_portal_in_thread

        config = self.portal.config
        self.portal.stop()
        self.portal = start_portal_in_thread(config)

    @property
    def embedded(self) -> bool:
        """True when the SUT is the bundled reference portal."""
        return self.portal is not None

    def close(self) -> None:
        self._stack.close()
