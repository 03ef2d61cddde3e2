"""The two sides of a conformance run: the national side (our mock, started on a free loopback port or
reached at `--mock-url`) and the SUT (described by `sut.toml`, or the bundled reference portal started on
loopback against that mock when no `--sut` is given)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from harness.conformance._accounts import sso_account
from harness.conformance._evidence import Evidence
from harness.conformance._faults import Faults
from harness.conformance._wiring import national_wiring, prove_wiring, wiring_lines
from harness.core.errors import HarnessError, UsageError
from harness.requirements import default_profile
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
    profile: str = field(default_factory=default_profile)  # profiles.toml's `default`
    seed: int | None = None
    expected_deviations: str | None = None
    #: self-tests only: defect switches of the embedded reference portal
    reference_defects: frozenset[str] = field(default_factory=frozenset)
    #: the port of the mock the run starts: None = 8787 for a SUT named by sut.toml (its staging is configured
    #: with a fixed URL), a free one for the embedded portal; 0 = a free one
    mock_port: int | None = None
    #: prove the wiring before any test (the SUT sends one DongBoHoSoMC to this run's national side)
    check_wiring: bool = True
    #: interactive mode: the address of the operator relay of `certify --interactive` ("127.0.0.1:port"), or
    #: "terminal" for a tester at this process's terminal; None: `[control] mode` of sut.toml decides
    operator: str | None = None


#: where a SUT named by sut.toml finds the national mock a run starts (`dvc-harness mock serve`'s default too)
DEFAULT_MOCK_PORT = 8787

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
                    "clock",
                ]
            },
            "timing": {"sync_delay_s": REFERENCE_SYNC_DELAY_S},
        },
        source="<embedded reference portal>",
        env={},
    )


class ConformanceEnvironment:
    """Started once per test session; `close()` stops what it started. `announce` receives the wiring lines
    (the national side's URLs, what the SUT must use) as soon as the national side is up."""

    def __init__(
        self,
        options: ConformanceOptions,
        announce: Callable[[list[str]], None] | None = None,
        terminal_operator: Callable[[], Any] | None = None,
        current_requirements: Callable[[], tuple[str, ...]] = lambda: (),
    ) -> None:
        self.options = options
        self.announce = announce
        self.terminal_operator = terminal_operator
        #: the requirement IDs of the running test (from the plugin): interactive steps name them
        self.current_requirements = current_requirements
        self._stack = contextlib.ExitStack()
        self.mock: Any = None  # mock_portal.server.RunningMock when we started it
        self.portal: Any = None  # reference_portal.server.RunningPortal when we started it
        self.description: SutDescription
        self.driver: SutDriver
        self.national_url: str
        self.evidence: Evidence
        self.faults: Faults

    @classmethod
    def start(
        cls,
        options: ConformanceOptions,
        announce: Callable[[list[str]], None] | None = None,
        terminal_operator: Callable[[], Any] | None = None,
        current_requirements: Callable[[], tuple[str, ...]] = lambda: (),
    ) -> ConformanceEnvironment:
        env = cls(options, announce, terminal_operator, current_requirements)
        try:
            env._start()
        except BaseException:
            env.close()
            raise
        return env

    def _start(self) -> None:
        from harness.launcher import free_port

        described = load_sut(self.options.sut_file) if self.options.sut_file else None
        portal_port = free_port() if described is None else 0
        description = described or _reference_description(portal_port, "")
        self.national_url = self._national(description, named=described is not None)
        if described is None:
            description = _reference_description(portal_port, self.national_url)
            self._start_reference_portal(portal_port)
        self.description = description
        self.evidence.floor = self.evidence.mark()  # a running mock keeps earlier runs' evidence: not this run's
        self._wire(description)
        self.driver = self._interactive_driver(description) if self.interactive else connect(description)
        with contextlib.suppress(AttributeError):
            self._stack.callback(self.driver.close)  # type: ignore[attr-defined]
        try:
            self.driver.health()
        except SutUnreachable:
            raise
        except SutError as exc:
            raise HarnessError(f"the SUT at {description.control_url} answered its health check badly: {exc}") from exc
        if self.options.check_wiring:
            prove_wiring(
                self.driver,
                self.evidence.exchanges,
                url=self.national_url,
                description=description,
                timeout_s=min(max(2 * description.sync_delay_s, 10.0), 90.0),
            )

    @property
    def interactive(self) -> bool:
        """A tester performs the SUT's steps (`[control] mode = "interactive"`, or certify --interactive)."""
        return self.options.operator is not None or self.description.interactive

    def _interactive_driver(self, description: SutDescription) -> SutDriver:
        from harness.sut._interactive import InteractiveDriver
        from harness.sut._relay import RemoteOperator

        address = self.options.operator
        if address is not None and address != "terminal":
            operator: Any = self._stack.enter_context(RemoteOperator(address))
        elif self.terminal_operator is not None:
            operator = self.terminal_operator()
        else:
            raise UsageError("interactive mode needs an operator: run dvc-harness certify --interactive")
        files = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="dvc-operator-files-")))
        evidence = self.evidence
        return InteractiveDriver(
            operator,
            lambda service, since: evidence.exchanges(service=service, since=since, record=False),
            sync_delay_s=description.sync_delay_s,
            attachments_dir=files,
            requirement_ids=self.current_requirements,
            national_url=f"{self.national_url}/dvcqg",
            capabilities=description.capabilities,
            accounts=lambda request: sso_account(evidence.client, request),
        )

    def _wire(self, description: SutDescription) -> None:
        """Configure the national side from the SUT's description (`POST /_admin/sut`), then announce it."""
        try:
            answer = self.evidence.client.post("/_admin/sut", json=national_wiring(description))
        except httpx.HTTPError as exc:
            raise HarnessError(f"the national mock at {self.national_url} could not be configured: {exc}") from None
        if answer.status_code == 404:
            raise HarnessError(f"the national mock at {self.national_url} has no /_admin/sut: update dvc-harness there")
        if answer.status_code != 200:
            refused = f"HTTP {answer.status_code}: {answer.text[:300]}"
            raise UsageError(f"the national mock refused the SUT's wiring from sut.toml ({refused})")
        if self.announce is not None:
            self.announce(wiring_lines(self.national_url, description))

    def _national(self, description: SutDescription, *, named: bool) -> str:
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
        from harness.launcher import mock_config, start_mock

        port = self.options.mock_port
        if port is None:
            port = DEFAULT_MOCK_PORT if named else 0
        national = description.national
        config = mock_config(
            port=port,
            admin_token=self.options.mock_admin_token,
            account=(national.username, national.password, national.province),
            extra={"payment": dict(MOCK_PAYMENT_TIMINGS)},
        )
        try:
            self.mock = start_mock(config, exact_port=port != 0)
        except UsageError as exc:
            raise HarnessError(
                f"the national mock cannot start: {exc} (a mock already running there? use it with "
                f"--dvc-mock-url http://127.0.0.1:{port}, or pass --dvc-mock-port 0 for a free port)"
            ) from None
        self._stack.callback(self.mock.stop)
        client = self._stack.enter_context(httpx.Client(base_url=self.mock.url, headers=admin_headers, timeout=30))
        self.evidence, self.faults = Evidence(client), Faults(client)
        return str(self.mock.url)

    def _start_reference_portal(self, port: int) -> None:
        from harness.launcher import portal_config, start_portal

        workdir = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="dvc-sut-")))
        config = portal_config(
            port=port,
            national_url=self.national_url,
            db=str(workdir / "portal.sqlite"),
            sync_poll_s=0.1,
            sync_retry_base_s=0.1,
            sync_retry_max_s=1.0,
            payment_poll_s=0.5,
            defects=self.options.reference_defects,
        )
        self.portal = start_portal(config)
        self._stack.callback(lambda: self.portal.stop())

    def restart_sut(self) -> None:
        """Stop the SUT and start it again on the same database (capability `restart`: embedded portal)."""
        if self.portal is None:
            raise HarnessError("this SUT cannot be restarted by the harness (it does not declare `restart`)")
        from harness.launcher import start_portal

        config = self.portal.config
        self.portal.stop()
        self.portal = start_portal(config)

    @property
    def embedded(self) -> bool:
        """True when the SUT is the bundled reference portal."""
        return self.portal is not None

    def close(self) -> None:
        self._stack.close()
