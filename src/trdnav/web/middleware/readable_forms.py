"""Refuse a form whose fields hold a NUL character or bytes that are not UTF-8, before any route
reads it: such text would be silently changed (an unreadable byte becomes "�") or could not be
stored (PostgreSQL refuses NUL in text), so the person is told instead (400, never a 500).

Only URL-encoded form bodies are read here: JSON bodies are checked by the API's reader and the
contract check, and every query value and path part is checked by its route against known values.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from trdnav.core.answers import InputProblem
from trdnav.web.middleware._body import read_body, replay
from trdnav.web.problem_details import API_PREFIX, problem
from trdnav.web.templating import render

FORM = b"application/x-www-form-urlencoded"
MESSAGE = "contains a NUL character or text that is not UTF-8"


def readable(encoded: bytes) -> bool:
    """True when URL-encoded text decodes to UTF-8 without a NUL character."""
    decoded = unquote_to_bytes(encoded.replace(b"+", b" "))
    if b"\x00" in decoded:
        return False
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:  # also a lone surrogate, which UTF-8 cannot hold
        return False
    return True


class ReadableForms:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
        if scope["type"] != "http" or not content_type.lower().startswith(FORM):
            await self.app(scope, receive, send)
            return
        body, messages = await read_body(receive)
        if not readable(body):
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, replay(messages, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response: Response
        if request.url.path.startswith(API_PREFIX):
            response = problem(400, "The form cannot be read.", [InputProblem("(body)", MESSAGE)])
        else:
            response = render(
                request,
                "refused.html",
                status_code=400,
                heading="This was not sent",
                message="Something you typed holds a character that cannot be read. "
                "Please go back, type it again and send it once more.",
            )
        await response(scope, receive, send)
