"""Every time on staff pages is in the clinic's time zone with the zone named.

Clinic A is moved to Sydney (Australia/Sydney: AEST, UTC+10; AEDT, UTC+11 from the first Sunday of
October) before its patient's course is planned; every staff page is then walked from the app's
route table and each clock time in its text must be followed by the zone's abbreviation.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from tests.web.conftest import Care, World, signed_in
from tests.web.staff_routes import fill, staff_routes
from trdnav.store.models import AuditEvent, Clinic, Note
from trdnav.web.clinic_time import format_clock, format_day, format_moment, zone_label

SYDNEY = "Australia/Sydney"
CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
# A form's hint shows the format of a time to type (and names the zone in words), not a time.
HINT = re.compile(r'<p class="hint"[^>]*>.*?</p>', re.S)


def test_a_moment_is_shown_in_the_zone_with_its_abbreviation_across_daylight_saving() -> None:
    # Sydney moves its clocks from 02:00 AEST to 03:00 AEDT on 4 October 2026 (16:00 UTC on the 3rd).
    before = dt.datetime(2026, 10, 3, 15, 30, tzinfo=dt.UTC)
    after = dt.datetime(2026, 10, 3, 16, 30, tzinfo=dt.UTC)
    assert format_moment(before, SYDNEY) == "4 Oct 2026, 01:30 AEST"
    assert format_moment(after, SYDNEY) == "4 Oct 2026, 03:30 AEDT"
    assert format_clock(after, SYDNEY) == "03:30 AEDT"
    assert format_day(before, SYDNEY) == "4 Oct 2026"  # the clinic's day, while UTC's is the 3rd
    assert format_day(before, SYDNEY, weekday=True) == "Sun 4 Oct 2026"
    assert format_moment(after, SYDNEY, seconds=True) == "4 Oct 2026, 03:30:00 AEDT"
    # New York leaves daylight time on 1 November 2026 at 02:00 EDT (06:00 UTC).
    assert format_moment(dt.datetime(2026, 11, 1, 5, 59, tzinfo=dt.UTC), "America/New_York").endswith(
        "01:59 EDT"
    )
    assert format_moment(dt.datetime(2026, 11, 1, 6, 1, tzinfo=dt.UTC), "America/New_York").endswith(
        "01:01 EST"
    )


def test_a_zone_without_letters_is_named_as_an_offset_and_a_naive_moment_is_refused() -> None:
    moment = dt.datetime(2026, 12, 2, 13, 0, tzinfo=dt.UTC)
    assert zone_label(moment.astimezone(dt.timezone(dt.timedelta(hours=-3), "-03"))) == "UTC-03"
    assert format_clock(moment, "America/Sao_Paulo") == "10:00 UTC-03"
    assert format_clock(moment, "UTC") == "13:00 UTC"
    with pytest.raises(ValueError, match="naive"):
        format_moment(dt.datetime(2026, 12, 2, 13, 0), SYDNEY)


@pytest.fixture
def sydney(app: FastAPI, world: World) -> World:
    """Clinic A in Sydney, before anything of its patient's care is planned."""
    with app.state.sessions.begin() as session:
        clinic = session.get(Clinic, world.clinic_a)
        assert clinic is not None
        clinic.timezone = SYDNEY
    return world


def _text(page: str) -> str:
    page = HINT.sub("", page)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _unlabelled(text: str) -> list[str]:
    """Every clock time in the text not followed by Sydney's abbreviation, with what follows it."""
    return [
        text[found.start() : found.end() + 12]
        for found in CLOCK.finditer(text)
        if not text.startswith((" AEST", " AEDT"), found.end())
    ]


def test_every_staff_page_shows_its_times_in_the_clinics_zone_named(
    app: FastAPI, sydney: World, care: Care, extra_staff: int, unassigned: int
) -> None:
    world = sydney
    admin = signed_in(app, world.admin_a)
    note = admin.post(f"/staff/assessments/{world.assessment_a}/notes", data={"text": "Called."})
    assert note.status_code < 400  # a note, so its time is on the pages too
    pages = [
        fill(r.path, world, care, extra_staff, unassigned)
        for r in staff_routes(app)
        if r.method == "GET"
        and not r.path.endswith((".pdf", ".csv", ".json", ".ics"))
        and "{token}" not in r.path  # a reset link's page: for its holder, not signed in; no times
    ]
    checked = 0
    for path in pages:
        response = admin.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        text = _text(response.text)
        assert not _unlabelled(text), f"{path}: times without the clinic's zone: {_unlabelled(text)}"
        checked += len(CLOCK.findall(text))
    assert checked >= 20, "the walk saw too few times to mean anything"


def test_notes_either_side_of_sydneys_clock_change_show_their_own_abbreviation(
    app: FastAPI, sydney: World
) -> None:
    with app.state.sessions.begin() as session:
        for minutes, text in ((15 * 60 + 30, "Before the change."), (16 * 60 + 30, "After the change.")):
            session.add(
                Note(
                    assessment_id=sydney.assessment_a,
                    staff_id=sydney.clinician_a,
                    text=text,
                    created_at=dt.datetime(2026, 10, 3, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes),
                )
            )
    page = _text(signed_in(app, sydney.clinician_a).get(f"/staff/assessments/{sydney.assessment_a}").text)
    assert "Ana North, 4 Oct 2026, 01:30 AEST Before the change." in page
    assert "Ana North, 4 Oct 2026, 03:30 AEDT After the change." in page
    summary = _text(
        signed_in(app, sydney.clinician_a).get(f"/staff/assessments/{sydney.assessment_a}/summary").text
    )
    assert "Ana North, 4 Oct 2026, 03:30 AEDT: After the change." in summary


def test_the_audit_trail_shows_its_moments_in_the_clinics_zone(app: FastAPI, sydney: World) -> None:
    admin = signed_in(app, sydney.admin_a)
    audit = admin.get("/staff/admin/audit").text
    with app.state.sessions() as session:
        moments = session.scalars(select(AuditEvent.at).where(AuditEvent.clinic_id == sydney.clinic_a)).all()
    assert moments
    for at in moments:
        assert format_moment(at, SYDNEY, seconds=True) in audit
    assert "(UTC)" not in audit
