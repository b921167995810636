"""Clinic alerts: what the clinic must act on at once (a suicide-risk answer during care, a seizure
or other adverse event at a session). Raising one is audited and puts the patient first in the queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import Assessment, ClinicAlert, now

KINDS = {
    "suicide_risk": "Suicide-risk answer (PHQ-9 item 9 above 0)",
    "seizure": "Seizure at a session",
    "adverse_event": "Adverse event at a session",
}


def raise_alert(
    session: Session,
    actor: audit.Actor,
    assessment: Assessment,
    kind: str,
    *,
    source_type: str,
    source_id: int | None,
) -> ClinicAlert:
    """Open an alert for the assessment's clinic; a suicide-risk alert also sets the assessment's flag."""
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}")
    alert = ClinicAlert(assessment=assessment, kind=kind, source_type=source_type, source_id=source_id)
    session.add(alert)
    if kind == "suicide_risk":
        assessment.suicide_risk_alert = True
    session.flush()
    audit.record(session, actor, "create", "alert", alert.id, clinic_id=assessment.clinic_id)
    return alert


def flag_suicide_risk(session: Session, actor: audit.Actor, assessment: Assessment) -> None:
    """The person's answers now include PHQ-9 item 9 above 0: flag the assessment (the patient's
    pages show crisis resources first) and, the first time, alert its clinic."""
    if assessment.suicide_risk_alert:
        return
    if assessment.clinic_id is None:  # no clinic to alert; the flag still shows the crisis resources
        assessment.suicide_risk_alert = True
        session.flush()
        return
    raise_alert(session, actor, assessment, "suicide_risk", source_type="assessment", source_id=assessment.id)


def open_alerts(session: Session, assessment_id: int) -> list[ClinicAlert]:
    query = select(ClinicAlert).where(
        ClinicAlert.assessment_id == assessment_id, ClinicAlert.handled_at.is_(None)
    )
    return list(session.scalars(query.order_by(ClinicAlert.id)))


def mark_handled(session: Session, actor: audit.Actor, alert: ClinicAlert) -> None:
    alert.handled_at = now()
    alert.handled_by = actor.staff_id
    session.flush()
    audit.record(session, actor, "update", "alert", alert.id, clinic_id=alert.assessment.clinic_id)
