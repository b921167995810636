"""CSRF protection for every state-changing HTML form (signed double-submit cookie).

The browser holds a random value in the ``trdnav_csrf`` cookie (HttpOnly, SameSite=Strict, Secure
in production); each form carries ``csrf_token``, an HMAC-SHA256 of that value under the app's
secret key. Another site can make a browser send the cookie but can neither read it nor compute
the token, so its forged form is refused with 403. The JSON API needs no token: it accepts only
``Content-Type: application/json``, which a cross-site form cannot send and which needs a CORS
preflight this app never grants.

Templates write ``<input type="hidden" name="csrf_token" value="{{ csrf_token(request) }}">``;
routes that handle a form declare ``dependencies=[Depends(verify_csrf)]``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request
from starlette.responses import Response

COOKIE = "trdnav_csrf"
FIELD = "csrf_token"
_NEW = "csrf_new_cookie"


def _sign(request: Request, value: str) -> str:
    key = request.app.state.settings.secret_key.encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _cookie(request: Request) -> str | None:
    value = request.cookies.get(COOKIE, "")
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
            COOKIE,
            value,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.environment == "production",
            path="/",
        )


async def verify_csrf(request: Request) -> None:
    """Refuse the form (403) unless its token matches this browser's cookie."""
    form = await request.form()
    sent = form.get(FIELD)
    value = _cookie(request)
    if (
        value is None
        or not isinstance(sent, str)
        or not sent.isascii()  # compare_digest takes only ASCII text
        or not hmac.compare_digest(sent, _sign(request, value))
    ):
        raise HTTPException(
            status_code=403,
            detail="This form has expired or did not come from this site. Go back, reload the page, "
            "and send it again.",
        )
