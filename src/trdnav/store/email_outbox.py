"""E-mail a person asked for: their address and what they opted into, and the outbox of messages.

The address is kept only to send what the person chose (their private link and next steps now,
reminders before visits, reminders when a check-in is due); deleting it cancels every message still
queued. The outbox keeps what a clinic may see (kind, due, tries, status, the error's class name),
never a message's content or address. Every change writes its audit row here, naming the kind of
message as the record type (``email_link``, ``email_visit_reminder``, ``email_checkin_reminder``)
and the status reached as the action (``create`` queued, ``sent``, ``retry``, ``failed``,
``cancelled``), never the address or content.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store import audit
from trdnav.store.models import Assessment, Course, EmailContact, OutboxMessage
from trdnav.store.outcome_scores import active_course, course_outcome

KINDS = ("link", "visit_reminder", "checkin_reminder")
STATUSES = ("queued", "sent", "failed", "cancelled")
MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed try before the next; the 5th failure is final.
BACKOFF = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=4),
)
VISIT_REMINDER_BEFORE = dt.timedelta(days=1)


def _audit(
    session: Session, actor: audit.Actor, action: str, message: OutboxMessage, clinic: int | None
) -> None:
    audit.record(session, actor, action, f"email_{message.kind}", message.id, clinic_id=clinic)


def save_contact(
    session: Session,
    actor: audit.Actor,
    assessment: Assessment,
    *,
    address: str,
    visit_reminders: bool,
    checkin_reminders: bool,
    now: dt.datetime,
) -> EmailContact:
    """Keep (or change) the person's address and reminder choices."""
    contact = assessment.email_contact
    if contact is None:
        contact = EmailContact(assessment=assessment, address=address, created_at=now)
        action = "create"
    else:
        action = "update"
    contact.address = address
    contact.visit_reminders = visit_reminders
    contact.checkin_reminders = checkin_reminders
    contact.updated_at = now
    session.add(contact)
    session.flush()
    audit.record(session, actor, action, "email_contact", contact.id, clinic_id=assessment.clinic_id)
    if not visit_reminders or not checkin_reminders:
        stopped = {
            k
            for k, on in (("visit_reminder", visit_reminders), ("checkin_reminder", checkin_reminders))
            if not on
        }
        _cancel_queued(session, actor, assessment, stopped)
    return contact


def delete_contact(session: Session, actor: audit.Actor, assessment: Assessment) -> bool:
    """Remove the address and cancel every queued message; False when there was none."""
    _cancel_queued(session, actor, assessment, set(KINDS))
    contact = assessment.email_contact
    if contact is None:
        return False
    contact_id = contact.id
    assessment.email_contact = None
    session.flush()
    audit.record(session, actor, "delete", "email_contact", contact_id, clinic_id=assessment.clinic_id)
    return True


def _cancel_queued(session: Session, actor: audit.Actor, assessment: Assessment, kinds: set[str]) -> None:
    for message in assessment.outbox:
        if message.status == "queued" and message.kind in kinds:
            message.status = "cancelled"
            message.link = None
            session.flush()
            _audit(session, actor, "cancelled", message, assessment.clinic_id)


def cancel_queued_links(session: Session, actor: audit.Actor, assessment: Assessment) -> None:
    """Cancel the e-mails still holding the assessment's link (it was just replaced or turned off)."""
    _cancel_queued(session, actor, assessment, {"link"})


def _queue(
    session: Session,
    actor: audit.Actor,
    assessment: Assessment,
    kind: str,
    *,
    due: dt.datetime,
    about: str = "",
    link: str | None = None,
    now: dt.datetime,
) -> OutboxMessage:
    message = OutboxMessage(
        assessment=assessment,
        kind=kind,
        about=about,
        link=link,
        status="queued",
        created_at=now,
        due_at=due,
        next_try_at=due,
        attempts=0,
        last_error="",
    )
    session.add(message)
    session.flush()
    _audit(session, actor, "create", message, assessment.clinic_id)
    return message


def queue_link(
    session: Session, actor: audit.Actor, assessment: Assessment, link: str, now: dt.datetime
) -> OutboxMessage:
    """Queue the person's private link and next steps, due now (the link is kept only until sent)."""
    if assessment.email_contact is None:
        raise ValueError("address: no e-mail address is kept for this assessment")
    return _queue(session, actor, assessment, "link", due=now, link=link, now=now)


def _queued_about(assessment: Assessment) -> set[str]:
    return {m.about for m in assessment.outbox if m.about}


def _courses(assessment: Assessment) -> list[Course]:
    return [c for c in assessment.courses if c.status == "active"]


def queue_due_reminders(session: Session, kb: KnowledgeBase, now: dt.datetime) -> int:
    """Queue, once each, a reminder the day before every planned visit still to come and a reminder
    when a check-in is due, for the people who opted into them; return how many were queued."""
    contacts = session.scalars(
        select(EmailContact)
        .where(EmailContact.visit_reminders | EmailContact.checkin_reminders)
        .options(selectinload(EmailContact.assessment))
        .order_by(EmailContact.id)
    ).all()
    queued = 0
    for contact in contacts:
        assessment = contact.assessment
        if assessment.clinic_id is None:
            continue  # no clinic: no visits, no check-ins
        known = _queued_about(assessment)
        if contact.visit_reminders:
            for course in _courses(assessment):
                for visit in course.visits:
                    about = f"visit:{visit.id}"
                    if visit.status != "planned" or visit.starts_at <= now or about in known:
                        continue
                    due = visit.starts_at - VISIT_REMINDER_BEFORE
                    if due <= now + dt.timedelta(hours=1):  # queued about a day ahead, not weeks
                        _queue(
                            session,
                            audit.SYSTEM,
                            assessment,
                            "visit_reminder",
                            due=max(due, now),
                            about=about,
                            now=now,
                        )
                        known.add(about)
                        queued += 1
        if contact.checkin_reminders and active_course(assessment) is not None:
            for checkin in course_outcome(kb, assessment, now).checkins:
                about = f"checkin:{checkin.due.isoformat()}"
                if checkin.state == "due" and about not in known:
                    _queue(
                        session, audit.SYSTEM, assessment, "checkin_reminder", due=now, about=about, now=now
                    )
                    known.add(about)
                    queued += 1
    return queued


def due_message_ids(session: Session, now: dt.datetime) -> list[int]:
    """The queued messages whose time (first or next try) has come, oldest first."""
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "queued", OutboxMessage.next_try_at <= now)
            .order_by(OutboxMessage.next_try_at, OutboxMessage.id)
        ).all()
    )


def mark_sent(session: Session, actor: audit.Actor, message: OutboxMessage, now: dt.datetime) -> None:
    message.attempts += 1
    message.status = "sent"
    message.sent_at = now
    message.link = None
    message.last_error = ""
    session.flush()
    _audit(session, actor, "sent", message, message.assessment.clinic_id)


def mark_attempt_failed(
    session: Session, actor: audit.Actor, message: OutboxMessage, error: BaseException, now: dt.datetime
) -> None:
    """Count a failed try, keeping the error's class name only; after `MAX_ATTEMPTS` the message has
    failed for good, otherwise its next try waits by `BACKOFF`."""
    message.attempts += 1
    message.last_error = type(error).__name__[:80]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        message.link = None
        action = "failed"
    else:
        message.next_try_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        action = "retry"
    session.flush()
    _audit(session, actor, action, message, message.assessment.clinic_id)


def cancel(session: Session, actor: audit.Actor, message: OutboxMessage) -> None:
    """A message that can no longer be sent (its address was deleted)."""
    message.status = "cancelled"
    message.link = None
    session.flush()
    _audit(session, actor, "cancelled", message, message.assessment.clinic_id)


def messages_for(session: Session, clinic_id: int, assessment_id: int | None = None) -> list[OutboxMessage]:
    """A clinic's messages (or one person's), newest first: what the clinic may see of them."""
    query = (
        select(OutboxMessage)
        .join(Assessment, OutboxMessage.assessment_id == Assessment.id)
        .where(Assessment.clinic_id == clinic_id)
        .order_by(OutboxMessage.id.desc())
    )
    if assessment_id is not None:
        query = query.where(OutboxMessage.assessment_id == assessment_id)
    return list(session.scalars(query.limit(500)).all())
