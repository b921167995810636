"""Routes: a course as files and for the patient. Clinicians export the calendar as iCalendar
(RFC 5545) and the course as a FHIR R4 CarePlan; the patient sees their visits and downloads the
calendar through their private link. Access and audit as in `trdnav.web.courses`.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from trdnav.courses.ics import CalendarVisit, course_calendar
from trdnav.fhir.careplan import CarePlanVisit, course_careplan
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.models import Course, now
from trdnav.web.courses import (
    PRIVATE_HEADERS,
    audit_course_record,
    course_clinic,
    course_protocol,
    display_context,
    protocol_entries,
)
from trdnav.web.deps import assessment_or_404, audit_patient
from trdnav.web.principal import DbSession, StaffPrincipal, not_found, own_course
from trdnav.web.templating import render

router = APIRouter(include_in_schema=False)


# --- Exports ---------------------------------------------------------------------------------------


def _calendar(request: Request, course: Course) -> Response:
    protocol = course_protocol(request.app.state.kb, course)
    if protocol is None:
        raise not_found()
    body = course_calendar(
        protocol=protocol,
        visits=[CalendarVisit(v.id, v.starts_at, v.status) for v in course.visits],
        timezone=course.timezone,
        location=course_clinic(course.assessment).name,
        stamp=now(),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="treatment-visits-{course.id}.ics"',
            **PRIVATE_HEADERS,
        },
    )


@router.get("/staff/courses/{course_id}/calendar.ics")
def course_calendar_staff(
    request: Request, course_id: int, principal: StaffPrincipal, session: DbSession
) -> Response:
    course = own_course(session, principal, course_id)
    response = _calendar(request, course)
    audit_course_record(session, principal, "export", "course", course.id)
    return response


@router.get("/staff/courses/{course_id}/careplan.json")
def course_careplan_export(
    request: Request, course_id: int, principal: StaffPrincipal, session: DbSession
) -> Response:
    """The course as a FHIR R4 CarePlan (application/fhir+json), without patient identifiers."""
    course = own_course(session, principal, course_id)
    protocol = course_protocol(request.app.state.kb, course)
    if protocol is None:
        raise not_found()
    resource = course_careplan(
        course_id=course.id,
        course_status=course.status,
        protocol=protocol,
        visits=[CarePlanVisit(v.number, v.phase, v.starts_at, v.status) for v in course.visits],
        timezone=course.timezone,
        created=course.created_at,
    )
    audit_course_record(session, principal, "export", "course", course.id)
    return Response(
        orjson.dumps(resource, option=orjson.OPT_INDENT_2),
        media_type="application/fhir+json",
        headers={
            "Content-Disposition": f'attachment; filename="trd-navigator-course-{course.id}-careplan.json"',
            **PRIVATE_HEADERS,
        },
    )


# --- The patient's side ------------------------------------------------------------------------------


@router.get("/a/{token}/courses", response_class=HTMLResponse)
def patient_courses(request: Request, token: str, session: DbSession) -> HTMLResponse:
    """The patient's planned visits, in the clinic's time, with what to do before each."""
    assessment = assessment_or_404(request, session, token, "read")
    kb: KnowledgeBase = request.app.state.kb
    shown = [(course, protocol_entries(kb).get(course.protocol_id)) for course in assessment.courses]
    for course, _ in shown:
        audit_patient(request, session, assessment, "read", "course", course.id)
    response = render(
        request,
        "course.html",
        token=token,
        courses=shown,
        crisis=assessment.suicide_risk_alert,
        **display_context(),
    )
    response.headers.update(PRIVATE_HEADERS)
    return response


@router.get("/a/{token}/courses/{course_id}/calendar.ics")
def patient_calendar(request: Request, token: str, course_id: int, session: DbSession) -> Response:
    assessment = assessment_or_404(request, session, token, None)
    course = session.get(Course, course_id)
    if course is None or course.assessment_id != assessment.id:
        raise not_found()
    response = _calendar(request, course)
    audit_patient(request, session, assessment, "export", "course", course.id)
    return response
