"""Routes: recording a treatment session (IV ketamine infusion, TMS session) and correcting a record.

Clinicians and admins of the course's clinic only: a course or record of another clinic answers
404 exactly like an unknown id, POSTs included, and nothing is written. An infusion is stored in
two steps: the first post shows the computed dose with its arithmetic and asks the clinician to
confirm it (nothing is stored); the second, with the dose confirmed, stores the record. A TMS
session is stored in one step. A correction stores a new version with a reason; the original is
never changed, and the record's page shows every version side by side.

Audit: a page showing a course or a record appends one "read" per record shown; storing appends
"create" on the new session record (and on any alert it raises, see `store.alerts`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trdnav.courses.session_forms import (
    KETAMINE_SIDE_EFFECTS,
    KINDS,
    MT_METHODS,
    TARGETS,
    VITALS_MOMENTS,
    CheckedRecord,
    check_ketamine,
    check_tms,
    form_values,
)
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.models import Course, CourseVisit, SessionRecord, Staff
from trdnav.store.session_records import (
    REASON_LIMIT,
    add_record,
    correct_record,
    history,
    superseding,
)
from trdnav.web.clinic_time import format_clock, format_day
from trdnav.web.dependencies import DbSession, Knowledge
from trdnav.web.form_models import form_lists
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import Principal, StaffPrincipal, not_found, own_course
from trdnav.web.staff.router import router
from trdnav.web.staff.session_record_view import record_rows

FORM_TEMPLATES = {"iv_ketamine": "staff/session_ketamine.html", "tms": "staff/session_tms.html"}
MULTIPLE = {"side_effects"}  # fields sent once per ticked box


def _own_record(session: Session, principal: Principal, record_id: int) -> SessionRecord:
    record = session.get(SessionRecord, record_id)
    if record is None or record.course.assessment.clinic_id != principal.clinic_id:
        raise not_found()
    return record


def _visit(course: Course, raw: str) -> CourseVisit | None:
    """The course's visit named by ``raw`` (none when blank); another course's visit is not found."""
    if not raw:
        return None
    number = int(raw) if raw.isascii() and raw.isdigit() else None
    visit = next((v for v in course.visits if v.id == number), None)
    if visit is None:
        raise not_found()
    return visit


def _expected_kind(protocol_id: str) -> str | None:
    """The record kind a course's protocol takes, when its id says (esketamine and ECT take none here)."""
    if "ketamine" in protocol_id and "esketamine" not in protocol_id:
        return "iv_ketamine"
    if "tms" in protocol_id or "itbs" in protocol_id:
        return "tms"
    return None


def _kind(course: Course, raw: str) -> str:
    """The record kind asked for (default: the course's); a course whose protocol takes no record
    here (esketamine, ECT) answers 404 for every kind, like a kind that does not fit the course."""
    expected = _expected_kind(course.protocol_id)
    if expected is None or (raw or expected) != expected:
        raise not_found()
    return expected


def _values(form: FormData) -> dict[str, Any]:
    """Every value sent for the ``MULTIPLE`` fields and the first (not the last, as a `FormModel`
    takes) for each other one, as sent: the pure checks in `trdnav.courses.session_forms` trim them."""
    return {
        name: sent if name in MULTIPLE else (sent[0] if sent else "")
        for name, sent in form_lists(form).items()
    }


def _check(kb: KnowledgeBase, kind: str, values: dict[str, Any]) -> CheckedRecord:
    ranges = kb.session_ranges.ranges
    if kind == "iv_ketamine":
        return check_ketamine(values, kb.dosing.iv_ketamine.limits, ranges)
    return check_tms(values, ranges)


def local_moment(moment: dt.datetime, timezone: str) -> str:
    """A stored UTC moment in the course's time zone: "Tue 3 Mar 2026, 09:00 EST"."""
    return f"{format_day(moment, timezone, weekday=True)}, {format_clock(moment, timezone)}"


def _form_page(
    request: Request,
    principal: Principal,
    course: Course,
    kind: str,
    visit: CourseVisit | None,
    values: dict[str, Any],
    *,
    checked: CheckedRecord | None = None,
    original: SessionRecord | None = None,
    extra_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    errors = {**(checked.errors if checked else {}), **(extra_errors or {})}
    action = (
        f"/staff/session-records/{original.id}/correct"
        if original
        else f"/staff/courses/{course.id}/sessions"
    )
    return render_staff(
        request,
        FORM_TEMPLATES[kind],
        principal,
        status_code=status_code,
        course=course,
        kind=kind,
        visit=visit,
        visit_time=local_moment(visit.starts_at, course.timezone) if visit else "",
        values=values,
        errors=errors,
        calculation=checked.calculation if checked else None,
        awaiting_confirmation=bool(checked and checked.awaiting_confirmation and not errors),
        original=original,
        action=action,
        side_effects=KETAMINE_SIDE_EFFECTS,
        vitals_moments=VITALS_MOMENTS,
        mt_methods=MT_METHODS,
        targets=TARGETS,
        reason_limit=REASON_LIMIT,
    )


# --- Recording a session -------------------------------------------------------------------------


@router.get("/staff/courses/{course_id}/sessions/new", response_class=HTMLResponse)
def session_form(
    request: Request,
    course_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kind: Annotated[str, Query(max_length=20)] = "",
    visit: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    """The empty form for a session of the course (at one of its visits, if ``visit`` is given)."""
    course = own_course(session, principal, course_id)
    record_kind = _kind(course, kind)
    planned_visit = _visit(course, visit)
    principal.record_read(session, "read", "course", course.id)
    values: dict[str, Any] = {"protocol": course.protocol_id} if record_kind == "tms" else {}
    return _form_page(request, principal, course, record_kind, planned_visit, values)


@router.post("/staff/courses/{course_id}/sessions", response_model=None)
async def session_submit(
    request: Request, course_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge
) -> Response:
    """Store the record; an infusion first comes back (200) with its computed dose to confirm."""
    course = own_course(session, principal, course_id)
    values = _values(await request.form())
    kind = _kind(course, str(values.get("kind", "")))
    visit = _visit(course, str(values.get("visit_id", "")))
    checked = _check(kb, kind, values)
    if not checked.storable:
        principal.record_read(session, "read", "course", course.id)
        return _form_page(
            request,
            principal,
            course,
            kind,
            visit,
            values,
            checked=checked,
            status_code=422 if checked.errors else 200,
        )
    record = add_record(session, principal.actor(), course, visit, kind, checked.data)
    return RedirectResponse(f"/staff/session-records/{record.id}", status_code=303)


# --- One record and its corrections ----------------------------------------------------------------


@router.get("/staff/session-records/{record_id}", response_class=HTMLResponse)
def record_page(
    request: Request, record_id: int, principal: StaffPrincipal, session: DbSession
) -> HTMLResponse:
    """The record with every version (the original and each correction) side by side."""
    record = _own_record(session, principal, record_id)
    versions = history(session, record)
    for version in versions:
        principal.record_read(session, "read", "session_record", version.id)
    staff_names = {
        staff.id: staff.name
        for staff in session.scalars(select(Staff).where(Staff.id.in_({v.recorded_by for v in versions})))
    }
    visit = session.get(CourseVisit, record.visit_id) if record.visit_id else None
    return render_staff(
        request,
        "staff/session_record.html",
        principal,
        record=record,
        course=record.course,
        kind_name=KINDS[record.kind],
        versions=versions,
        rows=record_rows(record.kind, [v.data for v in versions]),
        staff_names=staff_names,
        visit=visit,
        visit_time=local_moment(visit.starts_at, record.course.timezone) if visit else "",
    )


def _newest_first(
    request: Request, principal: Principal, session: Session, record: SessionRecord
) -> Response:
    """A corrected version cannot be corrected again: point to the newest version (409)."""
    newest = history(session, record)[-1]
    principal.record_read(session, "read", "session_record", record.id)
    return render_staff(
        request,
        "staff/session_record.html",
        principal,
        status_code=409,
        record=record,
        course=record.course,
        kind_name=KINDS[record.kind],
        versions=[record],
        rows=record_rows(record.kind, [record.data]),
        staff_names={},
        visit=None,
        visit_time="",
        newer=newest,
    )


@router.get("/staff/session-records/{record_id}/correct", response_model=None)
def correction_form(
    request: Request, record_id: int, principal: StaffPrincipal, session: DbSession
) -> Response:
    """The record's form, prefilled with its values, plus a required reason; the dose is confirmed again."""
    record = _own_record(session, principal, record_id)
    if superseding(session, record) is not None:
        return _newest_first(request, principal, session, record)
    principal.record_read(session, "read", "session_record", record.id)
    visit = session.get(CourseVisit, record.visit_id) if record.visit_id else None
    values = form_values(record.kind, record.data)
    return _form_page(request, principal, record.course, record.kind, visit, values, original=record)


@router.post("/staff/session-records/{record_id}/correct", response_model=None)
async def correction_submit(
    request: Request, record_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge
) -> Response:
    """Store the correction as a new version that supersedes this one; the original stays as it was."""
    record = _own_record(session, principal, record_id)
    if superseding(session, record) is not None:
        return _newest_first(request, principal, session, record)
    values = _values(await request.form())
    checked = _check(kb, record.kind, values)
    reason = str(values.get("correction_reason", "")).strip()
    reason_errors = {}
    if not reason or len(reason) > REASON_LIMIT:
        reason_errors["correction_reason"] = (
            f"Reason for the correction: required; say what was wrong, in up to {REASON_LIMIT:,} characters."
        )
    if not checked.storable or reason_errors:
        principal.record_read(session, "read", "session_record", record.id)
        visit = session.get(CourseVisit, record.visit_id) if record.visit_id else None
        failed = bool(checked.errors or reason_errors)
        return _form_page(
            request,
            principal,
            record.course,
            record.kind,
            visit,
            values,
            checked=checked,
            original=record,
            extra_errors=reason_errors,
            status_code=422 if failed else 200,
        )
    corrected = correct_record(session, principal.actor(), record, checked.data, reason)
    return RedirectResponse(f"/staff/session-records/{corrected.id}", status_code=303)
