"""Patients' data rights over one assessment: find it within a clinic, export it, delete it.

An assessment is found only within the asking clinic: another clinic's record and an unknown id
look the same (None), so nobody learns what exists elsewhere. The export holds everything kept
about the person, as stored. Deletion removes the assessment with everything attached to it
(consultation requests, reviews, notes, treatment courses with their visits and session records,
outcome scores, clinic alerts); the audit trail keeps only the fact of it (ids, who, when, from where).
Every record read or removed gets its own audit entry, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.core.result import AssessmentResult
from trdnav.store import audit
from trdnav.store.models import (
    Assessment,
    ClinicAlert,
    ConsultationRequest,
    Course,
    Note,
    OutcomeScore,
    Review,
    SessionRecord,
)

EXPORT_FORMAT = "trd-navigator-assessment-export/1"


def find_in_clinic(session: Session, assessment_id: int, clinic_id: int) -> Assessment | None:
    """The clinic's assessment with this id; None for unknown ids and other clinics' alike."""
    return session.scalars(
        select(Assessment).where(Assessment.id == assessment_id, Assessment.clinic_id == clinic_id)
    ).first()


def _instant(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _consultation(request: ConsultationRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "created_at": _instant(request.created_at),
        "name": request.name,
        "phone": request.phone,
        "email": request.email,
        "preferred_times": request.preferred_times,
        "message": request.message,
        "status": request.status,
        "status_changed_at": _instant(request.status_changed_at),
        "booked_for": request.booked_for,
    }


def _review(review: Review) -> dict[str, Any]:
    return {
        "id": review.id,
        "created_at": _instant(review.created_at),
        "therapy": review.therapy,
        "engine_status": review.engine_status,
        "clinician_status": review.status,
        "reason": review.reason,
        "staff_name": review.staff.name,
    }


def _note(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "created_at": _instant(note.created_at),
        "text": note.text,
        "staff_name": note.staff.name,
    }


def _session_record(record: SessionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "kind": record.kind,
        "visit_id": record.visit_id,
        "recorded_at": _instant(record.recorded_at),
        "recorded_by": record.recorded_by,
        "supersedes": record.supersedes_id,
        "correction_reason": record.correction_reason,
        "data": dict(record.data),
    }


def _course(course: Course) -> dict[str, Any]:
    return {
        "id": course.id,
        "protocol": course.protocol_id,
        "start_date": course.start_date.isoformat(),
        "timezone": course.timezone,
        "status": course.status,
        "unavailable_dates": list(course.unavailable_dates),
        "created_at": _instant(course.created_at),
        "visits": [
            {
                "id": v.id,
                "number": v.number,
                "phase": v.phase,
                "starts_at": _instant(v.starts_at),
                "status": v.status,
                "status_changed_at": _instant(v.status_changed_at),
            }
            for v in course.visits
        ],
        "session_records": [_session_record(r) for r in course.records],
    }


def _score(score: OutcomeScore) -> dict[str, Any]:
    return {
        "id": score.id,
        "course_id": score.course_id,
        "instrument": score.instrument,
        "item_answers": score.item_answers,
        "total": score.total,
        "taken_at": _instant(score.taken_at),
        "source": score.source,
    }


def _alert(alert: ClinicAlert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "created_at": _instant(alert.created_at),
        "handled_at": _instant(alert.handled_at),
        "outcome": alert.outcome,
        "attempts": alert.attempts,
        "outcome_note": alert.outcome_note,
    }


def export_document(
    assessment: Assessment, *, result: AssessmentResult, unusable: list[str], exported_at: dt.datetime
) -> dict[str, Any]:
    """Everything held about the person behind one assessment, as a JSON-ready dict.

    ``result`` is the engine's current result for the stored answers; ``unusable`` names the
    stored answers the knowledge base no longer accepts (kept in ``answers`` as given, left out
    of the result).
    """
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _instant(exported_at),
        "assessment": {
            "id": assessment.id,
            "clinic": assessment.clinic.name if assessment.clinic else None,
            "created_at": _instant(assessment.created_at),
            "updated_at": _instant(assessment.updated_at),
            "knowledge_version": assessment.knowledge_version,
            "contract_version": assessment.contract_version,
            "therapies": list(assessment.therapies),
            "last_step": assessment.last_step,
            "suicide_risk_alert": assessment.suicide_risk_alert,
            "answers": dict(assessment.answers),
            "sure_answers": dict(assessment.sure_answers or {}),
        },
        "current_result": result,
        "answers_not_used_by_current_result": list(unusable),
        "consultation_requests": [_consultation(c) for c in assessment.consultations],
        "reviews": [_review(r) for r in assessment.reviews],
        "notes": [_note(n) for n in assessment.notes],
        "treatment_courses": [_course(c) for c in assessment.courses],
        "outcome_scores": [_score(s) for s in assessment.outcome_scores],
        "clinic_alerts": [_alert(a) for a in assessment.alerts],
    }


def _records(assessment: Assessment) -> list[tuple[str, int]]:
    """The assessment and every record hanging off it, as (record type, id) for the audit trail."""
    return [
        ("assessment", assessment.id),
        *(("consultation", c.id) for c in assessment.consultations),
        *(("review", r.id) for r in assessment.reviews),
        *(("note", n.id) for n in assessment.notes),
        *(("course", c.id) for c in assessment.courses),
        *(("course_visit", v.id) for c in assessment.courses for v in c.visits),
        *(("session_record", r.id) for c in assessment.courses for r in c.records),
        *(("outcome_score", o.id) for o in assessment.outcome_scores),
        *(("alert", a.id) for a in assessment.alerts),
    ]


def audit_export(session: Session, actor: audit.Actor, assessment: Assessment) -> None:
    """One "export" entry for the assessment and one for each record the export holds."""
    for record_type, record_id in _records(assessment):
        audit.record(session, actor, "export", record_type, record_id, clinic_id=assessment.clinic_id)


def delete_assessment(session: Session, actor: audit.Actor, assessment: Assessment) -> int:
    """Delete the assessment and what hangs off it; one "delete" entry per record; return the count."""
    records = _records(assessment)
    for record_type, record_id in records:
        audit.record(session, actor, "delete", record_type, record_id, clinic_id=assessment.clinic_id)
    session.delete(assessment)
    session.flush()
    return len(records)
