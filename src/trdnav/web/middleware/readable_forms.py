"""Refuse a form whose fields hold a NUL character or bytes that are not UTF-8, before any route
reads it: such text would be silently changed (an unreadable byte becomes "�") or could not be
stored (PostgreSQL refuses NUL in text), so the person is told instead (400, never a 500).

The query string is checked the same way for every request (a path's text parameters are the
private link, hashed, and a clinic's slug, which `trdnav.store.accounts.find_clinic` answers as
unknown when it holds a NUL: ``/c/a%00b/`` was a 500 on PostgreSQL); of bodies, only URL-encoded
forms are read here: JSON bodies are checked by the API's reader and the contract check (closed
values, so a NUL never reaches the database).
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
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not readable(scope.get("query_string", b"")):
            await self._refuse(scope, receive, send)
            return
        content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
        if not content_type.lower().startswith(FORM):
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
