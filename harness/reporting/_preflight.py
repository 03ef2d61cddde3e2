"""Checks made before a certification run starts, so that its exit code says what went wrong:
configuration (exit 2) or an unreachable SUT or national mock (exit 4), each as one line."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from harness.core.errors import HarnessError, UsageError
from harness.requirements import RequirementCatalogue, load_catalogue
from harness.sut import SutDescription, SutUnreachable, connect, load_sut

#: the files a run writes into its directory (report.json after the others, over their sha256; the manifest last)
ARTEFACTS = (
    "junit.xml",
    "evidence.ndjson",
    "pytest.log",
    "report.html",
    "certificate.pdf",
    "report.json",
    "manifest.json",
    "manifest.jws",
    "exchanges",
    "attachments",
)
MOCK_TOKEN_ENV = "DVC_HARNESS_MOCK_ADMIN_TOKEN"
DEFAULT_MOCK_TOKEN = "demo-admin"
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Checked:
    catalogue: RequirementCatalogue
    profile: str
    deviations: dict[str, str]
    sut: SutDescription | None


def check_out_dir(path: Path) -> None:
    """The directory may exist, but must not hold the files of an earlier report (nothing is overwritten)."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path}: exists and is not a directory")
    taken = [name for name in ARTEFACTS if (path / name).exists()]
    if taken:
        raise UsageError(f"--out {path}: already holds a report ({', '.join(taken)}); choose another directory")


def check_configuration(
    profile: str | None, selection: tuple[str, ...], deviations_file: str | None, sut_file: str | None
) -> Checked:
    catalogue = load_catalogue()
    name = catalogue.profile(profile).name
    active = catalogue.for_profile(name)
    for rid in selection:
        if rid not in catalogue:
            raise UsageError(f"--select {rid}: not a requirement ID of the catalogue")
        if rid not in active:
            raise UsageError(f"--select {rid}: not active in profile {name}")
    deviations: dict[str, str] = {}
    if deviations_file:
        from harness.conformance._deviations import load_deviations

        deviations = load_deviations(deviations_file, set(catalogue.requirements))
    sut = load_sut(sut_file) if sut_file else None
    return Checked(catalogue, name, deviations, sut)


def check_sut(description: SutDescription) -> None:
    """The SUT answers its control API's health check (SutUnreachable: exit 4; refused token: exit 2)."""
    driver = connect(description, timeout=TIMEOUT_S)
    try:
        driver.health()
    except SutUnreachable as exc:
        raise SutUnreachable(
            f"the SUT {description.name!r} ({description.source}) is unreachable: {exc.message}", url=exc.url
        ) from None
    finally:
        close = getattr(driver, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()


def check_mock(url: str) -> None:
    """A running national mock answers its admin health check with the admin token."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--mock-url {url}: not an http(s) URL")
    token = os.environ.get(MOCK_TOKEN_ENV) or DEFAULT_MOCK_TOKEN
    try:
        answer = httpx.get(
            url.rstrip("/") + "/_admin/health", headers={"authorization": f"Bearer {token}"}, timeout=TIMEOUT_S
        )
    except httpx.HTTPError as exc:
        raise HarnessError(f"the national mock at {url} is unreachable ({type(exc).__name__}: {exc})") from None
    if answer.status_code in (401, 403):
        raise UsageError(
            f"the national mock at {url} refused the admin token (HTTP {answer.status_code}; set {MOCK_TOKEN_ENV})"
        )
    if answer.status_code != 200:
        raise HarnessError(f"the national mock at {url} answered its health check with HTTP {answer.status_code}")


def check_reference_defects(defects: tuple[str, ...], sut_file: str | None) -> None:
    """Self-tests only: defect switches exist, and apply to the embedded reference portal (no --sut)."""
    if not defects:
        return
    if sut_file:
        raise UsageError("--reference-defect switches the embedded reference portal: it cannot go with --sut")
    from harness.launcher import check_reference_defects

    check_reference_defects(defects)
