"""Staff sign-in through the form: cookies, refusals, lockout, throttling, sign-out, timeouts,
safe redirects, and two-factor sign-in (setting it up, using it, no code used twice)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.web.conftest import PASSWORD, BrowserClient, World, build_world, signed_in
from trdnav.settings import Settings
from trdnav.store.models import AuditEvent, Clinic, LoginFailure, Staff, StaffSession
from trdnav.store.secrets_at_rest import new_key
from trdnav.store.signin import NO_ACCOUNT, REFUSED_MESSAGE, THROTTLED_MESSAGE
from trdnav.web.app import create_app
from trdnav.web.staff.principal import COOKIE

ANA = "ana@north.example"
SETUP = "/staff/two-factor/setup"
REFUSED_HTML = REFUSED_MESSAGE  # plain words: no characters that HTML escapes


def _login(client: BrowserClient, email: str, password: str, **extra: str) -> Any:
    return client.post(
        "/staff/login", data={"email": email, "password": password, **extra}, follow_redirects=False
    )


def _count(app: FastAPI, model: type) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _address_failures(app: FastAPI) -> int:
    """The failed sign-ins the address throttle counts (not the rows that make an e-mail with no
    account wait as an account would)."""
    with app.state.sessions() as session:
        query = select(func.count()).select_from(LoginFailure)
        return int(session.scalar(query.where(~LoginFailure.address.startswith(NO_ACCOUNT))) or 0)


def _staff(app: FastAPI, staff_id: int) -> Staff:
    with app.state.sessions() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None
        session.expunge(staff)
        return staff


def _change(app: FastAPI, statement: Any) -> None:
    with app.state.sessions.begin() as session:
        session.execute(statement)


def _sessions_of(app: FastAPI, staff_id: int) -> list[StaffSession]:
    with app.state.sessions() as session:
        found = list(session.scalars(select(StaffSession).where(StaffSession.staff_id == staff_id)))
        session.expunge_all()
        return found


def _ago(**delta: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**delta)


def test_signing_in_sets_an_http_only_same_site_strict_cookie_and_opens_the_workspace(
    client: BrowserClient, world: World
) -> None:
    response = _login(client, ANA, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert "Secure" not in cookie  # development over plain HTTP
    assert client.get(SETUP).status_code == 200


@pytest.fixture
def production_app(database_url: str) -> Iterator[FastAPI]:
    application = create_app(
        Settings(
            environment="production",
            secret_key="x" * 40,
            audit_key="a" * 40,
            encryption_key=new_key(),
            database_url=database_url,
        )
    )
    yield application
    application.state.engine.dispose()


def test_in_production_the_session_cookie_is_secure(production_app: FastAPI) -> None:
    build_world(production_app)
    with BrowserClient(production_app, base_url="https://testserver") as client:
        response = _login(client, ANA, PASSWORD)
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_wrong_password_is_refused_with_a_message_that_names_no_account(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    response = _login(client, ANA, "not the password at all")
    assert response.status_code == 422
    assert REFUSED_HTML in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")
    assert _sessions_of(app, world.clinician_a) == []
    assert _staff(app, world.clinician_a).failed_logins == 1


def test_an_unknown_email_is_answered_exactly_like_a_wrong_password(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    wrong_password = _login(client, ANA, "not the password at all")
    unknown_email = _login(client, "nobody@north.example", "not the password at all")
    assert unknown_email.status_code == wrong_password.status_code == 422
    refusal = re.compile(r'<p id="refusal">(.*?)</p>')
    assert refusal.findall(unknown_email.text) == refusal.findall(wrong_password.text) == [REFUSED_HTML]
    assert _address_failures(app) == 2


def test_odd_query_values_still_show_the_form(client: BrowserClient) -> None:
    response = client.get("/staff/login?signed_out=maybe&next=%00")
    assert response.status_code == 200
    assert 'name="next" value="/staff/"' in response.text and "signed out" not in response.text


def test_empty_fields_are_named_next_to_the_field(client: BrowserClient, world: World) -> None:
    response = _login(client, "", "")
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'aria-describedby="email-error"' in response.text
    assert "Enter the email address of your staff account" in response.text
    assert "Enter your password." in response.text


def test_five_failures_make_the_account_wait_even_against_the_right_password_and_say_how_long(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    for _ in range(5):
        assert _login(client, ANA, "wrong password, again").status_code == 422
    locked_until = _staff(app, world.clinician_a).locked_until
    assert locked_until is not None
    refused = _login(client, ANA, PASSWORD)
    assert refused.status_code == 422
    # 30 seconds from the fifth failure, counted down in whole seconds (a loaded machine takes
    # more than a second between the two requests, so 29 is right too).
    wait = re.search(r"even with the right password\. Try again in (\d+) seconds\.", refused.text)
    assert wait is not None and 25 <= int(wait.group(1)) <= 30
    assert 0 < int(refused.headers["retry-after"]) <= 30
    assert _sessions_of(app, world.clinician_a) == []

    _change(app, update(Staff).where(Staff.id == world.clinician_a).values(locked_until=_ago(seconds=1)))
    assert _login(client, ANA, PASSWORD).status_code == 303
    staff = _staff(app, world.clinician_a)
    assert staff.failed_logins == 0 and staff.locked_until is None


def test_ten_failures_from_one_address_refuse_it_until_the_window_passes(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    emails = ["adam@north.example", "bo@south.example", "nobody@north.example"]
    for attempt in range(10):
        assert _login(client, emails[attempt % 3], "wrong password, again").status_code == 422
    throttled = _login(client, ANA, PASSWORD)
    assert throttled.status_code == 429
    assert THROTTLED_MESSAGE in throttled.text
    assert _sessions_of(app, world.clinician_a) == []
    assert _address_failures(app) == 10  # refused attempts do not prolong the refusal

    _change(app, update(LoginFailure).values(at=_ago(minutes=16)))
    assert _login(client, ANA, PASSWORD).status_code == 303


def test_an_inactive_account_cannot_sign_in(app: FastAPI, client: BrowserClient, world: World) -> None:
    _change(app, update(Staff).where(Staff.id == world.clinician_a).values(active=False))
    response = _login(client, ANA, PASSWORD)
    assert response.status_code == 422 and REFUSED_HTML in response.text


def test_the_login_form_without_a_csrf_token_is_refused(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    response = TestClient.post(
        client, "/staff/login", data={"email": ANA, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert _sessions_of(app, world.clinician_a) == []


@pytest.mark.parametrize(
    ("next_path", "expected"),
    [
        ("https://evil.example/", "/staff/"),
        ("//evil.example/staff/", "/staff/"),
        ("/staff//evil.example", "/staff/"),
        ("/\\evil.example", "/staff/"),
        ("/a/some-private-link", "/staff/"),
        ("/staff/assessments/7?tab=notes", "/staff/assessments/7?tab=notes"),
    ],
)
def test_after_sign_in_only_a_workspace_page_is_followed(
    client: BrowserClient, world: World, next_path: str, expected: str
) -> None:
    response = _login(client, ANA, PASSWORD, next=next_path)
    assert response.headers["location"] == expected


def test_a_page_that_needs_sign_in_sends_there_and_back(client: BrowserClient, world: World) -> None:
    response = client.get(SETUP, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/login?next={SETUP}"
    form = client.get(response.headers["location"])
    assert f'name="next" value="{SETUP}"' in form.text
    assert _login(client, ANA, PASSWORD, next=SETUP).headers["location"] == SETUP


def test_signing_out_ends_the_session_and_the_old_cookie_opens_nothing(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _login(client, ANA, PASSWORD)
    token = client.cookies[COOKIE]
    response = client.post("/staff/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?signed_out=1"
    assert "You are signed out." in client.get(response.headers["location"]).text
    [ended] = _sessions_of(app, world.clinician_a)
    assert ended.ended_at is not None
    client.cookies.set(COOKIE, token)
    assert client.get(SETUP, follow_redirects=False).headers["location"].startswith("/staff/login")


def test_signing_in_again_replaces_this_browsers_session(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _login(client, ANA, PASSWORD)
    first = client.cookies[COOKIE]
    _login(client, ANA, PASSWORD)
    assert client.cookies[COOKIE] != first
    sessions = _sessions_of(app, world.clinician_a)
    assert [s.ended_at is not None for s in sessions] == [True, False]


@pytest.mark.parametrize("timeout", ["idle", "absolute"])
def test_a_timed_out_session_is_sent_to_sign_in(app: FastAPI, world: World, timeout: str) -> None:
    client = signed_in(app, world.clinician_a, two_factor_done=True)
    assert client.get(SETUP).status_code == 200
    moved = {"last_seen_at": _ago(minutes=31)} if timeout == "idle" else {"created_at": _ago(hours=13)}
    _change(app, update(StaffSession).where(StaffSession.staff_id == world.clinician_a).values(**moved))
    response = client.get(SETUP, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/login?next={SETUP}"


def test_sign_ins_and_refusals_are_audited_without_the_email(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _login(client, "nobody@north.example", "wrong password, again")
    _login(client, ANA, PASSWORD)
    [live] = _sessions_of(app, world.clinician_a)
    with app.state.sessions() as session:
        [refused] = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
        # an address with no account: recorded against no account and no clinic
        who = (refused.actor, refused.staff_id, refused.clinic_id)
        assert who == ("anonymous", None, None)
        assert (refused.record_type, refused.record_id) == ("staff", None)
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.record_type == "staff_session")))
        signed = events[-1]
        assert (signed.actor, signed.action, signed.staff_id, signed.record_id, signed.clinic_id) == (
            "staff",
            "create",
            world.clinician_a,
            live.id,
            world.clinic_a,
        )
        for event in events:
            assert "nobody" not in repr([getattr(event, c.key) for c in AuditEvent.__table__.columns])


# Two-factor sign-in


SECRET = re.compile(r'<code id="secret">([A-Z2-7]+)</code>')


def _turn_on_two_factor(client: BrowserClient) -> pyotp.TOTP:
    page = client.get(SETUP)
    assert page.status_code == 200
    found = SECRET.search(page.text)
    assert found, "the setup page shows the key for manual entry"
    totp = pyotp.TOTP(found.group(1))
    response = client.post(SETUP, data={"code": totp.now()}, follow_redirects=False)
    assert response.status_code == 303
    return totp


def _next_code(app: FastAPI, staff_id: int, totp: pyotp.TOTP) -> str:
    """A code that has not been used yet: for the time step after the last one used."""
    last_step = _staff(app, staff_id).totp_last_step
    assert last_step is not None
    return totp.generate_otp(last_step + 1)


def test_the_setup_page_shows_a_qr_code_and_the_key_without_inline_styles_or_scripts(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _login(client, ANA, PASSWORD)
    page = client.get(SETUP)
    assert "<svg" in page.text and "<title>QR code" in page.text
    assert SECRET.search(page.text)
    assert "style=" not in page.text and "<style" not in page.text and "<script" not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.text.count("<h1") == 1
    assert _staff(app, world.clinician_a).totp_enabled is False  # not until a code confirms it


def test_two_factor_sign_in_from_setup_to_a_refused_replay(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _login(client, ANA, PASSWORD)
    wrong = client.post(SETUP, data={"code": "000000"})
    assert wrong.status_code == 422 and 'aria-describedby="code-hint code-error"' in wrong.text
    totp = _turn_on_two_factor(client)
    assert _staff(app, world.clinician_a).totp_enabled
    assert "Two-factor sign-in is now on" in client.get(f"{SETUP}?done=1").text
    client.post("/staff/logout")

    password_only = _login(client, ANA, PASSWORD, next=SETUP)
    assert password_only.headers["location"] == f"/staff/two-factor?next={SETUP.replace('/', '%2F')}"
    assert client.get(SETUP, follow_redirects=False).headers["location"].startswith("/staff/two-factor")
    assert client.post("/staff/two-factor", data={"code": "123456"}).status_code == 422
    code = _next_code(app, world.clinician_a, totp)
    passed = client.post("/staff/two-factor", data={"code": code, "next": SETUP}, follow_redirects=False)
    assert passed.status_code == 303 and passed.headers["location"] == SETUP
    assert client.get(SETUP).status_code == 200
    client.post("/staff/logout")

    _login(client, ANA, PASSWORD)
    replay = client.post("/staff/two-factor", data={"code": code}, follow_redirects=False)
    assert replay.status_code == 422
    assert "already used" in replay.text


def test_five_wrong_codes_lock_the_account_and_end_the_session(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _login(client, ANA, PASSWORD)
    _turn_on_two_factor(client)
    client.post("/staff/logout")
    _login(client, ANA, PASSWORD)
    for _ in range(5):
        response = client.post("/staff/two-factor", data={"code": "999999"}, follow_redirects=False)
    assert REFUSED_HTML in response.text
    assert _staff(app, world.clinician_a).locked_until is not None
    assert all(s.ended_at is not None for s in _sessions_of(app, world.clinician_a))


def test_two_factor_can_be_turned_off_with_a_current_code(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _login(client, ANA, PASSWORD)
    totp = _turn_on_two_factor(client)
    assert client.post("/staff/two-factor/disable", data={"code": "000000"}).status_code == 422
    code = _next_code(app, world.clinician_a, totp)
    response = client.post("/staff/two-factor/disable", data={"code": code}, follow_redirects=False)
    assert response.status_code == 303
    staff = _staff(app, world.clinician_a)
    assert not staff.totp_enabled and staff.totp_secret is None
    assert _login(client, ANA, PASSWORD).headers["location"] == "/staff/"


def test_a_clinic_that_requires_two_factor_sends_its_staff_to_set_it_up_and_keeps_it_on(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    _change(app, update(Clinic).where(Clinic.id == world.clinic_a).values(require_two_factor=True))
    assert _login(client, ANA, PASSWORD).headers["location"] == SETUP
    elsewhere = client.post("/staff/two-factor/disable", data={"code": "000000"}, follow_redirects=False)
    assert elsewhere.headers["location"] == SETUP
    page = client.get(SETUP)
    assert "Your clinic requires two-factor sign-in" in page.text
    totp = _turn_on_two_factor(client)
    code = _next_code(app, world.clinician_a, totp)
    refused = client.post("/staff/two-factor/disable", data={"code": code}, follow_redirects=False)
    assert refused.status_code == 403
    assert _staff(app, world.clinician_a).totp_enabled


def test_two_factor_changes_are_audited(app: FastAPI, client: BrowserClient, world: World) -> None:
    _login(client, ANA, PASSWORD)
    _turn_on_two_factor(client)
    with app.state.sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
        assert (event.record_type, event.record_id, event.action, event.staff_id) == (
            "staff",
            world.clinician_a,
            "update",
            world.clinician_a,
        )


def test_a_failed_sign_in_is_on_the_audit_page_of_the_targeted_accounts_clinic_only(
    app: FastAPI, client: BrowserClient, world: World
) -> None:
    """Someone guessing Ana's password: her clinic's admin sees it; clinic B's admin does not; the
    password tried is nowhere in the trail."""
    guess = "guessed-Pa55word-canary"
    assert _login(client, ANA, guess).status_code == 422
    with app.state.sessions.begin() as session:
        bo = session.get(Staff, world.clinician_b)
        assert bo is not None
        bo.role = "admin"  # clinic B's admin
        [refused] = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
        assert (refused.actor, refused.record_type, refused.record_id, refused.clinic_id) == (
            "anonymous",
            "staff",
            world.clinician_a,
            world.clinic_a,
        )
        row = repr([getattr(refused, c.key) for c in AuditEvent.__table__.columns])
        assert guess not in row and "ana@" not in row
    seen = signed_in(app, world.admin_a).get("/staff/admin/audit", params={"action": "sign_in_failed"})
    assert seen.status_code == 200
    assert "<td>sign_in_failed</td>" in seen.text and f"<td>staff {world.clinician_a}</td>" in seen.text
    other = signed_in(app, world.clinician_b).get("/staff/admin/audit", params={"action": "sign_in_failed"})
    assert other.status_code == 200
    assert "<td>sign_in_failed</td>" not in other.text and "No entries match." in other.text
