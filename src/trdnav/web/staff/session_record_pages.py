"""Routes: recording a treatment session (IV ketamine, TMS, esketamine, ECT) and correcting a record.

Clinicians and admins of the course's clinic only: a course or record of another clinic answers
404 exactly like an unknown id, POSTs included, and nothing is written. An infusion's record is
completed after the infusion for a dose confirmed before it (`dose_pages`): without one, the form
sends the clinician to the dose step first; a correction keeps the record's dose unless a new one
was confirmed for it. "Add rows"
re-renders the infusion form with more vital-sign rows (nothing is stored). TMS, esketamine and ECT
sessions are stored in one step. The kind of record follows the therapy of the course's protocol.
A correction stores a new version with a reason; the original is never changed, and the record's
page shows every version side by side.

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

from trdnav.courses import ect_record, esketamine_record
from trdnav.courses.session_forms import (
    DOSE_FIGURES,
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
from trdnav.courses.session_moment import planned_values
from trdnav.courses.vitals_rows import MOST_ROWS
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.store.ketamine_doses import course_dose
from trdnav.store.models import Course, CourseVisit, SessionRecord, Staff
from trdnav.store.session_records import (
    REASON_LIMIT,
    add_record,
    correct_record,
    history,
    superseding,
)
from trdnav.web.clinic_time import format_clock, format_day
from trdnav.web.dependencies import DbSession, Knowledge, Now
from trdnav.web.form_models import form_lists
from trdnav.web.staff.pages import render_staff
from trdnav.web.staff.principal import Principal, StaffPrincipal, not_found, own_course
from trdnav.web.staff.router import router
from trdnav.web.staff.session_record_view import record_rows

FORM_TEMPLATES = {
    "iv_ketamine": "staff/session_ketamine.html",
    "tms": "staff/session_tms.html",
    "esketamine": "staff/session_esketamine.html",
    "ect": "staff/session_ect.html",
}
THERAPY_KINDS = {  # the record a course's therapy takes
    "tms": "tms",
    "accelerated_tms": "tms",
    "iv_ketamine": "iv_ketamine",
    "esketamine": "esketamine",
    "ect": "ect",
}
MULTIPLE = {"side_effects", "adverse_events"}  # fields sent once per ticked box
ADD_ROWS = 2  # rows "Add rows" adds to the infusion form


def _own_record(session: Session, principal: Principal, record_id: int) -> SessionRecord:
    record = session.get(SessionRecord, record_id)
    if record is None or record.course.assessment.clinic_id != principal.clinic_id:
        raise not_found()
    return record


def course_visit(course: Course, raw: str) -> CourseVisit | None:
    """The course's visit named by ``raw`` (none when blank); another course's visit is not found."""
    if not raw:
        return None
    number = int(raw) if raw.isascii() and raw.isdigit() else None
    visit = next((v for v in course.visits if v.id == number), None)
    if visit is None:
        raise not_found()
    return visit


def record_kind(kb: KnowledgeBase, course: Course, raw: str) -> str:
    """The record kind asked for (default: the one the course's therapy takes); a kind that does not
    fit the course, or a protocol the knowledge base no longer has, answers 404."""
    protocol = kb.protocols.get(course.protocol_id)
    expected = THERAPY_KINDS.get(protocol.therapy) if protocol else None
    if expected is None or (raw or expected) != expected:
        raise not_found()
    return expected


def posted_values(form: FormData) -> dict[str, Any]:
    """Every value sent for the ``MULTIPLE`` fields and the first (not the last, as a `FormModel`
    takes) for each other one, as sent: the pure checks in `trdnav.courses.session_forms` trim them."""
    return {
        name: sent if name in MULTIPLE else (sent[0] if sent else "")
        for name, sent in form_lists(form).items()
    }


Dose = tuple[dict[str, Any], int | None]  # a confirmed dose's figures and its stored id


def _dose(course: Course, raw: object, original: SessionRecord | None = None) -> Dose:
    """The course's confirmed dose named by ``raw``; else the dose of the record being corrected
    (its stored dose, or the figures an older record carries); else none."""
    text = str(raw or "")
    number = int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None
    stored = course_dose(course, number)
    if stored is not None:
        return stored.data, stored.id
    if original is not None:
        return {k: v for k, v in original.data.items() if k in DOSE_FIGURES}, original.data.get("dose_id")
    return {}, None


def _check(
    kb: KnowledgeBase,
    kind: str,
    values: dict[str, Any],
    course: Course,
    visit: CourseVisit | None,
    now: dt.datetime,
    dose: Dose = ({}, None),
) -> CheckedRecord:
    ranges = kb.session_ranges
    planned, zone = (visit.starts_at if visit else None), course.timezone
    if kind == "iv_ketamine":
        figures, dose_id = dose
        return check_ketamine(
            values,
            ranges.ranges,
            ranges.monitoring,
            figures,
            dose_id,
            planned=planned,
            now=now,
            timezone=zone,
        )
    if kind == "esketamine":
        return esketamine_record.check_esketamine(
            values, ranges.ranges, ranges.esketamine, planned=planned, now=now, timezone=zone
        )
    if kind == "ect":
        return ect_record.check_ect(values, ranges.ect_ranges, planned=planned, now=now, timezone=zone)
    return check_tms(values, ranges.ranges)


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
    kb: KnowledgeBase,
    dose: Dose = ({}, None),
) -> HTMLResponse:
    errors = {**(checked.errors if checked else {}), **(extra_errors or {})}
    ranges = kb.session_ranges
    rows = checked.rows if checked and checked.rows else ranges.monitoring.rows(None)
    if kind == "iv_ketamine" and not checked:
        rows = min(max(rows, _int(values.get("rows", ""))), MOST_ROWS)
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
        rows=rows,
        monitoring=ranges.monitoring,
        esketamine=ranges.esketamine,
        levels=esketamine_record.LEVELS,
        anaesthetics=ect_record.ANAESTHETICS,
        relaxants=ect_record.RELAXANTS,
        placements=ect_record.PLACEMENTS,
        stimulus_units=ect_record.STIMULUS_UNITS,
        ect_adverse_events=ect_record.ADVERSE_EVENTS,
        date_warning=checked.data.get("date_warning", "") if checked else "",
        dose=dose[0],
        dose_id=dose[1],
    )


def _int(raw: object) -> int:
    text = str(raw)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 3 else 0


# --- Recording a session -------------------------------------------------------------------------


@router.get("/staff/courses/{course_id}/sessions/new", response_model=None)
def session_form(
    request: Request,
    course_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    now: Now,
    kind: Annotated[str, Query(max_length=20)] = "",
    visit: Annotated[str, Query(max_length=12)] = "",
    dose: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """The empty form for a session of the course (at one of its visits, if ``visit`` is given),
    its date and time starting from the visit's planned start. An infusion's record is for a
    confirmed dose: without one, the dose step comes first (303)."""
    course = own_course(session, principal, course_id)
    kind = record_kind(kb, course, kind)
    planned_visit = course_visit(course, visit)
    confirmed = _dose(course, dose)
    if kind == "iv_ketamine" and confirmed[1] is None:
        at_visit = f"?visit={planned_visit.id}" if planned_visit else ""
        return RedirectResponse(f"/staff/courses/{course.id}/doses/new{at_visit}", status_code=303)
    principal.record_read(session, "read", "course", course.id)
    values: dict[str, Any] = {"protocol": course.protocol_id} if kind == "tms" else {}
    if kind != "tms":
        values |= planned_values(planned_visit.starts_at if planned_visit else None, now, course.timezone)
    return _form_page(request, principal, course, kind, planned_visit, values, kb=kb, dose=confirmed)


@router.post("/staff/courses/{course_id}/sessions", response_model=None)
async def session_submit(
    request: Request, course_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge, now: Now
) -> Response:
    """Store the record; an infusion first comes back (200) with its computed dose to confirm, and
    "Add rows" comes back (200) with more vital-sign rows, nothing stored."""
    course = own_course(session, principal, course_id)
    values = posted_values(await request.form())
    kind = record_kind(kb, course, str(values.get("kind", "")))
    visit = course_visit(course, str(values.get("visit_id", "")))
    confirmed = _dose(course, values.get("dose_id"))
    if kind == "iv_ketamine" and values.get("add_rows"):
        return _more_rows(request, principal, session, kb, course, visit, values, confirmed)
    checked = _check(kb, kind, values, course, visit, now, confirmed)
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
            kb=kb,
            dose=confirmed,
        )
    record = add_record(session, principal.actor(), course, visit, kind, checked.data)
    return RedirectResponse(f"/staff/session-records/{record.id}", status_code=303)


def _more_rows(
    request: Request,
    principal: Principal,
    session: Session,
    kb: KnowledgeBase,
    course: Course,
    visit: CourseVisit | None,
    values: dict[str, Any],
    dose: Dose,
    original: SessionRecord | None = None,
) -> HTMLResponse:
    """The infusion form again, as filled in, with more empty vital-sign rows; nothing is stored."""
    if original:
        principal.record_read(session, "read", "session_record", original.id)
    else:
        principal.record_read(session, "read", "course", course.id)
    shown = max(_int(values.get("rows", "")), kb.session_ranges.monitoring.rows(None))
    values = {**values, "rows": str(shown + ADD_ROWS)}
    return _form_page(
        request, principal, course, "iv_ketamine", visit, values, original=original, kb=kb, dose=dose
    )


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
        rows=record_rows(record.kind, [v.data for v in versions], principal.timezone),
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
        rows=record_rows(record.kind, [record.data], principal.timezone),
        staff_names={},
        visit=None,
        visit_time="",
        newer=newest,
    )


@router.get("/staff/session-records/{record_id}/correct", response_model=None)
def correction_form(
    request: Request,
    record_id: int,
    principal: StaffPrincipal,
    session: DbSession,
    kb: Knowledge,
    dose: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """The record's form, prefilled with its values, plus a required reason; the dose is confirmed again."""
    record = _own_record(session, principal, record_id)
    if superseding(session, record) is not None:
        return _newest_first(request, principal, session, record)
    principal.record_read(session, "read", "session_record", record.id)
    visit = session.get(CourseVisit, record.visit_id) if record.visit_id else None
    values = form_values(record.kind, record.data)
    confirmed = _dose(record.course, dose, record)
    return _form_page(
        request, principal, record.course, record.kind, visit, values, original=record, kb=kb, dose=confirmed
    )


@router.post("/staff/session-records/{record_id}/correct", response_model=None)
async def correction_submit(
    request: Request, record_id: int, principal: StaffPrincipal, session: DbSession, kb: Knowledge, now: Now
) -> Response:
    """Store the correction as a new version that supersedes this one; the original stays as it was."""
    record = _own_record(session, principal, record_id)
    if superseding(session, record) is not None:
        return _newest_first(request, principal, session, record)
    values = posted_values(await request.form())
    visit = session.get(CourseVisit, record.visit_id) if record.visit_id else None
    confirmed = _dose(record.course, values.get("dose_id"), record)
    if record.kind == "iv_ketamine" and values.get("add_rows"):
        return _more_rows(request, principal, session, kb, record.course, visit, values, confirmed, record)
    checked = _check(kb, record.kind, values, record.course, visit, now, confirmed)
    reason = str(values.get("correction_reason", "")).strip()
    reason_errors = {}
    if not reason or len(reason) > REASON_LIMIT:
        reason_errors["correction_reason"] = (
            f"Reason for the correction: required; say what was wrong, in up to {REASON_LIMIT:,} characters."
        )
    if not checked.storable or reason_errors:
        principal.record_read(session, "read", "session_record", record.id)
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
            kb=kb,
            dose=confirmed,
        )
    corrected = correct_record(session, principal.actor(), record, checked.data, reason)
    return RedirectResponse(f"/staff/session-records/{corrected.id}", status_code=303)
