"""Patients' data rights: a clinic exports one person's data (JSON, FHIR) and deletes it on request."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select

from tests.web.conftest import PASSWORD, Care, World, signed_in
from trdnav.store import audit
from trdnav.store.accounts import create_staff
from trdnav.store.models import (
    Assessment,
    AuditEvent,
    Clinic,
    ConsultationRequest,
    Note,
    Review,
    SessionRecord,
)

PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 0]


def _annotate(app: FastAPI, world: World) -> tuple[int, int]:
    """Give clinic A's assessment full PHQ-9 answers, an answer to an item the knowledge base no longer
    has, SURE answers, a review and a note."""
    with app.state.sessions.begin() as session:
        assessment = session.get(Assessment, world.assessment_a)
        assert assessment is not None
        assessment.answers = {**assessment.answers, "phq9": PHQ9, "seizure_history": "no", "retired_item": 0}
        assessment.sure_answers = {"sure": "yes"}
        review = Review(
            assessment=assessment,
            staff_id=world.clinician_a,
            therapy="tms",
            engine_status="needs_review",
            status="suitable",
            reason="Seizure history clarified by phone",
        )
        note = Note(assessment=assessment, staff_id=world.clinician_a, text="Prefers morning visits")
        session.add_all([review, note])
        session.flush()
        return review.id, note.id


def _audit(app: FastAPI, action: str, record_type: str) -> list[AuditEvent]:
    with app.state.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.record_type == record_type)
        return list(session.scalars(query))


def _admin_b(app: FastAPI, world: World) -> int:
    with app.state.sessions.begin() as session:
        south = session.get(Clinic, world.clinic_b)
        assert south is not None
        return create_staff(
            session,
            clinic=south,
            email="bea@south.example",
            name="Bea South",
            role="admin",
            password=PASSWORD,
        ).id


def test_the_json_export_holds_everything_kept_about_the_person(app: FastAPI, world: World) -> None:
    review_id, note_id = _annotate(app, world)
    response = signed_in(app, world.clinician_a).get(f"/staff/assessments/{world.assessment_a}/export.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    disposition = f'attachment; filename="trd-navigator-assessment-{world.assessment_a}.json"'
    assert response.headers["content-disposition"] == disposition
    document: dict[str, Any] = response.json()
    held = document["assessment"]
    assert held["answers"] == {"age": 45, "phq9": PHQ9, "seizure_history": "no", "retired_item": 0}, (
        "as given"
    )
    assert held["sure_answers"] == {"sure": "yes"}
    assert held["therapies"] and held["knowledge_version"] and held["created_at"] and held["updated_at"]
    assert document["current_result"]["scores"]["phq9"]["total"] == sum(PHQ9)
    assert document["answers_not_used_by_current_result"] == ["retired_item"]
    [consultation] = document["consultation_requests"]
    assert (consultation["id"], consultation["name"], consultation["phone"]) == (
        world.consultation_a,
        "Sam Example",
        "555-0100",
    )
    [review] = document["reviews"]
    assert review == review | {
        "id": review_id,
        "therapy": "tms",
        "engine_status": "needs_review",
        "clinician_status": "suitable",
        "reason": "Seizure history clarified by phone",
        "staff_name": "Ana North",
    }
    assert review["created_at"]
    [note] = document["notes"]
    assert (note["id"], note["text"], note["staff_name"]) == (note_id, "Prefers morning visits", "Ana North")
    exported = {(e.record_type, e.record_id, e.staff_id) for e in _audit(app, "export", "assessment")}
    assert exported == {("assessment", world.assessment_a, world.clinician_a)}
    assert [e.record_id for e in _audit(app, "export", "consultation")] == [world.consultation_a]
    assert [e.record_id for e in _audit(app, "export", "review")] == [review_id]
    assert [e.record_id for e in _audit(app, "export", "note")] == [note_id]


def test_another_clinics_assessment_cannot_be_exported_and_looks_unknown(app: FastAPI, world: World) -> None:
    other_clinic = signed_in(app, world.clinician_b)
    for path in ("export.json", "questionnaire-response.json", "export.fhir.json"):
        assert other_clinic.get(f"/staff/assessments/{world.assessment_a}/{path}").status_code == 404
        assert other_clinic.get(f"/staff/assessments/999999/{path}").status_code == 404
    assert _audit(app, "export", "assessment") == []


def test_exports_need_a_signed_in_staff_member(app: FastAPI, world: World, client: Any) -> None:
    response = client.get(f"/staff/assessments/{world.assessment_a}/export.json", follow_redirects=False)
    assert response.status_code in (303, 307, 401)
    assert "Sam Example" not in response.text


def test_the_fhir_export_is_a_valid_questionnaire_response_of_the_answers(app: FastAPI, world: World) -> None:
    _annotate(app, world)
    response = signed_in(app, world.admin_a).get(
        f"/staff/assessments/{world.assessment_a}/questionnaire-response.json"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert response.headers["cache-control"] == "no-store"
    resource = json.loads(response.text)
    parsed = QuestionnaireResponse.model_validate(resource)
    assert parsed.status == "completed", "the person reached the results"
    group = next(item for item in resource["item"] if item["linkId"] == "phq9")
    answer_codes = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    given = [item["answer"][0]["valueCoding"]["code"] for item in group["item"][:9]]
    assert given == [answer_codes[score] for score in PHQ9]
    definition = next(item for item in resource["contained"][0]["item"] if item["linkId"] == "phq9")
    assert definition["item"][0]["code"][0] == {
        "system": "http://loinc.org",
        "code": "44250-9",
        "display": "Little interest or pleasure in doing things",
    }
    assert [e.staff_id for e in _audit(app, "export", "assessment")] == [world.admin_a]


def test_the_fhir_bundle_export_holds_the_answers_scores_and_provenance_and_is_audited(
    app: FastAPI, world: World
) -> None:
    _annotate(app, world)  # with an answer the knowledge base no longer has: left out, no error
    response = signed_in(app, world.clinician_a).get(
        f"/staff/assessments/{world.assessment_a}/export.fhir.json"
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    bundle = json.loads(response.text)
    Bundle.model_validate(bundle)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds[0] == "QuestionnaireResponse" and kinds[-1] == "Provenance"
    total = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"].endswith("-phq9"))
    assert total["valueInteger"] == sum(PHQ9)
    assert "Sam Example" not in response.text, "the Bundle names no patient"
    assert [e.staff_id for e in _audit(app, "export", "assessment")] == [world.clinician_a]


def test_an_admin_deletes_an_assessment_on_request_and_only_the_fact_is_kept(
    app: FastAPI, world: World, client: Any
) -> None:
    review_id, note_id = _annotate(app, world)
    admin = signed_in(app, world.admin_a)
    page = admin.get(f"/staff/assessments/{world.assessment_a}/delete")
    assert page.status_code == 200
    assert "Only the clinic's admins can do this." in page.text
    assert "audit trail keeps only the fact" in page.text
    response = admin.post(
        f"/staff/assessments/{world.assessment_a}/delete",
        data={"reason": "patient_request", "confirm": "DELETE"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/")
    assert "The assessment was deleted" in admin.get(response.headers["location"]).text, "confirmed on screen"
    with app.state.sessions() as session:
        assert session.get(Assessment, world.assessment_a) is None
        assert session.get(ConsultationRequest, world.consultation_a) is None
        assert session.get(Review, review_id) is None and session.get(Note, note_id) is None
        assert session.get(Assessment, world.assessment_b) is not None, "other records stay"
        assert audit.verify(session) == []
    assert client.get(f"/a/{world.token_a}/results").status_code == 404
    deleted = {(e.record_type, e.record_id) for e in _audit(app, "delete", "assessment")}
    assert deleted == {("assessment", world.assessment_a)}
    assert [e.record_id for e in _audit(app, "delete", "consultation")] == [world.consultation_a]
    assert [e.staff_id for e in _audit(app, "delete", "note")] == [world.admin_a]


def test_deletion_needs_a_reason_and_the_typed_confirmation(app: FastAPI, world: World) -> None:
    admin = signed_in(app, world.admin_a)
    response = admin.post(f"/staff/assessments/{world.assessment_a}/delete", data={"confirm": "delete"})
    assert response.status_code == 422
    assert "Choose why this assessment is being deleted." in response.text
    assert "Type DELETE in capital letters" in response.text
    assert 'aria-describedby="confirm-error"' in response.text
    with app.state.sessions() as session:
        assert session.get(Assessment, world.assessment_a) is not None
    assert _audit(app, "delete", "assessment") == []


def test_only_the_records_clinics_admins_can_delete(app: FastAPI, world: World) -> None:
    clinician = signed_in(app, world.clinician_a)
    path = f"/staff/assessments/{world.assessment_a}/delete"
    assert clinician.get(path).status_code == 403
    refused = clinician.post(path, data={"reason": "patient_request", "confirm": "DELETE"})
    assert refused.status_code == 403
    assert "Only the clinic&#39;s admins can do this." in refused.text
    other_admin = signed_in(app, _admin_b(app, world))
    assert other_admin.get(path).status_code == 404
    assert other_admin.post(path, data={"reason": "patient_request", "confirm": "DELETE"}).status_code == 404
    with app.state.sessions() as session:
        assert session.get(Assessment, world.assessment_a) is not None
    assert _audit(app, "delete", "assessment") == []


def test_the_export_and_the_deletion_cover_the_treatment_records_too(
    app: FastAPI, world: World, care: Care
) -> None:
    document = (
        signed_in(app, world.clinician_a).get(f"/staff/assessments/{world.assessment_a}/export.json").json()
    )
    [course] = document["treatment_courses"]
    assert course["id"] == care.course and course["protocol"] == "iv_ketamine_twice_weekly"
    assert len(course["visits"]) == 6
    [record] = course["session_records"]
    assert record["id"] == care.record and record["data"]["dose_mg"] == "35.0"
    assert [alert["id"] for alert in document["clinic_alerts"]] == [care.alert]

    admin = signed_in(app, world.admin_a)
    deleted = admin.post(
        f"/staff/assessments/{world.assessment_a}/delete",
        data={"reason": "patient_request", "confirm": "DELETE"},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    with app.state.sessions() as session:
        audited = {
            (event.record_type, event.record_id)
            for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "delete"))
        }
        assert {("course", care.course), ("session_record", care.record), ("alert", care.alert)} <= audited
        assert session.get(SessionRecord, care.record) is None
