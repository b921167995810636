"""The course calendar file: it parses back, keeps local times across a daylight-saving change,
carries the preparation notes, and names no patient."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar

from trdnav.core.protocol import Phase, Protocol
from trdnav.courses.ics import CalendarVisit, course_calendar

NEW_YORK = ZoneInfo("America/New_York")
STAMP = dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC)
KETAMINE = Protocol(
    id="iv_ketamine_test",
    therapy="iv_ketamine",
    name="IV ketamine",
    phases=(Phase(name="induction", sessions=6, min_sessions=6, per_week=2, max_weeks=3),),
    session_minutes=40,
    observation_minutes=80,
    min_hours_between_days=48,
    same_day_gap_minutes=0,
    max_course_days=28,
    preparation=(
        "Arrange a ride home: you must not drive until the next day.",
        "Do not eat for 6 hours before.",
    ),
)


def _local_visits(days: list[int], status: str = "planned") -> list[CalendarVisit]:
    """Visits at 09:00 New York time on these days of 2026 (October 26 to November 6)."""
    return [
        CalendarVisit(
            visit_id=100 + i,
            starts_at=dt.datetime(2026, 10 if day > 20 else 11, day, 9, 0, tzinfo=NEW_YORK),
            status=status,
        )
        for i, day in enumerate(days)
    ]


def _parse(visits: list[CalendarVisit]) -> Calendar:
    return Calendar.from_ical(
        course_calendar(
            protocol=KETAMINE,
            visits=visits,
            timezone="America/New_York",
            location="North Clinic",
            stamp=STAMP,
        )
    )


def test_sessions_across_the_end_of_daylight_saving_keep_their_local_time() -> None:
    calendar = _parse(_local_visits([27, 30, 3, 6]))  # US daylight saving ends on 2026-11-01
    events = calendar.walk("VEVENT")
    assert len(events) == 4
    starts = [event.decoded("dtstart") for event in events]
    assert all(start.tzinfo is not None and str(start.tzinfo) == "America/New_York" for start in starts)
    assert [start.strftime("%H:%M") for start in starts] == ["09:00"] * 4
    assert [start.utcoffset() for start in starts] == [dt.timedelta(hours=-4)] * 2 + [
        dt.timedelta(hours=-5)
    ] * 2
    assert [start.astimezone(dt.UTC).hour for start in starts] == [13, 13, 14, 14]
    assert "TZID=America/New_York" in events[0].to_ical().decode()
    zones = calendar.walk("VTIMEZONE")
    assert [zone["TZID"] for zone in zones] == ["America/New_York"]


def test_the_calendar_has_the_rfc_5545_headers_and_stable_ids() -> None:
    raw = course_calendar(
        protocol=KETAMINE,
        visits=_local_visits([27, 30]),
        timezone="America/New_York",
        location="North Clinic",
        stamp=STAMP,
    )
    calendar = Calendar.from_ical(raw)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "PRODID" in calendar
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == ["visit-100@trdnav", "visit-101@trdnav"]
    assert all(e.decoded("dtstamp") == STAMP for e in events)
    assert all(e.decoded("duration") == dt.timedelta(minutes=120) for e in events)
    assert [str(e["SUMMARY"]) for e in events] == ["IV ketamine: visit 1 of 2", "IV ketamine: visit 2 of 2"]
    assert str(events[0]["LOCATION"]) == "North Clinic"
    assert raw == course_calendar(
        protocol=KETAMINE,
        visits=_local_visits([27, 30]),
        timezone="America/New_York",
        location="North Clinic",
        stamp=STAMP,
    ), "the same course gives the same file"
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "long lines are folded (RFC 5545 3.1)"


def test_every_event_carries_the_preparation_notes() -> None:
    events = _parse(_local_visits([27, 30])).walk("VEVENT")
    for event in events:
        description = str(event["DESCRIPTION"])
        assert "Arrange a ride home: you must not drive until the next day." in description
        assert "Do not eat for 6 hours before." in description
        assert "about 120 minutes" in description


def test_missed_visits_are_left_out_and_numbering_counts_the_visits_shown() -> None:
    missed = _local_visits([27], status="missed")
    kept = _local_visits([30, 3])
    events = _parse(missed + kept).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["IV ketamine: visit 1 of 2", "IV ketamine: visit 2 of 2"]


def test_an_empty_course_still_parses() -> None:
    calendar = _parse([])
    assert calendar.walk("VEVENT") == []
    assert len(calendar.walk("VTIMEZONE")) == 1
