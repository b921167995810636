"""Routes: the patient's treatment courses through the private link: the planned visits in the
clinic's time with what to do before each, and the calendar download. Each course shown or
downloaded is one audit entry, in the request's transaction; a course of another assessment answers
404 like an unknown one.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.responses import HTMLResponse, Response

from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.models import Course
from trdnav.web.course_view import calendar_response, course_protocol, display_context, protocol_entries
from trdnav.web.dependencies import DbSession, Now, assessment_or_404, audit_patient
from trdnav.web.patient.router import router
from trdnav.web.templating import render


@router.get("/a/{token}/courses", response_class=HTMLResponse)
def patient_courses(request: Request, token: str, session: DbSession) -> HTMLResponse:
    """The patient's planned visits, in the clinic's time, with what to do before each."""
    assessment = assessment_or_404(request, session, token, "read")
    kb: KnowledgeBase = request.app.state.kb
    shown = [(course, protocol_entries(kb).get(course.protocol_id)) for course in assessment.courses]
    for course, _ in shown:
        audit_patient(request, session, assessment, "read", "course", course.id)
    return render(
        request,
        "course.html",
        token=token,
        courses=shown,
        crisis=assessment.suicide_risk_alert,
        **display_context(),
    )


@router.get("/a/{token}/courses/{course_id}/calendar.ics")
def patient_calendar(request: Request, token: str, course_id: int, session: DbSession, now: Now) -> Response:
    assessment = assessment_or_404(request, session, token, None)
    course = session.get(Course, course_id)
    protocol = None if course is None else course_protocol(request.app.state.kb, course)
    if course is None or course.assessment_id != assessment.id or protocol is None:
        raise HTTPException(status_code=404, detail="Not found")
    response = calendar_response(protocol, course, now)
    audit_patient(request, session, assessment, "export", "course", course.id)
    return response
