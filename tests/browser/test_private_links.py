"""A clinician replaces and turns off a patient's private link in Chromium; the pages a patient
then sees for a replaced, turned-off or expired link say how to get a new one, and pass axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.repository import create_assessment

PASSWORD = "a long and private passphrase"
CONTACT = "Call Linkwest Clinic on 555-0142, weekdays 9 to 5."


def _assessment(app: FastAPI, clinic_id: int, *, idle_days: int = 0) -> tuple[int, str]:
    kb = load()
    with app.state.sessions.begin() as session:
        assessment, token = create_assessment(
            session,
            therapies=["iv_ketamine", "tms"],
            knowledge_version=kb.version,
            contract_version=kb.manifest.contract_version,
            answers={"age": 44},
            clinic_id=clinic_id,
        )
        if idle_days:
            long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=idle_days)
            assessment.created_at = assessment.link_used_at = long_ago
        return assessment.id, token


@pytest.fixture(scope="session")
def linkwest(live_app: FastAPI) -> dict[str, object]:
    """A clinic (unique slug) with a clinician, one assessment in use and one idle for 100 days."""
    with live_app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="linkwest", name="Linkwest Clinic", settings=Settings())
        clinic.contact_text = CONTACT
        create_staff(
            session,
            clinic=clinic,
            email="lee@linkwest.example",
            name="Lee West",
            role="clinician",
            password=PASSWORD,
        )
        clinic_id = clinic.id
    used, token = _assessment(live_app, clinic_id)
    idle, idle_token = _assessment(live_app, clinic_id, idle_days=100)
    return {"used": used, "token": token, "idle": idle, "idle_token": idle_token}


def _closed_page(page: Page, url: str, heading: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text(CONTACT)).to_be_visible()
    assert_accessible(page)


def test_a_clinician_replaces_then_turns_off_a_link_and_the_patient_is_told_what_to_do(
    browser: Browser, live_server: str, linkwest: dict[str, object]
) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    patient = browser.new_context().new_page()
    try:
        page.goto(f"{live_server}/staff/login")
        page.get_by_label("Email address").fill("lee@linkwest.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server}/staff/assessments/{linkwest['used']}")
        expect(page.get_by_role("heading", name="The patient's private link")).to_be_visible()
        page.get_by_role("button", name="Make a new link").click()
        new_link = page.locator("#new-link").inner_text()
        assert new_link.startswith(f"{live_server}/a/")
        assert_accessible(page)

        _closed_page(patient, f"{live_server}/a/{linkwest['token']}/results", "This link has been replaced")
        assert patient.goto(new_link) is not None
        expect(patient.get_by_role("heading", level=1)).not_to_have_text("This link has been replaced")

        page.goto(f"{live_server}/staff/assessments/{linkwest['used']}")
        page.get_by_role("button", name="Turn off the link").click()
        expect(page.locator("#link-state")).to_contain_text("Turned off")
        assert_accessible(page)
        _closed_page(patient, new_link, "This link was turned off")

        _closed_page(patient, f"{live_server}/a/{linkwest['idle_token']}/results", "This link has expired")
    finally:
        context.close()
        patient.context.close()
