"""The portal as people and search engines see it (TT 22/2019 Điều 6 k1 b, g, k, m; Điều 9, Phụ lục V): web
pages in Vietnamese that work on a phone, a page for every published procedure reachable from the home page,
a guide with its FAQ, robots.txt and a sitemap that let search engines index the procedure pages, and the
signed-in citizen's own dossiers.

The SUT endpoints these tests assume (capability `web`), relative to `[sut] base_url`:

- `GET /`: the home page (HTML). It links to the guide with a link whose text says "Hướng dẫn", and the
  procedure pages are reachable from it by following links (any paths: the tests crawl the site, at most
  `MAX_DEPTH` links deep). It has a search form (GET) with a text or search field.
- every published procedure (`GET /api/procedures`, capability `catalogue`) has a page whose `<h1>` or
  `<title>` carries its name (TenTTHC) and whose text carries its code (MaTTHC);
- `GET /robots.txt`: lets crawlers fetch the pages and names the sitemap (`Sitemap: <absolute URL>`);
- the sitemap (sitemaps.org 0.9, `urlset` or `sitemapindex`) lists absolute URLs on the SUT's own host;
- with `sso`: `GET /api/my/dossiers` → `{"dossiers": [{"MaHoSo", "TrangThaiHoSo", ...}]}` for the signed-in
  account, 401 without a session.

Every page is fetched once per module (no redirects followed); the tests judge what was fetched.
"""

from __future__ import annotations

import random
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
import pytest
from lxml import etree

from harness.conformance import ConformanceEnvironment
from harness.sut import DossierView
from suites.portal._http import poll, public_client
from suites.sso._browser import CITIZEN, OTHER_CITIZEN, online_body, require, signed_in

pytestmark = pytest.mark.capability("web")

#: how many links deep from the home page a person may have to go to find a procedure's page
MAX_DEPTH = 3
MAX_PAGES = 600
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
#: crawlers of the search engines people in Vietnam use
SEARCH_ENGINES = ("*", "Googlebot", "coccocbot-web", "bingbot")


def folded(text: str) -> str:
    """Lower case, no diacritics, single spaces: "Hướng  dẫn" and "huong dan" compare equal."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]]  # (name, type) of the text and search inputs


class Html(HTMLParser):
    """What the tests read of a page: language, viewport, title, headings, links, forms, text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.viewports: list[str] = []
        self.title = ""
        self.headings: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.forms: list[Form] = []
        self.chunks: list[str] = []
        self._open: dict[str, list[str]] = {}  # title / h1 / a being read → its text so far
        self._href = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "meta" and values.get("name", "").casefold() == "viewport":
            self.viewports.append(values.get("content", ""))
        elif tag in ("title", "h1", "a"):
            self._open[tag] = []
            if tag == "a":
                self._href = values.get("href", "")
        elif tag == "form":
            self.forms.append(Form(values.get("action", ""), values.get("method", "get").casefold(), []))
        elif tag == "input" and self.forms and values.get("type", "text").casefold() in ("text", "search"):
            self.forms[-1].fields.append((values.get("name", ""), values.get("type", "text")))

    def handle_endtag(self, tag: str) -> None:
        text = " ".join("".join(self._open.pop(tag, [])).split())
        if tag == "title":
            self.title = text
        elif tag == "h1":
            self.headings.append(text)
        elif tag == "a" and self._href:
            self.links.append((self._href, text))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        for parts in self._open.values():
            parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


@dataclass
class Page:
    url: str
    status: int
    content_type: str
    body: str
    html: Html | None  # a 200 text/html answer, parsed

    def problem(self) -> str | None:
        """Why this is not a web page a person can read, or None."""
        if self.status != 200:
            return f"HTTP {self.status}"
        if self.html is None:
            return f"Content-Type {self.content_type or '(none)'}, not text/html"
        return None


@dataclass
class Site:
    base: str
    pages: dict[str, Page] = field(default_factory=dict)  # every URL fetched, by absolute URL without fragment
    depth: dict[str, int] = field(default_factory=dict)  # pages reached from home by links: URL → links followed
    robots: Page | None = None
    sitemaps: list[str] = field(default_factory=list)  # the sitemap documents read
    sitemap_urls: list[str] = field(default_factory=list)  # every <loc> of a urlset
    sitemap_problems: list[str] = field(default_factory=list)
    published: list[dict[str, Any]] | None = None  # GET /api/procedures, when `catalogue` is declared

    @property
    def home(self) -> Page:
        return self.pages[self.base + "/"]

    def same_host(self, url: str) -> bool:
        ours, theirs = urlsplit(self.base), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

    def html_pages(self) -> list[Page]:
        return [p for p in self.pages.values() if p.html is not None and p.status == 200]

    def page_of(self, procedure: dict[str, Any], urls: Iterable[str] | None = None) -> Page | None:
        """The page (among `urls`, default every page read) whose h1 or title names the procedure and whose
        text shows its code."""
        name, code = folded(str(procedure.get("TenTTHC", ""))), str(procedure.get("MaTTHC", ""))
        for url in self.pages if urls is None else urls:
            page = self.pages.get(url)
            if page is None or page.html is None or page.status != 200 or not name:
                continue
            titles = [folded(t) for t in (page.html.title, *page.html.headings)]
            if any(name in t for t in titles) and code in page.html.text:
                return page
        return None


def _fetch(client: httpx.Client, site: Site, url: str) -> Page:
    url = urldefrag(url).url
    if url not in site.pages:
        answer = client.get(url)
        kind = answer.headers.get("content-type", "")
        parsed = Html(answer.text) if answer.status_code == 200 and kind.startswith("text/html") else None
        site.pages[url] = Page(url, answer.status_code, kind, answer.text, parsed)
    return site.pages[url]


def _crawl(client: httpx.Client, site: Site) -> None:
    """Follow the links of the SUT's own pages from the home page, breadth first, as a person would click."""
    queue = deque([(site.base + "/", 0)])
    site.depth[site.base + "/"] = 0
    while queue and len(site.depth) <= MAX_PAGES:
        url, depth = queue.popleft()
        page = _fetch(client, site, url)
        if page.html is None or depth >= MAX_DEPTH:
            continue
        for href, _ in page.html.links:
            target = urldefrag(urljoin(url, href)).url
            if site.same_host(target) and target not in site.depth:
                site.depth[target] = depth + 1
                queue.append((target, depth + 1))


def _parse_xml(content: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(content, parser)


def _read_sitemaps(client: httpx.Client, site: Site) -> None:
    robots = site.robots
    named: list[str] = []
    if robots is not None and robots.status == 200:
        parser = RobotFileParser()
        parser.parse(robots.body.splitlines())
        named = [url for url in parser.site_maps() or [] if site.same_host(url)]
    queue = deque(named or [site.base + "/sitemap.xml"])
    while queue and len(site.sitemaps) < 20:
        url = queue.popleft()
        site.sitemaps.append(url)
        answer = client.get(url)
        if answer.status_code != 200:
            site.sitemap_problems.append(f"{url}: HTTP {answer.status_code}")
            continue
        try:
            root = _parse_xml(answer.content)
        except etree.XMLSyntaxError as exc:
            site.sitemap_problems.append(f"{url}: not well-formed XML ({exc})")
            continue
        locs = [str(loc.text or "").strip() for loc in root.iter(f"{SITEMAP_NS}loc")]
        if root.tag == f"{SITEMAP_NS}sitemapindex":
            queue.extend(loc for loc in locs if site.same_host(loc))
        elif root.tag == f"{SITEMAP_NS}urlset":
            site.sitemap_urls += locs
        else:
            site.sitemap_problems.append(f"{url}: the root element is {root.tag}, not a sitemaps.org 0.9 urlset")


def _published(dvc_env: ConformanceEnvironment, client: httpx.Client) -> list[dict[str, Any]]:
    def read() -> list[dict[str, Any]]:
        answer = client.get("/api/procedures")
        procedures = answer.json().get("procedures") if answer.status_code == 200 else None
        return procedures if isinstance(procedures, list) else []

    seen: list[int] = []

    def settled(procedures: list[dict[str, Any]]) -> bool:
        seen.append(len(procedures))
        return len(seen) > 1 and seen[-1] == seen[-2] > 0

    # the SUT may still be pulling the catalogue at start: read it once it stops growing (whatever is published
    # then must have its page afterwards, so a SUT still publishing cannot fail the tests below)
    return poll(read, settled, dvc_env.description.sync_delay_s)


@pytest.fixture(scope="module")
def site(dvc_env: ConformanceEnvironment) -> Iterator[Site]:
    require(dvc_env, "web")
    client = public_client(dvc_env)
    found = Site(dvc_env.description.base_url.rstrip("/"))
    if dvc_env.description.declares("catalogue"):
        found.published = _published(dvc_env, client)
    _crawl(client, found)
    found.robots = _fetch(client, found, found.base + "/robots.txt")
    _read_sitemaps(client, found)
    for url in found.sitemap_urls:
        if found.same_host(url):
            _fetch(client, found, url)
    yield found
    client.close()


def _pages_that(site: Site, wrong: Callable[[Html], str | None]) -> list[str]:
    return [f"{p.url}: {reason}" for p in site.html_pages() if p.html is not None and (reason := wrong(p.html))]


# --- pages a person reads -------------------------------------------------------------------------------


@pytest.mark.req(
    "TT22-D6-K1-B",
    partial='checks only that the portal answers web pages declared in Vietnamese (lang="vi"); that each '
    "public service is offered on a page is not checked here",
)
@pytest.mark.req(
    "TT22-D9-PL5-WEB-MOBILE",
    partial='checks only that the portal is made of web pages (HTML, lang="vi"); support for handheld '
    "devices is not checked here",
)
def test_the_portal_is_web_pages_in_vietnamese(site: Site) -> None:
    problem = site.home.problem()
    assert problem is None, f"GET {site.base}/ (the portal's home page) must answer a web page: {problem}"
    wrong = _pages_that(site, lambda html: None if folded(html.lang).startswith("vi") else f'lang="{html.lang}"')
    listed = "\n".join(wrong[:20])
    assert not wrong, f'pages for Vietnamese citizens must declare their language, <html lang="vi">:\n{listed}'


@pytest.mark.req(
    "TT22-D9-PL5-WEB-MOBILE",
    partial="checks only the viewport meta tag (width=device-width) on every page read; layout and "
    "usability on a phone or tablet are not observed",
)
@pytest.mark.req(
    "TT22-D3-K3",
    partial="checks only the mobile viewport meta tag; the other TT 32/2017 access rules (HTTPS, IPv6, "
    "≤ 3 clicks, accessibility, sitemap, progress indicator, 24/7 service with maintenance notice, e-form "
    "help, save and print) are not checked by this test",
)
def test_pages_fit_handheld_devices(site: Site) -> None:
    assert site.html_pages(), f"no web page could be read from {site.base}/"

    def no_viewport(html: Html) -> str | None:
        if any("width=device-width" in folded(v).replace(" ", "") for v in html.viewports):
            return None
        return f"viewport {html.viewports}" if html.viewports else "no <meta name=viewport>"

    wrong = _pages_that(site, no_viewport)
    assert not wrong, (
        "pages must support smart handheld devices: declare "
        '<meta name="viewport" content="width=device-width, initial-scale=1"> (responsive layout)\n'
        + "\n".join(wrong[:20])
    )


@pytest.mark.capability("web", "catalogue")
@pytest.mark.req("TT22-D6-K1-B")
def test_every_published_procedure_has_a_page_reachable_from_home(site: Site) -> None:
    assert site.published, "GET /api/procedures publishes no procedure"
    reachable = [url for url in site.depth if url in site.pages]
    missing = [f"{p.get('MaTTHC')} {p.get('TenTTHC')!r}" for p in site.published if site.page_of(p, reachable) is None]
    assert not missing, (
        f"{len(missing)} of {len(site.published)} published procedure(s) have no page reachable from the home page "
        f"by following links (at most {MAX_DEPTH} deep; a procedure's page has its name in <h1> or <title> and "
        "shows its code):\n" + "\n".join(missing[:20])
    )


@pytest.mark.capability("web", "catalogue")
@pytest.mark.req(
    "TT22-D6-K1-K",
    partial="searches the home page's search box for one procedure by its full name only; search by "
    "field, agency or service level on the portal's pages is not checked",
)
def test_the_search_box_of_the_home_page_finds_a_procedure(site: Site) -> None:
    assert site.published, "GET /api/procedures publishes no procedure"
    html = site.home.html
    forms = [f for f in (html.forms if html else []) if f.fields and f.method == "get"]
    assert forms, f"the home page {site.base}/ has no search box (a GET <form> with a text or search <input>)"
    target = site.published[-1]
    name, code = str(target.get("TenTTHC", "")), str(target.get("MaTTHC", ""))
    form = forms[0]
    url = urljoin(site.base + "/", form.action or "/") + "?" + urlencode({form.fields[0][0]: name})
    answer = httpx.get(url, timeout=30)
    page = site.page_of(target)
    found = Html(answer.text) if answer.status_code == 200 else None
    links = {urldefrag(urljoin(url, href)).url for href, _ in (found.links if found else [])}
    assert found is not None and (code in found.text or (page is not None and page.url in links)), (
        f"searching {name!r} with the home page's search box ({url}) answered HTTP {answer.status_code} without "
        f"{code} or a link to its page"
    )


@pytest.mark.req(
    "TT21-D5-K1-SUPPORT",
    partial="checks only that the home page links to a guide that answers frequent questions; surveys and "
    "the virtual assistant are judged by hand",
)
@pytest.mark.req(
    "TT22-D6-K1-G",
    partial="checks only that the home page links to a guide page that mentions or links to frequently "
    "asked questions; whether the guide explains how to use the online services is not judged",
)
def test_the_guide_and_its_faq_are_linked_from_home(site: Site) -> None:
    html = site.home.html
    links = html.links if html else []
    guides = [urljoin(site.base + "/", href) for href, text in links if "huong dan" in folded(text)]
    assert guides, f'the home page {site.base}/ has no link to the guide (a link whose text says "Hướng dẫn")'
    guide = site.pages.get(urldefrag(guides[0]).url)
    problem = "not fetched" if guide is None else guide.problem()
    assert guide is not None and guide.html is not None, f"the guide {guides[0]} is not a web page: {problem}"
    faq = [folded(t) for t in (guide.html.text, *(text for _, text in guide.html.links))]
    assert any("cau hoi thuong gap" in t or "faq" in t.split() for t in faq), (
        f'the guide {guide.url} must answer frequent questions ("Câu hỏi thường gặp") or link to them'
    )


# --- search engines -------------------------------------------------------------------------------------


@pytest.mark.req(
    "TT22-D9-PL5-SEARCH-ENGINE",
    partial="checks what lets search engines index the portal (robots.txt, a sitemap listing every "
    "procedure page); whether the services actually appear in the results of popular search engines "
    "(Google, Cốc Cốc, Bing) is not observed",
)
def test_robots_txt_lets_search_engines_index_and_names_the_sitemap(site: Site) -> None:
    robots = site.robots
    assert robots is not None and robots.status == 200, (
        f"GET {site.base}/robots.txt must answer 200 (text/plain); got {robots and robots.status}"
    )
    parser = RobotFileParser()
    parser.parse(robots.body.splitlines())
    pages = [site.home.url, *(p.url for p in site.html_pages())][:50]
    refused = [f"{agent}: {url}" for agent in SEARCH_ENGINES for url in pages if not parser.can_fetch(agent, url)]
    assert not refused, "robots.txt keeps search engines away from the portal's pages:\n" + "\n".join(refused[:20])
    named = parser.site_maps() or []
    assert any(site.same_host(url) for url in named), (
        f"robots.txt must name the sitemap on {site.base} (a line `Sitemap: {site.base}/sitemap.xml`); names {named}"
    )


@pytest.mark.req(
    "TT22-D9-PL5-SEARCH-ENGINE",
    partial="checks what lets search engines index the portal (robots.txt, a sitemap listing every "
    "procedure page); whether the services actually appear in the results of popular search engines "
    "(Google, Cốc Cốc, Bing) is not observed",
)
def test_the_sitemap_lists_pages_that_answer(site: Site) -> None:
    assert not site.sitemap_problems, "the sitemap cannot be read:\n" + "\n".join(site.sitemap_problems)
    assert site.sitemap_urls, f"the sitemap ({', '.join(site.sitemaps)}) lists no URL"
    foreign = [url for url in site.sitemap_urls if not site.same_host(url)]
    assert not foreign, (
        f"a sitemap lists only absolute URLs on its own host ({site.base}; sitemaps.org): {foreign[:10]}"
    )
    broken = [f"{url}: {problem}" for url in site.sitemap_urls if (problem := site.pages[url].problem())]
    assert not broken, "URLs of the sitemap that are not web pages:\n" + "\n".join(broken[:20])


@pytest.mark.capability("web", "catalogue")
@pytest.mark.req(
    "TT22-D9-PL5-SEARCH-ENGINE",
    partial="checks what lets search engines index the portal (robots.txt, a sitemap listing every "
    "procedure page); whether the services actually appear in the results of popular search engines "
    "(Google, Cốc Cốc, Bing) is not observed",
)
def test_every_published_procedure_page_is_in_the_sitemap(site: Site) -> None:
    assert site.published, "GET /api/procedures publishes no procedure"
    missing = [
        f"{p.get('MaTTHC')} {p.get('TenTTHC')!r}"
        for p in site.published
        if site.page_of(p, [u for u in site.sitemap_urls if u in site.pages]) is None
    ]
    assert not missing, (
        f"{len(missing)} of {len(site.published)} published procedure(s) have no page in the sitemap "
        f"({', '.join(site.sitemaps)}):\n" + "\n".join(missing[:20])
    )


# --- the signed-in citizen's dossiers -------------------------------------------------------------------


@dataclass
class MyDossiers:
    code: str  # submitted online by CITIZEN, then received
    view: DossierView
    theirs: str  # submitted online by OTHER_CITIZEN
    mine: httpx.Response
    others: httpx.Response
    anonymous: httpx.Response


def _listed(answer: httpx.Response) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 200, f"GET /api/my/dossiers signed in answered HTTP {answer.status_code}"
    body = answer.json()
    dossiers = body.get("dossiers") if isinstance(body, dict) else None
    assert isinstance(dossiers, list) and all(isinstance(d, dict) for d in dossiers), (
        f'GET /api/my/dossiers must answer {{"dossiers": [{{"MaHoSo", "TrangThaiHoSo", ...}}]}}: {answer.text[:200]}'
    )
    return {str(d.get("MaHoSo")): d for d in dossiers}


@pytest.fixture(scope="module")
def my_dossiers(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[MyDossiers]:
    require(dvc_env, "web", "sso")
    with signed_in(dvc_env, CITIZEN) as owner, signed_in(dvc_env, OTHER_CITIZEN) as other:
        code = owner.submit(online_body(random.Random(f"{dvc_seed}:web-mine")))
        dvc_env.driver.act(code, "receive")
        theirs = other.submit(online_body(random.Random(f"{dvc_seed}:web-theirs")))
        path = "/api/my/dossiers"
        yield MyDossiers(
            code,
            dvc_env.driver.view(code),
            theirs,
            owner.http.get(owner.url(path)),
            other.http.get(other.url(path)),
            httpx.get(owner.url(path), timeout=30),
        )


@pytest.mark.capability("web", "sso")
@pytest.mark.req("TT22-D6-K1-M")
def test_a_citizen_sees_their_dossier_with_its_current_status(my_dossiers: MyDossiers) -> None:
    listed = _listed(my_dossiers.mine)
    assert my_dossiers.code in listed, (
        f"the dossier {my_dossiers.code} the signed-in citizen submitted online is not in GET /api/my/dossiers "
        f"(lists {sorted(listed)[:10]})"
    )
    shown, own = listed[my_dossiers.code].get("TrangThaiHoSo"), my_dossiers.view.status
    assert shown == own, f"GET /api/my/dossiers shows {my_dossiers.code} in status {shown!r}; the SUT's view is {own}"


@pytest.mark.capability("web", "sso")
@pytest.mark.req("TT22-D6-K1-M", "ND61-D25-K4")
def test_a_citizen_sees_nobody_elses_dossiers(my_dossiers: MyDossiers) -> None:
    wrong = []
    if my_dossiers.theirs in _listed(my_dossiers.mine):
        wrong.append(f"{CITIZEN.sub} sees {my_dossiers.theirs}, submitted by {OTHER_CITIZEN.sub}")
    if my_dossiers.code in _listed(my_dossiers.others):
        wrong.append(f"{OTHER_CITIZEN.sub} sees {my_dossiers.code}, submitted by {CITIZEN.sub}")
    assert not wrong, "GET /api/my/dossiers lists another citizen's dossiers:\n" + "\n".join(wrong)


@pytest.mark.capability("web", "sso")
@pytest.mark.req("TT22-D6-K1-M")
@pytest.mark.req(
    "TT22-D6-K1-E",
    partial="checks only that the list of a citizen's own dossiers refuses an anonymous request (401); the "
    "refusal of an anonymous online submission is not checked here",
)
def test_my_dossiers_needs_a_sign_in(my_dossiers: MyDossiers) -> None:
    answer = my_dossiers.anonymous
    assert answer.status_code == 401, (
        f"GET /api/my/dossiers without a session must answer 401; got HTTP {answer.status_code} {answer.text[:200]!r}"
    )
