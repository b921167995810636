"""Treatment courses: plan one for an assessment, mark its visits done or missed, move a visit.

The planner (`trdnav.courses.planner`) does the arithmetic; this module feeds it the clinic's
settings (opening days and hours, time zone, public holidays of its country and state) and the
patient's unavailable dates, and keeps the result as `CourseVisit` rows in UTC. Missing a visit
or moving one re-plans the planned visits after it around every visit done (even one later in time:
it happened) and the planned ones before it, never earlier than now. The planned rows are updated in
place, in time order, so their ids (and the calendar's UIDs) stay; only the difference is inserted or
deleted. They are numbered on after every visit kept (missed ones included, so numbers never repeat).
Visits done or missed stay as they were.

The plan's problems (a rule that could not be met) and shortfalls (a phase with fewer sessions than
the protocol asks) are not stored: `course_check` recomputes them from the visits as they stand, so
the page always says what the current plan lacks. Whether
the optional taper was chosen is read back from the visits (a visit in an optional phase).

A course for a therapy whose safety screen is contraindicated or needs review is refused until a
clinician's review of it is on record (`trdnav.store.course_safety`, hazard H16).

Every change is audited in the caller's transaction: "create" "course"; "update" "course_visit"
for a visit's new status or time; one "update" "course" for each re-plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from trdnav.core.protocol import Protocol
from trdnav.courses.planner import (
    SEARCH_DAYS,
    Opening,
    Plan,
    PlannedSession,
    check_move,
    plan_course,
    public_holidays,
    replan,
)
from trdnav.store import audit
from trdnav.store.course_safety import course_refusal
from trdnav.store.models import Assessment, Clinic, Course, CourseVisit, now

VISIT_STATUSES = {"planned": "Planned", "done": "Done", "missed": "Missed"}
MAX_UNAVAILABLE = 200


# --- The clinic's calendar ---------------------------------------------------------------------


def _clock(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def opening_of(clinic: Clinic, timezone: str | None = None) -> Opening:
    """When the clinic sees patients; ``timezone`` overrides the clinic's (a course keeps its own)."""
    return Opening(
        weekdays=frozenset(clinic.opening_days),
        opens=_clock(clinic.opens_at),
        closes=_clock(clinic.closes_at),
        timezone=timezone or clinic.timezone,
    )


def closed_days(clinic: Clinic, *days: dt.date) -> frozenset[dt.date]:
    """The clinic's public holidays from the earliest of ``days``' years through the year after the
    latest (the planner looks up to a year ahead of where it starts)."""
    years = [day.year for day in days]
    return public_holidays(clinic.country, clinic.subdivision, range(min(years), max(years) + 2))


# --- Planning ----------------------------------------------------------------------------------


def _visit(session: PlannedSession, number: int) -> CourseVisit:
    """A new visit; the caller appends it to its course's visits (once: no back-reference here)."""
    return CourseVisit(number=number, phase=session.phase, starts_at=session.starts_at.astimezone(dt.UTC))


def taper_chosen(course: Course, protocol: Protocol) -> bool:
    optional = {phase.name for phase in protocol.phases if phase.optional}
    return any(visit.phase in optional for visit in course.visits)


def _planned(visit: CourseVisit) -> PlannedSession:
    return PlannedSession(visit.number, visit.phase, visit.starts_at)


def _unavailable(course: Course) -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(day) for day in course.unavailable_dates)


def _store_plan(session: Session, course: Course, plan: Plan, reused: Sequence[CourseVisit] = ()) -> None:
    """Keep the plan's sessions as visits, numbered on after every visit not in ``reused``.

    The ``reused`` planned visits take the plan's sessions in time order (same ids, new number,
    phase and time); sessions beyond them are added, and reused visits beyond the plan deleted.
    """
    number = max((v.number for v in course.visits if v not in reused), default=0) + 1
    for offset, planned in enumerate(plan.sessions):
        if offset < len(reused):
            visit = reused[offset]
            visit.number, visit.phase = number + offset, planned.phase
            visit.starts_at = planned.starts_at.astimezone(dt.UTC)
        else:
            course.visits.append(_visit(planned, number + offset))
    for visit in reused[len(plan.sessions) :]:
        course.visits.remove(visit)
        session.delete(visit)
    session.flush()


def _replan(
    session: Session,
    course: Course,
    clinic: Clinic,
    protocol: Protocol,
    kept: Sequence[CourseVisit],
    after: dt.datetime,
    taper: bool,
) -> None:
    """Re-plan the planned visits not in ``kept`` after ``after`` around ``kept`` (rows kept in place)."""
    reused = sorted(
        (v for v in course.visits if v.status == "planned" and v not in kept),
        key=lambda v: (v.starts_at, v.number),
    )
    plan = replan(
        protocol,
        course.start_date,
        opening_of(clinic, course.timezone),
        closed_days(clinic, course.start_date, after.date()),
        _unavailable(course),
        [_planned(v) for v in kept],
        after,
        taper=taper,
    )
    _store_plan(session, course, plan, reused)


def create_course(
    session: Session,
    actor: audit.Actor,
    assessment: Assessment,
    clinic: Clinic,
    protocol: Protocol,
    *,
    staff_id: int,
    start: dt.date,
    unavailable: Sequence[dt.date],
    taper: bool,
) -> Course:
    """Plan the course and keep its visits; audited as "create" "course".

    Raises `CourseNotReviewed`, writing nothing, when the therapy's safety screen needs a clinician
    review that is not on record (`trdnav.store.course_safety`).
    """
    refusal = course_refusal(assessment, protocol.therapy)
    if refusal is not None:
        raise refusal
    course = Course(
        assessment=assessment,
        protocol_id=protocol.id,
        start_date=start,
        timezone=clinic.timezone,
        unavailable_dates=[day.isoformat() for day in sorted(set(unavailable))],
        status="active",
        created_by=staff_id,
    )
    session.add(course)
    session.flush()
    plan = plan_course(
        protocol,
        start,
        opening_of(clinic, course.timezone),
        closed_days(clinic, start),
        _unavailable(course),
        taper=taper,
    )
    _store_plan(session, course, plan)
    audit.record(session, actor, "create", "course", course.id, clinic_id=assessment.clinic_id)
    return course


def course_check(course: Course, clinic: Clinic, protocol: Protocol, at: dt.datetime | None = None) -> Plan:
    """The plan as it stands, checked: re-planning after its last visit (and after ``at``, now, as a
    re-plan would) finds the problems left and the phases short of the sessions the protocol asks."""
    kept = [v for v in course.visits if v.status != "missed"]
    start = dt.datetime.combine(course.start_date, dt.time(0), ZoneInfo(course.timezone))
    after = max([start.astimezone(dt.UTC), at or now(), *(v.starts_at for v in kept)])
    plan = replan(
        protocol,
        course.start_date,
        opening_of(clinic, course.timezone),
        closed_days(clinic, course.start_date, after.date()),
        _unavailable(course),
        [_planned(v) for v in kept],
        after,
        taper=taper_chosen(course, protocol),
    )
    return plan


class VisitChangeError(ValueError):
    """A change the visit cannot take (it is not planned any more); the message says why."""


def _must_be_planned(visit: CourseVisit) -> None:
    if visit.status != "planned":
        raise VisitChangeError(
            f"Visit {visit.number} is already marked {VISIT_STATUSES[visit.status].lower()}; "
            "only planned visits can be changed."
        )


def _kept_around(course: Course, visit: CourseVisit) -> list[CourseVisit]:
    """The visits a change of this one re-plans around: every visit done, even one later in time
    (it happened, and counts towards the course and its spacing), and the planned ones earlier."""
    return [
        v
        for v in course.visits
        if v is not visit
        and (v.status == "done" or (v.status == "planned" and v.starts_at < visit.starts_at))
    ]


def move_range(course: Course) -> tuple[dt.date, dt.date]:
    """The dates a visit may be moved to: from the course's start through the planner's search window."""
    return course.start_date, course.start_date + dt.timedelta(days=SEARCH_DAYS)


def mark_visit(session: Session, actor: audit.Actor, course: Course, visit: CourseVisit, status: str) -> None:
    """Set a visit's status, audited as an update of the visit (no re-planning)."""
    visit.status = status
    visit.status_changed_at = now()
    session.flush()
    audit.record(session, actor, "update", "course_visit", visit.id, clinic_id=course.assessment.clinic_id)


def set_visit_status(
    session: Session,
    actor: audit.Actor,
    course: Course,
    clinic: Clinic,
    protocol: Protocol,
    visit: CourseVisit,
    status: str,
    *,
    at: dt.datetime | None = None,
) -> None:
    """Mark a planned visit done or missed; a missed one re-plans the visits still to come.

    A visit may be marked missed after a later one was done (the clinic records what happened):
    the re-plan keeps every visit done and the planned ones before the missed one, and plans the
    rest after the latest of the missed visit, the last visit kept and ``at`` (now), so nothing is
    planned in the past, before a visit done, or around it against the protocol's spacing.
    """
    _must_be_planned(visit)
    taper = taper_chosen(course, protocol)
    mark_visit(session, actor, course, visit, status)
    if status != "missed":
        return
    kept = _kept_around(course, visit)
    after = max([visit.starts_at, at or now(), *(v.starts_at for v in kept)])
    _replan(session, course, clinic, protocol, kept, after, taper)
    audit.record(session, actor, "update", "course", course.id, clinic_id=course.assessment.clinic_id)


def move_visit(
    session: Session,
    actor: audit.Actor,
    course: Course,
    clinic: Clinic,
    protocol: Protocol,
    visit: CourseVisit,
    moved_to: dt.datetime,
    *,
    at: dt.datetime | None = None,
) -> list[str]:
    """Move a planned visit if the protocol's rules allow it (else return why not, changing nothing),
    then re-plan the visits after it.

    The new time must be on a date of `move_range`, after ``at`` (now), and after every visit done
    (even one later than the visit's old time) and every planned visit before it.
    """
    _must_be_planned(visit)
    first, last = move_range(course)
    if not first <= moved_to.date() <= last:
        return [f"Choose a date from {first.isoformat()} (the course's start) to {last.isoformat()}."]
    moment = at or now()
    if moved_to <= moment:
        shown = moment.astimezone(ZoneInfo(course.timezone)).strftime("%Y-%m-%d %H:%M")
        return [f"The new time is in the past: choose a time after now ({shown})."]
    taper = taper_chosen(course, protocol)
    kept = _kept_around(course, visit)
    opening = opening_of(clinic, course.timezone)
    closed = closed_days(clinic, course.start_date, moved_to.date())
    problems = check_move(
        protocol, opening, closed, _unavailable(course), [_planned(v) for v in kept], moved_to, taper=taper
    )
    if problems:
        return problems
    visit.starts_at = moved_to.astimezone(dt.UTC)
    visit.status_changed_at = now()
    session.flush()
    audit.record(session, actor, "update", "course_visit", visit.id, clinic_id=course.assessment.clinic_id)
    _replan(session, course, clinic, protocol, [*kept, visit], moved_to, taper)
    audit.record(session, actor, "update", "course", course.id, clinic_id=course.assessment.clinic_id)
    return []
