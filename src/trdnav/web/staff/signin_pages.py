"""Routes: staff sign-in and sign-out, and two-factor sign-in (the code, setting it up, turning it off).

A successful sign-in ends any session this browser had and starts a new one with a new token (no
session fixation), in a cookie that is HttpOnly, SameSite=Strict and, in production, Secure. When
the account has two-factor sign-in, the new session is good for nothing but the code page until the
code is right. After sign-in a person goes back where they were, but only to a page of the
workspace: any other ``next`` (another site, a scheme, ``//host``) goes to the queue.

`install_signin_handlers` makes the principal's `SignInRequired` and `TwoFactorRequired` into
redirects to these pages. Sign-ins, refusals, sign-outs and two-factor changes are audited by id;
a refused sign-in is recorded against the account its email address belongs to (and that account's
clinic, whose admin sees it on the audit page), never with the address typed or the password.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated
from urllib.parse import quote, urlencode

import segno
from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import end_session, find_session
from trdnav.store.models import Staff, StaffSession, now
from trdnav.store.signin import (
    REFUSED_MESSAGE,
    THROTTLED_MESSAGE,
    address_throttled,
    begin_session,
    begin_two_factor_setup,
    check_code,
    device_token,
    finish_two_factor_setup,
    is_locked,
    pass_second_step,
    provisioning_uri,
    record_failed_code,
    record_refused_sign_in,
    sign_in,
    sign_out,
    totp_secret,
    turn_off_two_factor,
)
from trdnav.web.dependencies import AppSettings, DbSession, keyring_of
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import (
    CHANGE_PASSWORD,
    COOKIE,
    PasswordChangeRequired,
    Principal,
    SignInRequired,
    StaffPrincipal,
    TwoFactorRequired,
    client_address,
)
from trdnav.web.staff.router import STAFF_HEADERS, before_sign_in, router

HOME = "/staff/"
DEVICE_COOKIE = "trdnav_device"
DEVICE_DAYS = 180
LOGIN = "/staff/login"
TWO_FACTOR = "/staff/two-factor"
TWO_FACTOR_SETUP = "/staff/two-factor/setup"
# A workspace path: no scheme, no host, no backslash or control characters, no "//".
_LOCAL_STAFF_PATH = re.compile(r"^/staff/(?!/)[A-Za-z0-9\-._~/%?=&+:@]*$")
CODE_HINT = "Enter the 6-digit code your authenticator app shows now, e.g. 123456."
WRONG_CODE = "The code is not right or was already used. " + CODE_HINT


def safe_next(value: str | None) -> str:
    """Where to go after signing in: ``value`` if it is a workspace page of this site, else the queue."""
    if value and _LOCAL_STAFF_PATH.match(value) and "//" not in value:
        return value
    return HOME


def _with_next(path: str, next_path: str) -> str:
    return path if next_path == HOME else f"{path}?{urlencode({'next': next_path})}"


def anonymous_actor(request: Request) -> audit.Actor:
    return audit.Actor(kind="anonymous", role="anonymous", address=client_address(request))


def _staff_actor(request: Request, staff: Staff) -> audit.Actor:
    return audit.Actor(
        kind="staff",
        role=staff.role,
        staff_id=staff.id,
        clinic_id=staff.clinic_id,
        address=client_address(request),
    )


def set_session_cookie(response: Response, config: Settings, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=config.environment == "production",
        path="/",
    )


def this_browsers_session(request: Request, session: DbSession) -> StaffSession:
    """The live session behind the cookie, whether or not its second step is done yet."""
    found = find_session(session, request.cookies.get(COOKIE, ""), request.app.state.settings)
    if found is None:
        raise SignInRequired
    return found


BrowserSession = Annotated[StaffSession, Depends(this_browsers_session)]


def _login_page(
    request: Request,
    *,
    status_code: int = 200,
    email: str = "",
    next_path: str = HOME,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    signed_out: bool = False,
    password_set: bool = False,
) -> HTMLResponse:
    return render_staff(
        request,
        "staff/login.html",
        None,
        status_code=status_code,
        email=email,
        next_path=next_path,
        errors=errors or {},
        refusal=refusal,
        signed_out=signed_out,
        password_set=password_set,
    )


@before_sign_in.get(LOGIN, response_class=HTMLResponse)
def login_page(
    request: Request, next: str | None = None, signed_out: str | None = None, password_set: str | None = None
) -> HTMLResponse:
    return _login_page(
        request, next_path=safe_next(next), signed_out=signed_out == "1", password_set=password_set == "1"
    )


@before_sign_in.post(LOGIN, response_model=None)
def login(
    request: Request,
    session: DbSession,
    config: AppSettings,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    next_path = safe_next(next)
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter the email address of your staff account, e.g. name@clinic.org."
    if not password:
        errors["password"] = "Enter your password."
    if errors:
        return _login_page(request, status_code=422, email=email, next_path=next_path, errors=errors)
    device = request.cookies.get(DEVICE_COOKIE, "")[:200]
    outcome = sign_in(session, email, password, client_address(request), config, device=device)
    if outcome.staff is None:
        record_refused_sign_in(session, anonymous_actor(request), email)
        throttled = outcome.reason == "throttled"
        refusal = THROTTLED_MESSAGE if throttled else REFUSED_MESSAGE
        if outcome.retry_at is not None:
            refusal = waiting_message(outcome.retry_at)
        response = _login_page(
            request, status_code=429 if throttled else 422, email=email, next_path=next_path, refusal=refusal
        )
        if throttled:
            response.headers["Retry-After"] = str(15 * 60)
        elif outcome.retry_at is not None:
            response.headers["Retry-After"] = str(seconds_until(outcome.retry_at))
        return response
    staff = outcome.staff
    previous = find_session(session, request.cookies.get(COOKIE, ""), config)
    token = begin_session(session, _staff_actor(request, staff), staff, config, previous=previous)
    if staff.totp_enabled:
        target = _with_next(TWO_FACTOR, next_path)
    elif staff.clinic.require_two_factor:
        target = TWO_FACTOR_SETUP
    else:
        target = next_path
    redirect = RedirectResponse(target, status_code=303)
    set_session_cookie(redirect, config, token)
    if not staff.totp_enabled:  # with two-factor sign-in, only once the code is right too
        remember_device(redirect, config, staff)
    return redirect


def remember_device(response: Response, config: Settings, staff: Staff) -> None:
    """Mark this browser as one ``staff`` signed in from (`trdnav.store.signin.device_token`): the
    account's wait after failures elsewhere does not keep them out here. Sent to the sign-in form only."""
    response.set_cookie(
        DEVICE_COOKIE,
        device_token(staff, config),
        max_age=DEVICE_DAYS * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=config.environment == "production",
        path=LOGIN,
    )


def seconds_until(moment: dt.datetime) -> int:
    return max(1, math.ceil((moment - now()).total_seconds()))


def waiting_message(retry_at: dt.datetime) -> str:
    """The refusal while an account waits out its delay: when to try again, in minutes from now
    (the sign-in page knows no clinic, so no clock time in a zone)."""
    seconds = seconds_until(retry_at)
    wait = f"{seconds} seconds" if seconds < 60 else f"{math.ceil(seconds / 60)} minutes"
    if wait == "1 minutes":
        wait = "1 minute"
    return (
        "This account had several failed sign-ins, so it takes no new try for a while, "
        f"even with the right password. Try again in {wait}."
    )


@before_sign_in.post("/staff/logout")
def logout(request: Request, session: DbSession, config: AppSettings) -> RedirectResponse:
    found = find_session(session, request.cookies.get(COOKIE, ""), config)
    if found is not None:
        sign_out(session, _staff_actor(request, found.staff), found)
    response = RedirectResponse(f"{LOGIN}?signed_out=1", status_code=303)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=config.environment == "production"
    )
    return response


def _code_page(
    request: Request, next_path: str, error: str | None = None, status_code: int = 422
) -> HTMLResponse:
    return render_staff(
        request,
        "staff/two_factor.html",
        None,
        status_code=status_code if error else 200,
        next_path=next_path,
        error=error,
        hint=CODE_HINT,
    )


def _wrong_code(request: Request, session: Session, staff: Staff, staff_session: StaffSession) -> bool:
    """Count a wrong code against the account and the address; True (and this session ended, so
    the password must be given again, later) when it locked the account."""
    if not record_failed_code(session, staff, client_address(request)):
        return False
    end_session(session, staff_session)
    return True


def _after_password(staff_session: StaffSession, next_path: str) -> RedirectResponse | None:
    """Where a session that needs no code goes instead of the code page."""
    staff = staff_session.staff
    if staff.totp_enabled and not staff_session.two_factor_done:
        return None
    if not staff.totp_enabled and staff.clinic.require_two_factor:
        return RedirectResponse(TWO_FACTOR_SETUP, status_code=303)
    return RedirectResponse(next_path, status_code=303)


@before_sign_in.get(TWO_FACTOR, response_model=None)
def two_factor_page(request: Request, staff_session: BrowserSession, next: str | None = None) -> Response:
    next_path = safe_next(next)
    return _after_password(staff_session, next_path) or _code_page(request, next_path)


@before_sign_in.post(TWO_FACTOR, response_model=None)
def two_factor(
    request: Request,
    session: DbSession,
    staff_session: BrowserSession,
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    next_path = safe_next(next)
    skip = _after_password(staff_session, next_path)
    if skip is not None:
        return skip
    staff = staff_session.staff
    actor = _staff_actor(request, staff)
    if is_locked(staff):
        end_session(session, staff_session)
        return _login_page(request, status_code=422, next_path=next_path, refusal=REFUSED_MESSAGE)
    if address_throttled(session, client_address(request)):
        response = _code_page(request, next_path, THROTTLED_MESSAGE, status_code=429)
        response.headers["Retry-After"] = str(15 * 60)
        return response
    if pass_second_step(session, actor, staff_session, code, keyring_of(request)):
        signed_in = RedirectResponse(next_path, status_code=303)
        remember_device(signed_in, request.app.state.settings, staff)
        return signed_in
    if _wrong_code(request, session, staff, staff_session):
        return _login_page(request, status_code=422, next_path=next_path, refusal=REFUSED_MESSAGE)
    return _code_page(request, next_path, WRONG_CODE)


def qr_svg(text: str) -> str:
    """``text`` as a QR code in SVG markup for inline use: presentation attributes, no style."""
    code = segno.make(text, error="m")
    return str(
        code.svg_inline(scale=5, dark="#000", light="#fff", title="QR code for your authenticator app")
    )


def _own_account(session: Session, principal: Principal) -> Staff:
    staff = session.get(Staff, principal.staff_id)
    assert staff is not None  # the principal's session exists, so its account does
    return staff


def _setup_page(
    request: Request, principal: Principal, staff: Staff, error: str | None = None, done: bool = False
) -> HTMLResponse:
    pending = not staff.totp_enabled and staff.totp_secret is not None
    return render_staff(
        request,
        "staff/two_factor_setup.html",
        principal,
        status_code=422 if error else 200,
        enabled=staff.totp_enabled,
        required=staff.clinic.require_two_factor,
        secret=totp_secret(staff, keyring_of(request)) if pending else None,
        qr=Markup(qr_svg(provisioning_uri(staff, keyring_of(request)))) if pending else None,
        error=error,
        done=done,
        hint=CODE_HINT,
    )


@router.get(TWO_FACTOR_SETUP, response_class=HTMLResponse)
def two_factor_setup_page(
    request: Request, session: DbSession, principal: StaffPrincipal, done: str | None = None
) -> HTMLResponse:
    """Shows the state of two-factor sign-in; when it is off, a secret to add to an app (kept
    across reloads until confirmed)."""
    staff = _own_account(session, principal)
    if not staff.totp_enabled and staff.totp_secret is None:
        begin_two_factor_setup(session, staff, keyring_of(request))
    return _setup_page(request, principal, staff, done=done == "1" and staff.totp_enabled)


@router.post(TWO_FACTOR_SETUP, response_model=None)
def two_factor_setup(
    request: Request,
    session: DbSession,
    principal: StaffPrincipal,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    staff = _own_account(session, principal)
    if staff.totp_enabled:
        return RedirectResponse(TWO_FACTOR_SETUP, status_code=303)
    if staff.totp_secret is None:
        begin_two_factor_setup(session, staff, keyring_of(request))
    staff_session = session.get(StaffSession, principal.session_id)
    assert staff_session is not None
    if not finish_two_factor_setup(session, principal.actor(), staff_session, code, keyring_of(request)):
        return _setup_page(request, principal, staff, error=WRONG_CODE)
    return RedirectResponse(f"{TWO_FACTOR_SETUP}?done=1", status_code=303)


@router.post("/staff/two-factor/disable", response_model=None)
def two_factor_disable(
    request: Request,
    session: DbSession,
    principal: StaffPrincipal,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Turning two-factor sign-in off takes a current code, so a browser left signed in is not enough."""
    staff = _own_account(session, principal)
    if not staff.totp_enabled:
        return RedirectResponse(TWO_FACTOR_SETUP, status_code=303)
    if staff.clinic.require_two_factor:
        raise HTTPException(
            status_code=403,
            detail="Your clinic requires two-factor sign-in for all staff, so it cannot be turned off.",
        )
    if not check_code(session, staff, code, keyring_of(request)):
        staff_session = session.get(StaffSession, principal.session_id)
        assert staff_session is not None
        if _wrong_code(request, session, staff, staff_session):  # guessing from a browser left signed in
            return _login_page(request, status_code=422, refusal=REFUSED_MESSAGE)
        return _setup_page(request, principal, staff, error=WRONG_CODE)
    turn_off_two_factor(session, principal.actor(), staff)
    return RedirectResponse(TWO_FACTOR_SETUP, status_code=303)


def _requested(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    target = LOGIN
    if request.method == "GET":
        target = f"{LOGIN}?next={quote(_requested(request), safe='/')}"
    return RedirectResponse(target, status_code=303, headers=STAFF_HEADERS)


async def _second_step_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TwoFactorRequired)
    if exc.setup:
        target = TWO_FACTOR_SETUP
    elif request.method == "GET":
        target = f"{TWO_FACTOR}?next={quote(_requested(request), safe='/')}"
    else:
        target = TWO_FACTOR
    return RedirectResponse(target, status_code=303, headers=STAFF_HEADERS)


async def _change_password_first(request: Request, exc: Exception) -> Response:
    return RedirectResponse(CHANGE_PASSWORD, status_code=303, headers=STAFF_HEADERS)


def install_signin_handlers(app: FastAPI) -> None:
    """Send people without a live session to sign in, those with one step left to that step, and
    those with a temporary password to change it (`trdnav.web.staff.password_pages`)."""
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(TwoFactorRequired, _second_step_first)
    app.add_exception_handler(PasswordChangeRequired, _change_password_first)
