"""Routes for the results side: the results page, its print view and PDF, the SURE check and the
consultation request. Every page of an assessment with a positive PHQ-9 item 9 shows crisis
resources first. Unknown tokens get the same 404 as malformed ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.store.course_report import patient_treatment
from trdnav.store.models import Assessment
from trdnav.store.repository import save_sure, submit_consultation
from trdnav.web.course_view import WEEKDAYS
from trdnav.web.dependencies import DbSession, Now, assessment_or_404, audit_patient, patient_actor
from trdnav.web.form_models import form_lists, read_form
from trdnav.web.patient.consultation import CONTACT, ConsultationRequestForm
from trdnav.web.patient.router import router
from trdnav.web.pdf import PDF_FILENAME, SOURCES_FILENAME, paper_size, render_pdf
from trdnav.web.reading_time import reading_minutes, reading_time_words
from trdnav.web.summary import Summary, build_summary, long_date
from trdnav.web.sure import read_sure_form
from trdnav.web.templating import DISCLAIMER, render, templates


def _private_link(request: Request, token: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/a/{token}/results"


def _summary(request: Request, assessment: Assessment, token: str, now: dt.datetime) -> Summary:
    return build_summary(
        request.app.state.kb,
        token=token,
        private_link=_private_link(request, token),
        answers=assessment.answers,
        therapies=assessment.therapies,
        sure_answers=assessment.sure_answers or {},
        today=now.date(),
        clinic=request.state.clinic,
    )


# Stands where the reading time goes until the page's own words are counted.
READING_TIME_MARKER = "\u2063reading-time\u2063"


def _summary_context(request: Request, summary: Summary) -> dict[str, Any]:
    kb = request.app.state.kb
    return {
        "s": summary,
        "sure_items": kb.sure.items,
        "sure_terms_url": kb.sure.terms_url,
        "long_date": long_date,
        "sources_filename": SOURCES_FILENAME,
        "reading_time_marker": READING_TIME_MARKER,
    }


def _with_reading_time(response: HTMLResponse) -> HTMLResponse:
    """Put the page's measured reading time where the marker stands."""
    page = bytes(response.body).decode("utf-8")
    words = reading_time_words(reading_minutes(page))
    response.body = page.replace(READING_TIME_MARKER, words).encode("utf-8")
    response.headers["content-length"] = str(len(response.body))
    return response


def _results_page(
    request: Request,
    assessment: Assessment,
    token: str,
    now: dt.datetime,
    *,
    template: str = "results.html",
    status_code: int = 200,
    sure_errors: dict[str, str] | None = None,
    sure_given: dict[str, str] | None = None,
) -> HTMLResponse:
    summary = _summary(request, assessment, token, now)
    interactive = template == "results.html"
    response = render(
        request,
        template,
        status_code=status_code,
        crisis=assessment.suicide_risk_alert,
        token=token,
        interactive=interactive,
        # the results page (not the print view) says where the patient's treatment stands
        treatment=patient_treatment(request.app.state.kb, assessment, now) if interactive else None,
        weekdays=WEEKDAYS,
        sure_errors=sure_errors or {},
        sure_given=sure_given if sure_given is not None else dict(assessment.sure_answers or {}),
        unsent_request=_unsent_request(assessment),
        sources_page="sources",  # relative: /a/{token}/sources, from the results page and the print view
        **_summary_context(request, summary),
    )
    return _with_reading_time(response)


@router.get("/a/{token}/results", response_class=HTMLResponse)
def results(request: Request, token: str, session: DbSession, now: Now) -> HTMLResponse:
    return _results_page(request, assessment_or_404(request, session, token, "read"), token, now)


@router.get("/a/{token}/print", response_class=HTMLResponse)
def print_view(request: Request, token: str, session: DbSession, now: Now) -> HTMLResponse:
    """The same summary without forms, ready for the browser's Print command."""
    assessment = assessment_or_404(request, session, token, "read")
    return _results_page(request, assessment, token, now, template="results_print.html")


@router.get("/a/{token}/sources", response_class=HTMLResponse)
def sources_page(request: Request, token: str, session: DbSession, now: Now) -> HTMLResponse:
    """Every source the results page links to, with what the evidence labels mean: a page of its own,
    so the results page stays within its size budget with five options."""
    assessment = assessment_or_404(request, session, token, "read")
    summary = _summary(request, assessment, token, now)
    return render(
        request,
        "results_sources_page.html",
        crisis=assessment.suicide_risk_alert,
        token=token,
        **_summary_context(request, summary),
    )


@router.post("/a/{token}/sure", response_model=None)
async def sure(request: Request, token: str, session: DbSession, now: Now) -> Response:
    assessment = assessment_or_404(request, session, token, "update")
    form = await request.form()
    answers, errors = read_sure_form(request.app.state.kb.sure, form)
    if errors:
        given = {key: value for key, value in form.items() if isinstance(value, str)}
        return _results_page(
            request, assessment, token, now, status_code=422, sure_errors=errors, sure_given=given
        )
    save_sure(session, assessment, answers)
    return RedirectResponse(f"/a/{token}/results#sure", status_code=303)


def _pdf(
    request: Request, token: str, session: DbSession, now: Now, *, template: str, filename: str
) -> Response:
    assessment = assessment_or_404(request, session, token, "export")
    summary = _summary(request, assessment, token, now)
    clinic = request.state.clinic
    paper = paper_size(clinic.country)
    html = templates.get_template(template).render(
        settings=request.app.state.settings,
        clinic=clinic,
        disclaimer=DISCLAIMER,
        token=token,
        crisis=assessment.suicide_risk_alert,
        interactive=False,
        sure_errors={},
        sure_given=dict(assessment.sure_answers or {}),
        **_summary_context(request, summary),
    )
    pdf = render_pdf(html, base_url=str(request.base_url), paper=paper)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/a/{token}/summary.pdf")
def summary_pdf(request: Request, token: str, session: DbSession, now: Now) -> Response:
    """The printout as a PDF of at most 4 pages on the clinic's paper, made by WeasyPrint from the
    same templates as the print view (no scripts, no fetching)."""
    return _pdf(request, token, session, now, template="results_pdf.html", filename=PDF_FILENAME)


@router.get("/a/{token}/sources.pdf")
def sources_pdf(request: Request, token: str, session: DbSession, now: Now) -> Response:
    """The appendix to the printout: every fact behind the short answers, with all its sources."""
    return _pdf(request, token, session, now, template="results_sources_pdf.html", filename=SOURCES_FILENAME)


# --- Request a consultation (the seed's call to action) ----------------------------------------
# Only an assessment that belongs to a clinic can send a request: one started at a standalone `/`
# (no TRDNAV_DEFAULT_CLINIC) has no clinic to receive it, so its form is never shown and a request
# sent anyway is refused, never stored as if sent (docs/safety.md, H12).


def _unsent_request(assessment: Assessment) -> bool:
    """A request stored before standalone assessments refused them, which no clinic received."""
    return assessment.clinic_id is None and bool(assessment.consultations)


def _no_clinic_page(
    request: Request, assessment: Assessment, token: str, *, refused: bool = False
) -> HTMLResponse:
    """The page that says no request can be sent from here, and how to reach one's own doctor."""
    return render(
        request,
        "consultation_unavailable.html",
        status_code=409 if refused else 200,
        crisis=assessment.suicide_risk_alert,
        token=token,
        heading="Your request was not sent" if refused else "This site cannot send a request",
        refused=refused,
        unsent_request=_unsent_request(assessment),
    )


def _consultation_page(
    request: Request,
    assessment: Assessment,
    token: str,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "consultation.html",
        status_code=status_code,
        crisis=assessment.suicide_risk_alert,
        token=token,
        values=values,
        errors=errors,
        contact_error=CONTACT,
    )


@router.get("/a/{token}/consultation", response_class=HTMLResponse)
def consultation_form(request: Request, token: str, session: DbSession) -> HTMLResponse:
    assessment = assessment_or_404(request, session, token, "read")
    if assessment.clinic_id is None:
        return _no_clinic_page(request, assessment, token)
    return _consultation_page(request, assessment, token, {}, {})


@router.post("/a/{token}/consultation", response_model=None)
async def consultation_submit(request: Request, token: str, session: DbSession) -> Response:
    form = read_form(ConsultationRequestForm, form_lists(await request.form()))
    assessment = assessment_or_404(request, session, token, None)
    if assessment.clinic_id is None:
        audit_patient(request, session, assessment, "read")
        return _no_clinic_page(request, assessment, token, refused=True)
    if form.model is None:
        audit_patient(request, session, assessment, "read")
        return _consultation_page(request, assessment, token, form.values, form.errors, status_code=422)
    submit_consultation(session, patient_actor(request, assessment), assessment, **form.model.model_dump())
    return RedirectResponse(f"/a/{token}/consultation/done", status_code=303)


@router.get("/a/{token}/consultation/done", response_model=None)
def consultation_done(request: Request, token: str, session: DbSession) -> Response:
    assessment = assessment_or_404(request, session, token, "read")
    if assessment.clinic_id is None:
        return _no_clinic_page(request, assessment, token)
    if not assessment.consultations:
        return RedirectResponse(f"/a/{token}/consultation", status_code=303)
    return render(
        request,
        "consultation_done.html",
        crisis=assessment.suicide_risk_alert,
        token=token,
        consultation=assessment.consultations[-1],
    )
