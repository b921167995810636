"""Starting from a health record in Chromium: a clinician uploads the Synthea bulk export, starts an
assessment for one patient and gives the link; the patient, on a phone, sees the record's answers
filled in with where they came from, keeps one and changes another; the clinician sees which is
which. axe-core checks each page."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll, new_page
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff

SYNTHEA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "synthea-sample-10"
PASSWORD = "a long and private passphrase 7"


@pytest.fixture(scope="session")
def record_clinic(live_app: FastAPI) -> str:
    with live_app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="record-clinic", name="Record Clinic", settings=Settings())
        create_staff(
            session,
            clinic=clinic,
            email="rita@record.example",
            name="Rita Record",
            role="clinician",
            password=PASSWORD,
        )
    return "rita@record.example"


def test_a_record_prefills_the_intake_and_the_clinician_sees_what_the_patient_changed(
    browser: Browser, live_server: str, record_clinic: str
) -> None:
    clinician = new_page(browser, viewport={"width": 1280, "height": 800})
    clinician.goto(f"{live_server}/staff/login")
    clinician.get_by_label("Email address").fill(record_clinic)
    clinician.get_by_label("Password").fill(PASSWORD)
    clinician.get_by_role("button", name="Sign in").click()
    clinician.get_by_role("link", name="Start from a health record").click()
    expect(clinician.get_by_role("heading", level=1)).to_have_text("Start an assessment from a health record")
    assert_accessible(clinician)
    clinician.get_by_label("Record files").set_input_files(sorted(str(p) for p in SYNTHEA.glob("*.ndjson")))
    clinician.get_by_role("button", name="Upload and list the patients").click()
    expect(clinician.get_by_role("heading", level=1)).to_have_text("Choose the patient")
    expect(clinician.locator("main")).to_contain_text("13 patients")
    assert_accessible(clinician)
    row = clinician.locator("tbody tr", has_text="Unhealthy alcohol drinking behavior")
    row.get_by_role("button").click()
    link = clinician.locator("#new-link").inner_text()
    assert "/a/" in link
    expect(clinician.locator("#health-record")).to_contain_text("Not yet seen by the patient")
    assert_accessible(clinician)
    summary = clinician.locator("a[href$='/summary']").first.get_attribute("href")
    assert summary is not None
    assessment_page = live_server + summary.removesuffix("/summary")

    phone = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(link)  # the link opens the first step
    expect(phone).to_have_url(link + "/about")
    note = phone.locator(".record-note").first
    expect(note).to_contain_text("Your health record gives your birth date as 3 Nov 1981.")
    assert_accessible(phone)
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Save and continue").click()  # keeps the age and the conditions
    phone.goto(link + "/safety")
    substance = phone.locator("#substance_use_current-record")
    expect(substance).to_contain_text("Unhealthy alcohol drinking behavior, recorded 31 Mar 2015")
    expect(phone.locator("#substance_use_current-yes")).to_be_checked()
    assert_accessible(phone)
    assert_no_horizontal_scroll(phone)
    phone.locator("label[for='substance_use_current-no']").click()
    phone.get_by_role("button", name="Save and continue").click()

    clinician.goto(assessment_page)
    section = clinician.locator("#health-record")
    expect(section.locator("tr.record-changed")).to_contain_text("substance_use_current")
    expect(section.locator("tr.record-confirmed").first).to_be_visible()
    assert_accessible(clinician)
