"""Closing a clinic alert: an outcome for its kind and a note, audited with the outcome's id only."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.alerts import close_alert, raise_alert
from trdnav.store.models import AuditEvent, ClinicAlert
from trdnav.store.repository import create_assessment

NOTE = "Phoned three times, left messages; GP informed."


def _alert(session: Session, kind: str = "suicide_risk") -> tuple[ClinicAlert, audit.Actor]:
    clinic = create_clinic(session, slug="north", name="North Clinic", settings=Settings())
    staff = create_staff(
        session,
        clinic=clinic,
        email="ana@north.example",
        name="Ana",
        role="clinician",
        password="quiet harbour dawn",
    )
    assessment, _ = create_assessment(
        session, therapies=["tms"], knowledge_version="k", contract_version=1, clinic_id=clinic.id
    )
    alert = raise_alert(
        session, audit.SYSTEM, assessment, kind, source_type="assessment", source_id=assessment.id
    )
    return alert, audit.Actor(kind="staff", role="clinician", staff_id=staff.id, clinic_id=clinic.id)


def test_closing_keeps_who_when_outcome_attempts_and_note_and_audits_only_the_outcome_id(
    sessions: sessionmaker[Session], kb: KnowledgeBase
) -> None:
    not_reached = next(o for o in kb.alert_outcomes.outcomes if o.id == "not_reached")
    with sessions.begin() as session:
        alert, actor = _alert(session)
        close_alert(session, actor, alert, not_reached, note=f"  {NOTE} ", attempts=3)
        assert (alert.outcome, alert.attempts, alert.outcome_note) == ("not_reached", 3, NOTE)
        assert alert.handled_at is not None and alert.handled_by == actor.staff_id
        assert alert.handler is not None and alert.handler.name == "Ana"
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        assert (last.action, last.record_type, last.record_id, last.detail) == (
            "update",
            "alert",
            alert.id,
            "not_reached",
        )
        assert audit.verify(session) == [], "the detail is in the hash and the chain verifies"
        every_column = [
            str(getattr(e, c)) for e in session.scalars(select(AuditEvent)) for c in audit.CSV_COLUMNS
        ]
        assert not any("Phoned" in value for value in every_column), "the note never reaches the audit trail"


@pytest.mark.parametrize(
    ("outcome_id", "note", "attempts", "kind", "refusal"),
    [
        ("managed_at_clinic", NOTE, None, "suicide_risk", "outcome: managed_at_clinic does not close"),
        ("reached_safe", "   ", None, "suicide_risk", "note:"),
        ("reached_safe", "x" * 2001, None, "suicide_risk", "note:"),
        ("not_reached", NOTE, None, "suicide_risk", "attempts: required"),
        ("not_reached", NOTE, 0, "suicide_risk", "attempts: expected 1 to 99"),
        ("reached_safe", NOTE, 2, "suicide_risk", "attempts: not asked"),
        ("reached_safe", NOTE, None, "seizure", "does not close a seizure alert"),
    ],
)
def test_a_close_without_meaning_is_refused_and_the_alert_stays_open(
    sessions: sessionmaker[Session],
    kb: KnowledgeBase,
    outcome_id: str,
    note: str,
    attempts: int | None,
    kind: str,
    refusal: str,
) -> None:
    outcome = next(o for o in kb.alert_outcomes.outcomes if o.id == outcome_id)
    with sessions.begin() as session:
        alert, actor = _alert(session, kind)
        with pytest.raises(ValueError, match=refusal):
            close_alert(session, actor, alert, outcome, note=note, attempts=attempts)
        assert alert.handled_at is None and alert.outcome is None


def test_an_alert_is_closed_once(sessions: sessionmaker[Session], kb: KnowledgeBase) -> None:
    safe = kb.alert_outcomes.for_kind("suicide_risk")[0]
    with sessions.begin() as session:
        alert, actor = _alert(session)
        close_alert(session, actor, alert, safe, note=NOTE)
        with pytest.raises(ValueError, match="already closed"):
            close_alert(session, actor, alert, safe, note="Again")
        assert alert.outcome_note == NOTE
