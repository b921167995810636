"""Outcome scores in the database, and the figures the pages show from them: one patient's course
outcome (baseline, status, halfway flag, check-ins) and a clinic's course results for rates.

`add_score` writes its audit row in the same transaction (an alert raised here is audited by
`store.alerts`); the figures are read without an audit row of their own: the route that shows
them records its read with `Principal.record_read`. Their words and chart are web's (`web.outcome_view`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trdnav.core.course_numbers import OutcomeRules
from trdnav.courses import outcomes as rules
from trdnav.courses.rates import CourseResult
from trdnav.courses.score_entry import Entry
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store import audit
from trdnav.store.alerts import flag_suicide_risk, open_alerts, raise_alert
from trdnav.store.models import Assessment, Course, OutcomeScore

PHQ9_ITEMS = 9


def course_therapy(kb: KnowledgeBase, protocol_id: str) -> str:
    """The therapy a course's protocol belongs to (``kb.protocols``); for a protocol no longer in the
    knowledge base, the longest therapy id the protocol id starts with ("tms_10hz" -> "tms")."""
    entry = kb.protocols.get(protocol_id)
    if entry is not None:
        return entry.therapy
    matches = [t for t in kb.therapies if protocol_id == t or protocol_id.startswith(f"{t}_")]
    return max(matches, key=len) if matches else protocol_id


def intake_phq9_total(assessment: Assessment) -> int | None:
    answers = assessment.answers.get("phq9")
    if isinstance(answers, list) and len(answers) == PHQ9_ITEMS and all(isinstance(a, int) for a in answers):
        return sum(answers)
    return None


def active_course(assessment: Assessment) -> Course | None:
    """The most recent course still running, if any: new scores belong to it."""
    running = [c for c in assessment.courses if c.status == "active"]
    return max(running, key=lambda c: (c.start_date, c.id)) if running else None


def shown_course(assessment: Assessment) -> Course | None:
    """The course the outcomes page follows: the active one, else the most recent."""
    return active_course(assessment) or (
        max(assessment.courses, key=lambda c: (c.start_date, c.id)) if assessment.courses else None
    )


def add_score(
    session: Session,
    actor: audit.Actor,
    assessment: Assessment,
    entry: Entry,
    *,
    taken_at: dt.datetime,
    source: str,
    entered_by: int | None,
) -> OutcomeScore:
    course = active_course(assessment)
    score = OutcomeScore(
        assessment=assessment,
        course_id=course.id if course else None,
        instrument=entry.instrument,
        item_answers=entry.items,
        total=entry.total,
        taken_at=taken_at,
        source=source,
        entered_by=entered_by,
    )
    session.add(score)
    session.flush()
    audit.record(session, actor, "create", "outcome_score", score.id, clinic_id=assessment.clinic_id)
    return score


def alert_refused_risk_answer(session: Session, actor: audit.Actor, assessment: Assessment) -> None:
    """A PHQ-9 item 9 above 0 came in a form that was refused, so no score holds it: flag the
    assessment (the patient's pages show crisis resources first) and alert its clinic at once, unless
    a suicide-risk alert is already open (sending the form again does not alert again).

    Not `flag_suicide_risk` alone: that alerts once per assessment, so a risk answer in a check-in
    long after the intake's alert was handled would alert nobody. A stored score with item 9 above 0
    still raises its own alert, linked to the score."""
    if assessment.clinic_id is None:  # no clinic to alert; the flag still shows the crisis resources
        flag_suicide_risk(session, actor, assessment)
        return
    if any(alert.kind == "suicide_risk" for alert in open_alerts(session, assessment.id)):
        assessment.suicide_risk_alert = True
        return
    raise_alert(session, actor, assessment, "suicide_risk", source_type="assessment", source_id=assessment.id)


def _scores(assessment: Assessment, zone: ZoneInfo) -> list[rules.Score]:
    return [
        rules.Score(s.instrument, s.total, s.taken_at.astimezone(zone)) for s in assessment.outcome_scores
    ]


@dataclass(frozen=True)
class CourseOutcome:
    """What the clinician sees of one patient's outcomes (for a course, or without one)."""

    course: Course | None
    therapy: str | None
    zone: ZoneInfo
    baseline: rules.Baseline | None
    phq9: list[rules.Score]  # since the course began (or since intake, without a course)
    gad7: list[rules.Score]
    status: str
    halfway: rules.HalfwayCheck | None
    checkins: list[rules.CheckIn]
    thresholds: OutcomeRules  # the knowledge base's thresholds the status and flag were judged by
    assessment_id: int

    @property
    def latest(self) -> rules.Score | None:
        return self.phq9[-1] if self.phq9 else None

    @property
    def change_percent(self) -> float | None:
        if self.baseline is None or self.latest is None:
            return None
        return rules.percent_change(self.baseline.total, self.latest.total)


def first_kept_session(course: Course) -> dt.datetime | None:
    kept = sorted(v.starts_at for v in course.visits if v.status != "missed")
    return kept[0] if kept else None


def next_course_start(course: Course) -> dt.datetime | None:
    """The first kept session of the patient's next course, if any: this course's scores end there."""
    later = [
        first
        for other in course.assessment.courses
        if other.id != course.id
        and (other.start_date, other.id) > (course.start_date, course.id)
        and (first := first_kept_session(other)) is not None
    ]
    return min(later) if later else None


def course_outcome(
    kb: KnowledgeBase, assessment: Assessment, now: dt.datetime, course: Course | None = None
) -> CourseOutcome:
    """Baseline, status, halfway flag, check-ins and chart for ``course`` (default: the course shown
    on the outcomes page, or the intake alone). A course's scores end where the next course begins."""
    course = course or shown_course(assessment)
    zone = ZoneInfo(
        course.timezone if course else (assessment.clinic.timezone if assessment.clinic else "UTC")
    )
    scores = _scores(assessment, zone)
    end = next_course_start(course) if course else None
    scores = [s for s in scores if end is None or s.taken_at < end]
    intake_at = assessment.created_at.astimezone(zone)
    visits = sorted(course.visits, key=lambda v: v.starts_at) if course else []
    kept = [v for v in visits if v.status != "missed"]
    first_session = kept[0].starts_at.astimezone(zone) if kept else None
    start = first_session if course else intake_at
    base = rules.baseline(scores, start, intake_phq9_total(assessment), intake_at)
    phq9 = rules.since_start(scores, start)
    gad7 = sorted(
        (s for s in scores if s.instrument == "gad7" and start is not None and s.taken_at >= start),
        key=lambda s: s.taken_at,
    )
    latest = phq9[-1] if phq9 else None
    thresholds = kb.outcome_rules.rules
    checkins = rules.checkin_schedule(
        [v.starts_at.astimezone(zone).date() for v in kept],
        [s.taken_at.date() for s in phq9],
        now.astimezone(zone).date(),
    )
    return CourseOutcome(
        course=course,
        therapy=course_therapy(kb, course.protocol_id) if course else None,
        zone=zone,
        baseline=base,
        phq9=phq9,
        gad7=gad7,
        status=rules.status(base, latest, thresholds),
        halfway=rules.halfway([v.status for v in visits], base, latest, thresholds) if course else None,
        checkins=checkins,
        thresholds=thresholds,
        assessment_id=assessment.id,
    )


def clinic_course_results(
    session: Session, kb: KnowledgeBase, clinic_id: int, now: dt.datetime
) -> list[CourseResult]:
    """Every course of the clinic with its therapy, baseline and latest PHQ-9: the same figures the
    outcomes page shows for the course (`course_outcome`), so its scores end where the next course
    begins and a later course's scores never count for an earlier one."""
    query = (
        select(Course)
        .join(Assessment)
        .where(Assessment.clinic_id == clinic_id)
        .order_by(Course.id)
        .options(
            selectinload(Course.visits),
            selectinload(Course.assessment).selectinload(Assessment.outcome_scores),
            selectinload(Course.assessment).selectinload(Assessment.courses).selectinload(Course.visits),
        )
    )
    results: list[CourseResult] = []
    for course in session.scalars(query):
        outcome = course_outcome(kb, course.assessment, now, course)
        results.append(
            CourseResult(
                therapy=outcome.therapy or course_therapy(kb, course.protocol_id),
                baseline=outcome.baseline.total if outcome.baseline else None,
                latest=outcome.latest.total if outcome.latest else None,
            )
        )
    return results
