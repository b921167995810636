"""The one router of the private-link pages, and the headers every one of its responses carries.

A private link is the only key to a person's answers, so its pages are never cached, never sent on
as a referrer and never indexed. The router's route class adds `PRIVATE_HEADERS` to whatever a
route returns (pages, redirects, PDF and calendar downloads alike); the modules of this package put
their routes on `router`, so no patient route can leave them out.
"""

from __future__ import annotations

from fastapi import APIRouter

from trdnav.web.route_headers import route_adding

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}

router = APIRouter(include_in_schema=False, route_class=route_adding(PRIVATE_HEADERS))
