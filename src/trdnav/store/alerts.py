"""Clinic alerts: what the clinic must act on at once (a suicide-risk answer during care, a seizure
or other adverse event at a session). Raising one is audited and puts the patient first in the queue;
closing one takes an outcome from the knowledge base (alert_outcomes.yaml) and a note, and is audited
with the outcome's id (the note is patient data: it stays on the alert, never in the audit trail)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.knowledge.alert_outcomes import AlertOutcome
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


NOTE_MAX = 2000
ATTEMPTS_MAX = 99


def close_alert(
    session: Session,
    actor: audit.Actor,
    alert: ClinicAlert,
    outcome: AlertOutcome,
    *,
    note: str,
    attempts: int | None = None,
) -> None:
    """Close an open alert with its outcome and the clinician's note (who and when are kept).

    The caller has checked the form; this refuses what would make a record without meaning: an
    outcome for another kind of alert, a blank or too long note, attempts missing where the outcome
    asks for them (or given where it does not), an alert already closed."""
    if alert.handled_at is not None:
        raise ValueError("alert: already closed")
    if alert.kind not in outcome.kinds:
        raise ValueError(f"outcome: {outcome.id} does not close a {alert.kind} alert")
    note = note.strip()
    if not note or len(note) > NOTE_MAX:
        raise ValueError(f"note: expected 1 to {NOTE_MAX} characters")
    if outcome.asks_attempts != (attempts is not None):
        asked = "required" if outcome.asks_attempts else "not asked"
        raise ValueError(f"attempts: {asked} for {outcome.id}")
    if attempts is not None and not 1 <= attempts <= ATTEMPTS_MAX:
        raise ValueError(f"attempts: expected 1 to {ATTEMPTS_MAX}")
    alert.handled_at = now()
    alert.handled_by = actor.staff_id
    alert.outcome = outcome.id
    alert.attempts = attempts
    alert.outcome_note = note
    session.flush()
    audit.record(
        session, actor, "update", "alert", alert.id, clinic_id=alert.assessment.clinic_id, detail=outcome.id
    )
