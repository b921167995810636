"""Start an assessment from a health record: a clinician uploads a FHIR R4 Bundle or a bulk export
(NDJSON files or a zip of them), picks the patient, and gets the assessment with its private link
to give the person. The person then sees each answer the record gave pre-selected, with where it
came from, and confirms or changes it (`trdnav.web.patient.intake`); the assessment page shows which
answers came from the record and which from the person.

The upload keeps only each patient's name, birth date, sex and imported answers, for a day
(`trdnav.store.record_uploads`). Uploading, starting and viewing are audited.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.fhir.record_reading import RecordError
from trdnav.fhir.uploaded_record import patients_of, resources_from_files
from trdnav.store.models import Clinic
from trdnav.store.record_uploads import (
    KEEP_HOURS,
    delete_expired,
    save_upload,
    start_from_record,
    upload_of,
    uploads_of,
)
from trdnav.web.dependencies import DbSession, Knowledge, Now
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import Principal, StaffPrincipal
from trdnav.web.staff.router import router
from trdnav.web.staff.workspace import detail_page

PAGE = "/staff/records"


def _clinic(session: DbSession, principal: Principal) -> Clinic:
    clinic = session.get(Clinic, principal.clinic_id)
    if clinic is None:
        raise HTTPException(404)
    return clinic


def _upload_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    now: Now,
    *,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return render_staff(
        request,
        "staff/records.html",
        principal,
        status_code=status_code,
        uploads=uploads_of(session, principal.clinic_id, now),
        keep_hours=KEEP_HOURS,
        error=error,
    )


@router.get(PAGE, response_class=HTMLResponse)
def records(request: Request, session: DbSession, principal: StaffPrincipal, now: Now) -> HTMLResponse:
    return _upload_page(request, session, principal, now)


@router.post(PAGE, response_model=None)
async def upload_record(
    request: Request, session: DbSession, principal: StaffPrincipal, kb: Knowledge, now: Now
) -> Response:
    form = await request.form()
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    try:
        contents = [(f.filename or "upload", await f.read()) for f in files]
        patients = patients_of(resources_from_files(contents), now.date(), kb)
    except RecordError as error:
        message = (
            f"{error.path}: {error.message}."
            if error.path != "files"
            else error.message[:1].upper() + error.message[1:] + "."
        )
        return _upload_page(request, session, principal, now, error=message, status_code=422)
    finally:
        await form.close()
    name = ", ".join(f for f, _ in contents)
    delete_expired(session, now)  # a day's uploads at most are ever kept
    upload = save_upload(session, principal.actor(), _clinic(session, principal), name, patients, now)
    return RedirectResponse(f"{PAGE}/{upload.id}", status_code=303)


@router.get(PAGE + "/{upload_id}", response_class=HTMLResponse)
def record_patients(
    request: Request, upload_id: int, session: DbSession, principal: StaffPrincipal, kb: Knowledge, now: Now
) -> HTMLResponse:
    upload = upload_of(session, principal.clinic_id, upload_id, now)
    if upload is None:
        raise HTTPException(404)
    principal.record_read(session, "read", "record_upload", upload.id)
    return render_staff(request, "staff/record_patients.html", principal, upload=upload, error="")


@router.post(PAGE + "/{upload_id}/start", response_class=HTMLResponse)
async def start_assessment_from_record(
    request: Request, upload_id: int, session: DbSession, principal: StaffPrincipal, kb: Knowledge, now: Now
) -> HTMLResponse:
    upload = upload_of(session, principal.clinic_id, upload_id, now)
    if upload is None:
        raise HTTPException(404)
    patient_id = str((await request.form()).get("patient", ""))
    started = start_from_record(
        session,
        principal.actor(),
        _clinic(session, principal),
        upload,
        patient_id,
        knowledge_version=kb.version,
        contract_version=kb.manifest.contract_version,
    )
    if started is None:  # no patient chosen, or one the import refused (a deceased patient)
        principal.record_read(session, "read", "record_upload", upload.id)
        error = "Choose a patient from the list: an assessment starts for one patient at a time."
        return render_staff(
            request, "staff/record_patients.html", principal, status_code=422, upload=upload, error=error
        )
    assessment, token = started
    principal.record_read(session, "read", "assessment", assessment.id)
    link = f"{str(request.base_url).rstrip('/')}/a/{token}"
    return detail_page(request, principal, kb, assessment, new_link=link)
