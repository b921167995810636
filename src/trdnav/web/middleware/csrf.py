"""CSRF protection that fails closed: every unsafe request is checked unless its route is exempt.

The browser holds a random value in the ``trdnav_csrf`` cookie (HttpOnly, SameSite=Strict; in
production ``__Host-trdnav_csrf``, Secure, so no other host, subdomain or plain-HTTP page can set
it); each form carries ``csrf_token``, an HMAC-SHA256 of that value and of the staff sign-in session
(when there is one) under the app's secret key. Another site can make a browser send the cookie but
can neither read it nor compute the token, so its forged form is refused with 403; and a cookie and
token pair planted in a signed-in browser does not match that browser's session.

`CsrfCheck` is a pure ASGI middleware in front of every route: a POST, PUT, PATCH or DELETE must be
a URL-encoded form (or a multipart form, for a file upload) whose ``csrf_token`` matches this
browser's cookie, or it is refused (403) before
any route runs, whatever the route (so a new form route cannot forget the check). It reads the body
once and replays it to the route, as `trdnav.web.middleware.readable_forms` does. The exempt
paths (`EXEMPT_PREFIXES`) are the JSON API (``/api/``) and the CDS Hooks service
(``/cds-services``): they need no token because they accept only ``Content-Type:
application/json``, which a cross-site form cannot send and which needs a CORS preflight this app
never grants (and the CDS service also wants a signed JWT, never a cookie).

Templates write ``<input type="hidden" name="csrf_token" value="{{ csrf_token(request) }}">``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.formparsers import MultiPartException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trdnav.web.middleware._body import read_body, replay
from trdnav.web.problem_details import API_PREFIX, CDS_PREFIX

COOKIE = "trdnav_csrf"
HOST_COOKIE = "__Host-trdnav_csrf"  # production (HTTPS): set only by this host, Secure, path /
STAFF_SESSION_COOKIE = "trdnav_staff"  # trdnav.web.staff.principal.COOKIE (the web layer cannot import staff)
FIELD = "csrf_token"
_NEW = "csrf_new_cookie"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT_PREFIXES = (API_PREFIX, CDS_PREFIX)  # JSON only: see the module docstring
FORM = b"application/x-www-form-urlencoded"
MULTIPART = b"multipart/form-data"  # a file upload: its token is a form field too
REFUSAL = "This form has expired or did not come from this site. Go back, reload the page, and send it again."


def _production(request: Request) -> bool:
    return bool(request.app.state.settings.environment == "production")


def _cookie_name(request: Request) -> str:
    return HOST_COOKIE if _production(request) else COOKIE


def _sign(request: Request, value: str) -> str:
    """The token: the cookie's value bound to this browser's staff sign-in session, if any (a sign-in
    or a sign-out changes it, so a form from before either is refused and sent again)."""
    key = request.app.state.settings.secret_key.encode("utf-8")
    session = request.cookies.get(STAFF_SESSION_COOKIE, "")
    bound = f"{value}\x00{hashlib.sha256(session.encode('utf-8')).hexdigest() if session else ''}"
    return hmac.new(key, bound.encode("utf-8"), hashlib.sha256).hexdigest()


def _cookie(request: Request) -> str | None:
    value = request.cookies.get(_cookie_name(request), "")
    return value if 20 <= len(value) <= 100 else None


def csrf_token(request: Request) -> str:
    """The token for this browser's forms; starts a new cookie if the browser has none yet."""
    value = _cookie(request) or getattr(request.state, _NEW, None)
    if value is None:
        value = secrets.token_urlsafe(32)
        setattr(request.state, _NEW, value)
    return _sign(request, value)


def attach_cookie(request: Request, response: Response) -> None:
    """Send the cookie started while rendering this page, if any."""
    value = getattr(request.state, _NEW, None)
    if value is not None:
        response.set_cookie(
            _cookie_name(request),
            value,
            httponly=True,
            samesite="strict",
            secure=_production(request),
            path="/",
        )


def _sent_token(content_type: bytes, body: bytes) -> str | None:
    """The form's last ``csrf_token`` value (the one a form reader would take), if it is a form."""
    if not content_type.lower().startswith(FORM):
        return None
    sent = None
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if name == FIELD:
            sent = value
    return sent


async def _multipart_token(scope: Scope, messages: list[Message]) -> str | None:
    """The ``csrf_token`` field of a multipart form (a file upload), read from a copy of its body."""
    copy = list(messages)

    async def receive() -> Message:
        return copy.pop(0) if copy else {"type": "http.request", "body": b"", "more_body": False}

    try:
        form = await Request(scope, receive).form()
    except (MultiPartException, ValueError):  # a form that cannot be parsed carries no token
        return None
    try:
        values = [v for v in form.getlist(FIELD) if isinstance(v, str)]
        return values[-1] if values else None
    finally:
        await form.close()


def _token_matches(request: Request, sent: str | None) -> bool:
    """True when ``sent`` is the token for this browser's cookie."""
    value = _cookie(request)
    return (
        value is not None
        and sent is not None
        and sent.isascii()  # compare_digest takes only ASCII text
        and hmac.compare_digest(sent, _sign(request, value))
    )


class CsrfCheck:
    """Refuse (403) every unsafe request outside `EXEMPT_PREFIXES` without this browser's token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in UNSAFE_METHODS
            or scope["path"].startswith(EXEMPT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        body, messages = await read_body(receive)
        content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
        request = Request(scope, receive)
        sent = _sent_token(content_type, body)
        if content_type.lower().startswith(MULTIPART):
            sent = await _multipart_token(scope, messages)
        if not _token_matches(request, sent):
            await self._refuse(request, scope, receive, send)
            return
        await self.app(scope, replay(messages, receive), send)

    async def _refuse(self, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        from trdnav.web.templating import render  # templating imports this module (csrf_token)

        response = render(
            request, "refused.html", status_code=403, heading="This was not sent", message=REFUSAL
        )
        await response(scope, receive, send)
