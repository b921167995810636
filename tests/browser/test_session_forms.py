"""The session-record forms of the three monitored therapies in a browser: the IV ketamine dose step
then its record (with "Add rows" working without JavaScript), esketamine and ECT pass axe-core,
empty and with their errors."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_clinician import PASSWORD, _add_assessment
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.models import Course, CourseVisit


@pytest.fixture(scope="session")
def record_courses(live_app: FastAPI) -> dict[str, tuple[int, int]]:
    """One course per monitored therapy in a clinic of its own: protocol → (course, first visit)."""
    with live_app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="records-b", name="Records Clinic", settings=Settings())
        staff = create_staff(
            session,
            clinic=clinic,
            email="nia@records.example",
            name="Nia Records",
            role="clinician",
            password=PASSWORD,
        )
        clinic_id, staff_id = clinic.id, staff.id
    assessment = _add_assessment(live_app, clinic_id, "tms-leaning.json", "Rae Records")
    courses = {}
    with live_app.state.sessions.begin() as session:
        for protocol in ("iv_ketamine_twice_weekly", "esketamine_label", "ect_thrice_weekly"):
            course = Course(
                assessment_id=assessment,
                protocol_id=protocol,
                start_date=dt.date(2026, 3, 2),
                timezone="America/New_York",
                unavailable_dates=[],
                created_by=staff_id,
            )
            session.add(course)
            session.flush()
            visit = CourseVisit(
                course_id=course.id,
                number=1,
                phase="acute",
                starts_at=dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC),
            )
            session.add(visit)
            session.flush()
            courses[protocol] = (course.id, visit.id)
    return courses


def test_the_three_monitored_session_forms_are_accessible_empty_and_with_errors(
    page: Page, live_server: str, record_courses: dict[str, tuple[int, int]]
) -> None:
    page.goto(f"{live_server}/staff/login")
    page.get_by_label("Email address").fill("nia@records.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    ketamine_course, ketamine_visit = record_courses["iv_ketamine_twice_weekly"]
    page.goto(f"{live_server}/staff/courses/{ketamine_course}/sessions/new?visit={ketamine_visit}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compute and confirm the IV ketamine dose")
    assert_accessible(page)
    page.get_by_label("Weight (kg)").fill("70")
    page.get_by_label("Ordered dose (mg/kg)").fill("0.5")
    page.get_by_label("Concentration of the prepared infusion (mg/mL)").fill("1")
    page.get_by_label("Infusion time (minutes)").fill("40")
    page.get_by_role("button", name="Compute the dose").click()
    expect(page.get_by_role("heading", level=2, name="Computed dose: 35.0 mg")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("I have checked the computed dose of 35.0 mg", exact=False).check()
    page.get_by_role("button", name="Confirm and save the dose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an IV ketamine infusion")
    expect(page.locator("#dose_id")).to_contain_text("35.0 mg")
    expect(page.locator("table.readings tbody tr")).to_have_count(7)
    page.get_by_label("Reading 1, systolic").fill("128")
    page.get_by_role("button", name="Add rows (nothing is saved)").click()
    expect(page.locator("table.readings tbody tr")).to_have_count(9)
    expect(page.get_by_label("Reading 1, systolic")).to_have_value("128")
    assert_accessible(page)
    for protocol, heading in (
        ("iv_ketamine_twice_weekly", "Record an IV ketamine infusion"),
        ("esketamine_label", "Record an esketamine session"),
        ("ect_thrice_weekly", "Record an ECT session"),
    ):
        course_id, visit_id = record_courses[protocol]
        if protocol != "iv_ketamine_twice_weekly":
            page.goto(f"{live_server}/staff/courses/{course_id}/sessions/new?visit={visit_id}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_label("Session date", exact=False)).to_have_value("2026-03-02")
        assert_accessible(page)
        page.locator("form button[type=submit]").last.click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page)
