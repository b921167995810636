"""The course summary report's content: the calendar kept, the sessions recorded, the scores and the
outcome of one course, gathered from the database for the printable page and the PDF, with the
therapy's safety screen and the clinician's review of it (`trdnav.store.course_safety`).

Reading here writes no audit row by itself: the route records its read or export of the course
(`Principal.record_read`), in the request's transaction. The outcome follows the same rules as the
outcomes page (`trdnav.store.outcome_scores.course_outcome`), for the course asked for rather than
the course shown there: scores count from the course's first kept session until the first kept
session of a later course.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.core.protocol import Phase
from trdnav.courses import outcomes as rules
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.course_safety import TherapyScreen, therapy_screen
from trdnav.store.models import Assessment, Course, CourseVisit, SessionRecord, Staff
from trdnav.store.outcome_scores import (
    CourseOutcome,
    active_course,
    course_outcome,
    course_therapy,
    first_kept_session,
    next_course_start,
    shown_course,
)
from trdnav.store.session_records import current_records


@dataclass(frozen=True, slots=True)
class VisitLine:
    number: int
    phase: str
    at: dt.datetime  # local time in the course's zone
    status: str  # planned, done, missed


@dataclass(frozen=True, slots=True)
class RecordLine:
    """One session record as it stands now (the newest version), in words."""

    id: int
    kind: str
    visit_number: int | None
    visit_at: dt.datetime | None
    recorded_by: str
    recorded_at: dt.datetime  # local
    corrected: bool
    correction_reason: str
    data: dict[str, Any]  # the checked fields (`trdnav.web.staff.session_record_view.record_rows` words them)


@dataclass(frozen=True, slots=True)
class ScoreLine:
    instrument: str
    total: int
    taken_at: dt.datetime  # local
    source: str


@dataclass(frozen=True, slots=True)
class Counts:
    done: int
    missed: int
    planned: int

    @property
    def adherence(self) -> float | None:
        """Done ÷ (done + missed), as a fraction; None before any visit is done or missed."""
        held = self.done + self.missed
        return None if held == 0 else self.done / held


@dataclass(frozen=True)
class CourseReport:
    course: Course
    zone: ZoneInfo
    made_at: dt.datetime  # local
    knowledge_version: str
    protocol_name: str
    therapy_name: str
    protocol_known: bool
    phases: list[Phase]  # the protocol's (`trdnav.web.outcome_view.phase_words` words them)
    session_minutes: int | None
    observation_minutes: int | None
    visits: list[VisitLine]
    counts: Counts
    records: list[RecordLine]
    scores: list[ScoreLine]
    outcome: CourseOutcome  # the same figures the outcomes page shows, for this course
    screen: TherapyScreen | None  # the therapy's safety screen and review; None: not screened

    @property
    def baseline(self) -> rules.Baseline | None:
        return self.outcome.baseline

    @property
    def latest(self) -> rules.Score | None:
        return self.outcome.latest

    @property
    def status(self) -> str:
        return self.outcome.status

    @property
    def halfway(self) -> rules.HalfwayCheck | None:
        return self.outcome.halfway

    @property
    def checkins(self) -> list[rules.CheckIn]:
        return self.outcome.checkins

    @property
    def change_percent(self) -> float | None:
        return self.outcome.change_percent

    @property
    def response(self) -> bool | None:
        """Whether the latest PHQ-9 meets the response definition; None when it cannot be said."""
        if self.baseline is None or self.latest is None or self.baseline.total <= 0:
            return None
        return rules.is_response(self.baseline.total, self.latest.total, self.outcome.thresholds)

    @property
    def remission(self) -> bool | None:
        return None if self.latest is None else rules.is_remission(self.latest.total, self.outcome.thresholds)


def _record_line(
    record: SessionRecord, visits: dict[int, CourseVisit], names: dict[int, str], zone: ZoneInfo
) -> RecordLine:
    visit = visits.get(record.visit_id) if record.visit_id is not None else None
    return RecordLine(
        id=record.id,
        kind=record.kind,
        visit_number=visit.number if visit else None,
        visit_at=visit.starts_at.astimezone(zone) if visit else None,
        recorded_by=names.get(record.recorded_by, f"staff {record.recorded_by}"),
        recorded_at=record.recorded_at.astimezone(zone),
        corrected=record.supersedes_id is not None,
        correction_reason=record.correction_reason,
        data=record.data,
    )


def course_report(session: Session, kb: KnowledgeBase, course: Course, now: dt.datetime) -> CourseReport:
    """Everything the course summary shows, in the course's time zone."""
    zone = ZoneInfo(course.timezone)
    entry = kb.protocols.get(course.protocol_id)
    therapy = course_therapy(kb, course.protocol_id)
    visits = sorted(course.visits, key=lambda v: (v.starts_at, v.number))
    lines = [VisitLine(v.number, v.phase, v.starts_at.astimezone(zone), v.status) for v in visits]
    counts = Counts(*(sum(1 for v in visits if v.status == s) for s in ("done", "missed", "planned")))

    records = current_records(course)
    staff_ids = {r.recorded_by for r in records}
    names = {s.id: s.name for s in session.scalars(select(Staff).where(Staff.id.in_(staff_ids)))}
    by_id = {v.id: v for v in visits}

    outcome = course_outcome(kb, course.assessment, now, course)
    start, end = first_kept_session(course), next_course_start(course)
    shown = [
        ScoreLine(s.instrument, s.total, s.taken_at.astimezone(zone), s.source)
        for s in sorted(course.assessment.outcome_scores, key=lambda s: (s.taken_at, s.id))
        if start is not None and start <= s.taken_at and (end is None or s.taken_at < end)
    ]
    return CourseReport(
        course=course,
        zone=zone,
        made_at=now.astimezone(zone),
        knowledge_version=kb.version,
        protocol_name=entry.name if entry else course.protocol_id,
        therapy_name=kb.therapies[therapy].name if therapy in kb.therapies else therapy,
        protocol_known=entry is not None,
        phases=list(entry.plan.phases) if entry else [],
        session_minutes=entry.schedule.session_minutes if entry else None,
        observation_minutes=entry.schedule.observation_minutes if entry else None,
        visits=lines,
        counts=counts,
        records=[_record_line(r, by_id, names, zone) for r in records],
        scores=shown,
        outcome=outcome,
        screen=therapy_screen(course.assessment, therapy),
    )


@dataclass(frozen=True, slots=True)
class PatientTreatment:
    """What the patient's results page says about their treatment: the next visit and check-in."""

    course_id: int
    next_visit: dt.datetime | None  # local time in the course's zone; None when none is planned ahead
    checkin_due_now: bool
    next_checkin: dt.date | None  # the next check-in coming up (local date), when none is due now


def patient_treatment(kb: KnowledgeBase, assessment: Assessment, now: dt.datetime) -> PatientTreatment | None:
    """The course the outcomes page follows (the running one, else the latest), or None without one.

    Check-ins are given only while a course runs, as on the check-in page.
    """
    course = shown_course(assessment)
    if course is None:
        return None
    zone = ZoneInfo(course.timezone)
    ahead = sorted(v.starts_at for v in course.visits if v.status == "planned" and v.starts_at >= now)
    checkins = course_outcome(kb, assessment, now).checkins if active_course(assessment) else []
    due_now = any(c.state == "due" for c in checkins)
    upcoming = [c.due for c in checkins if c.state == "upcoming"]
    return PatientTreatment(
        course_id=course.id,
        next_visit=ahead[0].astimezone(zone) if ahead else None,
        checkin_due_now=due_now,
        next_checkin=upcoming[0] if upcoming and not due_now else None,
    )
