"""Routes: a staff member changes their own password (`/staff/password`), and the one-time reset
link an admin makes sets a new one (`/staff/reset/{token}`).

Both take the new password twice and apply the rules of `trdnav.store.password_policy`; a refusal
comes back at the form with the error summary, and no password is ever sent back to the browser.
Changing one's password needs the current one and ends every other sign-in session (this
browser's goes on under a new token); a reset ends them all, and the person signs in again. While
an account's password is temporary, every other staff page redirects here
(`PasswordChangeRequired`, made a redirect by `signin_pages.install_signin_handlers`). The store
functions audit each change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trdnav.store.accounts import AccountError
from trdnav.store.models import Staff, StaffSession
from trdnav.store.password_changes import change_own_password, find_reset, use_reset
from trdnav.store.password_policy import MAX_LENGTH, MIN_LENGTH
from trdnav.web.dependencies import AppSettings, DbSession
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import CHANGE_PASSWORD, Principal, StaffPrincipal
from trdnav.web.staff.router import before_sign_in, router
from trdnav.web.staff.signin_pages import LOGIN, anonymous_actor, set_session_cookie

HINT = (
    f"At least {MIN_LENGTH} characters, and not a common password or one with your name or email "
    "address in it. A few unrelated words are easy to remember and hard to guess."
)
FIELD_LIMIT = 1024  # the form takes more than MAX_LENGTH so the policy can say what is wrong
Password = Annotated[str, Form(max_length=FIELD_LIMIT)]


def _page(
    request: Request,
    principal: Principal | None,
    *,
    action: str,
    reset: bool = False,
    email: str = "",
    errors: dict[str, str] | None = None,
    **extra: object,
) -> HTMLResponse:
    status = 422 if errors else 404 if extra.get("expired") else 200
    return render_staff(
        request,
        "staff/password.html",
        principal,
        status_code=status,
        heading="Choose a new password" if reset else "Change your password",
        action=action,
        reset=reset,
        email=email,
        errors=errors or {},
        hint=HINT,
        max_length=MAX_LENGTH,
        **extra,
    )


def _new_password_problems(password: str, again: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not password:
        errors["password"] = "Enter a new password."
    elif password != again:
        errors["password_again"] = "Type the same new password twice."
    return errors


def _sentence(error: AccountError) -> tuple[str, str]:
    field, _, message = str(error).partition(": ")
    field = field if field in ("current_password", "password") else "password"
    label = "Current password" if field == "current_password" else "New password"
    return field, f"{label} {message}."


@router.get(CHANGE_PASSWORD, response_class=HTMLResponse)
def password_page(request: Request, session: DbSession, principal: StaffPrincipal) -> HTMLResponse:
    staff = session.get(Staff, principal.staff_id)
    assert staff is not None
    return _page(
        request,
        principal,
        action=CHANGE_PASSWORD,
        email=principal.email,
        must_change=staff.must_change_password,
        done=request.query_params.get("done") == "1",
    )


@router.post(CHANGE_PASSWORD, response_model=None)
def change_password(
    request: Request,
    session: DbSession,
    config: AppSettings,
    principal: StaffPrincipal,
    current_password: Password = "",
    password: Password = "",
    password_again: Password = "",
) -> Response:
    this_session = session.get(StaffSession, principal.session_id)
    assert this_session is not None
    errors = _new_password_problems(password, password_again)
    if not current_password:
        errors = {"current_password": "Enter your current password.", **errors}
    if not errors:
        try:
            token = change_own_password(
                session, principal.actor(), this_session, current=current_password, new=password
            )
        except AccountError as error:
            field, message = _sentence(error)
            errors[field] = message
        else:
            redirect = RedirectResponse(f"{CHANGE_PASSWORD}?done=1", status_code=303)
            set_session_cookie(redirect, config, token)
            return redirect
    return _page(
        request,
        principal,
        action=CHANGE_PASSWORD,
        email=principal.email,
        must_change=this_session.staff.must_change_password,
        errors=errors,
    )


@before_sign_in.get("/staff/reset/{token}", response_class=HTMLResponse)
def reset_page(request: Request, token: str, session: DbSession) -> HTMLResponse:
    found = find_reset(session, token)
    return _page(request, None, action=request.url.path, reset=True, expired=found is None)


@before_sign_in.post("/staff/reset/{token}", response_model=None)
def reset_password(
    request: Request,
    token: str,
    session: DbSession,
    password: Password = "",
    password_again: Password = "",
) -> Response:
    found = find_reset(session, token)
    if found is None:
        return _page(request, None, action=request.url.path, reset=True, expired=True)
    errors = _new_password_problems(password, password_again)
    if not errors:
        try:
            use_reset(session, anonymous_actor(request), found, password)
        except AccountError as error:
            field, message = _sentence(error)
            errors[field] = message
        else:
            return RedirectResponse(f"{LOGIN}?password_set=1", status_code=303)
    return _page(request, None, action=request.url.path, reset=True, errors=errors)
