"""`trdnav reminders send`: queue the reminders that are due and send the outbox, for cron or a
systemd timer every few minutes (docs/operations.md).

Visit reminders are queued the day before each planned visit, once; check-in reminders when a
check-in of the person's course is due, once each. Then every queued message whose time has come
gets one try through SMTP; a failed try waits longer before the next, and after five the message
has failed (`trdnav.store.email_outbox`). Without ``TRDNAV_SMTP_HOST`` nothing is queued or sent.
Exit status 0 even when some messages wait for a retry: the next run retries them.
"""

from __future__ import annotations

import typer

from trdnav.commands import opened
from trdnav.knowledge.loader import load
from trdnav.store.email_outbox import queue_due_reminders
from trdnav.store.models import now

reminders_app = typer.Typer(help="E-mail reminders and the outbox.", no_args_is_help=True)


@reminders_app.command("send")
def reminders_send() -> None:
    """Queue the reminders now due, then send every queued message whose time has come."""
    from trdnav.web.email_delivery import send_due  # the web stack loads here, as for serve

    with opened() as database:
        if not database.settings.email_enabled:
            typer.echo("TRDNAV_SMTP_HOST is not set: e-mail is off; nothing queued or sent.")
            return
        kb = load()
        moment = now()
        with database.sessions.begin() as session:
            queued = queue_due_reminders(session, kb, moment)
        report = send_due(database.sessions, kb, database.settings, moment)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(report.statuses.items())) or "nothing to send"
    typer.echo(f"Reminders queued: {queued}. Messages tried: {counts}.")
