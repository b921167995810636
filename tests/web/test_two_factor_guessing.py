"""Guessing two-factor codes is capped: wrong codes lock the account however often the password is
given again, count against the address (which is throttled at the code step too), and a browser
left signed in cannot guess its way to turning two-factor sign-in off."""

from __future__ import annotations

import pyotp
from fastapi import FastAPI

from tests.web.conftest import PASSWORD, BrowserClient, World
from tests.web.test_signin import (
    ANA,
    REFUSED_HTML,
    SETUP,
    _count,
    _login,
    _next_code,
    _sessions_of,
    _staff,
    _turn_on_two_factor,
)
from trdnav.store.models import LoginFailure
from trdnav.store.signin import MAX_ACCOUNT_FAILURES, MAX_ADDRESS_FAILURES, THROTTLED_MESSAGE
from trdnav.web.staff.signin_pages import DEVICE_COOKIE

CODE_PAGE = "/staff/two-factor"
DISABLE = "/staff/two-factor/disable"
WRONG = {"code": "999999"}


def _with_two_factor(client: BrowserClient) -> pyotp.TOTP:
    _login(client, ANA, PASSWORD)
    totp = _turn_on_two_factor(client)
    client.post("/staff/logout")
    return totp


def test_wrong_codes_spread_over_new_sign_ins_still_lock_the_account(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _with_two_factor(client)
    client.cookies.delete(DEVICE_COOKIE)  # someone who knows the password, in a browser never signed in
    for _ in range(MAX_ACCOUNT_FAILURES):
        assert _login(client, ANA, PASSWORD).headers["location"].startswith(CODE_PAGE)
        client.post(CODE_PAGE, data=WRONG, follow_redirects=False)
    assert _staff(app, world.clinician_a).locked_until is not None
    assert _count(app, LoginFailure) == MAX_ACCOUNT_FAILURES, "each wrong code counts against the address"
    refused = _login(client, ANA, PASSWORD)
    assert refused.status_code == 422 and "even with the right password. Try again in" in refused.text


def test_a_right_code_not_the_password_ends_a_run_of_wrong_codes(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    totp = _with_two_factor(client)
    _login(client, ANA, PASSWORD)
    for _ in range(MAX_ACCOUNT_FAILURES - 1):
        client.post(CODE_PAGE, data=WRONG)
    _login(client, ANA, PASSWORD)
    assert _staff(app, world.clinician_a).failed_logins == MAX_ACCOUNT_FAILURES - 1
    passed = client.post(CODE_PAGE, data={"code": _next_code(app, world.clinician_a, totp)})
    assert passed.status_code == 200 and passed.url.path == "/staff/"
    assert _staff(app, world.clinician_a).failed_logins == 0


def test_a_throttled_address_has_no_code_checked(app: FastAPI, client: BrowserClient, world: World) -> None:
    totp = _with_two_factor(client)
    _login(client, ANA, PASSWORD)
    for _ in range(MAX_ADDRESS_FAILURES):
        _login(client, "nobody@north.example", "wrong password")
    code = _next_code(app, world.clinician_a, totp)
    throttled = client.post(CODE_PAGE, data={"code": code}, follow_redirects=False)
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "900"
    assert THROTTLED_MESSAGE in throttled.text
    assert not any(s.two_factor_done for s in _sessions_of(app, world.clinician_a) if s.ended_at is None)


def test_wrong_codes_to_turn_two_factor_off_lock_the_account_and_end_the_session(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _login(client, ANA, PASSWORD)
    _turn_on_two_factor(client)  # a browser left signed in, past both steps
    for _ in range(MAX_ACCOUNT_FAILURES - 1):
        assert client.post(DISABLE, data=WRONG).status_code == 422
    last = client.post(DISABLE, data=WRONG, follow_redirects=False)
    assert last.status_code == 422 and REFUSED_HTML in last.text
    staff = _staff(app, world.clinician_a)
    assert staff.locked_until is not None and staff.totp_enabled
    assert all(s.ended_at is not None for s in _sessions_of(app, world.clinician_a))
    assert client.get(SETUP, follow_redirects=False).headers["location"].startswith("/staff/login")
