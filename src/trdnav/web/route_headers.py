"""Headers a whole package's routes add to every response they return, set once on its router
(`route_adding` makes the router's route class): the patient pages' private headers, the staff
pages' no-store."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response


def route_adding(headers: Mapping[str, str]) -> type[APIRoute]:
    """A route class whose responses (pages, redirects, downloads) carry ``headers``."""
    fixed = dict(headers)

    class HeadersRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handler_adding_headers(request: Request) -> Response:
                response = await handler(request)
                response.headers.update(fixed)
                return response

            return handler_adding_headers

    return HeadersRoute
