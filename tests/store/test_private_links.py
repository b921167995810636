"""Private links in the store: rotating or revoking cancels e-mails still holding the old link, and
a withdrawn link's holder is recognised (not "unknown") without reaching the assessment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from trdnav.store import audit
from trdnav.store.email_outbox import queue_link, save_contact
from trdnav.store.models import Assessment, OutboxMessage
from trdnav.store.private_links import ClosedLink, open_link, revoke_link, rotate_link
from trdnav.store.repository import create_assessment

NOW = dt.datetime.now(dt.UTC)
STAFF = audit.Actor(kind="staff", role="clinician", staff_id=1)


def _with_queued_link(sessions: sessionmaker[Session]) -> tuple[int, str]:
    with sessions.begin() as session:
        assessment, token = create_assessment(
            session, therapies=["tms"], knowledge_version="2026.11.0", contract_version=1
        )
        save_contact(
            session,
            audit.SYSTEM,
            assessment,
            address="sam@example.org",
            visit_reminders=False,
            checkin_reminders=False,
            now=NOW,
        )
        queue_link(session, audit.SYSTEM, assessment, f"https://example.org/a/{token}", NOW)
        return assessment.id, token


def test_rotating_cancels_the_queued_email_that_holds_the_old_link(sessions: sessionmaker[Session]) -> None:
    assessment_id, token = _with_queued_link(sessions)
    with sessions.begin() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        new = rotate_link(session, STAFF, assessment, NOW)
    with sessions() as session:
        [message] = session.query(OutboxMessage).all()
        assert (message.status, message.link) == ("cancelled", None)
        old = open_link(session, token, NOW, 90)
        assert isinstance(old, ClosedLink) and old.reason == "rotated"
        opened = open_link(session, new, NOW, 90)
        assert isinstance(opened, Assessment) and opened.id == assessment_id


def test_revoking_leaves_no_token_that_opens_the_assessment(sessions: sessionmaker[Session]) -> None:
    assessment_id, token = _with_queued_link(sessions)
    with sessions.begin() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        revoke_link(session, STAFF, assessment, NOW)
    with sessions() as session:
        closed = open_link(session, token, NOW, None)
        assert isinstance(closed, ClosedLink) and closed.reason == "revoked"
        [message] = session.query(OutboxMessage).all()
        assert message.status == "cancelled"
        assert open_link(session, "not-a-link", NOW, None) is None
