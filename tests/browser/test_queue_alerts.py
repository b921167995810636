"""The queue and an urgent alert on a 1280x800 screen: the queue fits without sideways scrolling and
shows who and why; the alert box holds the name, a phone link and the answer; closing the alert
needs an outcome and a note (refused at the form first), and the history stays. axe-core on each."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll, new_page
from tests.browser.test_results_layout import WIDEST_WORD_FITS
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.alerts import raise_alert
from trdnav.store.repository import create_assessment, request_consultation

PASSWORD = "a long and private passphrase"
RISK = [1, 1, 1, 1, 1, 1, 1, 1, 2]


@pytest.fixture(scope="session")
def queue_clinic(live_app: FastAPI) -> dict[str, int]:
    """A clinic with an urgent alert, a routine request with a long message, and a blank draft."""
    kb = load()
    with live_app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="queue-alerts", name="Queue Alerts Clinic", settings=Settings())
        create_staff(
            session,
            clinic=clinic,
            email="nia@queue.example",
            name="Nia Queue",
            role="clinician",
            password=PASSWORD,
        )
        made = {}
        for key, answers, name in (
            ("routine", {"age": 41, "phq9": [1] * 8 + [0]}, "Robin Averylongfamilynamewithoutspaces"),
            ("urgent", {"age": 33, "phq9": RISK}, "Uma Urgent"),
            ("draft", {}, None),
        ):
            assessment, _ = create_assessment(
                session,
                therapies=["iv_ketamine", "tms", "esketamine", "accelerated_tms", "ect"],
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
                    phone="+1 555 010 0199",
                    email="",
                    preferred_times="Weekday mornings before 10, or Thursday evenings after 6 at the latest",
                    message="Please call; I can talk freely in the mornings.",
                )
            if answers.get("phq9") == RISK:
                raise_alert(
                    session,
                    audit.SYSTEM,
                    assessment,
                    "suicide_risk",
                    source_type="assessment",
                    source_id=assessment.id,
                )
            made[key] = assessment.id
        return made


def test_the_queue_and_an_urgent_alert_on_a_desktop(
    browser: Browser, live_server: str, queue_clinic: dict[str, int]
) -> None:
    page = new_page(browser, viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server}/staff/login")
    page.get_by_label("Email address").fill("nia@queue.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/staff/")

    assert_no_horizontal_scroll(page)
    assert page.locator("main").bounding_box()["width"] > 1200, "the queue uses the full width"  # type: ignore[index]
    fits = WIDEST_WORD_FITS.replace(".option-grid th, .option-grid td", "table.queue th, table.queue td")
    assert page.evaluate(fits), "no word in the queue is broken mid-word (a name, 'Progress')"
    box = page.locator(".alert-box").first
    expect(box).to_contain_text("Uma Urgent")
    expect(box).to_contain_text("More than half the days")
    expect(box.get_by_role("link", name="+1 555 010 0199")).to_have_attribute("href", "tel:+15550100199")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Urgent alert: suicide-risk answer")
    expect(rows.nth(1)).to_contain_text("Robin")
    assert_accessible(page)

    page.get_by_role("link", name="Incomplete drafts (1)").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr").first).to_contain_text("No name given")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)

    page.goto(f"{live_server}/staff/assessments/{queue_clinic['urgent']}")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    alert = page.locator(".alert-box").first
    alert.get_by_role("button", name="Close alert").click()
    summary = page.locator(".error-summary").first
    expect(summary).to_contain_text("Choose the outcome of this alert.")
    expect(summary).to_contain_text("Write a note")
    assert_accessible(page)

    alert = page.locator(".alert-box").first
    alert.get_by_label("Not reached after repeated attempts").check()
    alert.get_by_label("Attempts to reach the person").fill("3")
    alert.get_by_label("Note").fill("Three calls; voicemail left; letter sent and GP told.")
    alert.get_by_role("button", name="Close alert").click()
    history = page.locator("#alert-history")
    expect(history).to_contain_text("Not reached after repeated attempts; 3 attempts")
    expect(history).to_contain_text("Nia Queue")
    expect(page.locator(".alert-box")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
    page.context.close()
