"""A clinician's shift in Chromium: sign in, open the urgent case first, override a therapy's status
with a reason, book the consultation, sign out. axe-core checks every workspace page, the admin's
pages included, for WCAG 2.1 A/AA violations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, assert_light_and_local
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.models import Assessment, Review
from trdnav.store.repository import create_assessment, request_consultation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "a long and private passphrase"


def _add_assessment(app: FastAPI, clinic_id: int, example: str, contact: str) -> int:
    answers = json.loads((EXAMPLES / example).read_text(encoding="utf-8"))["answers"]
    kb = load()
    with app.state.sessions.begin() as session:
        assessment, _ = create_assessment(
            session,
            therapies=["iv_ketamine", "tms"],
            knowledge_version=kb.version,
            contract_version=kb.manifest.contract_version,
            answers=answers,
            clinic_id=clinic_id,
        )
        assessment.last_step = "results"
        assessment.suicide_risk_alert = answers.get("phq9", [0] * 9)[8] > 0
        request_consultation(
            session,
            assessment,
            name=contact,
            phone="555 010 0199",
            email="",
            preferred_times="Weekday mornings",
            message="",
        )
        return assessment.id


@pytest.fixture(scope="session")
def clinic(live_app: FastAPI) -> dict[str, int]:
    """A clinic with a clinician, an admin, a routine case entered first and an urgent case after.

    Made once per test process, like the app it lives in: pytest-xdist may run this module's tests
    in two runs on one worker, and a module-scoped fixture would then make the clinic twice."""
    with live_app.state.sessions.begin() as session:
        east = create_clinic(session, slug="east", name="East Clinic", settings=Settings())
        create_staff(
            session,
            clinic=east,
            email="cleo@east.example",
            name="Cleo East",
            role="clinician",
            password=PASSWORD,
        )
        create_staff(
            session, clinic=east, email="ada@east.example", name="Ada East", role="admin", password=PASSWORD
        )
        clinic_id = east.id
    routine = _add_assessment(live_app, clinic_id, "tms-leaning.json", "Robin Routine")
    urgent = _add_assessment(live_app, clinic_id, "item9-positive.json", "Uma Urgent")
    return {"id": clinic_id, "routine": routine, "urgent": urgent}


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/staff/")
    expect(page).to_have_url(f"{live_server}/staff/login?next=/staff/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/staff/")


def test_a_clinician_handles_the_urgent_case_first(
    page: Page, live_server: str, live_app: FastAPI, clinic: dict[str, int]
) -> None:
    _sign_in(page, live_server, "cleo@east.example")
    assert_accessible(page)
    assert_light_and_local(page, live_server)

    first_row = page.locator("tbody tr").first
    expect(first_row).to_contain_text("Urgent alert: suicide-risk answer")
    first_row.get_by_role("link", name="Uma Urgent").click()
    expect(page).to_have_url(f"{live_server}/staff/assessments/{clinic['urgent']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(clinic["urgent"]))
    expect(page.locator("main")).to_contain_text("Uma Urgent")
    assert_accessible(page)

    page.get_by_label("Therapy", exact=True).select_option("tms")
    page.locator("#review-status-contraindicated").check()
    page.get_by_label("Clinical reason").fill(
        "Seizure last year reported at the phone screen; TMS not advised."
    )
    page.get_by_role("button", name="Save review").click()
    reviews = page.locator("table", has_text="Engine status")
    expect(reviews).to_contain_text("Seizure last year reported at the phone screen")
    assert_accessible(page)

    request = page.locator(".consultation").first
    request.get_by_label("Booked", exact=True).check()
    request.get_by_label("Booked for").fill("2026-12-03 10:00")
    request.get_by_role("button", name="Save status").click()
    expect(page.locator(".consultation").first.get_by_role("heading")).to_contain_text("2026-12-03 10:00")
    assert_accessible(page)

    page.goto(f"{live_server}/staff/assessments/{clinic['urgent']}/summary")
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/staff/login?signed_out=1")
    page.goto(f"{live_server}/staff/assessments/{clinic['urgent']}")
    expect(page).to_have_url(f"{live_server}/staff/login?next=/staff/assessments/{clinic['urgent']}")

    with live_app.state.sessions() as session:
        review = session.query(Review).filter_by(assessment_id=clinic["urgent"]).one()
        assert (review.therapy, review.status) == ("tms", "contraindicated")
        assert review.engine_status != review.status, "the engine's own status is kept beside the override"
        urgent = session.get(Assessment, clinic["urgent"])
        assert urgent is not None
        assert urgent.consultations[0].status == "booked"


def test_the_admin_pages_are_accessible(browser: Browser, live_server: str, clinic: dict[str, int]) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    try:
        _sign_in(page, live_server, "ada@east.example")
        for path in (
            "/staff/admin/",
            "/staff/admin/staff",
            "/staff/admin/audit",
            "/staff/two-factor/setup",
            f"/staff/assessments/{clinic['routine']}/delete",
        ):
            page.goto(live_server + path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert_accessible(page)
    finally:
        context.close()
