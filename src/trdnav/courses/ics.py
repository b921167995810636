"""A course's visits as an iCalendar file (RFC 5545) the patient can add to their own calendar.

Pure: the visits, the protocol, the clinic's name and zone and the stamp time are passed in; no
clock and no database. Each visit still to come or done is one VEVENT whose start carries the
clinic's zone (``DTSTART;TZID=America/New_York:...``), so calendars show the right local time on
both sides of a daylight-saving change; the file holds a VTIMEZONE for that zone covering the
course's years. UIDs are stable per visit, so downloading the calendar again after a re-plan
updates the same events instead of adding copies. Missed visits are left out.

The file names no patient: only the therapy, the session number, the clinic and the protocol's
preparation notes ("Arrange a ride home ...").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from trdnav.core.protocol import Protocol

PRODID = "-//TRD Navigator//Treatment course calendar//EN"
SHOWN_STATUSES = frozenset({"planned", "done"})


@dataclass(frozen=True, slots=True)
class CalendarVisit:
    """One visit as the calendar shows it; ``starts_at`` is aware (any zone)."""

    visit_id: int
    starts_at: dt.datetime
    status: str  # planned, done, missed


def visit_uid(visit_id: int) -> str:
    return f"visit-{visit_id}@trdnav"


def event_summary(protocol: Protocol, number: int, total: int) -> str:
    """Plain words: "TMS 10 Hz: visit 3 of 30"."""
    return f"{protocol.name}: visit {number} of {total}"


def event_description(protocol: Protocol) -> str:
    minutes = protocol.session_minutes + protocol.observation_minutes
    lines = [f"Plan to be at the clinic for about {minutes} minutes."]
    lines.extend(protocol.preparation)
    return "\n".join(lines)


def course_calendar(
    *,
    protocol: Protocol,
    visits: Sequence[CalendarVisit],
    timezone: str,
    location: str,
    stamp: dt.datetime,
) -> bytes:
    """The VCALENDAR for the visits planned or done, in the clinic's ``timezone`` (IANA name).

    Events are numbered in date order among the visits shown ("visit 5 of 30" is the fifth the
    patient comes to, whatever was missed before it).
    """
    if stamp.tzinfo is None:
        raise ValueError("stamp: expected an aware datetime")
    zone = ZoneInfo(timezone)
    shown = sorted((v for v in visits if v.status in SHOWN_STATUSES), key=lambda v: v.starts_at)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", protocol.name)
    calendar.add("x-wr-timezone", timezone)
    years = [v.starts_at.astimezone(zone).year for v in shown] or [stamp.astimezone(zone).year]
    calendar.add_component(
        Timezone.from_tzinfo(
            zone,
            tzid=timezone,
            first_date=dt.date(min(years) - 1, 1, 1),
            last_date=dt.date(max(years) + 2, 1, 1),
        )
    )
    duration = dt.timedelta(minutes=protocol.session_minutes + protocol.observation_minutes)
    description = event_description(protocol)
    for position, visit in enumerate(shown, start=1):
        if visit.starts_at.tzinfo is None:
            raise ValueError("visit starts_at: expected an aware datetime")
        event = Event()
        event.add("uid", visit_uid(visit.visit_id))
        event.add("dtstamp", stamp.astimezone(dt.UTC))
        event.add("dtstart", visit.starts_at.astimezone(zone))
        event.add("duration", duration)
        event.add("summary", event_summary(protocol, position, len(shown)))
        event.add("location", location)
        event.add("description", description)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical
