"""Each clinic's retention period: assessments not touched for longer are deleted, audited.

A clinic with ``retention_days`` set keeps an assessment for that many days after it was last
changed (``updated_at``); then the assessment goes, with its consultation requests, reviews and
notes (the ORM cascade). Each deletion is one audit entry by the system, in the same transaction,
so the trail says what went and when. Clinics without a retention period keep everything, and so
do assessments that belong to no clinic.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import Assessment, Clinic


def cutoff(clinic: Clinic, now: dt.datetime) -> dt.datetime | None:
    """Assessments last changed before this moment have expired; None if the clinic keeps all."""
    if clinic.retention_days is None:
        return None
    return now - dt.timedelta(days=clinic.retention_days)


def expired_assessments(session: Session, clinic: Clinic, now: dt.datetime) -> list[Assessment]:
    """The clinic's assessments older than its retention period, oldest first."""
    before = cutoff(clinic, now)
    if before is None:
        return []
    query = (
        select(Assessment)
        .where(Assessment.clinic_id == clinic.id, Assessment.updated_at < before)
        .order_by(Assessment.updated_at, Assessment.id)
    )
    return list(session.scalars(query))


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
            audit.record(session, audit.SYSTEM, "delete", "assessment", assessment.id, clinic_id=clinic.id)
            session.delete(assessment)
        session.flush()
    return counts
