"""Routes: the IV ketamine dose step, before the infusion.

The nurse enters the weight and the order; the first post shows the computed dose, volume and pump
rate with the arithmetic (nothing is stored); the second, with the figures confirmed and the box
ticked, stores the dose (audited "create" on the ketamine_dose) and opens the infusion record for
it, or, with ``record``, the correction of that record with the new dose. A course or record of
another clinic answers 404 like an unknown id, and nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.courses.session_forms import CheckedRecord, check_dose
from trdnav.store.ketamine_doses import confirm_dose
from trdnav.store.models import Course, CourseVisit, SessionRecord
from trdnav.web.dependencies import DbSession, Knowledge
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import Principal, StaffPrincipal, not_found, own_course
from trdnav.web.staff.router import router
from trdnav.web.staff.session_record_pages import course_visit, local_moment, posted_values, record_kind


def _record(course: Course, raw: str) -> SessionRecord | None:
    """The course's infusion record named by ``raw`` (the dose will correct it); none when blank."""
    if not raw:
        return None
    number = int(raw) if raw.isascii() and raw.isdigit() else None
    record = next((r for r in course.records if r.id == number and r.kind == "iv_ketamine"), None)
    if record is None:
        raise not_found()
    return record


def _page(
    request: Request,
    principal: Principal,
    course: Course,
    visit: CourseVisit | None,
    record: SessionRecord | None,
    values: dict[str, Any],
    checked: CheckedRecord | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    errors = checked.errors if checked else {}
    return render_staff(
        request,
        "staff/session_dose.html",
        principal,
        status_code=status_code,
        course=course,
        visit=visit,
        visit_time=local_moment(visit.starts_at, course.timezone) if visit else "",
        record=record,
        values=values,
        errors=errors,
        calculation=checked.calculation if checked else None,
        awaiting_confirmation=bool(checked and checked.awaiting_confirmation and not errors),
    )


@router.get("/staff/courses/{course_id}/doses/new", response_class=HTMLResponse)
def dose_form(
    request: Request,
    course_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    visit: Annotated[str, Query(max_length=12)] = "",
    record: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    """The empty dose step for an infusion of the course (at one of its visits, if given)."""
    course = own_course(session, principal, course_id)
    record_kind(kb, course, "iv_ketamine")
    planned_visit = course_visit(course, visit)
    corrected = _record(course, record)
    principal.record_read(session, "read", "course", course.id)
    return _page(request, principal, course, planned_visit, corrected, {})


@router.post("/staff/courses/{course_id}/doses", response_model=None)
async def dose_submit(
    request: Request, course_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge
) -> Response:
    """Compute (200, nothing stored), then store the confirmed dose and open its infusion record."""
    course = own_course(session, principal, course_id)
    record_kind(kb, course, "iv_ketamine")
    values = posted_values(await request.form())
    visit = course_visit(course, str(values.get("visit_id", "")))
    corrected = _record(course, str(values.get("record_id", "")))
    checked = check_dose(values, kb.dosing.iv_ketamine.limits)
    if not checked.storable:
        principal.record_read(session, "read", "course", course.id)
        status = 422 if checked.errors else 200
        return _page(request, principal, course, visit, corrected, values, checked, status)
    dose = confirm_dose(session, principal.actor(), course, visit, checked.data)
    if corrected is not None:
        return RedirectResponse(
            f"/staff/session-records/{corrected.id}/correct?dose={dose.id}", status_code=303
        )
    at_visit = f"&visit={visit.id}" if visit else ""
    return RedirectResponse(
        f"/staff/courses/{course.id}/sessions/new?kind=iv_ketamine&dose={dose.id}{at_visit}", status_code=303
    )
