"""The portal's pages for people and search engines (TT 22/2019 Điều 6 k1 b, g, m; Điều 9, Phụ lục V):
server-rendered HTML in Vietnamese that works on a phone, the files search engines read, and the signed-in
citizen's own dossiers.

  GET /                   home: search box, links to the procedures and the guide
  GET /thu-tuc[?q=]       the procedures (portal.catalogue), each linking to its page, with its service level
  GET /thu-tuc/{MaTTHC}   one procedure: field, level, processing times, fees, sign in to submit online
  GET /huong-dan          how to use the online services, and the FAQ
  GET /robots.txt         everything a visitor sees may be indexed; names the sitemap
  GET /sitemap.xml        sitemaps.org protocol: home, guide, list and every procedure page (absolute URLs)
  GET /api/my/dossiers    JSON: the signed-in citizen's dossiers with their status (401 when not signed in)
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from reference_portal.portal import Feature, Portal
from reference_portal.web_pages import indexing, my_dossiers, pages


def _routes(portal: Portal) -> list[BaseRoute]:
    return [*pages.routes(portal), *indexing.routes(portal), *my_dossiers.routes(portal)]


FEATURE = Feature("web", routes=_routes, capabilities=("web",))

__all__ = ["FEATURE"]
