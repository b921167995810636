"""E-mail on request in Chromium: a person asks for their link by e-mail (a refused form first), sees
and deletes their address; the clinician sees what went out. axe-core checks each page (WCAG 2.1
A/AA). The app runs with an SMTP host set (its own server, so the other browser tests' app stays
without e-mail) and a real aiosmtpd server receives the message."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import _free_port, assert_accessible
from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.repository import create_assessment
from trdnav.web.app import create_app

PASSWORD = "a long and private passphrase"
ADDRESS = "robin@example.org"


class Received:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


@pytest.fixture(scope="session")
def mail_server() -> Iterator[tuple[Received, int]]:
    handler, port = Received(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture(scope="session")
def mail_app(
    tmp_path_factory: pytest.TempPathFactory, mail_server: tuple[Received, int]
) -> Iterator[tuple[FastAPI, str, str, int]]:
    """The app with e-mail on, under uvicorn; a clinic with a clinician and one person's link."""
    _, smtp_port = mail_server
    database = tmp_path_factory.mktemp("mail") / "trdnav.db"
    app = create_app(
        Settings(
            database_url=f"sqlite:///{database}", smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_tls="none"
        )
    )
    kb = load()
    with app.state.sessions.begin() as session:
        clinic = create_clinic(session, slug="mailwest", name="Mail West Clinic", settings=Settings())
        create_staff(
            session,
            clinic=clinic,
            email="cleo@mailwest.example",
            name="Cleo",
            role="clinician",
            password=PASSWORD,
        )
        assessment, token = create_assessment(
            session,
            therapies=["iv_ketamine", "tms"],
            knowledge_version=kb.version,
            contract_version=kb.manifest.contract_version,
            answers={"age": 40, "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0]},
            clinic_id=clinic.id,
        )
        assessment.last_step = "results"
        assessment_id = assessment.id
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start within 15 s"
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}", token, assessment_id
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


pytestmark = pytest.mark.browser


def test_a_person_gets_their_link_by_email_and_deletes_their_address(
    page: Page, browser: Browser, mail_app: tuple[FastAPI, str, str, int], mail_server: tuple[Received, int]
) -> None:
    _, base, token, assessment_id = mail_app
    received, _ = mail_server
    page.goto(f"{base}/a/{token}/results")
    page.get_by_role("link", name="E-mail me my link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mail and reminders")
    assert_accessible(page)

    page.get_by_role("button", name="Save and send").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Your e-mail address").fill(ADDRESS)
    page.get_by_label("My private link and my next steps, now").check()
    page.get_by_label("A reminder the day before each visit").check()
    page.get_by_label("Yes, e-mail me").check()
    page.get_by_role("button", name="Save and send").click()
    expect(page.get_by_role("status")).to_contain_text("We sent the e-mail")
    expect(page.get_by_text(ADDRESS)).to_be_visible()
    assert received.count == 1
    assert_accessible(page)

    staff = browser.new_context().new_page()
    staff.goto(f"{base}/staff/login")
    staff.get_by_label("Email address").fill("cleo@mailwest.example")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.goto(f"{base}/staff/assessments/{assessment_id}")
    section = staff.locator("#emails")
    expect(section).to_contain_text("Private link and next steps")
    expect(section).to_contain_text("Sent")
    expect(section).not_to_contain_text(ADDRESS)
    assert_accessible(staff)
    staff.context.close()

    page.get_by_role("button", name="Delete my e-mail address and stop all e-mails").click()
    expect(page.get_by_role("status")).to_contain_text("Your e-mail address is deleted")
    expect(page.get_by_text(ADDRESS)).to_have_count(0)
    assert_accessible(page)
