"""Security headers on every response: a strict Content-Security-Policy and its companions.

Why: the patient pages show health answers and carry the private link in their URL. The policy
lets a page load scripts, styles, images and fonts from the app itself only and never run inline
code, so markup that slipped into a page cannot run; ``Referrer-Policy: no-referrer`` keeps the
private link from leaking to another site through the Referer header; ``frame-ancestors 'none'``
and ``X-Frame-Options`` stop other sites from framing a page (clickjacking); HSTS, in production
only, keeps browsers on HTTPS.

The middleware is pure ASGI and cheap: the header list is built once, and each response only gets
it appended. The app wraps FastAPI's whole middleware stack with it (see ``create_app``), so the
responses other layers make, BodySizeLimit's 413 and FastAPI's own 500, get the headers too. The
app has one policy: a header of the same name set by a route is replaced, never doubled.

Every response under the JSON API (``/api/``) and the CDS Hooks service (``/cds-services``) also
gets ``Cache-Control: no-store``: their answers carry a patient's answers, results or cards, and
their errors may echo them, so no browser, proxy or disk
cache may keep a copy (the patient and staff pages get theirs from their routers).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trdnav.web.problem_details import API_PREFIX, CDS_PREFIX

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
API_CACHE_CONTROL = {"cache-control": "no-store"}

_EVERY_RESPONSE = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def security_headers(*, production: bool) -> dict[str, str]:
    """The headers every response gets; HSTS only in production (HTTPS is set up there)."""
    if production:
        return {**_EVERY_RESPONSE, "strict-transport-security": STRICT_TRANSPORT_SECURITY}
    return dict(_EVERY_RESPONSE)


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class SecurityHeaders:
    """Add ``security_headers`` to every HTTP response, replacing any of the same name."""

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        headers = security_headers(production=production)
        self._raw = _encoded(headers)
        self._api_raw = _encoded({**headers, **API_CACHE_CONTROL})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        added = self._api_raw if scope["path"].startswith((API_PREFIX, CDS_PREFIX)) else self._raw
        names = frozenset(name for name, _ in added)  # ASGI header names are lowercase

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [pair for pair in message.get("headers", ()) if pair[0] not in names]
                message["headers"] += added
            await send(message)

        await self.app(scope, receive, send_with_headers)
