"""The password lifecycle through the pages: changing one's own, an admin's one-time reset link,
a temporary password changed at the first sign-in, and the device cookie that keeps an account's
owner from being shut out by someone else's failures."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, update

from tests.web.conftest import PASSWORD, BrowserClient, World, signed_in
from tests.web.test_signin import ANA, _ago, _change, _login, _sessions_of, _staff
from trdnav.store.models import AuditEvent, PasswordReset, Staff
from trdnav.web.staff.principal import COOKIE
from trdnav.web.staff.signin_pages import DEVICE_COOKIE

NEW = "a quiet harbour at dawn"
LINK = re.compile(r'value="(http://testserver/staff/reset/([A-Za-z0-9_-]+))"')


def _rows(app: FastAPI, action: str, record_type: str) -> list[AuditEvent]:
    with app.state.sessions() as session:
        rows = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action, AuditEvent.record_type == record_type)
            )
        )
        session.expunge_all()
        return rows


def _change_form(current: str, new: str, again: str | None = None) -> dict[str, str]:
    return {"current_password": current, "password": new, "password_again": new if again is None else again}


def _live(app: FastAPI, staff_id: int) -> list[Any]:
    return [s for s in _sessions_of(app, staff_id) if s.ended_at is None]


# --- Changing one's own password -------------------------------------------------------------------


def test_a_staff_member_changes_their_password_and_their_other_sessions_end(
    app: FastAPI, world: World
) -> None:
    other_browser = signed_in(app, world.clinician_a)
    me = signed_in(app, world.clinician_a)
    old_cookie = me.cookies[COOKIE]
    page = me.get("/staff/password")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    done = me.post("/staff/password", data=_change_form(PASSWORD, NEW), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/staff/password?done=1"
    new_cookie = done.cookies[COOKIE]
    assert new_cookie and new_cookie != old_cookie, "this browser goes on under a new token"
    me.cookies.clear()
    me.csrf_token = None
    me.cookies.set(COOKIE, new_cookie)
    assert me.get("/staff/", follow_redirects=False).status_code == 200
    me.cookies.clear()
    me.cookies.set(COOKIE, old_cookie)
    assert me.get("/staff/", follow_redirects=False).status_code == 303, "the old token is ended"
    me.cookies.clear()
    me.cookies.set(COOKIE, new_cookie)
    assert "Your password was changed" in me.get("/staff/password?done=1").text
    assert other_browser.get("/staff/", follow_redirects=False).headers["location"].startswith("/staff/login")
    assert len(_live(app, world.clinician_a)) == 1
    [changed] = _rows(app, "update", "staff")
    assert (changed.record_id, changed.staff_id, changed.clinic_id) == (world.clinician_a,) * 2 + (
        world.clinic_a,
    )
    assert len(_rows(app, "update", "staff_session")) == 2  # the other browser's and this one's old
    assert len(_rows(app, "create", "staff_session")) == 1
    with BrowserClient(app) as fresh:
        assert _login(fresh, ANA, PASSWORD).status_code == 422, "the old password no longer works"
        assert _login(fresh, ANA, NEW).status_code == 303


def test_a_refused_change_says_why_at_the_form_and_changes_nothing(app: FastAPI, world: World) -> None:
    me = signed_in(app, world.clinician_a)
    cases = [
        (
            _change_form("not my password at all", NEW),
            "current_password",
            "Current password is not your current",
        ),
        (_change_form(PASSWORD, NEW, again="a quiet harbour at dusk"), "password_again", "Type the same new"),
        (_change_form(PASSWORD, "short"), "password", "New password must be at least 12 characters."),
        (
            _change_form(PASSWORD, "password1234"),
            "password",
            "New password is too common or too easy to guess",
        ),
        (
            _change_form(PASSWORD, "Ana North is here"),
            "password",
            "must not contain your email address or your name",
        ),
        (_change_form(PASSWORD, PASSWORD), "password", "must differ from your current password"),
        (_change_form("", NEW), "current_password", "Enter your current password."),
    ]
    for form, field, message in cases:
        refused = me.post("/staff/password", data=form)
        assert refused.status_code == 422, form
        assert 'id="password-problems"' in refused.text and "There is a problem" in refused.text
        assert f'<a href="#{field}">' in refused.text and message in refused.text, (
            form,
            refused.text[-3000:],
        )
        assert f'id="{field}-error"' in refused.text
        assert form["password"] not in refused.text.split("<main", 1)[-1] or len(form["password"]) < 6
    assert _rows(app, "update", "staff") == []
    with BrowserClient(app) as fresh:
        assert _login(fresh, ANA, PASSWORD).status_code == 303


# --- A temporary password --------------------------------------------------------------------------


def test_an_account_an_admin_added_must_change_its_password_before_any_other_page(
    app: FastAPI, world: World
) -> None:
    admin = signed_in(app, world.admin_a)
    new = {
        "name": "Nia Tern",
        "email": "nia@north.example",
        "role": "clinician",
        "password": "temporary harbour 42",
    }
    assert admin.post("/staff/admin/staff", data=new, follow_redirects=False).status_code == 303
    with BrowserClient(app) as nia:
        assert _login(nia, "nia@north.example", "temporary harbour 42").status_code == 303
        for path in ("/staff/", f"/staff/assessments/{world.assessment_a}", "/staff/outcomes"):
            assert nia.get(path, follow_redirects=False).headers["location"] == "/staff/password", path
        page = nia.get("/staff/password")
        assert "Your password was set by someone else" in page.text
        nia.post("/staff/password", data=_change_form("temporary harbour 42", NEW))
        assert nia.get("/staff/", follow_redirects=False).status_code == 200
    with app.state.sessions() as session:
        added = session.scalars(select(Staff).where(Staff.email == "nia@north.example")).one()
        assert not added.must_change_password


# --- Reset links -----------------------------------------------------------------------------------


def _reset_link(app: FastAPI, admin: BrowserClient, staff_id: int) -> tuple[str, str]:
    page = admin.post(f"/staff/admin/staff/{staff_id}/reset")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    found = LINK.search(page.text)
    assert found, page.text
    return found.group(1), found.group(2)


def test_an_admin_makes_a_one_time_link_and_the_person_sets_a_new_password_with_it(
    app: FastAPI, world: World
) -> None:
    ana_elsewhere = signed_in(app, world.clinician_a)
    admin = signed_in(app, world.admin_a)
    link, token = _reset_link(app, admin, world.clinician_a)
    assert link == f"http://testserver/staff/reset/{token}"
    [made] = _rows(app, "create", "password_reset")
    assert (made.staff_id, made.clinic_id) == (world.admin_a, world.clinic_a)
    with app.state.sessions() as session:
        stored = session.scalars(select(PasswordReset)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64, (
            "only the token's hash is kept"
        )
        assert (stored.expires_at - stored.created_at).total_seconds() == 24 * 3600
    assert "Reset link" not in admin.get("/staff/admin/staff").text, "the link is shown once only"

    with BrowserClient(app) as ana:
        form = ana.get(f"/staff/reset/{token}")
        assert form.status_code == 200 and "Choose a new password" in form.text
        weak = ana.post(
            f"/staff/reset/{token}", data={"password": "password1234", "password_again": "password1234"}
        )
        assert weak.status_code == 422 and "too common" in weak.text, "refused: the link still works"
        done = ana.post(
            f"/staff/reset/{token}", data={"password": NEW, "password_again": NEW}, follow_redirects=False
        )
        assert done.headers["location"] == "/staff/login?password_set=1"
        assert "Your new password is set" in ana.get(done.headers["location"]).text
        again = ana.post(f"/staff/reset/{token}", data={"password": NEW + "!", "password_again": NEW + "!"})
        assert again.status_code == 404 and "expired or was already used" in again.text, "single use"
        assert _login(ana, ANA, NEW).status_code == 303
    assert ana_elsewhere.get("/staff/", follow_redirects=False).status_code == 303, "every session ended"
    [used] = _rows(app, "update", "password_reset")
    assert (used.actor, used.clinic_id) == ("anonymous", world.clinic_a)
    assert [row.record_id for row in _rows(app, "update", "staff")] == [world.clinician_a]


def test_a_reset_link_expires_and_a_newer_one_cancels_it(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    _, first = _reset_link(app, admin, world.clinician_a)
    _, second = _reset_link(app, admin, world.clinician_a)
    with BrowserClient(app) as ana:
        assert ana.get(f"/staff/reset/{first}").status_code == 404
        assert ana.get(f"/staff/reset/{second}").status_code == 200
        _change(app, update(PasswordReset).values(expires_at=_ago(seconds=1)))
        expired = ana.post(f"/staff/reset/{second}", data={"password": NEW, "password_again": NEW})
        assert expired.status_code == 404
    assert _staff(app, world.clinician_a).must_change_password is False


def test_an_admin_cannot_make_a_link_for_another_clinics_account(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    assert admin.post(f"/staff/admin/staff/{world.clinician_b}/reset").status_code == 404
    assert (
        signed_in(app, world.clinician_a).post(f"/staff/admin/staff/{world.clinician_a}/reset").status_code
        == 403
    )
    assert _rows(app, "create", "password_reset") == []


# --- The owner's browser is not shut out --------------------------------------------------------------


def test_failures_from_elsewhere_do_not_keep_the_owner_out_of_the_browser_they_signed_in_from(
    app: FastAPI, world: World
) -> None:
    with BrowserClient(app) as owner, BrowserClient(app) as attacker:
        assert _login(owner, ANA, PASSWORD).status_code == 303
        assert owner.cookies.get(DEVICE_COOKIE)
        owner.post("/staff/logout")
        for _ in range(8):
            _login(attacker, ANA, "a wrong guess, again")
        waiting = _login(attacker, ANA, PASSWORD)
        assert waiting.status_code == 422 and "Try again in" in waiting.text
        assert _login(owner, ANA, PASSWORD).status_code == 303, "the owner's own browser signs in"


def test_the_change_form_is_no_way_round_the_accounts_wait(app: FastAPI, world: World) -> None:
    """A browser left signed in cannot guess the current password faster than the sign-in form."""
    me = signed_in(app, world.clinician_a)
    for _ in range(5):
        assert me.post("/staff/password", data=_change_form("a wrong guess here", NEW)).status_code == 422
    assert _staff(app, world.clinician_a).locked_until is not None
    refused = me.post("/staff/password", data=_change_form(PASSWORD, NEW))
    assert refused.status_code == 422 and "was tried wrong too often" in refused.text
    assert _rows(app, "update", "staff") == []
