"""Intake by every channel, processing, the returned result and the dossier code's lookups (NĐ 61/2018 Điều 16–20
and 25; TT 01/2018 Điều 16 and 20; TT 22/2019 Điều 5 k1 b, k and Điều 6 k1 d, e, p, q, r, t).

A dossier of each channel (KenhThucHien 1 counter, 2 online, 3 public post) is received, transferred to the
specialist department for processing, finished and its result returned; what DVCQG accepted for each must say so:
every status and step, the channel (and, for the postal one, return by post: HinhThuc "1"), the submitted
components with their links, and at the return NgayTra and the result documents, each downloadable from its link.
The dossier code then finds the dossier on DVCQG (TraCuuHoSo, asked with the SUT's own integration account) and on
the SUT's public lookup.

A citizen signed in with the national SSO submits on the portal (`POST /api/dossiers`, see suites/sso/_browser.py):
the submission gets a dossier code, shows up in the one-stop system (the control API's view), and as the officers
work on it the status flows back to the citizen's lookup (`GET /api/lookup/{MaHoSo}`, capability `public_lookup`),
which for the signed-in owner also carries the electronic result: the result documents (`DanhSachGiayToKetQua`,
at any depth of the answer) with their `DuongDanTepTinKetQua`, downloadable by the owner. The same submission
without a sign-in is refused (401/403) and creates nothing.

The flows are driven once per module; each requirement is checked by its own test over what was recorded.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from harness.conformance import ConformanceEnvironment, ExchangeNotReceived, accepted, items
from harness.core.timestamps import parse_timestamp
from harness.sut import DossierRequest, DossierView, SutError
from suites._files import download_problem
from suites._support import PATHS, SyncedDossier, applicant, collapse, drive, synced
from suites.sso._browser import CITIZEN, online_body, require, signed_in

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = pytest.mark.dvc_needs("dossier-sync")

CHANNELS = {"1": "counter", "2": "online", "3": "public post"}
RETURNED = PATHS["processed-and-returned"]
#: the statuses a processed and returned dossier passes through, and the steps that must each be synced
FLOW = ["1", "2", "4", "9", "10"]
#: TT 01/2018 Điều 19 (the same pattern as suites/one_stop/test_dossier_codes.py)
CODE = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4,5}")
#: TT 01/2018 Điều 20: MX1X2-LV (schemas/common/scalars.schema.json FieldCode, rule CODE-FIELD)
FIELD_CODE = re.compile(r"[A-Z][0-9]{2}-[0-9A-Z.]+")
#: once one message was missed, later waits are cut short so a broken SUT does not stall the run
SHORT_WAIT_S = 1.0


@dataclass
class Returned:
    """One dossier of a channel driven to its returned result (or the error that stopped it)."""

    channel: str
    request: DossierRequest
    dossier: SyncedDossier | None = None
    failure: str = ""

    @property
    def name(self) -> str:
        code = self.dossier.code if self.dossier else "not created"
        return f"channel {self.channel} ({CHANNELS[self.channel]}, {code})"

    def sent(self) -> list[dict[str, Any]]:
        """Every DongBoHoSoMC item DVCQG accepted, oldest first."""
        rows = self.dossier.dossier_rows if self.dossier else []
        return [item for row in rows if accepted(row) for item in items(row)]

    def latest(self, status: str) -> dict[str, Any] | None:
        found = [item for item in self.sent() if str(item.get("TrangThaiHoSo")) == status]
        return found[-1] if found else None

    def steps(self, status: str) -> list[dict[str, Any]]:
        progress = self.dossier.accepted_progress() if self.dossier else []
        return [step for step in progress if str(step.get("TrangThai")) == status]


class _Waiter:
    """Waits for an accepted packet of a dossier carrying a status, within the SUT's declared sync delay."""

    def __init__(self, dvc_env: ConformanceEnvironment) -> None:
        self.env = dvc_env
        self.missed = False

    def wait(self, service: str, code: str, key: str, status: str) -> None:
        delay = self.env.description.sync_delay_s
        try:
            self.env.evidence.wait_for(
                service,
                code,
                timeout=min(delay, SHORT_WAIT_S) if self.missed else delay,
                where=lambda row: accepted(row) and any(str(i.get(key)) == status for i in items(row)),
                nudge=self.env.driver.flush_sync,
            )
        except ExchangeNotReceived:
            self.missed = True  # the tests say what is missing


@pytest.fixture(scope="module")
def returned(dvc_env: ConformanceEnvironment, dvc_seed: int) -> dict[str, Returned]:
    rng = random.Random(f"{dvc_seed}:results-and-channels")
    driver, waiter = dvc_env.driver, _Waiter(dvc_env)
    result = {channel: Returned(channel, applicant(rng, channel=channel)) for channel in CHANNELS}
    codes: dict[str, str] = {}
    for channel, entry in result.items():
        try:
            codes[channel] = drive(driver, entry.request, RETURNED)
        except SutError as exc:  # reported by the channel test; the others judge the channels that worked
            entry.failure = f"{type(exc).__name__}: {exc}"
    for channel, code in codes.items():
        waiter.wait("DongBoHoSoMC", code, "TrangThaiHoSo", "10")
        waiter.wait("CapNhatTienDoHoSoMC", code, "TrangThai", "10")
        result[channel].dossier = synced(driver, dvc_env.evidence, code)
    return result


def _driven(returned: dict[str, Returned]) -> list[Returned]:
    done = [entry for _, entry in sorted(returned.items()) if entry.dossier is not None]
    assert done, "no dossier of any channel could be driven to its returned result: " + "; ".join(
        f"{e.name}: {e.failure}" for e in returned.values()
    )
    return done


def _result_links(document: Any) -> list[str]:
    """Every DuongDanTepTinKetQua at any depth of a JSON document."""
    if isinstance(document, list):
        return [link for value in document for link in _result_links(value)]
    if not isinstance(document, dict):
        return []
    own = [str(document["DuongDanTepTinKetQua"])] if document.get("DuongDanTepTinKetQua") else []
    return own + [link for value in document.values() for link in _result_links(value)]


# --- every channel -------------------------------------------------------------------------------------------


@pytest.mark.req("ND61-D25-K2-C", "TT22-D5-K1-B")
@pytest.mark.req(
    "TT01-D16-RECEIVE-ONLINE",
    partial="the online dossier is created through the control API; receiving a dossier submitted on the "
    "portal or pushed from DVCQG is not exercised by this test",
)
def test_dossiers_of_every_channel_are_received_processed_and_returned(returned: dict[str, Returned]) -> None:
    problems = [f"{e.name}: the SUT refused it: {e.failure}" for e in returned.values() if e.failure]
    for entry in _driven(returned):
        assert entry.dossier is not None
        local = collapse(entry.dossier.history_statuses)
        if local != FLOW:
            problems.append(f"{entry.name}: the SUT's history goes {local}, expected {FLOW}")
        channels = sorted({str(item.get("KenhThucHien")) for item in entry.sent()})
        if channels != [entry.channel]:
            problems.append(f"{entry.name}: DVCQG accepted it with KenhThucHien {channels or 'never'}")
        if entry.latest("10") is None:
            problems.append(f"{entry.name}: DVCQG never accepted it in status 10 (Đã trả kết quả)")
    assert not problems, (
        "dossiers submitted at the counter, online and by post must each be received, processed, returned and "
        "synced with their channel (KenhThucHien):\n" + "\n".join(problems)
    )


@pytest.mark.req("TT22-D6-K1-P")
@pytest.mark.req(
    "TT22-D3-K6",
    partial="checks only that a dossier received by post is synced as returned by post (KenhThucHien 3, "
    "HinhThuc 1); the links to the postal operator, the shared e-catalogues, the national procedure database "
    "and the usage-measurement system are not checked here",
)
def test_a_postal_dossier_is_returned_by_post(returned: dict[str, Returned]) -> None:
    postal = returned["3"]
    assert postal.dossier is not None, f"a dossier submitted by post (KenhThucHien 3) was refused: {postal.failure}"
    item = postal.latest("10") or (postal.sent() or [{}])[-1]
    shown = {key: item.get(key) for key in ("TrangThaiHoSo", "KenhThucHien", "HinhThuc")}
    assert shown == {"TrangThaiHoSo": "10", "KenhThucHien": "3", "HinhThuc": "1"}, (
        f"{postal.name}: the returned dossier DVCQG accepted shows {shown}; a dossier received through the public "
        'postal service is returned the same way: TrangThaiHoSo "10", KenhThucHien "3", HinhThuc "1"'
    )


# --- processing ----------------------------------------------------------------------------------------------


@pytest.mark.req("ND61-D18-TRANSFER")
def test_the_transfer_for_processing_is_a_synced_step(returned: dict[str, Returned]) -> None:
    problems = []
    for entry in _driven(returned):
        transfers = entry.steps("4")
        if not transfers:
            problems.append(f"{entry.name}: no accepted CapNhatTienDoHoSoMC step with TrangThai 4")
        elif not any(str(step.get("PhongBanXuLy") or "").strip() for step in transfers):
            problems.append(f"{entry.name}: the TrangThai 4 step does not say which department took it over")
    assert not problems, (
        "handing a received dossier to the competent department (process) must reach DVCQG as a progress step, "
        "naming the department (PhongBanXuLy):\n" + "\n".join(problems)
    )


@pytest.mark.req("ND61-D19-PROCESSING")
def test_processing_shows_status_4_and_every_step_is_synced(returned: dict[str, Returned]) -> None:
    problems = []
    for entry in _driven(returned):
        if entry.latest("4") is None:
            problems.append(f"{entry.name}: DVCQG never accepted it in status 4 (Đang xử lý)")
        missing = [status for status in FLOW[1:] if not entry.steps(status)]
        if missing:
            problems.append(f"{entry.name}: no accepted CapNhatTienDoHoSoMC step for the status(es) {missing}")
    assert not problems, "processing not recorded at DVCQG step by step:\n" + "\n".join(problems)


# --- the result ----------------------------------------------------------------------------------------------


@pytest.mark.req("ND61-D20-RETURN")
def test_the_return_reaches_dvcqg_with_its_date_and_the_results(returned: dict[str, Returned]) -> None:
    problems = []
    for entry in _driven(returned):
        item = entry.latest("10")
        if item is None:
            problems.append(f"{entry.name}: DVCQG never accepted it in status 10")
            continue
        try:
            parse_timestamp(str(item.get("NgayTra") or ""))
        except ValueError:
            problems.append(f"{entry.name}: status 10 with NgayTra {item.get('NgayTra')!r}, not yyyyMMddHHmmss")
        results = [r for r in item.get("DanhSachGiayToKetQua") or [] if isinstance(r, dict)]
        if not results or not all(r.get("TenGiayTo") and r.get("DuongDanTepTinKetQua") for r in results):
            problems.append(f"{entry.name}: status 10 without named result documents with links: {results}")
    assert not problems, (
        "the returned result must reach DVCQG as status 10 with NgayTra and the result documents "
        "(DanhSachGiayToKetQua with TenGiayTo and DuongDanTepTinKetQua):\n" + "\n".join(problems)
    )


@pytest.mark.req("ND61-D20-RESULT-STORED")
@pytest.mark.req(
    "TT22-D6-K1-Q",
    partial="checks only that each result file downloads from its synced link; that the result is a "
    "digitally signed document whose signature is valid (national CA chain) is not checked",
)
def test_result_documents_download_from_their_links(returned: dict[str, Returned]) -> None:
    links = {entry.name: _result_links(entry.latest("10") or {}) for entry in _driven(returned)}
    problems = [
        f"{name}: the returned dossier DVCQG accepted links no result document" for name in links if not links[name]
    ]
    with httpx.Client(timeout=30, follow_redirects=True) as anyone:
        for name, found in links.items():
            problems += [f"{name}: {url}: {why}" for url in found if (why := download_problem(anyone, url))]
    assert not problems, (
        "the electronic results of returned dossiers must stay stored in the one-stop system and download from "
        "their DuongDanTepTinKetQua links:\n" + "\n".join(problems)
    )


# --- sharing with DVCQG --------------------------------------------------------------------------------------


@pytest.mark.req("ND61-D25-K2-G", "TT22-D5-K1-K")
def test_status_components_and_results_are_shared_with_dvcqg(returned: dict[str, Returned]) -> None:
    problems = []
    for entry in _driven(returned):
        assert entry.dossier is not None
        national, local = collapse(entry.dossier.accepted_statuses()), collapse(entry.dossier.history_statuses)
        if national != local:
            problems.append(f"{entry.name}: statuses {local} at the SUT, {national} accepted by DVCQG")
        latest = entry.sent()[-1] if entry.sent() else {}
        files = [f for f in latest.get("TaiLieuNop") or [] if isinstance(f, dict)]
        linked = {f.get("TenTepDinhKem") for f in files if f.get("DuongDanTaiTepTin")}
        unlinked = [f.name for f in entry.request.files if f.name not in linked]
        if unlinked:
            problems.append(f"{entry.name}: the submitted file(s) {unlinked} are not in TaiLieuNop with a link")
        ended = [item for item in entry.sent() if str(item.get("TrangThaiHoSo")) in ("9", "10")]
        if not any(item.get("DanhSachGiayToKetQua") for item in ended):
            problems.append(f"{entry.name}: no DanhSachGiayToKetQua accepted once processing ended (status 9 or 10)")
    assert not problems, (
        "the processing status, the submitted components (TaiLieuNop with DuongDanTaiTepTin) and the digitised "
        "results (DanhSachGiayToKetQua) must all be shared with DVCQG:\n" + "\n".join(problems)
    )


# --- codes ---------------------------------------------------------------------------------------------------


class _National:
    """The mock's DVCQG integration API, as the SUT's own integration account (dvc_env.description.national)."""

    def __init__(self, dvc_env: ConformanceEnvironment) -> None:
        self.account = dvc_env.description.national
        self.http = httpx.Client(base_url=dvc_env.national_url, timeout=30)
        login = {"username": self.account.username, "password": self.account.password}
        self.session = str(self.http.post("/dvcqg/auth", json=login).json().get("session") or "")
        assert self.session, "harness error: the national mock refused the SUT's integration account"

    def ask(self, service: str, **params: str) -> list[Any]:
        envelope = {"session": self.session, "madonvi": self.account.madonvi, "service": service}
        reply = self.http.post("/dvcqg/integration", json=envelope | params).json()
        assert reply.get("error_code") == 0, f"harness error: {service} answered {str(reply)[:300]}"
        result = reply.get("result")
        return result if isinstance(result, list) else []


@pytest.fixture(scope="module")
def national(dvc_env: ConformanceEnvironment) -> Iterator[_National]:
    dvcqg = _National(dvc_env)
    yield dvcqg
    dvcqg.http.close()


@pytest.mark.req(
    "ND61-D17-DOSSIER-CODE",
    partial="the code printed on the receipt given to the applicant (TT 01/2018 form 01) is not observed",
)
def test_the_code_finds_the_dossier_on_dvcqg(returned: dict[str, Returned], national: _National) -> None:
    problems = []
    for entry in _driven(returned):
        assert entry.dossier is not None
        found = [d for d in national.ask("TraCuuHoSo", mahoso=entry.dossier.code) if isinstance(d, dict)]
        shown = [(d.get("MaHoSo"), d.get("TrangThaiHoSo")) for d in found]
        if shown != [(entry.dossier.code, entry.dossier.view.status)]:
            problems.append(f"{entry.name}: TraCuuHoSo finds {shown}; the SUT shows status {entry.dossier.view.status}")
    assert not problems, "the dossier code must find the dossier, in its current status, on DVCQG:\n" + "\n".join(
        problems
    )


@pytest.mark.capability("public_lookup")
@pytest.mark.req(
    "ND61-D17-DOSSIER-CODE",
    partial="the code printed on the receipt given to the applicant (TT 01/2018 form 01) is not observed",
)
def test_the_code_finds_the_dossier_on_the_portal(
    returned: dict[str, Returned], dvc_env: ConformanceEnvironment
) -> None:
    problems = []
    with httpx.Client(base_url=dvc_env.description.base_url, timeout=30) as anyone:
        for entry in _driven(returned):
            assert entry.dossier is not None
            answer = anyone.get(f"/api/lookup/{entry.dossier.code}")
            body = answer.json() if answer.status_code == 200 else {}
            shown = (body.get("MaHoSo"), body.get("TrangThaiHoSo")) if isinstance(body, dict) else body
            if shown != (entry.dossier.code, entry.dossier.view.status):
                problems.append(f"{entry.name}: GET /api/lookup answered HTTP {answer.status_code} showing {shown}")
    assert not problems, "the dossier code must find the dossier, in its current status, on the portal:\n" + "\n".join(
        problems
    )


@pytest.mark.req("TT01-D20-FIELD-CODE")
def test_the_field_code_is_the_catalogues(returned: dict[str, Returned], national: _National) -> None:
    problems = []
    catalogue: dict[str, set[str]] = {}
    for entry in _driven(returned):
        procedure = entry.request.procedure_code
        if procedure not in catalogue:
            detail = (national.ask("LayThuTuc", maTTHC=procedure) or [{}])[0]
            catalogue[procedure] = {str(f.get("MALINHVUC")) for f in detail.get("LINHVUCTHUCHIEN") or []}
        sent = sorted({str(item.get("MaLinhVuc")) for item in entry.sent()})
        wrong = [code for code in sent if not FIELD_CODE.fullmatch(code) or code not in catalogue[procedure]]
        if not sent or wrong:
            problems.append(
                f"{entry.name}: MaLinhVuc {wrong or 'never sent'}; the national catalogue (LayThuTuc {procedure}) "
                f"lists {sorted(catalogue[procedure])}"
            )
    assert not problems, "MaLinhVuc must be the field code MX1X2-LV of the national catalogue:\n" + "\n".join(problems)


# --- a citizen on the portal ---------------------------------------------------------------------------------


@dataclass
class Submitted:
    """An online submission of a signed-in citizen, followed through the one-stop system."""

    code: str
    first: DossierView | None  # the one-stop system's view right after the submission
    last: DossierView | None  # after the officers returned the result
    failure: str = ""
    lookups: dict[str, httpx.Response] = field(default_factory=dict)  # the owner's lookup after each view
    downloads: dict[str, str] = field(default_factory=dict)  # result link → problem, downloaded as the owner


@pytest.fixture(scope="module")
def submitted(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[Submitted]:
    require(dvc_env, "sso")
    driver = dvc_env.driver
    lookup = dvc_env.description.declares("public_lookup")
    with signed_in(dvc_env, CITIZEN) as browser:
        code = browser.submit(online_body(random.Random(f"{dvc_seed}:results-online")))
        entry = Submitted(code, None, None)
        try:
            entry.first = driver.view(code)
            for action in RETURNED:
                driver.act(code, action)
            entry.last = driver.view(code)
        except SutError as exc:
            entry.failure = f"{type(exc).__name__}: {exc}"
        if lookup:
            entry.lookups["returned"] = answer = browser.http.get(browser.url(f"/api/lookup/{code}"))
            found = _result_links(answer.json()) if answer.status_code == 200 else []
            entry.downloads = {url: download_problem(browser.http, url) for url in found}
        yield entry


@pytest.mark.capability("sso")
@pytest.mark.req("TT22-D6-K1-D")
@pytest.mark.req(
    "TT21-D5-K1-ONLINE-SERVICE",
    partial="checks that an online submission creates an e-dossier the one-stop system knows; interactive "
    "e-forms, uploads through the pages and the public postal service are not checked here",
)
def test_an_online_submission_gets_a_dossier_code(submitted: Submitted) -> None:
    assert CODE.fullmatch(submitted.code), (
        f"POST /api/dossiers answered MaHoSo {submitted.code!r}, not a dossier code <agency>-YYMMDD-NNNN"
    )
    assert submitted.first is not None and submitted.first.ma_ho_so == submitted.code, (
        f"the one-stop system does not know the code {submitted.code} the portal gave: {submitted.failure}"
    )


@pytest.mark.capability("sso", "public_lookup")
@pytest.mark.req("TT22-D6-K1-T", "TT01-D16-RECEIVE-ONLINE")
def test_a_portal_submission_is_processed_in_the_one_stop_system_and_its_status_flows_back(
    submitted: Submitted,
) -> None:
    first, last = submitted.first, submitted.last
    assert first is not None and first.status == "1", (
        f"the dossier {submitted.code} submitted on the portal is not in the one-stop system in status 1: "
        f"{first.status if first else submitted.failure}"
    )
    assert last is not None and last.status == "10", (
        f"the officers could not receive, process and return {submitted.code} in the one-stop system: "
        f"{last.status if last else submitted.failure}"
    )
    answer = submitted.lookups["returned"]
    body = answer.json() if answer.status_code == 200 else {}
    shown = body.get("TrangThaiHoSo") if isinstance(body, dict) else None
    assert shown == last.status, (
        f"after the one-stop system returned the result of {submitted.code} (status {last.status}), the citizen's "
        f"lookup answers HTTP {answer.status_code} with TrangThaiHoSo {shown!r}"
    )


@pytest.mark.capability("sso", "public_lookup")
@pytest.mark.req("TT22-D6-K1-R")
def test_the_owner_looks_up_the_electronic_result_by_code(submitted: Submitted) -> None:
    answer = submitted.lookups["returned"]
    assert answer.status_code == 200, f"the owner's GET /api/lookup/{submitted.code} answered HTTP {answer.status_code}"
    assert submitted.downloads, (
        f"the signed-in owner's lookup of the returned dossier {submitted.code} carries no result document "
        f"(DanhSachGiayToKetQua with DuongDanTepTinKetQua): {answer.text[:300]}"
    )
    failed = {url: why for url, why in submitted.downloads.items() if why}
    assert not failed, f"the owner cannot download the result(s) the lookup links: {failed}"


@pytest.mark.capability("sso")
@pytest.mark.req("TT22-D6-K1-E")
def test_an_anonymous_online_submission_is_refused(dvc_env: ConformanceEnvironment, rng: random.Random) -> None:
    body = online_body(rng) | {"TrichYeuHoSo": f"Nộp không đăng nhập {rng.randrange(10**9)}"}
    mark = dvc_env.evidence.mark()
    answer = httpx.post(f"{dvc_env.description.base_url.rstrip('/')}/api/dossiers", json=body, timeout=30)
    dvc_env.driver.flush_sync()
    created = [
        item.get("MaHoSo")
        for row in dvc_env.evidence.exchanges(service="DongBoHoSoMC", since=mark)
        for item in items(row)
        if item.get("TrichYeuHoSo") == body["TrichYeuHoSo"]
    ]
    assert answer.status_code in (401, 403), (
        f"POST /api/dossiers without signing in answered HTTP {answer.status_code} {answer.text[:200]!r}: "
        "online submission needs an authenticated account (401 or 403)"
    )
    assert not created, f"the refused anonymous submission still created and synced dossier(s) {created}"
