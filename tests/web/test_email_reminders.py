"""E-mail on request, sent through a real SMTP server (aiosmtpd on a free port): the private link now,
reminders before visits and when a check-in is due, retries, deletion, the clinic's view, the audit
trail, and no clinical content in any message."""

from __future__ import annotations

import datetime as dt
import email
import json
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner

from tests.web.conftest import BrowserClient, Care, World, error_summary_links, signed_in
from trdnav import assess
from trdnav.cli import app as cli
from trdnav.knowledge.loader import load
from trdnav.store.email_outbox import MAX_ATTEMPTS, queue_due_reminders
from trdnav.store.models import Assessment, AuditEvent, CourseVisit, EmailContact, OutboxMessage
from trdnav.web.email_delivery import send_due

ADDRESS = "sam.person@example.org"
FORM = {"address": ADDRESS, "send_link": "yes", "consent": "yes"}


class Inbox:
    """What the SMTP server received; ``refuse`` makes it answer every message with an error."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse = False

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        if self.refuse:
            return "554 Transaction failed"
        content = envelope.content
        assert isinstance(content, bytes)
        self.messages.append(email.message_from_bytes(content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _use_smtp(app: FastAPI, port: int) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_tls": "none",
            "smtp_from": "north@example.org",
        }
    )


def _body(message: Message) -> str:
    assert not message.is_multipart(), "one plain-text part, no attachment"
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def _outbox(app: FastAPI, assessment_id: int) -> list[OutboxMessage]:
    with app.state.sessions() as session:
        return list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.assessment_id == assessment_id)).all()
        )


def _clinical_texts(app: FastAPI, assessment_id: int) -> set[str]:
    """Every string of the person's answers and result that could give away something clinical."""
    with app.state.sessions() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        answers, therapies = dict(assessment.answers), list(assessment.therapies)
    result = assess({"version": 1, "answers": answers}, therapies=therapies)
    texts: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, str) and len(value) >= 8:
            texts.add(value)

    walk(json.loads(json.dumps(result, default=str)))
    walk(answers)
    return texts


# (The crisis resources every message carries name the 988 Suicide & Crisis Lifeline: the same words
# for everyone, so they are no sign of the person's answers.)
FORBIDDEN_WORDS = ("PHQ", "GAD", "score", "contraindicated", "needs review", "eligible", "leaning")


def _assert_no_clinical_content(body: str, clinical: set[str]) -> None:
    for text in clinical:
        assert text not in body, f"the e-mail holds {text!r} from the answers or the result"
    for word in FORBIDDEN_WORDS:
        assert word.lower() not in body.lower(), f"the e-mail mentions {word!r}"


def test_without_an_smtp_host_no_email_is_offered_and_nothing_is_kept(
    app: FastAPI, world: World, client: BrowserClient
) -> None:
    results = client.get(f"/a/{world.token_a}/results").text
    assert f"/a/{world.token_a}/email" not in results
    page = client.get(f"/a/{world.token_a}/email").text
    assert "This site cannot send e-mail" in page and 'name="address"' not in page
    refused = client.post(f"/a/{world.token_a}/email", data=FORM)
    assert refused.status_code == 409
    with app.state.sessions() as session:
        assert session.scalars(select(EmailContact)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []


def test_the_private_link_is_emailed_at_once_through_smtp(
    app: FastAPI, world: World, client: BrowserClient, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    _use_smtp(app, port)
    assert f'href="/a/{world.token_a}/email"' in client.get(f"/a/{world.token_a}/results").text
    done = client.post(f"/a/{world.token_a}/email", data=FORM, follow_redirects=True)
    assert "We sent the e-mail" in done.text
    assert ADDRESS in done.text and "Delete my e-mail address" in done.text
    [message] = server.messages
    assert message["To"] == ADDRESS and message["From"] == "north@example.org"
    assert "North Clinic" in message["Subject"]
    body = _body(message)
    assert f"http://testserver/a/{world.token_a}/results" in body
    assert f"http://testserver/a/{world.token_a}/email" in body  # how to stop the e-mails
    assert "North Clinic" in body and "988" in body  # the clinic and its crisis line
    _assert_no_clinical_content(body, _clinical_texts(app, world.assessment_a))
    [row] = _outbox(app, world.assessment_a)
    assert (row.kind, row.status, row.attempts, row.link) == ("link", "sent", 1, None)


def test_a_refused_form_names_each_problem_and_keeps_nothing(
    app: FastAPI, world: World, client: BrowserClient, inbox: tuple[Inbox, int]
) -> None:
    _, port = inbox
    _use_smtp(app, port)
    refused = client.post(f"/a/{world.token_a}/email", data={"address": "not an address"})
    assert refused.status_code == 422
    links = error_summary_links(refused.text, "email-problems")
    assert links == {
        "address": "Please check your e-mail address. It should look like name@example.com.",
        "send_link": "Please choose at least one thing to e-mail you.",
        "consent": "Please tick the box to say yes, you want these e-mails.",
    }
    with app.state.sessions() as session:
        assert session.scalars(select(EmailContact)).all() == []


def test_a_server_that_is_down_leaves_the_link_queued_then_retries_with_backoff_then_fails(
    app: FastAPI, world: World, client: BrowserClient
) -> None:
    _use_smtp(app, _free_port())  # nothing listens there
    done = client.post(f"/a/{world.token_a}/email", data=FORM, follow_redirects=True)
    assert "We could not send the e-mail just now" in done.text
    [row] = _outbox(app, world.assessment_a)
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "ConnectionRefusedError")
    assert row.link is not None  # kept only while it waits
    kb, settings = load(), app.state.settings
    moment = row.next_try_at
    assert send_due(app.state.sessions, kb, settings, moment - dt.timedelta(seconds=1)).statuses == {}
    for attempt in range(2, MAX_ATTEMPTS + 1):
        report = send_due(app.state.sessions, kb, settings, moment)
        [row] = _outbox(app, world.assessment_a)
        assert row.attempts == attempt
        assert report.statuses == {"failed" if attempt == MAX_ATTEMPTS else "queued": 1}
        assert row.next_try_at - moment >= dt.timedelta(minutes=5) or row.status == "failed"
        moment = row.next_try_at
    assert (row.status, row.link, row.sent_at) == ("failed", None, None)


def test_a_server_that_answers_with_an_error_counts_a_failed_try(
    app: FastAPI, world: World, client: BrowserClient, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    server.refuse = True
    _use_smtp(app, port)
    client.post(f"/a/{world.token_a}/email", data=FORM)
    [row] = _outbox(app, world.assessment_a)
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "SMTPDataError")
    server.refuse = False
    report = send_due(app.state.sessions, load(), app.state.settings, row.next_try_at)
    assert report.statuses == {"sent": 1} and len(server.messages) == 1


def _opt_in_to_reminders(client: BrowserClient, token: str) -> None:
    form = {"address": ADDRESS, "visit_reminders": "yes", "checkin_reminders": "yes", "consent": "yes"}
    saved = client.post(f"/a/{token}/email", data=form, follow_redirects=True)
    assert "Your choices are saved" in saved.text


def test_a_visit_reminder_goes_out_once_the_day_before_naming_the_time_and_zone(
    app: FastAPI, world: World, care: Care, client: BrowserClient, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    _use_smtp(app, port)
    _opt_in_to_reminders(client, world.token_a)
    with app.state.sessions() as session:
        visit = session.get(CourseVisit, care.visit)
        assert visit is not None
        starts = visit.starts_at
    kb = load()
    too_early = starts - dt.timedelta(days=3)
    with app.state.sessions.begin() as session:
        assert queue_due_reminders(session, kb, too_early) == 0
    day_before = starts - dt.timedelta(hours=23)
    with app.state.sessions.begin() as session:
        assert queue_due_reminders(session, kb, day_before) >= 1
    with app.state.sessions.begin() as session:
        assert queue_due_reminders(session, kb, day_before + dt.timedelta(minutes=10)) == 0  # once
    send_due(app.state.sessions, kb, app.state.settings, day_before)
    visit_mails = [m for m in server.messages if "visit" in m["Subject"]]
    assert len(visit_mails) == 1
    body = _body(visit_mails[0])
    local = starts.astimezone(dt.timezone(dt.timedelta(hours=-4)))  # New York in October (EDT)
    assert f"{local.hour % 12 or 12}:{local:%M}" in body and "America/New_York time" in body
    assert "North Clinic" in body and "988" in body and "E-mail and reminders" in body
    clinical = _clinical_texts(app, world.assessment_a)
    for message in server.messages:
        _assert_no_clinical_content(_body(message), clinical)


def test_a_checkin_reminder_goes_out_once_when_a_checkin_is_due(
    app: FastAPI, world: World, care: Care, client: BrowserClient, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    _use_smtp(app, port)
    _opt_in_to_reminders(client, world.token_a)
    kb = load()
    due = dt.datetime(2026, 10, 26, 14, tzinfo=dt.UTC)  # 7 days after the first session (Oct 19)
    with app.state.sessions.begin() as session:
        queue_due_reminders(session, kb, due)
    with app.state.sessions.begin() as session:
        queue_due_reminders(session, kb, due + dt.timedelta(hours=1))
    rows = [r for r in _outbox(app, world.assessment_a) if r.kind == "checkin_reminder"]
    assert [(r.about, r.status) for r in rows] == [("checkin:2026-10-26", "queued")]
    send_due(app.state.sessions, kb, app.state.settings, due)
    [checkin] = [m for m in server.messages if "check-in" in m["Subject"]]
    body = _body(checkin)
    assert "a check-in is due" in body
    _assert_no_clinical_content(body, _clinical_texts(app, world.assessment_a))


def test_deleting_the_address_removes_it_and_cancels_what_is_queued(
    app: FastAPI, world: World, client: BrowserClient
) -> None:
    _use_smtp(app, _free_port())  # down: the link stays queued
    client.post(f"/a/{world.token_a}/email", data=FORM | {"visit_reminders": "yes"})
    deleted = client.post(f"/a/{world.token_a}/email/delete", follow_redirects=True)
    assert "Your e-mail address is deleted" in deleted.text and ADDRESS not in deleted.text
    with app.state.sessions() as session:
        assert session.scalars(select(EmailContact)).all() == []
    [row] = _outbox(app, world.assessment_a)
    assert (row.status, row.link) == ("cancelled", None)
    assert send_due(app.state.sessions, load(), app.state.settings, row.next_try_at).statuses == {}


def test_the_audit_trail_names_kind_and_status_never_the_address_or_content(
    app: FastAPI, world: World, client: BrowserClient, inbox: tuple[Inbox, int]
) -> None:
    _, port = inbox
    _use_smtp(app, port)
    client.post(f"/a/{world.token_a}/email", data=FORM)
    client.post(f"/a/{world.token_a}/email/delete")
    with app.state.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.record_type.like("email_%"))).all()
        rows = [(e.action, e.record_type) for e in events]
        everything = [
            str(getattr(e, c.name))
            for e in session.scalars(select(AuditEvent))
            for c in AuditEvent.__table__.columns
        ]
    assert rows == [
        ("create", "email_contact"),
        ("create", "email_link"),
        ("sent", "email_link"),
        ("delete", "email_contact"),
    ]
    assert not [value for value in everything if ADDRESS in value or world.token_a in value]


def test_the_clinic_sees_which_emails_went_out_without_the_address(
    app: FastAPI, world: World, client: BrowserClient, inbox: tuple[Inbox, int]
) -> None:
    _, port = inbox
    _use_smtp(app, port)
    client.post(f"/a/{world.token_a}/email", data=FORM)
    with signed_in(app, world.clinician_a) as staff:
        page = staff.get(f"/staff/assessments/{world.assessment_a}").text
    section = page[page.index('id="emails"') :]
    section = section[: section.index("</section>")]
    assert "Private link and next steps" in section and "Sent" in section
    assert ADDRESS not in page


def test_the_reminders_command_sends_what_waits_and_says_so(
    app: FastAPI, world: World, client: BrowserClient, database_url: str, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    _use_smtp(app, _free_port())  # down when the person asks: the link waits
    client.post(f"/a/{world.token_a}/email", data=FORM)
    with app.state.sessions.begin() as session:
        for row in session.scalars(select(OutboxMessage)):
            row.next_try_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # its next try is due
    off = CliRunner().invoke(cli, ["reminders", "send"], env={"TRDNAV_DATABASE_URL": database_url})
    assert off.exit_code == 0 and "e-mail is off" in off.output and server.messages == []
    smtp = {"TRDNAV_SMTP_HOST": "127.0.0.1", "TRDNAV_SMTP_PORT": str(port), "TRDNAV_SMTP_TLS": "none"}
    sent = CliRunner().invoke(cli, ["reminders", "send"], env={"TRDNAV_DATABASE_URL": database_url, **smtp})
    assert sent.exit_code == 0, sent.output
    assert "Messages tried: 1 sent." in sent.output
    [message] = server.messages
    assert f"/a/{world.token_a}/results" in _body(message)
    [row] = _outbox(app, world.assessment_a)
    assert (row.status, row.attempts, row.link) == ("sent", 2, None)
