"""Password pages in Chromium: a clinician with a temporary password is sent to change it at the
first sign-in, and an admin's reset link sets a new one; axe-core finds no WCAG 2.1 A/AA violation
on the change page, the reset link page, the reset page, or either with its error summary."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, new_page
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff

TEMPORARY = "a temporary passphrase from the admin"
ADMIN_PASSWORD = "my own long passphrase at west"
CHOSEN = "quiet harbour lanterns at dawn"


@pytest.fixture(scope="session")
def password_clinic(live_app: FastAPI) -> None:
    """A clinic (slug unique to this module) with an admin and a clinician whose password is temporary."""
    with live_app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="passwords-west", name="West Clinic", settings=Settings())
        create_staff(
            session,
            clinic=clinic,
            email="wes@pwwest.example",
            name="Wes Admin",
            role="admin",
            password=ADMIN_PASSWORD,
        )
        create_staff(
            session,
            clinic=clinic,
            email="pia@pwwest.example",
            name="Pia Clinician",
            role="clinician",
            password=TEMPORARY,
            temporary=True,
        )


def _sign_in(page: Page, live_server: str, email: str, password: str) -> None:
    page.goto(f"{live_server}/staff/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _new_password(page: Page, password: str, again: str) -> None:
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again", exact=True).fill(again)


def test_a_temporary_password_is_changed_at_the_first_sign_in(
    page: Page, live_server: str, password_clinic: None
) -> None:
    _sign_in(page, live_server, "pia@pwwest.example", TEMPORARY)
    expect(page).to_have_url(f"{live_server}/staff/password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_accessible(page)

    page.get_by_label("Current password").fill(TEMPORARY)
    _new_password(page, "password1234", "password1234")
    page.get_by_role("button", name="Change my password").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("New password is too common or too easy to guess")
    assert_accessible(page)

    page.get_by_label("Current password").fill(TEMPORARY)
    _new_password(page, CHOSEN, CHOSEN)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password was changed")
    assert_accessible(page)
    page.goto(f"{live_server}/staff/")
    expect(page).to_have_url(f"{live_server}/staff/")


def test_an_admins_reset_link_sets_a_new_password(
    browser: Browser, page: Page, live_server: str, password_clinic: None
) -> None:
    _sign_in(page, live_server, "wes@pwwest.example", ADMIN_PASSWORD)
    page.goto(f"{live_server}/staff/admin/staff")
    page.get_by_role("button", name="Make a password reset link for Wes Admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password reset link for Wes Admin")
    assert_accessible(page)
    link = page.get_by_label("Reset link").input_value()
    assert link.startswith(f"{live_server}/staff/reset/")

    other = new_page(browser)
    try:
        other.goto(link)
        expect(other.get_by_role("heading", level=1)).to_have_text("Choose a new password")
        assert_accessible(other)
        _new_password(other, "a new long passphrase", "a different long passphrase")
        other.get_by_role("button", name="Set my password").click()
        expect(other.get_by_role("alert")).to_contain_text("Type the same new password twice.")
        assert_accessible(other)
        _new_password(other, "wes admin's new passphrase", "wes admin's new passphrase")
        other.get_by_role("button", name="Set my password").click()
        expect(other.get_by_role("alert")).to_contain_text("must not contain your email address or your name")
        _new_password(other, "a brand new passphrase for west", "a brand new passphrase for west")
        other.get_by_role("button", name="Set my password").click()
        expect(other.get_by_role("status")).to_contain_text("Your new password is set")
        other.goto(link)
        expect(other.locator("main")).to_contain_text("expired or was already used")
        assert_accessible(other)
    finally:
        other.context.close()
