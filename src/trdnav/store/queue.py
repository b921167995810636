"""A clinic's work queue: its assessments and consultation requests, the most urgent first.

Two tabs: the main queue, and the drafts: assessments left before the end of the intake with no
consultation request, no alert, no review and no course, which never rank above real requests.
Order within the main queue: an urgent alert first (a suicide-risk answer, PHQ-9 item 9 above 0, at
intake or at a check-in; a seizure or other adverse event at a treatment session, until a clinician
closes it with an outcome), then assessments with a therapy the engine says needs review that no
clinician has reviewed yet, then new consultation requests, then the rest; the most recent activity
first within each group. The effective status of a therapy is the latest clinician review's, else
the engine's. The dashboard counts cover the whole queue whatever the filters, and each tab's count
is shown. Only the clinic's own assessments are ever read.

The engine's status is computed from the stored answers with the same call the patient's results
use (`trdnav.store.stored_result.assess_stored`), so the queue and every view of an assessment agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.alerts import KINDS as ALERT_WORDS
from trdnav.store.models import Assessment, ClinicAlert, ConsultationRequest, Course, Review, record_name
from trdnav.store.stored_result import assess_stored

PAGE_SIZE = 200
# Group ranks, most urgent first.
GROUPS: tuple[str, ...] = ("alert", "needs_review", "new_request", "other")
STATUS_FILTERS: dict[str, str] = {
    "alert": "Urgent alert (suicide risk, seizure, adverse event)",
    "needs_review": "Needs review (not yet reviewed)",
    "new_request": "New consultation request",
    "booked": "Consultation booked",
    "closed": "Consultation closed",
    "reviewed": "Reviewed by a clinician",
}
TABS: dict[str, str] = {"main": "Queue", "drafts": "Incomplete drafts"}
# Steps after the intake's own: the person has sent every step.
DONE_STEPS = ("review", "results")


@dataclass(frozen=True, slots=True)
class TherapyStatus:
    therapy: str
    engine: str
    effective: str
    reviewed: bool

    @property
    def overridden(self) -> bool:
        return self.reviewed and self.effective != self.engine


@dataclass(frozen=True, slots=True)
class RequestSummary:
    id: int
    status: str
    created_at: dt.datetime
    booked_for: str
    name: str = ""
    phone: str = ""
    preferred_times: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Progress:
    """How far the person got in the intake: ``step`` of ``steps`` sent, or all of it."""

    step: int
    steps: int
    title: str = ""  # the last step sent

    @property
    def complete(self) -> bool:
        return self.step >= self.steps

    @property
    def words(self) -> str:
        if self.complete:
            return "Intake complete"
        if self.step == 0:
            return "Not started"
        return f"Step {self.step} of {self.steps} sent ({self.title})"


@dataclass(frozen=True, slots=True)
class QueueRow:
    assessment_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    last_activity: dt.datetime
    last_step: str
    suicide_risk_alert: bool
    requests: tuple[RequestSummary, ...]
    therapies: tuple[TherapyStatus, ...]
    open_alerts: tuple[str, ...] = ()  # kinds of the clinic alerts not yet handled
    # A suicide-risk flag with no clinic alert behind it (answers stored before alerts existed, or
    # written without the web app): urgent until an alert records it handled.
    unhandled_risk: bool = False
    progress: Progress = Progress(0, 1)
    course_active: bool = False
    has_course: bool = False
    record_name: str = ""  # the name in the health record the assessment was started from

    @property
    def name(self) -> str:
        """The name given in the latest consultation request that has one, else the health record's;
        "" when none."""
        return next((r.name for r in reversed(self.requests) if r.name.strip()), self.record_name)

    @property
    def draft(self) -> bool:
        """Left before the end of the intake, with nothing a clinician must see in the main queue."""
        return not (
            self.progress.complete
            or self.requests
            or self.suicide_risk_alert
            or self.urgent
            or self.reviewed
            or self.has_course
        )

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the row is in the queue, in words, the ranking's reason first."""
        found: list[str] = []
        if self.unhandled_risk or "suicide_risk" in self.open_alerts:
            found.append("Urgent alert: suicide-risk answer")
        found += [f"Urgent alert: {ALERT_WORDS.get(k, k)}" for k in self.open_alerts if k != "suicide_risk"]
        if self.needs_review:
            found.append("Safety status needs review")
        if self.new_request:
            found.append("New consultation request")
        if self.booked:
            found.append("Consultation booked")
        if self.course_active:
            found.append("Course under way")
        if not found:
            found.append("Intake complete, nothing open" if self.progress.complete else "Intake not finished")
        return tuple(found)

    @property
    def urgent(self) -> bool:
        return self.unhandled_risk or bool(self.open_alerts)

    @property
    def reviewed(self) -> bool:
        return any(t.reviewed for t in self.therapies)

    @property
    def needs_review(self) -> bool:
        return any(t.engine == "needs_review" and not t.reviewed for t in self.therapies)

    @property
    def new_request(self) -> bool:
        return any(r.status == "new" for r in self.requests)

    @property
    def booked(self) -> bool:
        return any(r.status == "booked" for r in self.requests)

    @property
    def closed(self) -> bool:
        return bool(self.requests) and all(r.status == "closed" for r in self.requests)

    @property
    def group(self) -> str:
        if self.urgent:
            return "alert"
        if self.needs_review:
            return "needs_review"
        if self.new_request:
            return "new_request"
        return "other"

    def matches(self, status: str) -> bool:
        return {
            "alert": self.urgent,
            "needs_review": self.needs_review,
            "new_request": self.new_request,
            "booked": self.booked,
            "closed": self.closed,
            "reviewed": self.reviewed,
        }[status]


@dataclass(frozen=True, slots=True)
class QueueCounts:
    alerts: int
    needs_review: int
    new_requests: int
    booked: int
    total: int  # the main tab's rows
    drafts: int = 0  # the drafts tab's rows


@dataclass(frozen=True, slots=True)
class Queue:
    rows: tuple[QueueRow, ...]
    counts: QueueCounts
    matching: int  # rows that pass the filters, on all pages
    page: int
    pages: int
    tab: str = "main"

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def engine_statuses(answers: dict[str, object], therapies: Sequence[str]) -> dict[str, str]:
    """The engine's safety status for each therapy compared in the assessment."""
    result, _unusable = assess_stored(answers, therapies)
    return {therapy: entry["safety"] for therapy, entry in result["therapies"].items()}


def progress(kb: KnowledgeBase, last_step: str, has_answers: bool) -> Progress:
    """The intake step reached. Answers sent whole (through the API) leave the step at "start"."""
    steps = [step.id for step in kb.steps]
    if last_step in DONE_STEPS or (last_step == "start" and has_answers):
        return Progress(len(steps), len(steps))
    if last_step in steps:
        index = steps.index(last_step)
        return Progress(index + 1, len(steps), kb.steps[index].title)
    return Progress(0, len(steps))


def _row(
    kb: KnowledgeBase,
    assessment: Row[Any],
    requests: list[RequestSummary],
    reviews: dict[str, str],
    alerts: list[str],
    courses: list[str],
    *,
    unalerted_risk: bool,
) -> QueueRow:
    engine = engine_statuses(dict(assessment.answers), assessment.therapies)
    therapies = tuple(
        TherapyStatus(therapy, status, reviews.get(therapy, status), therapy in reviews)
        for therapy, status in engine.items()
    )
    updated_at = assessment.updated_at
    return QueueRow(
        assessment_id=assessment.id,
        created_at=assessment.created_at,
        updated_at=updated_at,
        last_activity=max([updated_at, *(r.created_at for r in requests)]),
        last_step=assessment.last_step,
        suicide_risk_alert=assessment.suicide_risk_alert,
        unhandled_risk=assessment.suicide_risk_alert and unalerted_risk,
        requests=tuple(requests),
        therapies=therapies,
        open_alerts=tuple(alerts),
        progress=progress(kb, assessment.last_step, bool(assessment.answers)),
        course_active="active" in courses,
        has_course=bool(courses),
        record_name=record_name(assessment.record_prefill),
    )


def _rows(session: Session, kb: KnowledgeBase, clinic_id: int) -> list[QueueRow]:
    """Every row of the clinic's queue, read as plain columns: thousands stay quick."""
    own = Assessment.clinic_id == clinic_id
    requests: dict[int, list[RequestSummary]] = defaultdict(list)
    for c in session.execute(
        select(
            ConsultationRequest.assessment_id,
            ConsultationRequest.id,
            ConsultationRequest.status,
            ConsultationRequest.created_at,
            ConsultationRequest.booked_for,
            ConsultationRequest.name,
            ConsultationRequest.phone,
            ConsultationRequest.preferred_times,
            ConsultationRequest.message,
        )
        .join(Assessment)
        .where(own)
        .order_by(ConsultationRequest.id)
    ):
        requests[c.assessment_id].append(
            RequestSummary(
                c.id, c.status, c.created_at, c.booked_for, c.name, c.phone, c.preferred_times, c.message
            )
        )
    courses: dict[int, list[str]] = defaultdict(list)
    for course in session.execute(select(Course.assessment_id, Course.status).join(Assessment).where(own)):
        courses[course.assessment_id].append(course.status)
    reviews: dict[int, dict[str, str]] = defaultdict(dict)
    for r in session.execute(
        select(Review.assessment_id, Review.therapy, Review.status)
        .join(Assessment)
        .where(own)
        .order_by(Review.id)
    ):
        reviews[r.assessment_id][r.therapy] = r.status  # the latest review counts
    alerts: dict[int, list[str]] = defaultdict(list)  # the kinds still open
    suicide_risk_alerted: set[int] = set()  # assessments whose suicide risk went to the clinic as an alert
    for a in session.execute(
        select(ClinicAlert.assessment_id, ClinicAlert.kind, ClinicAlert.handled_at)
        .join(Assessment)
        .where(own)
        .order_by(ClinicAlert.id)
    ):
        if a.handled_at is None:
            alerts[a.assessment_id].append(a.kind)
        if a.kind == "suicide_risk":
            suicide_risk_alerted.add(a.assessment_id)
    assessments = session.execute(
        select(
            Assessment.id,
            Assessment.created_at,
            Assessment.updated_at,
            Assessment.last_step,
            Assessment.suicide_risk_alert,
            Assessment.therapies,
            Assessment.answers,
            Assessment.record_prefill,
        ).where(own)
    )
    return [
        _row(
            kb,
            a,
            requests[a.id],
            reviews[a.id],
            alerts[a.id],
            courses[a.id],
            unalerted_risk=a.id not in suicide_risk_alerted,
        )
        for a in assessments
    ]


def _counts(rows: Sequence[QueueRow], drafts: int) -> QueueCounts:
    return QueueCounts(
        alerts=sum(r.urgent for r in rows),
        needs_review=sum(r.needs_review for r in rows),
        new_requests=sum(r.new_request for r in rows),
        booked=sum(r.booked for r in rows),
        total=len(rows),
        drafts=drafts,
    )


def clinic_queue(
    session: Session,
    kb: KnowledgeBase,
    clinic_id: int,
    *,
    status: str | None = None,
    therapy: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    tab: str = "main",
) -> Queue:
    """One page of one tab of the clinic's queue, urgent first; unknown filter values are ignored.
    The counts are the main tab's, with the number of drafts."""
    every = _rows(session, kb, clinic_id)
    main = [r for r in every if not r.draft]
    drafts = [r for r in every if r.draft]
    counts = _counts(main, len(drafts))
    tab = tab if tab in TABS else "main"
    rows = drafts if tab == "drafts" else main
    if status in STATUS_FILTERS:
        rows = [r for r in rows if r.matches(status)]
    if therapy in kb.therapies:
        rows = [r for r in rows if any(t.therapy == therapy for t in r.therapies)]
    rank = {group: i for i, group in enumerate(GROUPS)}
    rows.sort(key=lambda r: (rank[r.group], -r.last_activity.timestamp(), -r.assessment_id))
    pages = max(1, -(-len(rows) // page_size))
    page = min(max(1, page), pages)
    shown = rows[(page - 1) * page_size : page * page_size]
    return Queue(rows=tuple(shown), counts=counts, matching=len(rows), page=page, pages=pages, tab=tab)
