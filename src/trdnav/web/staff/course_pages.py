"""Routes: treatment courses. Clinicians plan a course for an assessment and keep its calendar
(mark visits done or missed, move one). The exports are in `trdnav.web.staff.course_files`, the
patient's side in `trdnav.web.patient.course_links` (shared views: `trdnav.web.course_view`).

Staff routes need a signed-in clinician or admin of the record's clinic: another clinic's
assessment, course or visit answers 404 like an unknown id, and nothing is written. Every read,
write and export of a course is audited in the request's transaction (`trdnav.store.course_plans`
writes the change rows). Times are shown in the course's time zone (the clinic's when planned).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.core.protocol import Protocol
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.course_plans import (
    VisitChangeError,
    course_check,
    create_course,
    move_visit,
    set_visit_status,
)
from trdnav.store.course_safety import CourseNotReviewed, therapy_screen, therapy_screens
from trdnav.store.models import Assessment, Clinic, Course, CourseVisit
from trdnav.store.outcome_scores import course_therapy
from trdnav.store.session_records import current_records
from trdnav.web.course_view import course_clinic, course_protocol, display_context, protocol_entries
from trdnav.web.dependencies import DbSession, Now
from trdnav.web.form_models import ReadForm, form_lists, read_form
from trdnav.web.staff.course_forms import CourseForm, MoveForm, VisitStatusForm
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import (
    Principal,
    StaffPrincipal,
    not_found,
    own_assessment,
    own_course,
)
from trdnav.web.staff.router import router


def _offered(kb: KnowledgeBase, clinic: Clinic) -> dict[str, Any]:
    """The protocols of the therapies the clinic offers."""
    return {pid: entry for pid, entry in protocol_entries(kb).items() if entry.therapy in clinic.therapies}


def _own_visit(session: Session, principal: Principal, course_id: int, visit_id: int) -> CourseVisit:
    course = own_course(session, principal, course_id)
    visit = session.get(CourseVisit, visit_id)
    if visit is None or visit.course_id != course.id:
        raise not_found()
    return visit


def session_record_href(course: Course, visit: CourseVisit) -> str | None:
    """Where "Record the session" of a visit leads (None: nothing to record for a missed visit).
    The one place the calendar's record links are made."""
    if visit.status == "missed":
        return None
    return f"/staff/courses/{course.id}/sessions/new?visit={visit.id}"


# --- Planning a course -----------------------------------------------------------------------------


def _new_page(
    request: Request,
    principal: Principal,
    kb: KnowledgeBase,
    assessment: Assessment,
    checked: ReadForm[CourseForm] | None = None,
    status_code: int = 200,
    refused_therapy: str | None = None,
) -> HTMLResponse:
    offered = _offered(kb, course_clinic(assessment))
    screens = therapy_screens(assessment)
    offered_therapies = dict.fromkeys(entry.therapy for entry in offered.values())
    return render_staff(
        request,
        "staff/course_new.html",
        principal,
        status_code=status_code,
        assessment=assessment,
        protocols=offered,
        tapered={pid for pid, entry in offered.items() if any(p.optional for p in entry.plan.phases)},
        values=checked.values if checked else {},
        errors=checked.errors if checked else {},
        screens={t: screens.get(t) for t in offered_therapies},
        therapy_names={t: kb.therapies[t].name if t in kb.therapies else t for t in offered_therapies},
        refused_therapy=refused_therapy,
    )


@router.get("/staff/assessments/{assessment_id}/courses/new", response_class=HTMLResponse)
def new_course_form(
    request: Request, assessment_id: int, principal: StaffPrincipal, session: DbSession
) -> HTMLResponse:
    assessment = own_assessment(session, principal, assessment_id)
    principal.record_read(session, "read", "assessment", assessment.id)
    return _new_page(request, principal, request.app.state.kb, assessment)


@router.post(
    "/staff/assessments/{assessment_id}/courses/new",
    response_model=None,
)
async def new_course_submit(
    request: Request, assessment_id: int, principal: StaffPrincipal, session: DbSession
) -> Response:
    """Plan the course from the form; the course page then shows its calendar and any problem.

    A therapy whose safety screen needs a clinician review not on record is refused (422) with the
    reason and a link to record the review; nothing is written (`trdnav.store.course_safety`)."""
    assessment = own_assessment(session, principal, assessment_id)
    kb: KnowledgeBase = request.app.state.kb
    clinic = course_clinic(assessment)
    offered = _offered(kb, clinic)
    protocols = {pid: e.plan for pid, e in offered.items()}
    checked = read_form(CourseForm, form_lists(await request.form()), {"protocols": protocols})
    if checked.model is None:
        principal.record_read(session, "read", "assessment", assessment.id)
        return _new_page(request, principal, kb, assessment, checked, status_code=422)
    form = checked.model
    try:
        course = create_course(
            session,
            principal.actor(),
            assessment,
            clinic,
            offered[form.protocol].plan,
            staff_id=principal.staff_id,
            start=form.start_date,
            unavailable=form.unavailable,
            taper=form.taper,
        )
    except CourseNotReviewed as refusal:
        checked.errors["protocol"] = str(refusal)
        principal.record_read(session, "read", "assessment", assessment.id)
        return _new_page(
            request, principal, kb, assessment, checked, status_code=422, refused_therapy=refusal.therapy
        )
    return RedirectResponse(f"/staff/courses/{course.id}", status_code=303)


# --- The course's calendar -------------------------------------------------------------------------


def _course_page(
    request: Request,
    principal: Principal,
    course: Course,
    now: dt.datetime,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    given: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    kb: KnowledgeBase = request.app.state.kb
    entry = protocol_entries(kb).get(course.protocol_id)
    clinic = course_clinic(course.assessment)
    checked = course_check(course, clinic, entry.plan, now) if entry is not None else None
    therapy = course_therapy(kb, course.protocol_id)
    return render_staff(
        request,
        "staff/course.html",
        principal,
        status_code=status_code,
        course=course,
        entry=entry,
        problems=checked.problems if checked else (),
        shortfalls=checked.shortfalls if checked else (),
        record_href=session_record_href,
        errors=errors or {},
        given=given or {},
        kept=sum(1 for v in course.visits if v.status != "missed"),
        records=current_records(course),
        screen=therapy_screen(course.assessment, therapy),
        therapy_name=kb.therapies[therapy].name if therapy in kb.therapies else therapy,
        **display_context(),
    )


@router.get("/staff/courses/{course_id}", response_class=HTMLResponse)
def course_page(
    request: Request, course_id: int, principal: StaffPrincipal, session: DbSession, now: Now
) -> HTMLResponse:
    course = own_course(session, principal, course_id)
    principal.record_read(session, "read", "course", course.id)
    return _course_page(request, principal, course, now)


def _visit_refused(
    request: Request,
    session: Session,
    principal: Principal,
    visit: CourseVisit,
    checked: ReadForm[Any],
    now: dt.datetime,
) -> HTMLResponse:
    """Show the course again with the visit's messages (a read of the course)."""
    principal.record_read(session, "read", "course", visit.course.id)
    name = f"visit-{visit.id}"
    return _course_page(
        request,
        principal,
        visit.course,
        now,
        errors={name: checked.errors},
        given={name: checked.values},
        status_code=422,
    )


def _change_allowed(request: Request, visit: CourseVisit) -> tuple[Protocol | None, str | None]:
    protocol = course_protocol(request.app.state.kb, visit.course)
    if protocol is None:
        return (
            None,
            "This course's protocol is no longer in the knowledge base; its visits cannot be changed.",
        )
    if visit.status != "planned":
        return (
            protocol,
            f"Visit {visit.number} is already marked {visit.status}; only planned visits can be changed.",
        )
    return protocol, None


@router.post(
    "/staff/courses/{course_id}/visits/{visit_id}/status",
    response_model=None,
)
async def visit_status_submit(
    request: Request,
    course_id: int,
    visit_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    now: Now,
) -> Response:
    """Mark a planned visit done, or missed (which re-plans the visits after it)."""
    visit = _own_visit(session, principal, course_id, visit_id)
    checked = read_form(VisitStatusForm, form_lists(await request.form()))
    protocol, refusal = _change_allowed(request, visit)
    if refusal is not None:
        checked.errors.setdefault("status", refusal)
    if checked.model is None or checked.errors or protocol is None:
        return _visit_refused(request, session, principal, visit, checked, now)
    course = visit.course
    try:
        set_visit_status(
            session,
            principal.actor(),
            course,
            course_clinic(course.assessment),
            protocol,
            visit,
            checked.model.status,
            at=now,
        )
    except VisitChangeError as error:
        checked.errors["status"] = str(error)
        return _visit_refused(request, session, principal, visit, checked, now)
    return RedirectResponse(f"/staff/courses/{course.id}#visit-{visit.id}", status_code=303)


@router.post(
    "/staff/courses/{course_id}/visits/{visit_id}/move",
    response_model=None,
)
async def visit_move_submit(
    request: Request,
    course_id: int,
    visit_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    now: Now,
) -> Response:
    """Move a planned visit to a new local date and time if the protocol allows; re-plan the rest."""
    visit = _own_visit(session, principal, course_id, visit_id)
    checked = read_form(MoveForm, form_lists(await request.form()))
    protocol, refusal = _change_allowed(request, visit)
    if refusal is not None:
        checked.errors.setdefault("date", refusal)
    if checked.model is None or checked.errors or protocol is None:
        return _visit_refused(request, session, principal, visit, checked, now)
    course = visit.course
    moved_to = dt.datetime.combine(checked.model.date, checked.model.time, ZoneInfo(course.timezone))
    problems = move_visit(
        session,
        principal.actor(),
        course,
        course_clinic(course.assessment),
        protocol,
        visit,
        moved_to,
        at=now,
    )
    if problems:
        checked.errors["date"] = "The visit cannot be moved there: " + " ".join(problems)
        return _visit_refused(request, session, principal, visit, checked, now)
    return RedirectResponse(f"/staff/courses/{course.id}#visit-{visit.id}", status_code=303)
