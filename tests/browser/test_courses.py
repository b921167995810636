"""A clinician in Chromium plans an IV ketamine course and a TMS course, records a session of each
kind (the infusion's dose confirmed in its own step first), enters a follow-up PHQ-9 and sees the scores
chart with its response and remission lines. axe-core checks each page on the way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.conftest import assert_accessible
from tests.browser.test_clinician import PASSWORD, _add_assessment
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.models import Course, CourseVisit, SessionRecord

DOSE = {"weight_kg": "70", "dose_mg_per_kg": "0.5", "concentration_mg_per_ml": "1", "infusion_minutes": "40"}
INFUSION = {
    "start_time": "09:00",
    "end_time": "09:40",
    **{
        f"reading_{index}_{column}": value
        for index, time in enumerate(("08:55", "09:10", "09:20", "09:30", "09:40"))
        for column, value in {
            "time": time,
            "systolic": "128",
            "diastolic": "82",
            "heart_rate": "72",
            "spo2": "98",
            "breathing_rate": "14",
        }.items()
    },
    "dissociation_rating": "3",
    "discharge_time": "11:00",
}
TMS_SESSION = {"rmt_percent": "55", "intensity_percent_mt": "120", "pulses": "3000", "scalp_pain": "2"}


@pytest.fixture(scope="session")
def west(live_app: FastAPI) -> dict[str, int]:
    """A clinic offering both therapies, its clinician, and one patient who finished the decision aid
    (once per test process, like the app: pytest-xdist may run this module in two runs on a worker)."""
    with live_app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="west", name="West Clinic", settings=Settings())
        clinic.therapies = ["iv_ketamine", "tms"]
        create_staff(
            session,
            clinic=clinic,
            email="wes@west.example",
            name="Wes West",
            role="clinician",
            password=PASSWORD,
        )
        clinic_id = clinic.id
    patient = _add_assessment(live_app, clinic_id, "tms-leaning.json", "Pat Course")
    return {"clinic": clinic_id, "patient": patient}


def _sign_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/staff/login")
    page.get_by_label("Email address").fill("wes@west.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/staff/")


def _plan(page: Page, live_server: str, patient: int, protocol: str, start: dt.date) -> None:
    page.goto(f"{live_server}/staff/assessments/{patient}/courses/new")
    assert_accessible(page)
    page.locator("#protocol").select_option(protocol)
    page.locator("#start_date").fill(start.isoformat())
    page.get_by_role("button", name="Plan the course").click()
    expect(page).to_have_url(f"{live_server}/staff/courses/" + page.url.rsplit("/", 1)[-1])
    expect(page.locator("tbody tr").first).to_contain_text("Planned")
    assert_accessible(page)


def _fill(page: Page, values: dict[str, str]) -> None:
    for field, value in values.items():
        page.locator(f"#{field}").fill(value)


def _open_visit_menu(page: Page, number: int) -> None:
    """A visit's actions are in its row's menu (a <details>): open it as a clinician would."""
    page.locator("summary").filter(has_text=re.compile(rf"^Actions for visit {number}$")).click()


def test_a_clinician_plans_courses_records_both_kinds_of_session_and_sees_the_chart(
    browser: Browser, live_server: str, live_app: FastAPI, west: dict[str, int]
) -> None:
    start = dt.date.today() - dt.timedelta(days=dt.date.today().weekday() + 14)  # a Monday, 2-3 weeks ago
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        _sign_in(page, live_server)

        _plan(page, live_server, west["patient"], "iv_ketamine_twice_weekly", start)
        _open_visit_menu(page, 1)
        page.get_by_role("link", name="Record the session of visit 1", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Compute and confirm the IV ketamine dose")
        assert_accessible(page)
        _fill(page, DOSE)
        page.get_by_role("button", name="Compute the dose").click()
        expect(page.locator("main")).to_contain_text("70.0 kg × 0.50 mg/kg = 35.0 mg")
        assert_accessible(page)
        page.get_by_label("I have checked the computed dose of 35.0 mg").check()
        page.get_by_role("button", name="Confirm and save the dose").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Record an IV ketamine infusion")
        assert_accessible(page)
        _fill(page, INFUSION)
        page.locator("#side_effects-nausea").check()
        page.locator("#escort_confirmed").check()
        page.get_by_role("button", name="Save the infusion record").click()
        expect(page).to_have_url(f"{live_server}/staff/session-records/" + page.url.rsplit("/", 1)[-1])
        expect(page.locator("main")).to_contain_text("35.0")
        assert_accessible(page)

        _plan(page, live_server, west["patient"], "tms_10hz", start)
        _open_visit_menu(page, 1)
        page.get_by_role("link", name="Record the session of visit 1", exact=True).click()
        assert_accessible(page)
        _fill(page, TMS_SESSION)
        for choice in ("#rmt_method-emg", "#target-left_dlpfc", "#headache-no", "#seizure-no"):
            page.locator(choice).check()
        page.get_by_role("button", name="Save the TMS record").click()
        expect(page).to_have_url(f"{live_server}/staff/session-records/" + page.url.rsplit("/", 1)[-1])
        assert_accessible(page)

        page.goto(f"{live_server}/staff/assessments/{west['patient']}/outcomes")
        page.locator("#score-instrument-phq9").check()
        page.locator("#score-taken-on").fill(dt.date.today().isoformat())
        page.locator("#score-total").fill("6")
        page.get_by_role("button", name="Save score").click()
        chart = page.locator("svg[role=img]")
        expect(chart).to_be_visible()
        expect(chart).to_contain_text("Remission")
        expect(page.locator("main")).to_contain_text("Responding")
        assert_accessible(page)
    finally:
        context.close()

    with live_app.state.sessions() as session:  # this patient's (other modules share the live app)
        courses = select(Course.id).where(Course.assessment_id == west["patient"])
        kinds = sorted(
            session.scalars(select(SessionRecord.kind).where(SessionRecord.course_id.in_(courses)))
        )
        assert kinds == ["iv_ketamine", "tms"]
        done = session.scalars(
            select(CourseVisit).where(CourseVisit.course_id.in_(courses), CourseVisit.status == "done")
        ).all()
        assert len(done) == 2, "recording each session marked its visit done"
