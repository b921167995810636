"""Sending the outbox through SMTP (``TRDNAV_SMTP_*``), for `trdnav reminders send` and for the
"e-mail my link now" request, which tries once at once and otherwise leaves the message queued.

Each message is sent in its own transaction: a failed try is counted with the error's class name
(never its text, which may quote the address), and the next try waits (`store.email_outbox.BACKOFF`);
after `MAX_ATTEMPTS` the message has failed. A message whose address was deleted is cancelled.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.email_outbox import cancel, due_message_ids, mark_attempt_failed, mark_sent
from trdnav.store.models import OutboxMessage
from trdnav.web.email_message import build_email

REQUEST_TIMEOUT_SECONDS = 5.0  # the "now" try inside a page request
COMMAND_TIMEOUT_SECONDS = 30.0


def _password(settings: Settings) -> str:
    if settings.smtp_password_file:
        return Path(settings.smtp_password_file).read_text(encoding="utf-8").strip()
    return settings.smtp_password


def smtp_send(settings: Settings, email: EmailMessage, *, timeout: float) -> None:
    """Hand one message to the SMTP server; any failure raises (OSError or smtplib.SMTPException)."""
    if not settings.email_enabled:
        raise smtplib.SMTPException("no SMTP host is set")
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with server:
        if settings.smtp_tls == "starttls":
            server.starttls(context=context)
        if settings.smtp_user:
            server.login(settings.smtp_user, _password(settings))
        server.send_message(email)


Sender = Callable[[Settings, EmailMessage], None]


def _default_sender(timeout: float) -> Sender:
    return lambda settings, email: smtp_send(settings, email, timeout=timeout)


def try_send(
    session: Session,
    kb: KnowledgeBase,
    settings: Settings,
    message: OutboxMessage,
    now: dt.datetime,
    *,
    actor: audit.Actor = audit.SYSTEM,
    sender: Sender | None = None,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> str:
    """One try at one queued message, recorded in ``session``; returns the status it reached."""
    contact = message.assessment.email_contact
    if contact is None:
        cancel(session, actor, message)
        return message.status
    email = build_email(kb, settings, message, contact.address, now)
    try:
        (sender or _default_sender(timeout))(settings, email)
    except (OSError, smtplib.SMTPException) as error:
        mark_attempt_failed(session, actor, message, error, now)
    else:
        mark_sent(session, actor, message, now)
    return message.status


@dataclass
class RunReport:
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def send_due(
    sessions: sessionmaker[Session],
    kb: KnowledgeBase,
    settings: Settings,
    now: dt.datetime,
    *,
    sender: Sender | None = None,
) -> RunReport:
    """Try every queued message whose time has come, each in its own transaction."""
    report = RunReport()
    with sessions() as session:
        ids = due_message_ids(session, now)
    for message_id in ids:
        with sessions.begin() as session:
            message = session.get(OutboxMessage, message_id, with_for_update=True)
            if message is None or message.status != "queued":
                continue  # another run took it
            report.count(try_send(session, kb, settings, message, now, sender=sender))
    return report
