"""The portal's pages for people and search engines over real HTTP: Vietnamese HTML that declares a phone
viewport, every procedure of the national catalogue on its own page with its level, times and fees, the guide
with its FAQ, robots.txt and sitemap.xml that let search engines index it all, the signed-in citizen's own
dossiers; the defect switches `no-sitemap` and `desktop-only`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.robotparser import RobotFileParser

import httpx
import pytest
from lxml import etree

from mock_portal.dvcqg.catalogue import load_catalogue
from mock_portal.server import RunningMock
from reference_portal.config import PortalConfig
from reference_portal.features import default_features
from reference_portal.server import RunningPortal, running_portal
from reference_portal.web_pages import FEATURE as WEB
from tests.reference.conftest import CONTROL, dossier_request
from tests.reference.test_sso import CITIZEN, OTHER_CITIZEN, online_body, signed_in

NATIONAL = {code: p.detail["TENTTHC"] for code, p in load_catalogue().procedures.items()}
PAGES = ("/", "/thu-tuc", "/huong-dan", "/thu-tuc/1.004746")
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

Site = Callable[..., AbstractContextManager[RunningPortal]]


@pytest.fixture
def site(national: RunningMock, admin: httpx.Client, tmp_path: Path) -> Site:
    """A portal with the web feature (whether or not features.py lists it yet), once its start-up pull of the
    national catalogue has finished."""

    @contextmanager
    def start(defects: frozenset[str] = frozenset()) -> Iterator[RunningPortal]:
        features = default_features()
        if all(f.name != WEB.name for f in features):
            features.append(WEB)
        config = PortalConfig(port=0, national_url=national.url, db=str(tmp_path / "portal.sqlite"), defects=defects)
        with running_portal(config, features=features) as sut:
            deadline = time.monotonic() + 15
            while len(sut.portal.catalogue.all()) < len(NATIONAL):
                assert time.monotonic() < deadline, "the catalogue was not pulled at start"
                time.sleep(0.05)
            yield sut

    return start


def page(sut: RunningPortal, path: str) -> httpx.Response:
    answer = httpx.get(f"{sut.url}{path}")
    assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:200]}"
    return answer


def test_pages_are_vietnamese_html_for_phones_without_outside_assets(site: Site) -> None:
    with site() as sut:
        for path in PAGES:
            answer = page(sut, path)
            assert answer.headers["content-type"].startswith("text/html"), path
            assert '<html lang="vi">' in answer.text and VIEWPORT in answer.text, path
            assert "://" not in answer.text, f"{path} refers to something elsewhere"
        home = page(sut, "/").text
        health = httpx.get(f"{sut.url}/_control/health", headers=CONTROL).json()
    assert '<form action="/thu-tuc" method="get"' in home and 'name="q"' in home
    assert 'href="/thu-tuc"' in home and 'href="/huong-dan"' in home
    assert "web" in health["capabilities"]


def test_every_procedure_has_a_page_linked_from_the_list_with_its_level(site: Site) -> None:
    with site() as sut:
        listing = page(sut, "/thu-tuc").text
        for code, name in NATIONAL.items():
            assert f'<a href="/thu-tuc/{code}">{name}</a>' in listing, code
        assert "Dịch vụ công trực tuyến toàn trình" in listing and "Dịch vụ công trực tuyến một phần" in listing
        found = page(sut, "/thu-tuc?q=trich luc").text
        assert "/thu-tuc/1.004746" in found and "/thu-tuc/1.001193" not in found


def test_a_procedure_page_shows_field_level_time_fees_and_the_way_to_submit(site: Site) -> None:
    with site() as sut:
        paid, free = page(sut, "/thu-tuc/1.004746").text, page(sut, "/thu-tuc/1.001193").text
    assert "<h1>Cấp bản sao trích lục hộ tịch</h1>" in paid and "<dd>Hộ tịch</dd>" in paid
    assert "<dd>Dịch vụ công trực tuyến toàn trình</dd>" in paid and "Trực tuyến: 1 ngày làm việc" in paid
    assert "8.000 đồng" in paid and 'href="/auth/login?next=/thu-tuc/1.004746"' in paid
    assert "Không thu phí, lệ phí" in free and "<h1>Đăng ký khai sinh</h1>" in free


def test_the_guide_answers_frequent_questions(site: Site) -> None:
    with site() as sut:
        guide = page(sut, "/huong-dan").text
    assert "<h1>Hướng dẫn sử dụng dịch vụ công trực tuyến</h1>" in guide and "Câu hỏi thường gặp" in guide
    assert guide.count("<details>") >= 3


def test_bad_input_is_a_clear_error_and_text_is_escaped(site: Site) -> None:
    with site() as sut:
        bad = httpx.get(f"{sut.url}/thu-tuc/abc")
        unknown = httpx.get(f"{sut.url}/thu-tuc/9.999999")
        long = httpx.get(f"{sut.url}/thu-tuc", params={"q": "x" * 201})
        hostile = page(sut, "/thu-tuc?q=%3Cscript%3Ealert(1)%3C/script%3E").text
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert (long.status_code, long.json()["error"]) == (422, "invalid")
    assert "<script>" not in hostile and "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile


def robots_of(sut: RunningPortal) -> tuple[httpx.Response, RobotFileParser]:
    answer = httpx.get(f"{sut.url}/robots.txt")
    parser = RobotFileParser()
    parser.parse(answer.text.splitlines())
    return answer, parser


def test_search_engines_may_index_every_page_listed_in_the_sitemap(site: Site) -> None:
    with site() as sut:
        answer, robots = robots_of(sut)
        sitemap = httpx.get(f"{sut.url}/sitemap.xml")
        root = etree.fromstring(sitemap.content, etree.XMLParser(resolve_entities=False, no_network=True))
        urls = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
        statuses = {url: httpx.get(str(url)).status_code for url in urls}
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    assert robots.site_maps() == [f"{sut.url}/sitemap.xml"]
    assert sitemap.status_code == 200 and root.tag == f"{SITEMAP}urlset"
    expected = [f"{sut.url}{path}" for path in ("/", "/huong-dan", "/thu-tuc")]
    expected += [f"{sut.url}/thu-tuc/{code}" for code in sorted(NATIONAL)]
    assert urls == expected and set(statuses.values()) == {200}
    for agent in ("*", "Googlebot", "coccocbot-web", "bingbot"):
        assert all(robots.can_fetch(agent, str(url)) for url in urls), agent
        assert not robots.can_fetch(agent, f"{sut.url}/_control/health")


def test_a_citizen_sees_their_own_dossiers_and_nobody_elses(site: Site) -> None:
    with site() as sut, httpx.Client(base_url=sut.url, headers=CONTROL) as control:
        owner, other = signed_in(sut.url, CITIZEN), signed_in(sut.url, OTHER_CITIZEN)
        online = owner.post("/api/dossiers", json=online_body()).json()["MaHoSo"]
        assert control.post(f"/_control/dossiers/{online}/actions", json={"action": "receive"}).status_code == 200
        counter = control.post(
            "/_control/dossiers", json=dossier_request(KenhThucHien="1", SoDinhDanh=CITIZEN.citizen_id)
        )
        theirs = other.post("/api/dossiers", json=online_body()).json()["MaHoSo"]
        control.post("/_control/dossiers", json=dossier_request(KenhThucHien="1"))  # a stranger's, at the counter
        mine, others = owner.get("/api/my/dossiers"), other.get("/api/my/dossiers")
        anonymous = httpx.get(f"{sut.url}/api/my/dossiers")
    assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store"
    listed = {d["MaHoSo"]: d for d in mine.json()["dossiers"]}
    assert set(listed) == {online, counter.json()["MaHoSo"]} and mine.json()["total"] == 2
    assert listed[online]["TrangThaiHoSo"] == "2" and listed[online]["TenTrangThai"] == "Được tiếp nhận"
    assert listed[online]["MaTTHC"] == "1.001193" and len(listed[online]["NgayHenTra"]) == 14
    assert [d["MaHoSo"] for d in others.json()["dossiers"]] == [theirs]
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "not_signed_in")


def test_no_sitemap_defect_shuts_search_engines_out(site: Site) -> None:
    with site(frozenset({"no-sitemap"})) as sut:
        _, robots = robots_of(sut)
        sitemap = httpx.get(f"{sut.url}/sitemap.xml")
    assert not robots.can_fetch("Googlebot", f"{sut.url}/thu-tuc/1.004746") and not robots.site_maps()
    assert sitemap.status_code == 404


def test_desktop_only_defect_drops_the_viewport(site: Site) -> None:
    with site(frozenset({"desktop-only"})) as sut:
        for path in PAGES:
            text = page(sut, path).text
            assert "viewport" not in text and '<html lang="vi">' in text, path
