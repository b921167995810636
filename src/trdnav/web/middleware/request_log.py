"""One structured log line per HTTP request, with nothing in it that could identify a patient.

Why: operators need to see what the server did (which page, what status, how long) and to find
the line behind an error a person reports (the ``X-Request-ID`` response header). What they must
never see: the private link, which is in the URL path, nor answers, names or contact details. So a
line holds the method, the route's path *template* (``/a/{token}/results``, never the path
itself), the status, the duration and a random request id; never the query string, headers,
cookies, bodies or the client's address.

``RequestLog`` is pure ASGI. It writes to the logger ``trdnav.request`` only when that logger is
enabled for INFO (``trdnav.web.log_lines`` does that for ``trdnav serve``), so in the benchmarks and
tests it costs a random id and a header. ``trdnav.web.log_lines.JsonLineFormatter`` writes each
record as one JSON line, with these fields on its allow-list.
"""

from __future__ import annotations

import logging
import os
import time

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER_NAME = "trdnav.request"
REQUEST_ID_HEADER = b"x-request-id"
UNMATCHED = "unmatched"

logger = logging.getLogger(LOGGER_NAME)


def route_template(scope: Scope) -> str:
    """The matched route's path template, after routing: ``/a/{token}/results``; a mount's prefix
    (``/static``); ``unmatched`` if nothing matched.

    FastAPI's router puts only its own routes in ``scope["route"]``; a plain Starlette route is
    found by its endpoint, a mount by the prefix it moved into ``root_path``."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return route.path or "/"
    if route is None:
        # A Mount moved its prefix from the path into root_path, and kept the app's in app_root_path.
        mounted_under = scope.get("app_root_path")
        if isinstance(mounted_under, str):
            return scope.get("root_path", "").removeprefix(mounted_under) or "/"
        endpoint = scope.get("endpoint")
        if endpoint is not None:  # a plain Starlette route, e.g. /openapi.json
            routes = getattr(scope.get("router"), "routes", ())
            route = next((each for each in routes if getattr(each, "endpoint", None) is endpoint), None)
    template = getattr(route, "path_format", None)
    return template if isinstance(template, str) else UNMATCHED


class RequestLog:
    """Log one ``request`` event per HTTP request and return its id in ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = os.urandom(8).hex()
        id_header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500  # what the client gets if the app fails before it answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "route": route_template(scope),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "request_id": request_id,
                    },
                )
