"""Treatment courses in the workspace: plan, keep the calendar, export it; the patient's view.

Clinic A offers IV ketamine and TMS (the default therapies); its defaults are weekdays 08:00 to
18:00, New York time, US federal holidays. Its patient has not answered the safety questions, so a
clinician has reviewed both screens before the courses here are planned (the `reviewed` fixture);
the tests of that refusal (hazard H16) use patients of their own.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import textstat
from fastapi import FastAPI
from fhir.resources.R4B.careplan import CarePlan
from icalendar import Calendar
from sqlalchemy import func, select

from tests.web.conftest import BrowserClient, World, add_patient, review_screen, safety_all_no, signed_in
from trdnav.knowledge.loader import load
from trdnav.store import audit
from trdnav.store.course_plans import create_course
from trdnav.store.models import Assessment, AuditEvent, Course, CourseVisit
from trdnav.store.queue import engine_statuses
from trdnav.store.repository import save_answers
from trdnav.store.stored_result import assess_stored

NEW_YORK = ZoneInfo("America/New_York")
TMS = {"protocol": "tms_10hz", "start_date": "2026-11-02", "unavailable": ""}
KETAMINE = {"protocol": "iv_ketamine_twice_weekly", "start_date": "2026-10-19", "unavailable": ""}
BEFORE_THE_COURSES = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock(app: FastAPI) -> list[dt.datetime]:
    """The app's clock: before the courses planned here unless a test moves it on."""
    moment = [BEFORE_THE_COURSES]
    app.state.clock = lambda: moment[0]
    return moment


@pytest.fixture(autouse=True)
def reviewed(app: FastAPI, world: World) -> None:
    """Clinic A's patient has not answered the safety questions, so both therapies' screens need
    review: a clinician has confirmed them (tests of the refusal use patients of their own)."""
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None
        for therapy in ("iv_ketamine", "tms"):
            review_screen(session, assessment, world.clinician_a, therapy)


def _rows(app: FastAPI) -> list[tuple[str, str, int | None, int | None]]:
    with app.state.sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        return [(e.action, e.record_type, e.record_id, e.clinic_id) for e in events]


def _plan(app: FastAPI, world: World, form: dict[str, str]) -> tuple[BrowserClient, int]:
    clinician = signed_in(app, world.clinician_a)
    response = clinician.post(
        f"/staff/assessments/{world.assessment_a}/courses/new", data=form, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/staff/courses/(\d+)", response.headers["location"])
    assert found
    return clinician, int(found.group(1))


def _visits(app: FastAPI, course_id: int) -> list[tuple[int, dt.datetime, str]]:
    """(number, local start, status) in time order."""
    with app.state.sessions() as session:
        visits = session.scalars(
            select(CourseVisit).where(CourseVisit.course_id == course_id).order_by(CourseVisit.starts_at)
        )
        return [
            (
                v.number,
                v.starts_at.replace(tzinfo=dt.UTC).astimezone(NEW_YORK)
                if v.starts_at.tzinfo is None
                else v.starts_at.astimezone(NEW_YORK),
                v.status,
            )
            for v in visits
        ]


def _visit_id(app: FastAPI, course_id: int, number: int) -> int:
    with app.state.sessions() as session:
        visit_id: int = session.scalars(
            select(CourseVisit.id).where(CourseVisit.course_id == course_id, CourseVisit.number == number)
        ).one()
        return visit_id


def test_a_tms_course_skips_us_holidays_and_says_what_does_not_fit(app: FastAPI, world: World) -> None:
    before = len(_rows(app))
    clinician, course_id = _plan(app, world, TMS)
    visits = _visits(app, course_id)
    days = [start.date() for _, start, _ in visits]
    assert dt.date(2026, 11, 11) not in days, "Veterans Day"
    assert dt.date(2026, 11, 26) not in days, "Thanksgiving"
    assert all(day.weekday() < 5 for day in days), "the clinic is closed at weekends"
    assert {start.strftime("%H:%M") for _, start, _ in visits} == {"08:00"}, "at opening time, local"
    assert [number for number, _, _ in visits] == list(range(1, len(visits) + 1))
    assert _rows(app)[before:] == [("create", "course", course_id, world.clinic_a)]
    page = clinician.get(f"/staff/courses/{course_id}")
    assert page.status_code == 200
    assert "10 Hz TMS (standard daily course)" in page.text
    assert "The plan does not meet every rule of the protocol" in page.text
    assert "maximum length of 42 days" in page.text
    assert "2026-11-02" in page.text and "Monday" in page.text
    assert _rows(app)[-1] == ("read", "course", course_id, world.clinic_a)


def test_the_new_course_form_lists_the_clinics_protocols_and_refuses_bad_input(
    app: FastAPI, world: World
) -> None:
    clinician = signed_in(app, world.clinician_a)
    form = clinician.get(f"/staff/assessments/{world.assessment_a}/courses/new")
    assert form.status_code == 200
    assert 'value="tms_10hz"' in form.text and 'value="iv_ketamine_twice_weekly"' in form.text
    assert 'value="esketamine_label"' not in form.text, "the clinic does not offer esketamine"
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"protocol": "esketamine_label"}, "protocol", "Choose one of the protocols listed."),
        ({"start_date": "24/12/2026"}, "start_date", "as YYYY-MM-DD, for example 2026-12-24"),
        ({"start_date": "2026-02-30"}, "start_date", "as YYYY-MM-DD"),
        (
            {"unavailable": "2026-12-24, 12/26"},
            "unavailable",
            "&#34;12/26&#34; is not a date in the form YYYY-MM-DD",
        ),
        ({**KETAMINE, "taper": "on"}, "taper", "has no optional taper"),
    ]
    with app.state.sessions() as session:
        courses_before = session.scalar(select(func.count(Course.id)))
    for change, field, message in cases:
        response = clinician.post(
            f"/staff/assessments/{world.assessment_a}/courses/new", data={**TMS, **change}
        )
        assert response.status_code == 422, change
        assert message in response.text, change
        assert f'aria-describedby="{field}-hint {field}-error"' in response.text, change
    with app.state.sessions() as session:
        assert session.scalar(select(func.count(Course.id))) == courses_before == 0


def test_the_patients_unavailable_dates_and_the_taper_are_kept(app: FastAPI, world: World) -> None:
    form = {
        **TMS,
        "start_date": "2026-07-06",
        "unavailable": "2026-07-08\n2026-07-09, 2026-07-08",
        "taper": "on",
    }
    _, course_id = _plan(app, world, form)
    visits = _visits(app, course_id)
    days = {start.date() for _, start, _ in visits}
    assert not days & {dt.date(2026, 7, 8), dt.date(2026, 7, 9)}
    with app.state.sessions() as session:
        course = session.get(Course, course_id)
        assert course is not None and course.unavailable_dates == ["2026-07-08", "2026-07-09"]
        phases = {visit.phase for visit in course.visits}
    assert "taper" in phases


def test_missing_a_visit_replans_the_rest_with_the_same_count(app: FastAPI, world: World) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    before = _visits(app, course_id)
    assert len(before) == 6
    first, fifth = _visit_id(app, course_id, 1), _visit_id(app, course_id, 5)
    assert (
        clinician.post(
            f"/staff/courses/{course_id}/visits/{first}/status",
            data={"status": "done"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    rows = len(_rows(app))
    response = clinician.post(
        f"/staff/courses/{course_id}/visits/{fifth}/status", data={"status": "missed"}, follow_redirects=False
    )
    assert response.status_code == 303
    after = _visits(app, course_id)
    kept = [v for v in after if v[2] != "missed"]
    assert len(kept) == 6, "the course still has its six infusions"
    assert kept[-1][1] > before[-1][1], "the last one moves later"
    assert after[0][2] == "done" and [v[2] for v in after].count("missed") == 1
    numbers = [number for number, _, _ in after]
    assert len(set(numbers)) == len(numbers) == 7, "numbers never repeat"
    assert _rows(app)[rows:] == [
        ("update", "course_visit", fifth, world.clinic_a),
        ("update", "course", course_id, world.clinic_a),
    ]
    again = clinician.post(f"/staff/courses/{course_id}/visits/{fifth}/status", data={"status": "done"})
    assert again.status_code == 422
    assert "already marked missed" in again.text
    wrong = clinician.post(f"/staff/courses/{course_id}/visits/{first + 1}/status", data={"status": "maybe"})
    assert wrong.status_code == 422 and "Choose done or missed." in wrong.text


def test_moving_a_visit_within_the_rules_works_and_outside_them_is_refused(
    app: FastAPI, world: World
) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    second = _visit_id(app, course_id, 2)
    rows = len(_rows(app))
    refused = clinician.post(
        f"/staff/courses/{course_id}/visits/{second}/move", data={"date": "2026-10-19", "time": "17:00"}
    )
    assert refused.status_code == 422
    assert "The visit cannot be moved there" in refused.text
    assert "after the clinic closes at 18:00" in refused.text
    assert _rows(app)[rows:] == [("read", "course", course_id, world.clinic_a)], "nothing changed"
    assert _visits(app, course_id)[1][1] == dt.datetime(2026, 10, 21, 8, 0, tzinfo=NEW_YORK)
    bad = clinician.post(
        f"/staff/courses/{course_id}/visits/{second}/move", data={"date": "2026-10-22", "time": "9"}
    )
    assert bad.status_code == 422 and "HH:MM in the 24-hour clock" in bad.text
    moved = clinician.post(
        f"/staff/courses/{course_id}/visits/{second}/move",
        data={"date": "2026-10-22", "time": "09:30"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    visits = _visits(app, course_id)
    assert visits[1][:2] == (2, dt.datetime(2026, 10, 22, 9, 30, tzinfo=NEW_YORK))
    assert len(visits) == 6 and all(start > visits[1][1] for _, start, _ in visits[2:])


def test_the_calendar_downloads_for_the_clinician_and_the_patient(app: FastAPI, world: World) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    staff_file = clinician.get(f"/staff/courses/{course_id}/calendar.ics")
    assert staff_file.status_code == 200
    assert staff_file.headers["content-type"].startswith("text/calendar")
    assert _rows(app)[-1] == ("export", "course", course_id, world.clinic_a)
    events = Calendar.from_ical(staff_file.content).walk("VEVENT")
    assert len(events) == 6
    assert "Arrange a ride home" in str(events[0]["DESCRIPTION"])
    assert str(events[0]["LOCATION"]) == "North Clinic"
    assert "Sam Example" not in staff_file.text, "no patient name in the file"
    patient_file = BrowserClient(app).get(f"/a/{world.token_a}/courses/{course_id}/calendar.ics")
    assert patient_file.status_code == 200
    assert len(Calendar.from_ical(patient_file.content).walk("VEVENT")) == 6
    action, record_type, record_id, clinic_id = _rows(app)[-1]
    assert (action, record_type, record_id, clinic_id) == ("export", "course", course_id, world.clinic_a)


def test_the_careplan_export_is_valid_fhir(app: FastAPI, world: World) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    response = clinician.get(f"/staff/courses/{course_id}/careplan.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    plan = CarePlan.model_validate(response.json())
    assert plan.activity is not None and len(plan.activity) == 6
    assert _rows(app)[-1] == ("export", "course", course_id, world.clinic_a)


def test_the_patient_sees_their_visits_in_plain_words(app: FastAPI, world: World) -> None:
    _, course_id = _plan(app, world, KETAMINE)
    patient = BrowserClient(app)
    page = patient.get(f"/a/{world.token_a}/courses")
    assert page.status_code == 200
    assert "Your treatment visits" in page.text
    assert "Monday, October 19, 2026" in page.text and "08:00" in page.text
    assert "Arrange a ride home" in page.text
    assert f"/a/{world.token_a}/courses/{course_id}/calendar.ics" in page.text
    assert _rows(app)[-2:] == [
        ("read", "assessment", world.assessment_a, world.clinic_a),
        ("read", "course", course_id, world.clinic_a),
    ]
    own_words = re.sub(r"<[^>]+>", "\n", page.text.split('<main id="main">')[1].split("</main>")[0])
    for block in (b.strip() for b in own_words.split("\n")):
        if len(re.findall(r"[A-Za-z]{2,}", block)) >= 4:
            assert textstat.flesch_kincaid_grade(block) <= 8, block


def test_another_clinic_and_another_patient_cannot_reach_the_course(app: FastAPI, world: World) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    visit = _visit_id(app, course_id, 2)
    rows = _rows(app)
    other = signed_in(app, world.clinician_b)
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/staff/assessments/{world.assessment_a}/courses/new", {}),
        ("POST", f"/staff/assessments/{world.assessment_a}/courses/new", KETAMINE),
        ("GET", f"/staff/courses/{course_id}", {}),
        ("POST", f"/staff/courses/{course_id}/visits/{visit}/status", {"status": "missed"}),
        ("POST", f"/staff/courses/{course_id}/visits/{visit}/move", {"date": "2026-10-22", "time": "09:00"}),
        ("GET", f"/staff/courses/{course_id}/calendar.ics", {}),
        ("GET", f"/staff/courses/{course_id}/careplan.json", {}),
        ("GET", f"/staff/courses/{course_id + 999}", {}),
    ]
    for method, path, form in requests:
        response = other.get(path) if method == "GET" else other.post(path, data=form)
        assert response.status_code == 404, path
    assert BrowserClient(app).get(f"/a/{world.token_b}/courses/{course_id}/calendar.ics").status_code == 404
    assert "October 19, 2026" not in BrowserClient(app).get(f"/a/{world.token_b}/courses").text
    assert BrowserClient(app).get("/a/not-a-token/courses").status_code == 404
    new_rows = _rows(app)[len(rows) :]
    assert all(clinic == world.clinic_b for *_, clinic in new_rows), (
        "nothing written about clinic A's records"
    )
    assert ("read", "course", course_id, world.clinic_b) not in new_rows
    # the other clinic's patient opened their own (empty) page: one read of their assessment
    assert new_rows == [("read", "assessment", world.assessment_b, world.clinic_b)]
    assert _visits(app, course_id)[1][2] == "planned"
    assert clinician.get(f"/staff/courses/{course_id}").status_code == 200


def test_the_assessment_page_lists_its_courses_and_links_to_plan_one(app: FastAPI, world: World) -> None:
    clinician = signed_in(app, world.clinician_a)
    empty = clinician.get(f"/staff/assessments/{world.assessment_a}").text
    assert "No course planned." in empty
    assert f'href="/staff/assessments/{world.assessment_a}/courses/new"' in empty
    _, course_id = _plan(app, world, KETAMINE)
    page = clinician.get(f"/staff/assessments/{world.assessment_a}").text
    assert (
        f'<a href="/staff/courses/{course_id}">Course {course_id}: IV ketamine, twice weekly for 3 weeks</a>'
        in page
    )
    assert "0 of 6 visits done" in page


def test_a_planned_course_holds_each_visit_once_in_date_order(app: FastAPI, world: World) -> None:
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None and assessment.clinic is not None
        course = create_course(
            session,
            audit.SYSTEM,
            assessment,
            assessment.clinic,
            load().protocols["iv_ketamine_twice_weekly"].plan,
            staff_id=world.clinician_a,
            start=dt.date(2026, 10, 19),
            unavailable=[],
            taper=False,
        )
        assert [visit.number for visit in course.visits] == [1, 2, 3, 4, 5, 6]
        assert [visit.starts_at for visit in course.visits] == sorted(v.starts_at for v in course.visits)


def _post(clinician: BrowserClient, course_id: int, visit_id: int, action: str, **form: str) -> Any:
    return clinician.post(
        f"/staff/courses/{course_id}/visits/{visit_id}/{action}", data=form, follow_redirects=False
    )


def _keeps_the_ketamine_rules(visits: list[tuple[int, dt.datetime, str]]) -> None:
    days = [start.date() for _, start, status in visits if status != "missed"]
    assert len(days) == 6, days
    assert all((later - earlier).days >= 2 for earlier, later in pairwise(days)), days
    weeks = [day.isocalendar()[:2] for day in days]
    assert max(weeks.count(week) for week in weeks) <= 2, days


def test_a_visit_missed_after_a_later_one_was_done_replans_around_the_done_one(
    app: FastAPI, world: World
) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    third, fourth = _visit_id(app, course_id, 3), _visit_id(app, course_id, 4)
    assert _post(clinician, course_id, fourth, "status", status="done").status_code == 303
    assert _post(clinician, course_id, third, "status", status="missed").status_code == 303
    visits = _visits(app, course_id)
    _keeps_the_ketamine_rules(visits)
    done = next(start for number, start, _ in visits if number == 4)
    assert all(start > done for number, start, status in visits if status == "planned" and number > 4)


def test_a_visit_cannot_move_before_a_later_one_that_was_done(app: FastAPI, world: World) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    third, fourth = _visit_id(app, course_id, 3), _visit_id(app, course_id, 4)
    assert _post(clinician, course_id, fourth, "status", status="done").status_code == 303
    refused = _post(clinician, course_id, third, "move", date="2026-10-27", time="09:00")
    assert refused.status_code == 422 and "must come after session 4" in refused.text
    assert _post(clinician, course_id, third, "move", date="2026-10-30", time="08:00").status_code == 303
    _keeps_the_ketamine_rules(_visits(app, course_id))


def test_a_visit_marked_missed_late_is_replanned_after_now(
    app: FastAPI, world: World, clock: list[dt.datetime]
) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    clock[0] = dt.datetime(2026, 10, 27, 15, 0, tzinfo=dt.UTC)  # the day after the third visit
    third = _visit_id(app, course_id, 3)
    assert _post(clinician, course_id, third, "status", status="missed").status_code == 303
    planned = [
        start for number, start, status in _visits(app, course_id) if status == "planned" and number > 3
    ]
    assert planned and all(start > clock[0] for start in planned), planned
    clock[0] = dt.datetime(2026, 11, 12, 15, 0, tzinfo=dt.UTC)  # past the course's 21 days
    fifth = next(n for n, _, status in _visits(app, course_id) if status == "planned" and n > 3)
    assert (
        _post(clinician, course_id, _visit_id(app, course_id, fifth), "status", status="missed").status_code
        == 303
    )
    page = clinician.get(f"/staff/courses/{course_id}").text
    assert "could not be planned" in page, "the page says the course is short"


def test_a_visit_cannot_move_into_the_past(app: FastAPI, world: World, clock: list[dt.datetime]) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    clock[0] = dt.datetime(2026, 10, 22, 15, 0, tzinfo=dt.UTC)
    third = _visit_id(app, course_id, 3)
    refused = _post(clinician, course_id, third, "move", date="2026-10-22", time="10:00")
    assert refused.status_code == 422 and "The new time is in the past" in refused.text
    assert _visits(app, course_id)[2][1] == dt.datetime(2026, 10, 26, 8, 0, tzinfo=NEW_YORK), "unchanged"


@pytest.mark.parametrize("date", ["9999-12-31", "2999-12-31", "2027-10-21", "2026-10-18", "0001-01-01"])
def test_a_move_outside_the_courses_dates_is_refused_with_the_range(
    app: FastAPI, world: World, date: str
) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    response = _post(clinician, course_id, _visit_id(app, course_id, 2), "move", date=date, time="09:00")
    assert response.status_code == 422
    assert "Choose a date from 2026-10-19 (the course&#39;s start) to 2027-10-20." in response.text


def test_replanning_keeps_the_ids_and_calendar_uids_of_the_planned_visits(app: FastAPI, world: World) -> None:
    clinician, course_id = _plan(app, world, KETAMINE)
    _plan(app, world, TMS)  # a later course holds the highest ids: a new row cannot reuse a deleted id
    before = [_visit_id(app, course_id, number) for number in range(1, 7)]
    uids = {
        str(e["UID"])
        for e in Calendar.from_ical(clinician.get(f"/staff/courses/{course_id}/calendar.ics").content).walk(
            "VEVENT"
        )
    }
    assert _post(clinician, course_id, before[1], "status", status="missed").status_code == 303
    with app.state.sessions() as session:
        after = set(session.scalars(select(CourseVisit.id).where(CourseVisit.course_id == course_id)))
    assert set(before) <= after and len(after) == 7, "the four planned visits kept their rows; one was added"
    calendar = Calendar.from_ical(clinician.get(f"/staff/courses/{course_id}/calendar.ics").content)
    assert uids - {f"visit-{before[1]}@trdnav"} <= {str(e["UID"]) for e in calendar.walk("VEVENT")}


# --- The safety screen before a course (hazard H16) ---------------------------------------------------


def _patient(app: FastAPI, world: World, answers: dict[str, Any]) -> int:
    with app.state.sessions.begin() as session:
        return add_patient(session, world.clinic_a, answers).id


def _screen(app: FastAPI, assessment_id: int, therapy: str) -> str:
    with app.state.sessions() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        return engine_statuses(dict(assessment.answers), assessment.therapies)[therapy]


def _course_count(app: FastAPI) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(func.count(Course.id))) or 0)


FLAGGED = [
    # (answer that produces the status, therapy, its protocol, the status it produces)
    ({"psychosis_history": "yes"}, "iv_ketamine", KETAMINE, "contraindicated"),
    ({"cochlear_implant": "yes"}, "tms", TMS, "contraindicated"),
    ({"psychosis_history": None}, "iv_ketamine", KETAMINE, "needs_review"),  # unanswered: never "no"
]


@pytest.mark.parametrize(("change", "therapy", "form", "status"), FLAGGED)
def test_a_course_the_screen_flags_is_refused_until_a_clinician_reviews_it(
    app: FastAPI, world: World, change: dict[str, Any], therapy: str, form: dict[str, str], status: str
) -> None:
    answers = {key: value for key, value in (safety_all_no() | change).items() if value is not None}
    patient = _patient(app, world, answers)
    assert _screen(app, patient, therapy) == status, "the answers produce the status this test is about"
    clinician = signed_in(app, world.clinician_a)
    rows = len(_rows(app))

    refused = clinician.post(f"/staff/assessments/{patient}/courses/new", data=form)
    assert refused.status_code == 422
    assert "no clinician has reviewed it" in refused.text
    assert f'href="/staff/assessments/{patient}#safety-{therapy}"' in refused.text, "a link to record it"
    assert _course_count(app) == 0, "nothing planned"
    assert _rows(app)[rows:] == [("read", "assessment", patient, world.clinic_a)]

    # The form shows the screen before the clinician submits: status, rule ids and the review state.
    page = clinician.get(f"/staff/assessments/{patient}/courses/new").text
    screen = page.split(f'id="screen-{therapy}"')[1].split("</div>")[0]
    assert f"safety-{status}" in screen and "Clinician review:" in screen and "none recorded" in screen
    if status == "contraindicated":
        rule = _reason_rules(app, patient, therapy)[0]
        assert rule in screen

    # Confirming the screen (or overriding a contraindication to needs review) with a reason lets it pass.
    decision = "needs_review"
    reviewed = clinician.post(
        f"/staff/assessments/{patient}/reviews",
        data={"therapy": therapy, "status": decision, "reason": "Seen in clinic; benefits discussed."},
        follow_redirects=False,
    )
    assert reviewed.status_code == 303
    page = clinician.get(f"/staff/assessments/{patient}/courses/new").text
    screen = page.split(f'id="screen-{therapy}"')[1].split("</div>")[0]
    assert "Ana North" in screen and "Seen in clinic; benefits discussed." in screen
    assert ("(confirmed)" if status == decision else "(overridden)") in screen
    planned = clinician.post(f"/staff/assessments/{patient}/courses/new", data=form, follow_redirects=False)
    assert planned.status_code == 303, planned.text
    assert _course_count(app) == 1


def _reason_rules(app: FastAPI, assessment_id: int, therapy: str) -> list[str]:
    """The rule ids behind the therapy's screen, from the engine (not hard-coded here)."""
    with app.state.sessions() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        result, _ = assess_stored(dict(assessment.answers), assessment.therapies)
        return [reason["rule"] for reason in result["therapies"][therapy]["reasons"]]


def test_no_known_concerns_plans_without_a_review(app: FastAPI, world: World) -> None:
    patient = _patient(app, world, safety_all_no())
    assert _screen(app, patient, "iv_ketamine") == "no_known_concerns"
    clinician = signed_in(app, world.clinician_a)
    planned = clinician.post(
        f"/staff/assessments/{patient}/courses/new", data=KETAMINE, follow_redirects=False
    )
    assert planned.status_code == 303, planned.text
    assert 'id="course-safety"' not in clinician.get(planned.headers["location"]).text, "no banner"


def test_a_clinicians_own_contraindicated_status_stops_the_plan(app: FastAPI, world: World) -> None:
    patient = _patient(app, world, safety_all_no() | {"psychosis_history": "yes"})
    assert _screen(app, patient, "iv_ketamine") == "contraindicated"
    clinician = signed_in(app, world.clinician_a)
    review = {"therapy": "iv_ketamine", "status": "contraindicated", "reason": "Psychosis in 2024."}
    assert clinician.post(f"/staff/assessments/{patient}/reviews", data=review).status_code == 200
    refused = clinician.post(f"/staff/assessments/{patient}/courses/new", data=KETAMINE)
    assert refused.status_code == 422
    assert "recorded as contraindicated by the clinician&#39;s review" in refused.text
    assert _course_count(app) == 0


def test_a_review_of_an_earlier_screen_does_not_count(app: FastAPI, world: World) -> None:
    """The patient answers after the review and the screen changes: the review saw another screen."""
    patient = _patient(app, world, {"age": 45})
    assert _screen(app, patient, "iv_ketamine") == "needs_review"
    clinician = signed_in(app, world.clinician_a)
    review = {"therapy": "iv_ketamine", "status": "needs_review", "reason": "Will screen at consultation."}
    assert clinician.post(f"/staff/assessments/{patient}/reviews", data=review).status_code == 200
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, patient)
        assert assessment is not None
        answers = safety_all_no() | {"psychosis_history": "yes"}
        save_answers(
            session, assessment, answers, step="safety", knowledge_version=load().version, suicide_risk=False
        )
    assert _screen(app, patient, "iv_ketamine") == "contraindicated"
    refused = clinician.post(f"/staff/assessments/{patient}/courses/new", data=KETAMINE)
    assert refused.status_code == 422
    assert "the latest review saw needs review" in refused.text
    assert "it does not cover the screen as it is now" in refused.text
    assert _course_count(app) == 0


def test_the_course_page_carries_the_screen_and_the_review(app: FastAPI, world: World) -> None:
    patient = _patient(app, world, safety_all_no() | {"cochlear_implant": "yes"})
    assert _screen(app, patient, "tms") == "contraindicated"
    clinician = signed_in(app, world.clinician_a)
    reason = "Implant removed in 2025; ENT letter on file."
    review = {"therapy": "tms", "status": "needs_review", "reason": reason}
    assert clinician.post(f"/staff/assessments/{patient}/reviews", data=review).status_code == 200
    planned = clinician.post(f"/staff/assessments/{patient}/courses/new", data=TMS, follow_redirects=False)
    assert planned.status_code == 303
    page = clinician.get(planned.headers["location"]).text
    banner = page.split('id="course-safety"')[1].split("</section>")[0]
    assert f"Safety screen for {load().therapies['tms'].name}: Contraindicated" in banner
    assert all(rule in banner for rule in _reason_rules(app, patient, "tms"))
    assert "Needs review (overridden)" in banner and "Ana North" in banner and reason in banner


def test_the_course_page_says_how_many_sessions_of_how_many_and_why(app: FastAPI, world: World) -> None:
    """The issue's TMS taper course: 28 of 30 acute sessions within 42 days (two US holidays)."""
    clinician, course_id = _plan(app, world, {**TMS, "taper": "on"})
    page = clinician.get(f"/staff/courses/{course_id}").text
    assert "Fewer sessions than the protocol asks" in page
    assert "28 of the 30 acute sessions the protocol asks for are planned" in page
    assert "2026-11-11, 2026-11-26 (public holiday or closure)" in page
    assert "below the protocol's minimum" not in page


def test_below_the_minimum_the_course_page_warns_more_strongly(app: FastAPI, world: World) -> None:
    away = ", ".join((dt.date(2026, 11, 9) + dt.timedelta(days=n)).isoformat() for n in range(21))
    clinician, course_id = _plan(app, world, {**TMS, "unavailable": away})
    page = clinician.get(f"/staff/courses/{course_id}").text
    assert "Fewer sessions than a full course: below the protocol's minimum" in page
    assert re.search(r"Only \d+ of the 30 acute sessions", page)
    assert "fewer than the 20 it counts as a full acute phase" in page
    assert "the patient is not available on 2026-11-09" in page


def test_the_calendar_is_a_row_per_visit_with_its_actions_in_one_menu(app: FastAPI, world: World) -> None:
    clinician, course_id = _plan(app, world, TMS)
    page = clinician.get(f"/staff/courses/{course_id}").text
    rows = re.findall(r'<tr id="visit-(\d+)" class="visit-row visit-(\w+)">(.*?)</tr>', page, re.S)
    assert len(rows) == len(_visits(app, course_id))
    first_id, status, row = rows[0]
    assert status == "planned"
    assert "Monday 2 Nov 2026, 08:00 EST" in row and "acute" in row, "the clinic's zone, named"
    assert row.count("<details") == 1, "one menu a row"
    menu = row[row.index("<details") :]
    assert f"/staff/courses/{course_id}/sessions/new?visit={first_id}" in menu
    assert "Mark visit 1 done" in menu and "Mark visit 1 missed" in menu and "Move visit 1" in menu
    assert '<details class="row-menu" open' not in page, "menus start closed"
    # the menu's actions still work, and a refused move opens that row's menu with its message
    missed = clinician.post(
        f"/staff/courses/{course_id}/visits/{first_id}/status",
        data={"status": "missed"},
        follow_redirects=False,
    )
    assert missed.status_code == 303
    page = clinician.get(f"/staff/courses/{course_id}").text
    missed_row = re.search(
        rf'<tr id="visit-{first_id}" class="visit-row visit-missed">(.*?)</tr>', page, re.S
    )
    assert missed_row and "<details" not in missed_row.group(1), "nothing to do on a missed visit"
    second = _visit_id(app, course_id, 2)
    refused = clinician.post(
        f"/staff/courses/{course_id}/visits/{second}/move", data={"date": "2026-11-07", "time": "08:00"}
    )
    assert refused.status_code == 422
    row = re.search(
        rf'<tr id="visit-{second}" class="visit-row visit-planned">(.*?)</tr>', refused.text, re.S
    )
    assert row and '<details class="row-menu" open>' in row.group(1)
    assert "The visit cannot be moved there" in row.group(1)
