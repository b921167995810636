"""Routes: the clinician's work. The queue, an assessment's detail, reviews, notes, consultation
status, and the clinician summary as a printable page and a PDF.

Every route needs a signed-in staff member (clinician or admin) and sees only their own clinic:
another clinic's records answer 404 exactly like unknown ids, POSTs included, and nothing is
written. Each read or write of patient data appends one audit entry per record in the request's
transaction. Forms post, then redirect (303); a wrong field re-renders the page with 422.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.alerts import KINDS as ALERT_KINDS
from trdnav.store.models import Assessment, ConsultationRequest
from trdnav.store.outcome_scores import course_outcome
from trdnav.store.private_links import link_status
from trdnav.store.queue import STATUS_FILTERS, TABS, clinic_queue, engine_statuses
from trdnav.store.reviews import (
    CONSULTATION_STATUSES,
    REVIEW_STATUSES,
    add_note,
    review_therapy,
    set_consultation_status,
)
from trdnav.store.unassigned import count_unassigned
from trdnav.web.clinic_time import clinic_time
from trdnav.web.dependencies import DbSession, Knowledge, Now, current_time, settings
from trdnav.web.form_models import ReadForm, form_lists, read_form
from trdnav.web.pdf import render_pdf
from trdnav.web.staff.alert_view import AlertView, alert_views, tel_address
from trdnav.web.staff.assessment_forms import ConsultationStatusForm, NoteForm, ReviewForm
from trdnav.web.staff.clinician_summary import build_clinician_view, status_words
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.patient_banner import patient_identity
from trdnav.web.staff.principal import Principal, StaffPrincipal, not_found, own_assessment
from trdnav.web.staff.router import router
from trdnav.web.summary import long_date
from trdnav.web.templating import templates

PDF_FILENAME = "trd-navigator-clinician-summary-{id}.pdf"


def ago(value: dt.datetime, now: dt.datetime) -> str:
    """How long ago, in the largest whole unit: "just now", "5 min ago", "3 h ago", "2 days ago"."""
    seconds = max(0, int((now - value).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    return f"{days} day{'' if days == 1 else 's'} ago"


def _page_context(kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "moment": clinic_time,  # "2 Dec 2026, 10:30 AEDT", in the principal's clinic's zone
        "status_words": status_words,
        "review_statuses": REVIEW_STATUSES,
        "consultation_statuses": CONSULTATION_STATUSES,
        "therapy_names": {t.id: t.name for t in kb.therapies.values()},
        "long_date": long_date,
        "alert_kinds": ALERT_KINDS,
    }


# --- The queue -----------------------------------------------------------------------------------


NOTICES = {"assessment-deleted": "The assessment was deleted with everything it held."}


@router.get("/staff/", response_class=HTMLResponse)
def queue_page(
    request: Request,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    status: Annotated[str, Query(max_length=40)] = "",
    therapy: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[str, Query(max_length=10)] = "1",
    notice: Annotated[str, Query(max_length=40)] = "",
    tab: Annotated[str, Query(max_length=20)] = "main",
) -> HTMLResponse:
    """Dashboard counts and the queue, urgent first; filters are GET parameters, so links keep them.
    ``tab`` is the main queue or the incomplete drafts. ``notice`` names a message to confirm what
    the previous page did (known codes only). Each urgent row's open alerts are shown in full in
    the alert box above the table."""
    status = status if status in STATUS_FILTERS else ""
    therapy = therapy if therapy in kb.therapies else ""
    number = int(page) if page.isascii() and page.isdigit() else 1  # "²".isdigit(), but not int()
    queue = clinic_queue(
        session,
        kb,
        principal.clinic_id,
        status=status or None,
        therapy=therapy or None,
        page=number,
        tab=tab,
    )
    principal.record_read(session, "read", "queue", None)
    urgent = [row.assessment_id for row in queue.rows if row.urgent]
    boxes: list[AlertView] = []
    for assessment in session.scalars(select(Assessment).where(Assessment.id.in_(urgent))):
        boxes += [view for view in alert_views(kb, assessment) if view.open]
    boxes.sort(key=lambda view: urgent.index(view.alert.assessment_id))
    return render_staff(
        request,
        "staff/queue.html",
        principal,
        queue=queue,
        alert_boxes=boxes,
        tabs=TABS,
        now=current_time(request),
        ago=ago,
        tel=tel_address,
        status=status,
        therapy=therapy,
        status_filters=STATUS_FILTERS,
        notice=NOTICES.get(notice),
        # an admin is told when assessments belong to no clinic: nobody else would see them
        unassigned=count_unassigned(session) if principal.is_admin else 0,
        **_page_context(kb),
    )


# --- One assessment ------------------------------------------------------------------------------


def detail_page(
    request: Request,
    principal: Principal,
    kb: KnowledgeBase,
    assessment: Assessment,
    *,
    status_code: int = 200,
    errors: dict[str, dict[str, str]] | None = None,
    given: dict[str, dict[str, str]] | None = None,
    new_link: str | None = None,
) -> HTMLResponse:
    """The detail page; ``errors`` and ``given`` are keyed by form ("review", "note", "consultation-N",
    "alert-N"); ``new_link`` is a private link just made, shown this once."""
    return render_staff(
        request,
        "staff/assessment.html",
        principal,
        status_code=status_code,
        assessment=assessment,
        view=build_clinician_view(kb, assessment),
        outcome=course_outcome(kb, assessment, current_time(request)),
        alerts=alert_views(kb, assessment),
        errors=errors or {},
        given=given or {},
        link=link_status(assessment, current_time(request), settings(request).link_idle_days),
        new_link=new_link,
        **_page_context(kb),
    )


@router.get("/staff/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(
    request: Request, assessment_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge
) -> HTMLResponse:
    assessment = own_assessment(session, principal, assessment_id)
    principal.record_read(session, "read", "assessment", assessment.id)
    return detail_page(request, principal, kb, assessment)


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    kb: KnowledgeBase,
    assessment: Assessment,
    form_name: str,
    checked: ReadForm[Any],
) -> HTMLResponse:
    """Re-render the page with the form's messages; showing it is a read of the assessment."""
    principal.record_read(session, "read", "assessment", assessment.id)
    return detail_page(
        request,
        principal,
        kb,
        assessment,
        status_code=422,
        errors={form_name: checked.errors},
        given={form_name: checked.values},
    )


@router.post("/staff/assessments/{assessment_id}/reviews", response_model=None)
async def review_submit(
    request: Request, assessment_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge
) -> Response:
    """Confirm or override one therapy's safety status, with a reason; the engine's status is kept."""
    assessment = own_assessment(session, principal, assessment_id)
    checked = read_form(ReviewForm, form_lists(await request.form()), {"therapies": assessment.therapies})
    if checked.model is None:
        return _refused(request, session, principal, kb, assessment, "review", checked)
    therapy = checked.model.therapy
    review_therapy(
        session,
        principal.actor(),
        assessment,
        therapy=therapy,
        engine_status=engine_statuses(dict(assessment.answers), assessment.therapies)[therapy],
        status=checked.model.status,
        reason=checked.model.reason,
    )
    return RedirectResponse(f"/staff/assessments/{assessment.id}#safety-{therapy}", status_code=303)


@router.post("/staff/assessments/{assessment_id}/notes", response_model=None)
async def note_submit(
    request: Request, assessment_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge
) -> Response:
    assessment = own_assessment(session, principal, assessment_id)
    checked = read_form(NoteForm, form_lists(await request.form()))
    if checked.model is None:
        return _refused(request, session, principal, kb, assessment, "note", checked)
    add_note(session, principal.actor(), assessment, text=checked.model.text)
    return RedirectResponse(f"/staff/assessments/{assessment.id}#notes", status_code=303)


@router.post("/staff/consultations/{consultation_id}/status", response_model=None)
async def consultation_status_submit(
    request: Request, consultation_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge
) -> Response:
    """Mark a consultation request new, booked (with when) or closed."""
    consultation = session.get(ConsultationRequest, consultation_id)
    if consultation is None or consultation.assessment.clinic_id != principal.clinic_id:
        raise not_found()
    assessment = consultation.assessment
    checked = read_form(ConsultationStatusForm, form_lists(await request.form()))
    if checked.model is None:
        name = f"consultation-{consultation.id}"
        return _refused(request, session, principal, kb, assessment, name, checked)
    set_consultation_status(
        session,
        principal.actor(),
        consultation,
        status=checked.model.status,
        booked_for=checked.model.booked_for,
    )
    return RedirectResponse(
        f"/staff/assessments/{assessment.id}#consultation-{consultation.id}", status_code=303
    )


# --- The clinician summary -----------------------------------------------------------------------


def _summary_context(kb: KnowledgeBase, assessment: Assessment, now: dt.datetime) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "view": build_clinician_view(kb, assessment),
        "alerts": alert_views(kb, assessment),
        "made_on": now.date(),
        "clinic_name": assessment.clinic.name if assessment.clinic else "",
        **_page_context(kb),
    }


@router.get("/staff/assessments/{assessment_id}/summary", response_class=HTMLResponse)
def summary_page(
    request: Request,
    assessment_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    now: Now,
) -> HTMLResponse:
    """The clinician summary, ready for the browser's Print command."""
    assessment = own_assessment(session, principal, assessment_id)
    principal.record_read(session, "read", "assessment", assessment.id)
    return render_staff(request, "staff/summary.html", principal, **_summary_context(kb, assessment, now))


@router.get("/staff/assessments/{assessment_id}/summary.pdf")
def summary_pdf(
    request: Request,
    assessment_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    now: Now,
) -> Response:
    """The same summary as a PDF (WeasyPrint, no scripts, nothing fetched); an export in the audit trail."""
    assessment = own_assessment(session, principal, assessment_id)
    principal.record_read(session, "export", "assessment", assessment.id)
    html = templates.get_template("staff/summary_pdf.html").render(
        principal=principal, patient=patient_identity(assessment), **_summary_context(kb, assessment, now)
    )
    pdf = render_pdf(html, base_url=str(request.base_url))
    filename = PDF_FILENAME.format(id=assessment.id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
