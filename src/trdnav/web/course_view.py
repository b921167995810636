"""A treatment course as both audiences see it: its protocol, its clinic, its times in the course's
time zone, and its calendar file (iCalendar, RFC 5545). The staff course pages and the patient's
course links share these; each route audits its own reads."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

from trdnav.core.protocol import Protocol
from trdnav.courses.ics import CalendarVisit, course_calendar
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.course_plans import VISIT_STATUSES
from trdnav.store.models import Assessment, Clinic, Course
from trdnav.web.summary import long_date

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def protocol_entries(kb: KnowledgeBase) -> dict[str, Any]:
    """The knowledge base's protocol entries by id (each has ``plan``, ``name`` and patient texts)."""
    protocols: dict[str, Any] = getattr(kb, "protocols", {})
    return protocols


def course_protocol(kb: KnowledgeBase, course: Course) -> Protocol | None:
    entry = protocol_entries(kb).get(course.protocol_id)
    plan: Protocol | None = None if entry is None else entry.plan
    return plan


def course_clinic(assessment: Assessment) -> Clinic:
    assert assessment.clinic is not None, "courses are planned only for a clinic's assessments"
    return assessment.clinic


def local(moment: dt.datetime, timezone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(timezone))


def display_context() -> dict[str, Any]:
    return {"local": local, "weekdays": WEEKDAYS, "visit_statuses": VISIT_STATUSES, "long_date": long_date}


def calendar_response(protocol: Protocol, course: Course, stamp: dt.datetime) -> Response:
    """The course's visits as an iCalendar download, stamped with ``stamp``."""
    body = course_calendar(
        protocol=protocol,
        visits=[CalendarVisit(v.id, v.starts_at, v.status) for v in course.visits],
        timezone=course.timezone,
        location=course_clinic(course.assessment).name,
        stamp=stamp,
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="treatment-visits-{course.id}.ics"'},
    )
