"""Assessments that belong to no clinic, and an admin assigning one to their own clinic.

They were started at ``/`` while the installation named no default clinic (or stored through the
API then), so no clinic's queue shows them and no clinic was alerted (docs/safety.md, H12). Since
they belong to no clinic, an admin of any clinic sees only what it takes to recognise one: when it
was started, how far it got, whether it holds a consultation request (and the name given there,
never the phone, email or message) and whether PHQ-9 item 9 was answered above 0; never the
answers. Those with a suicide-risk answer come first, then those with a request, newest first.

Assigning one is audited ("update" "assessment", under the new clinic); from then on it is that
clinic's like any other: its requests are in the queue, and a suicide-risk answer raises the clinic
alert that could not be raised while no clinic owned it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.alerts import raise_alert
from trdnav.store.models import Assessment, Clinic, ConsultationRequest

PAGE_SIZE = 200
NO_CLINIC = Assessment.clinic_id.is_(None)


@dataclass(frozen=True, slots=True)
class UnassignedAssessment:
    assessment_id: int
    created_at: dt.datetime
    last_step: str
    suicide_risk: bool
    request_names: tuple[str, ...]  # the name given in each consultation request, oldest first


def count_unassigned(session: Session) -> int:
    return session.scalar(select(func.count(Assessment.id)).where(NO_CLINIC)) or 0


def unassigned_assessments(
    session: Session, actor: audit.Actor, limit: int = PAGE_SIZE
) -> list[UnassignedAssessment]:
    """The first ``limit`` assessments without a clinic: suicide-risk answers first, then requests.
    Reading the list is audited."""
    audit.record_read(session, actor, "read", "unassigned_assessments", None)
    names: dict[int, list[str]] = defaultdict(list)
    for request in session.execute(
        select(ConsultationRequest.assessment_id, ConsultationRequest.name)
        .join(Assessment)
        .where(NO_CLINIC)
        .order_by(ConsultationRequest.id)
    ):
        names[request.assessment_id].append(request.name)
    rows = [
        UnassignedAssessment(a.id, a.created_at, a.last_step, a.suicide_risk_alert, tuple(names[a.id]))
        for a in session.execute(
            select(Assessment.id, Assessment.created_at, Assessment.last_step, Assessment.suicide_risk_alert)
            .where(NO_CLINIC)
            .order_by(Assessment.id.desc())
        )
    ]
    rows.sort(key=lambda row: (not row.suicide_risk, not row.request_names))  # stable: newest first within
    return rows[:limit]


def assign_to_clinic(
    session: Session, actor: audit.Actor, assessment_id: int, clinic: Clinic
) -> Assessment | None:
    """Give an assessment without a clinic to ``clinic``; None when there is no such assessment
    or it already belongs to a clinic (two admins at once: the first one wins)."""
    claimed = session.execute(
        update(Assessment).where(Assessment.id == assessment_id, NO_CLINIC).values(clinic_id=clinic.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    assessment = session.get(Assessment, assessment_id, populate_existing=True)
    assert assessment is not None
    audit.record(session, actor, "update", "assessment", assessment.id, clinic_id=clinic.id)
    if assessment.suicide_risk_alert and not any(a.kind == "suicide_risk" for a in assessment.alerts):
        raise_alert(
            session, actor, assessment, "suicide_risk", source_type="assessment", source_id=assessment.id
        )
    return assessment
