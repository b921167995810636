"""The patient banner and clinic times in Chromium: a clinician of a Sydney clinic opens a patient's
assessment and sees who it is about at the top of the page, and times named in Sydney's zone; axe-core
finds no WCAG 2.1 A/AA violation on the page with the banner."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.models import Note
from trdnav.store.repository import create_assessment, request_consultation

PASSWORD = "a long and private passphrase for the banner"


@pytest.fixture(scope="session")
def banner_clinic(live_app: FastAPI) -> dict[str, int]:
    """A Sydney clinic (slug unique to this module) with a clinician and one named patient."""
    kb = load()
    with live_app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="banner-sydney", name="Harbour Clinic", settings=Settings())
        clinic.timezone = "Australia/Sydney"
        staff = create_staff(
            session,
            clinic=clinic,
            email="nia@harbour.example",
            name="Nia Harbour",
            role="clinician",
            password=PASSWORD,
        )
        assessment, _ = create_assessment(
            session,
            therapies=["iv_ketamine", "tms"],
            knowledge_version=kb.version,
            contract_version=kb.manifest.contract_version,
            answers={"age": 61, "phq9": [2, 2, 2, 2, 1, 2, 1, 1, 0]},
            clinic_id=clinic.id,
        )
        assessment.last_step = "results"
        request_consultation(
            session,
            assessment,
            name="Pat Banner",
            phone="0400 000 000",
            email="",
            preferred_times="Afternoons",
            message="",
        )
        session.add(
            Note(
                assessment_id=assessment.id,
                staff_id=staff.id,
                text="Called back.",
                created_at=dt.datetime(2026, 10, 3, 16, 30, tzinfo=dt.UTC),  # 03:30 AEDT on 4 Oct
            )
        )
        session.flush()
        return {"assessment": assessment.id}


def test_the_assessment_page_names_the_patient_and_shows_sydney_times(
    page: Page, live_server: str, banner_clinic: dict[str, int]
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/staff/login")
    page.get_by_label("Email address").fill("nia@harbour.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/staff/")

    page.goto(f"{live_server}/staff/assessments/{banner_clinic['assessment']}")
    banner = page.get_by_role("region", name="Patient", exact=True)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Pat Banner")
    expect(banner).to_contain_text("61 (as answered on")
    expect(banner).to_contain_text("Harbour Clinic")
    # the banner is at the top of the page's content, above its heading
    top = banner.bounding_box()
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert top is not None and heading is not None and top["y"] < heading["y"]
    expect(page.locator("main")).to_contain_text("4 Oct 2026, 03:30 AEDT")
    assert_accessible(page)
