"""Each clinic's retention period: assessments with no activity for longer are deleted, audited.

A clinic with ``retention_days`` set keeps an assessment for that many days after its last
activity: a change to the answers, a consultation request or its status, a review or note, a
treatment course, a visit (a planned visit still to come counts as activity), a session record,
an outcome score or an alert. An assessment with an alert not yet handled is never deleted. Then
the assessment goes with everything attached to it, through the same deletion as a patient's
request (`trdnav.store.patient_records.delete_assessment`): one audit entry by the system per
record, in the same transaction. Clinics without a retention period keep everything, and so do
assessments that belong to no clinic.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import Assessment, Clinic
from trdnav.store.patient_records import delete_assessment
from trdnav.store.record_uploads import delete_expired as delete_expired_uploads


def cutoff(clinic: Clinic, now: dt.datetime) -> dt.datetime | None:
    """Assessments last changed before this moment have expired; None if the clinic keeps all."""
    if clinic.retention_days is None:
        return None
    return now - dt.timedelta(days=clinic.retention_days)


def last_activity(assessment: Assessment) -> dt.datetime:
    """The latest moment anything about the person happened or is planned to happen."""
    moments: list[dt.datetime | None] = [assessment.updated_at]
    for request in assessment.consultations:
        moments += [request.created_at, request.status_changed_at]
    moments += [review.created_at for review in assessment.reviews]
    moments += [note.created_at for note in assessment.notes]
    for course in assessment.courses:
        moments.append(course.created_at)
        moments += [
            moment for visit in course.visits for moment in (visit.starts_at, visit.status_changed_at)
        ]
        moments += [record.recorded_at for record in course.records]
    moments += [score.taken_at for score in assessment.outcome_scores]
    moments += [moment for alert in assessment.alerts for moment in (alert.created_at, alert.handled_at)]
    return max(moment for moment in moments if moment is not None)


def expired_assessments(session: Session, clinic: Clinic, now: dt.datetime) -> list[Assessment]:
    """The clinic's assessments with no activity within its retention period and no open alert,
    oldest first."""
    before = cutoff(clinic, now)
    if before is None:
        return []
    query = (
        select(Assessment)
        .where(Assessment.clinic_id == clinic.id, Assessment.updated_at < before)
        .order_by(Assessment.updated_at, Assessment.id)
    )
    return [
        assessment
        for assessment in session.scalars(query)
        if last_activity(assessment) < before
        and all(alert.handled_at is not None for alert in assessment.alerts)
    ]


def clinics_with_retention(session: Session) -> list[Clinic]:
    return list(
        session.scalars(select(Clinic).where(Clinic.retention_days.is_not(None)).order_by(Clinic.slug))
    )


def apply_retention(session: Session, now: dt.datetime, *, dry_run: bool = False) -> dict[str, int]:
    """Delete every expired assessment (unless ``dry_run``); the count per clinic slug.

    Runs in the caller's transaction: the deletions and their audit entries are kept together.
    """
    counts: dict[str, int] = {}
    for clinic in clinics_with_retention(session):
        expired = expired_assessments(session, clinic, now)
        counts[clinic.slug] = len(expired)
        if dry_run:
            continue
        for assessment in expired:
            delete_assessment(session, audit.SYSTEM, assessment)
    if not dry_run:
        delete_expired_uploads(session, now)  # uploaded health records are kept a day, whatever the clinic
    return counts
