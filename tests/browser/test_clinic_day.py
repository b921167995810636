"""A clinician's working day at 1280x800 in Chromium, end to end (issue 12): the queue shows the urgent
case first with its name and reason, the routine request next, the blank draft only in its own tab;
the urgent alert is closed with an outcome and a note (refused at the form without them first); an
esketamine, an ECT and an IV ketamine session (the dose step first) are recorded from each course's
calendar; the outcomes chart marks the sessions given and draws GAD-7 in its own panel. axe-core
finds no WCAG 2.1 A/AA violation on any page on the way."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll, new_page
from tests.browser.test_courses import DOSE, INFUSION, _fill, _open_visit_menu
from tests.web.conftest import review_screen
from tests.web.test_monitoring_records import ECT, ESKETAMINE
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.alerts import raise_alert
from trdnav.store.course_plans import create_course
from trdnav.store.models import Assessment, OutcomeScore, SessionRecord
from trdnav.store.repository import create_assessment, request_consultation

PASSWORD = "a long and private passphrase for the clinic day"
EMAIL = "dana@clinic-day.example"
SCREEN = {"width": 1280, "height": 800}
RISK = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # item 9 ("thoughts that you would be better off dead") answered 2
THERAPIES = ["iv_ketamine", "tms", "esketamine", "accelerated_tms", "ect"]
PROTOCOLS = ("esketamine_label", "ect_thrice_weekly", "iv_ketamine_twice_weekly")
COURSE_NAMES = {
    "esketamine_label": "Esketamine nasal spray (label schedule)",
    "ect_thrice_weekly": "ECT, three times a week",
    "iv_ketamine_twice_weekly": "IV ketamine, twice weekly for 3 weeks",
}
SCORES = (
    ("phq9", 19, -1, 15),
    ("gad7", 15, -1, 16),
    ("phq9", 13, 6, 15),
    ("gad7", 9, 6, 16),
)  # instrument, total, day from the courses' start (-1: before the first session), hour UTC


def _start() -> dt.date:
    """A Monday three to four weeks ago, so that visit 1 of every course is in the past."""
    today = dt.date.today()
    return today - dt.timedelta(days=today.weekday() + 21)


@pytest.fixture(scope="session")
def clinic_day(live_app: FastAPI) -> dict[str, int]:
    """A clinic (slug unique to this module) with a clinician, an urgent patient (suicide-risk alert,
    consultation request; esketamine, ECT and IV ketamine courses planned from a Monday 3-4 weeks ago;
    PHQ-9 and GAD-7 scores), a routine consultation request and a blank draft."""
    kb = load()
    start = _start()
    with live_app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="clinic-day", name="Clinic Day", settings=Settings())
        staff = create_staff(
            session, clinic=clinic, email=EMAIL, name="Dana Day", role="clinician", password=PASSWORD
        )
        made = {}
        for key, answers, name in (
            ("routine", {"age": 45, "phq9": [1] * 8 + [0]}, "Rowan Routine"),
            ("urgent", {"age": 33, "phq9": RISK}, "Ursula Urgent"),
            ("draft", {}, None),
        ):
            assessment, _ = create_assessment(
                session,
                therapies=THERAPIES,
                knowledge_version=kb.version,
                contract_version=kb.manifest.contract_version,
                answers=answers,
                clinic_id=clinic.id,
            )
            assessment.last_step = "results" if answers else "start"
            if name:
                request_consultation(
                    session,
                    assessment,
                    name=name,
                    phone="+1 555 010 0123",
                    email="",
                    preferred_times="Weekday mornings",
                    message="Please call me.",
                )
            made[key] = assessment.id
        urgent = session.get(Assessment, made["urgent"])
        assert urgent is not None
        raise_alert(
            session, audit.SYSTEM, urgent, "suicide_risk", source_type="assessment", source_id=urgent.id
        )
        actor = audit.Actor(kind="staff", role="clinician", staff_id=staff.id, clinic_id=clinic.id)
        for protocol in PROTOCOLS:
            therapy = kb.protocols[protocol].plan.therapy
            review_screen(session, urgent, staff.id, therapy)  # the screen needs review: confirmed
            create_course(
                session,
                actor,
                urgent,
                clinic,
                kb.protocols[protocol].plan,
                staff_id=staff.id,
                start=start,
                unavailable=[],
                taper=False,
            )
        for instrument, total, day, hour in SCORES:
            session.add(
                OutcomeScore(
                    assessment_id=urgent.id,
                    instrument=instrument,
                    total=total,
                    taken_at=dt.datetime.combine(
                        start + dt.timedelta(days=day), dt.time(hour), tzinfo=dt.UTC
                    ),
                    source="clinician",
                )
            )
        return made


def _sign_in(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/staff/")
    assert_accessible(page)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/staff/")


def _check_the_queue(page: Page) -> None:
    """Urgent first with name and reason, the routine request next, the draft only in its own tab."""
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Ursula Urgent")
    expect(rows.first).to_contain_text("Urgent alert: suicide-risk answer")
    expect(rows.nth(1)).to_contain_text("Rowan Routine")
    tabs = page.get_by_role("navigation", name="Queue tabs")
    expect(tabs.get_by_role("link", name="Queue (2)")).to_have_attribute("aria-current", "page")
    expect(tabs.get_by_role("link", name="Incomplete drafts (1)")).to_be_visible()
    assert_no_horizontal_scroll(page)
    width = page.locator("main").bounding_box()
    assert width is not None and width["width"] > 1200, f"main is {width} wide: the queue uses the full width"
    assert_accessible(page)

    tabs.get_by_role("link", name="Incomplete drafts (1)").click()
    drafts = page.locator("table.queue tbody tr")
    expect(drafts).to_have_count(1)
    expect(drafts.first).to_contain_text("No name given")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.get_by_role("navigation", name="Queue tabs").get_by_role("link", name="Queue (2)").click()
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    assert_accessible(page)


def _close_the_urgent_alert(page: Page, urgent: int) -> None:
    """Open the urgent patient by name; the alert is refused without an outcome, then closed."""
    page.locator("table.queue tbody tr").first.get_by_role("link", name="Ursula Urgent").click()
    expect(page).to_have_url(re.compile(rf"/staff/assessments/{urgent}$"))
    expect(page.get_by_role("region", name="Patient", exact=True)).to_contain_text("Ursula Urgent")
    alert = page.locator(".alert-box").first
    expect(alert).to_contain_text("Ursula Urgent")
    expect(alert.get_by_role("link", name="+1 555 010 0123")).to_have_attribute("href", "tel:+15550100123")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)

    alert.get_by_role("button", name="Close alert").click()
    summary = page.locator(".error-summary").first
    expect(summary).to_contain_text("Choose the outcome of this alert.")
    expect(summary).to_contain_text("Write a note")
    assert_accessible(page)

    alert = page.locator(".alert-box").first
    alert.get_by_label("Reached the person; referred for urgent assessment or crisis care").check()
    alert.get_by_label("Note").fill(
        "Reached by phone; safety plan reviewed; referred to the crisis team today."
    )
    alert.get_by_role("button", name="Close alert").click()
    history = page.locator("#alert-history")
    expect(history).to_contain_text("Reached the person; referred for urgent assessment or crisis care")
    expect(history).to_contain_text("Dana Day")
    expect(page.locator(".alert-box")).to_have_count(0)
    assert_accessible(page)


def _open_visit_1(page: Page, protocol: str) -> None:
    """From the assessment page, the course by its link, then visit 1's record link in its menu."""
    expect(page).to_have_url(re.compile(r"/staff/assessments/\d+(#[\w-]+)?$"))
    assert_accessible(page)
    page.locator("#courses").get_by_role("link", name=re.compile(re.escape(COURSE_NAMES[protocol]))).click()
    expect(page).to_have_url(re.compile(r"/staff/courses/\d+$"))
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    _open_visit_menu(page, 1)
    assert_accessible(page)
    page.get_by_role("link", name="Record the session of visit 1", exact=True).click()


def _choose(page: Page, form: dict[str, Any]) -> None:
    """Fill a session form from a posted-form dictionary: text by id, radios and boxes by value."""
    for name, value in form.items():
        if name in {"kind", "session_date"}:
            continue  # the form's own; the date stays the visit's planned day
        if isinstance(value, list):
            for each in value:
                page.locator(f"#{name}-{each}").check()
        elif page.locator(f'input[type=radio][id="{name}-{value}"]').count():
            page.locator(f"#{name}-{value}").check()
        elif page.locator(f"input[type=checkbox]#{name}").count():
            page.locator(f"#{name}").check()
        else:
            page.locator(f"#{name}").fill(value)


def _saved(page: Page, *shown: str | re.Pattern[str]) -> None:
    expect(page).to_have_url(re.compile(r"/staff/session-records/\d+$"))
    main = page.locator("main")
    for text in shown:
        expect(main).to_contain_text(text)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.locator("dl.overview").get_by_role("link", name=re.compile(r"^Assessment \d+$")).click()


def _record_esketamine(page: Page) -> None:
    _open_visit_1(page, "esketamine_label")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an esketamine session")
    assert_accessible(page)
    _choose(page, ESKETAMINE)
    page.get_by_role("button", name="Save the esketamine record").click()
    _saved(
        page,
        "Esketamine session record",
        "128/82 mmHg",
        re.compile(r"56 mg at 09:10 E[SD]T"),  # typed clock times named in the clinic's zone
        re.compile(r"136/86 mmHg at 09:50 E[SD]T"),  # the blood pressure about 40 minutes after the dose
        re.compile(r"09:10 E[SD]T to 11:15 E[SD]T \(125 min\)"),  # at least 2 hours of observation
        "taken home by Partner",
    )


def _record_ect(page: Page) -> None:
    _open_visit_1(page, "ect_thrice_weekly")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an ECT session")
    assert_accessible(page)
    _choose(page, ECT)
    page.get_by_role("button", name="Save the ECT record").click()
    _saved(page, "30 % of the maximum on Thymatron System IV", "EEG 45 s, motor 30 s")


def _record_ketamine(page: Page) -> None:
    _open_visit_1(page, "iv_ketamine_twice_weekly")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compute and confirm the IV ketamine dose")
    assert_accessible(page)
    _fill(page, DOSE)
    page.get_by_role("button", name="Compute the dose").click()
    expect(page.locator("main")).to_contain_text("70.0 kg × 0.50 mg/kg = 35.0 mg")
    assert_accessible(page)
    page.get_by_label("I have checked the computed dose of 35.0 mg").check()
    page.get_by_role("button", name="Confirm and save the dose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an IV ketamine infusion")
    expect(page.locator("table.readings tbody tr")).to_have_count(7)
    assert_accessible(page)
    _fill(page, INFUSION)
    page.locator("#side_effects-nausea").check()
    page.locator("#escort_confirmed").check()
    page.get_by_role("button", name="Save the infusion record").click()
    _saved(
        page,
        "35.0 mg (confirmed a second time)",
        re.compile(r"09:00 E[SD]T to 09:40 E[SD]T"),
        re.compile(
            r"09:40 E[SD]T 128/82 mmHg, heart rate 72/min, SpO2 98%, breathing 14/min"
        ),  # the fifth vitals row
    )


def _see_the_outcomes(page: Page) -> None:
    page.get_by_role("link", name="Outcomes: chart, scores, check-ins and alerts").click()
    expect(page).to_have_url(re.compile(r"/staff/assessments/\d+/outcomes$"))
    # the page follows the most recent active course: the IV ketamine one, planned last
    expect(page.locator("main")).to_contain_text(
        f"{COURSE_NAMES['iv_ketamine_twice_weekly']} (IV ketamine infusions), started {_start()}, active"
    )
    chart = page.locator("svg.scores-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("polygon.session-mark")).to_have_count(1)  # the infusion just recorded
    expect(chart.locator("desc")).to_contain_text(
        f"Sessions given (1), marked under the time axis: {_start()}"  # visit 1's day
    )
    expect(chart.locator("desc")).to_contain_text("GAD-7, on its own scale of 0 to 21")
    scores = page.locator("table", has_text="Instrument").locator("tbody tr")
    expect(scores).to_have_count(len(SCORES))
    listed = [tuple(row.locator("td").all_inner_texts()[:2]) for row in scores.all()]
    names = {"phq9": "PHQ-9", "gad7": "GAD-7"}
    assert listed == [(names[instrument], str(total)) for instrument, total, _, _ in SCORES], listed
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_a_clinician_s_day_queue_alert_three_session_records_and_the_chart(
    browser: Browser, live_server: str, live_app: FastAPI, clinic_day: dict[str, int]
) -> None:
    page = new_page(browser, viewport=SCREEN)
    try:
        _sign_in(page, live_server)
        _check_the_queue(page)
        _close_the_urgent_alert(page, clinic_day["urgent"])
        _record_esketamine(page)
        _record_ect(page)
        _record_ketamine(page)
        _see_the_outcomes(page)
    finally:
        page.context.close()

    with live_app.state.sessions() as session:
        kinds = sorted(
            record.kind
            for record in session.query(SessionRecord)
            if record.course.assessment_id == clinic_day["urgent"]
        )
        assert kinds == ["ect", "esketamine", "iv_ketamine"]
