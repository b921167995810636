"""Routes: a course as files for clinicians: the calendar as iCalendar (RFC 5545) and the course as a
FHIR R4 CarePlan. Access and audit as in `trdnav.web.staff.course_pages`; the patient's calendar is
in `trdnav.web.patient.course_links`.
"""

from __future__ import annotations

import orjson
from fastapi import Request
from starlette.responses import Response

from trdnav.fhir.careplan import CarePlanVisit, course_careplan
from trdnav.web.course_view import calendar_response, course_protocol
from trdnav.web.dependencies import DbSession, Now
from trdnav.web.staff.principal import StaffPrincipal, not_found, own_course
from trdnav.web.staff.router import router


@router.get("/staff/courses/{course_id}/calendar.ics")
def course_calendar_staff(
    request: Request, course_id: int, principal: StaffPrincipal, session: DbSession, now: Now
) -> Response:
    course = own_course(session, principal, course_id)
    protocol = course_protocol(request.app.state.kb, course)
    if protocol is None:
        raise not_found()
    response = calendar_response(protocol, course, now)
    principal.record_read(session, "export", "course", course.id)
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
    principal.record_read(session, "export", "course", course.id)
    return Response(
        orjson.dumps(resource, option=orjson.OPT_INDENT_2),
        media_type="application/fhir+json",
        headers={
            "Content-Disposition": f'attachment; filename="trd-navigator-course-{course.id}-careplan.json"'
        },
    )
