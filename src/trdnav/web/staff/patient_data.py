"""Patients' data rights, handled by the clinic: export one person's data, delete it on request.

Clinicians and admins of the record's clinic may export (JSON of everything held, a FHIR R4
QuestionnaireResponse of the answers, and the whole assessment as a FHIR R4 Bundle); only the
clinic's admins may delete, since a patient's request is handled by the clinic's admin. Another
clinic's assessment answers 404, like an unknown id. Every export and deletion is audited in the
request's transaction.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import HTTPException, Request
from pydantic import field_validator
from starlette.responses import HTMLResponse, RedirectResponse, Response

import trdnav
from trdnav.fhir.assessment_bundle import assessment_bundle
from trdnav.fhir.questionnaire_response import questionnaire_response
from trdnav.store.models import Assessment
from trdnav.store.patient_records import audit_export, delete_assessment, export_document, find_in_clinic
from trdnav.store.stored_result import assess_stored
from trdnav.web.dependencies import DbSession, Now
from trdnav.web.form_models import FormModel, form_lists, plain, read_form
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import AdminPrincipal, Principal, StaffPrincipal
from trdnav.web.staff.router import router
from trdnav.web.summary import long_date

log = logging.getLogger(__name__)

CONFIRM_WORD = "DELETE"
DELETE_REASONS: dict[str, str] = {
    "patient_request": "The patient asked for their data to be deleted",
    "entered_in_error": "Entered in error, or a test record",
    "duplicate": "A duplicate of another assessment of the same person",
}
DELETED_NOTICE = "/staff/?notice=assessment-deleted"


class DeleteForm(FormModel):
    """Why the assessment is deleted (one of `DELETE_REASONS`), and the confirming word."""

    reason: str
    confirm: str

    @field_validator("reason")
    @classmethod
    def _reason(cls, reason: str) -> str:
        if reason not in DELETE_REASONS:
            raise plain("Choose why this assessment is being deleted.")
        return reason

    @field_validator("confirm")
    @classmethod
    def _confirmed(cls, confirm: str) -> str:
        if confirm != CONFIRM_WORD:
            raise plain(f"Type {CONFIRM_WORD} in capital letters to confirm the deletion.")
        return confirm


def _assessment_or_404(session: DbSession, assessment_id: int, principal: Principal) -> Assessment:
    assessment = find_in_clinic(session, assessment_id, principal.clinic_id)
    if assessment is None:
        raise HTTPException(status_code=404, detail="Not found")
    return assessment


def _download(body: dict[str, Any], media_type: str, filename: str) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_INDENT_2),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@router.get("/staff/assessments/{assessment_id}/export.json")
def export_json(
    request: Request, assessment_id: int, session: DbSession, principal: StaffPrincipal, now: Now
) -> Response:
    """Everything held about the person: answers as given, result, SURE, requests, reviews, notes."""
    assessment = _assessment_or_404(session, assessment_id, principal)
    result, unusable = assess_stored(assessment.answers, assessment.therapies)
    document = export_document(assessment, result=result, unusable=unusable, exported_at=now)
    audit_export(session, principal.actor(), assessment)
    return _download(document, "application/json", f"trd-navigator-assessment-{assessment.id}.json")


@router.get("/staff/assessments/{assessment_id}/questionnaire-response.json")
def export_fhir(
    request: Request, assessment_id: int, session: DbSession, principal: StaffPrincipal
) -> Response:
    """The answers as a FHIR R4 QuestionnaireResponse, for the patient or another system."""
    assessment = _assessment_or_404(session, assessment_id, principal)
    resource = questionnaire_response(
        request.app.state.kb,
        assessment_id=assessment.id,
        answers=assessment.answers,
        last_step=assessment.last_step,
        contract_version=assessment.contract_version,
        authored=assessment.updated_at,
    )
    principal.record_read(session, "export", "assessment", assessment.id)
    return _download(
        resource,
        "application/fhir+json",
        f"trd-navigator-assessment-{assessment.id}-questionnaire-response.json",
    )


@router.get("/staff/assessments/{assessment_id}/export.fhir.json")
def export_fhir_bundle(
    request: Request, assessment_id: int, session: DbSession, principal: StaffPrincipal, now: Now
) -> Response:
    """The assessment as a FHIR R4 Bundle: the answers, PHQ-9 and GAD-7 Observations, a
    DetectedIssue per therapy contraindicated or needing review, a Flag per item alert, and the
    Provenance naming TRD Navigator and its knowledge version."""
    assessment = _assessment_or_404(session, assessment_id, principal)
    result, _ = assess_stored(assessment.answers, assessment.therapies)
    bundle = assessment_bundle(
        request.app.state.kb,
        assessment_id=assessment.id,
        answers=assessment.answers,
        result=result,
        last_step=assessment.last_step,
        contract_version=assessment.contract_version,
        authored=assessment.updated_at,
        exported_at=now,
        software_version=trdnav.__version__,
    )
    principal.record_read(session, "export", "assessment", assessment.id)
    return _download(bundle, "application/fhir+json", f"trd-navigator-assessment-{assessment.id}.fhir.json")


def _delete_page(
    request: Request,
    principal: Principal,
    assessment: Assessment,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    return render_staff(
        request,
        "staff/delete.html",
        principal,
        status_code=status_code,
        assessment=assessment,
        created=long_date(assessment.created_at.date()),
        answered=len(assessment.answers),
        reasons=DELETE_REASONS,
        confirm_word=CONFIRM_WORD,
        errors=errors or {},
        values=values or {},
    )


@router.get("/staff/assessments/{assessment_id}/delete", response_class=HTMLResponse)
def delete_form(
    request: Request, assessment_id: int, session: DbSession, principal: AdminPrincipal
) -> HTMLResponse:
    """What will be deleted, and what the audit trail keeps. It shows the record's date and counts
    of what it holds (not the answers), so it is audited as a read."""
    assessment = _assessment_or_404(session, assessment_id, principal)
    principal.record_read(session, "read", "assessment", assessment.id)
    return _delete_page(request, principal, assessment)


@router.post("/staff/assessments/{assessment_id}/delete", response_model=None)
async def delete(
    request: Request, assessment_id: int, session: DbSession, principal: AdminPrincipal
) -> Response:
    assessment = _assessment_or_404(session, assessment_id, principal)
    submitted = read_form(DeleteForm, form_lists(await request.form()))
    if submitted.model is None:
        return _delete_page(
            request, principal, assessment, status_code=422, errors=submitted.errors, values=submitted.values
        )
    deleted_id = assessment.id
    count = delete_assessment(session, principal.actor(), assessment)
    # Ids and the reason's code only: never patient data in the log.
    log.info(
        "assessment deleted",
        extra={
            "assessment_id": deleted_id,
            "records": count,
            "staff_id": principal.staff_id,
            "reason": submitted.model.reason,
        },
    )
    return RedirectResponse(DELETED_NOTICE, status_code=303)
