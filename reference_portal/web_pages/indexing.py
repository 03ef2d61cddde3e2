"""What search engines read (TT 22/2019 Phụ lục V: services easy to find with popular search engines):
`robots.txt` lets every crawler index the pages and names the sitemap; `sitemap.xml` (sitemaps.org 0.9)
lists every page a person would look for, with absolute URLs on the portal's public address.

Defect `no-sitemap`: robots.txt shuts every crawler out and there is no sitemap.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.portal import Portal
from reference_portal.web.common import HttpError

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: machine endpoints a crawler has no use for (pages stay allowed); Disallow only, so first-match and
#: longest-match readers of robots.txt agree
NOT_PAGES = ("/api/", "/auth/", "/_control/", "/files/", "/payment/")


def robots(base_url: str) -> str:
    disallow = "".join(f"Disallow: {path}\n" for path in NOT_PAGES)
    return f"User-agent: *\n{disallow}\nSitemap: {base_url}/sitemap.xml\n"


def sitemap(urls: list[str]) -> str:
    entries = "".join(f"<url><loc>{escape(url)}</loc></url>\n" for url in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n{entries}</urlset>\n'


def routes(portal: Portal) -> list[BaseRoute]:
    base = portal.config.base_url.rstrip("/")

    async def robots_txt(request: Request) -> Response:
        if portal.defects.on("no-sitemap"):
            return PlainTextResponse("User-agent: *\nDisallow: /\n")
        return PlainTextResponse(robots(base))

    async def sitemap_xml(request: Request) -> Response:
        if portal.defects.on("no-sitemap"):
            raise HttpError(404, "not_found", "no sitemap")
        pages = ["/", "/huong-dan", "/thu-tuc", *(f"/thu-tuc/{p.code}" for p in portal.catalogue.all())]
        return Response(sitemap([base + path for path in pages]), media_type="application/xml")

    return [
        Route("/robots.txt", robots_txt, methods=["GET"]),
        Route("/sitemap.xml", sitemap_xml, methods=["GET"]),
    ]
