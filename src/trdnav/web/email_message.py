"""The words of the e-mails a person asked for: their private link and next steps, a reminder the day
before a visit, a reminder when a check-in is due.

Plain text, no attachment. A message says who sends it (the clinic's name and contact text), what
comes next (planned visits in the clinic's time zone, named; the next check-in), how to stop the
e-mails, and where to get help now (the crisis resources the person's pages show). It never holds
answers, scores, results, leanings or safety statuses: it is built only from the clinic's settings,
the course's visit times and the check-in dates, so it cannot.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.settings import Settings
from trdnav.store.models import Assessment, OutboxMessage
from trdnav.store.outcome_scores import active_course, course_outcome
from trdnav.web.clinic_view import clinic_view
from trdnav.web.summary import long_date

UPCOMING_VISITS_SHOWN = 3


def _time(moment: dt.datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    hour = local.strftime("%I:%M %p").lstrip("0")
    return f"{local:%A}, {long_date(local.date())}, at {hour} ({zone} time)"


def _next_steps(kb: KnowledgeBase, assessment: Assessment, now: dt.datetime) -> list[str]:
    course = active_course(assessment)
    if course is None:
        return []
    visits = [v for v in course.visits if v.status == "planned" and v.starts_at > now]
    lines = [f"- Visit: {_time(v.starts_at, course.timezone)}" for v in visits[:UPCOMING_VISITS_SHOWN]]
    for checkin in course_outcome(kb, assessment, now).checkins:
        if checkin.state in ("due", "overdue"):
            lines.append("- A check-in is due now. Open your private link and choose Check in.")
            break
        if checkin.state == "upcoming":
            lines.append(f"- Your next check-in: {long_date(checkin.due)}.")
            break
    return lines


def _subject(message: OutboxMessage, clinic_name: str) -> str:
    if message.kind == "visit_reminder":
        return f"Reminder: your visit at {clinic_name} tomorrow"
    if message.kind == "checkin_reminder":
        return f"Reminder: your check-in for {clinic_name} is due"
    return f"Your private link from {clinic_name}"


def message_text(
    kb: KnowledgeBase, settings: Settings, message: OutboxMessage, now: dt.datetime
) -> tuple[str, str]:
    """The subject and plain-text body of ``message``."""
    assessment = message.assessment
    clinic = clinic_view(assessment.clinic, settings)
    parts: list[str] = ["Hello,", ""]
    if message.kind == "link" and message.link:
        parts += [
            f"You asked {clinic.name} to e-mail you your private link. Here it is:",
            "",
            message.link,
            "",
            "Keep this link private. Anyone who has it can open your page. Do not forward this e-mail.",
        ]
    elif message.kind == "visit_reminder":
        about = message.about.removeprefix("visit:")
        visit = next(
            (v for c in assessment.courses for v in c.visits if str(v.id) == about and v.status == "planned"),
            None,
        )
        when = _time(visit.starts_at, visit.course.timezone) if visit else "soon"
        parts += [f"This is a reminder of your visit at {clinic.name}: {when}."]
    else:
        parts += [
            f"This is a reminder from {clinic.name}: a check-in is due.",
            "Open the private link you saved (or the one we e-mailed you) and choose Check in.",
        ]
    steps = _next_steps(kb, assessment, now)
    if steps:
        parts += ["", "What comes next:", *steps]
    if clinic.connected and clinic.contact_text.strip():
        parts += ["", f"To reach {clinic.name}:", clinic.contact_text.strip()]
    parts += ["", f"{clinic.crisis.title}", clinic.crisis.text]
    parts += [
        f"- {line.label}: {line.href}" if line.href.startswith("http") else f"- {line.label}"
        for line in clinic.crisis.lines
    ]
    if message.kind == "link" and message.link:
        stop = [
            "To stop these e-mails or delete your e-mail address, open this page:",
            f"{message.link.removesuffix('/results')}/email",
        ]
    else:
        stop = [
            "To stop these e-mails or delete your e-mail address, open your private link",
            "and choose E-mail and reminders.",
        ]
    parts += [
        "",
        *stop,
        "You get this e-mail because you asked for it. Please do not reply to it.",
    ]
    return _subject(message, clinic.name), "\n".join(parts) + "\n"


def build_email(
    kb: KnowledgeBase, settings: Settings, message: OutboxMessage, address: str, now: dt.datetime
) -> EmailMessage:
    subject, body = message_text(kb, settings, message, now)
    email = EmailMessage()
    email["From"] = settings.smtp_from or f"no-reply@{settings.smtp_host}"
    email["To"] = address
    email["Subject"] = subject
    email["Message-ID"] = make_msgid(domain=(settings.smtp_from.rpartition("@")[2] or None))
    email.set_content(body)
    return email
