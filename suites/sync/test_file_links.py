"""File links of the sync (QCVN 120 Quy trình đồng bộ; docs/reference/dvcqg-interfaces.md §3.3): DVCQG fetches the
files a synced dossier points to, the submitted components (`TaiLieuNop[].DuongDanTaiTepTin`) and the result documents
(`DanhSachGiayToKetQua[].DuongDanTepTinKetQua`), from the links themselves, with no account at the SUT. Every link
of every packet DVCQG accepted for the dossier must answer a request with no credentials (no cookie, no token) with
the file itself: HTTP 200 and non-empty content that is not an HTML page (a sign-in form is not the file).
Redirects are followed, as DVCQG's fetcher does.

One dossier with an attached file is driven to its returned result once per module.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass

import httpx
import pytest

from harness.conformance import ConformanceEnvironment, ExchangeNotReceived, accepted, items
from suites._files import download_problem
from suites._support import PATHS, applicant, drive

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = pytest.mark.dvc_needs("dossier-sync")

#: the arrays of a DongBoHoSoMC item that carry file links, and the key of the link in each
LINK_KEYS = {"TaiLieuNop": "DuongDanTaiTepTin", "DanhSachGiayToKetQua": "DuongDanTepTinKetQua"}


@dataclass(frozen=True)
class Link:
    where: str  # which packet and which entry carried it
    url: str


@dataclass(frozen=True)
class Download:
    link: Link
    problem: str  # "" when the file came back


@pytest.fixture(scope="module")
def synced_links(dvc_env: ConformanceEnvironment, dvc_seed: int) -> tuple[str, list[Link]]:
    driver, evidence = dvc_env.driver, dvc_env.evidence
    code = drive(driver, applicant(random.Random(f"{dvc_seed}:file-links")), PATHS["processed-and-returned"])
    with contextlib.suppress(ExchangeNotReceived):  # the test says what is missing
        evidence.wait_for(
            "DongBoHoSoMC",
            code,
            timeout=dvc_env.description.sync_delay_s,
            where=lambda row: accepted(row) and any(i.get("TrangThaiHoSo") == "10" for i in items(row)),
            nudge=driver.flush_sync,
        )
    links = []
    for row in evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=code):
        for item in items(row) if accepted(row) else ():
            for array, key in LINK_KEYS.items():
                for index, entry in enumerate(item.get(array) or []):
                    deleted = isinstance(entry, dict) and str(entry.get("IsDeleted", "")).lower() == "true"
                    if isinstance(entry, dict) and entry.get(key) and not deleted:
                        links.append(Link(f"seq {row['seq']} {array}[{index}].{key}", str(entry[key])))
    return code, links


@pytest.mark.req("SYNC-FILE-LINKS", "TT22-D5-K1-D")
def test_every_synced_file_link_downloads_without_credentials(synced_links: tuple[str, list[Link]]) -> None:
    code, links = synced_links
    assert links, (
        f"no DongBoHoSoMC DVCQG accepted for {code} (submitted with a file, then returned with a result) carries "
        "a DuongDanTaiTepTin or DuongDanTepTinKetQua link: nothing DVCQG could fetch"
    )
    by_url = {link.url: link for link in links}  # the same file is sent again with every update
    with httpx.Client(timeout=30, follow_redirects=True) as anonymous:
        tried = [Download(link, download_problem(anonymous, link.url)) for link in by_url.values()]
    failed = [d for d in tried if d.problem]
    assert not failed, (
        f"{len(failed)} of {len(by_url)} file link(s) of {code} cannot be downloaded without credentials (DVCQG "
        "fetches them with no account at the SUT: serve them publicly, under unguessable identifiers):\n"
        + "\n".join(f"{d.link.where} {d.link.url}: {d.problem}" for d in failed)
    )
