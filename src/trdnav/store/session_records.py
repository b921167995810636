"""Stored session records: adding one, correcting one without changing it, and reading the history.

A record is written once. A correction is a new record that ``supersedes`` the one it corrects and
says why; the original stays exactly as it was, so the history of what was recorded, by whom and
when, can always be shown. Storing a record whose data reports a seizure or another adverse event
raises a clinic alert at once. Each write appends its audit entry in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trdnav.courses.session_forms import KINDS, alerts_for
from trdnav.store import audit
from trdnav.store.alerts import raise_alert
from trdnav.store.course_plans import mark_visit
from trdnav.store.models import Course, CourseVisit, SessionRecord

REASON_LIMIT = 2000


class CorrectionRefused(ValueError):
    """The correction cannot be stored (no reason given, or the record was corrected already)."""


def new_alerts(kind: str, data: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """The alerts a record raises; for a correction (``before``: the data it corrects), only what is
    new: a seizure or adverse event the version before did not report, or an adverse event whose
    description changed (the clinic must see the new one). An unchanged report is not raised twice."""
    if before is None:
        return alerts_for(kind, data)
    already = set(alerts_for(kind, before))
    return [
        alert_kind
        for alert_kind in alerts_for(kind, data)
        if alert_kind not in already
        or (alert_kind == "adverse_event" and data.get("adverse_event") != before.get("adverse_event"))
    ]


def _store(
    session: Session,
    actor: audit.Actor,
    course: Course,
    visit_id: int | None,
    kind: str,
    data: dict[str, Any],
    *,
    supersedes: SessionRecord | None = None,
    reason: str = "",
) -> SessionRecord:
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}")
    if actor.staff_id is None:
        raise ValueError("a session record is written by a staff member")
    record = SessionRecord(
        course=course,
        visit_id=visit_id,
        kind=kind,
        data=data,
        supersedes_id=supersedes.id if supersedes else None,
        correction_reason=reason,
        recorded_by=actor.staff_id,
    )
    session.add(record)
    session.flush()
    clinic_id = course.assessment.clinic_id
    audit.record(session, actor, "create", "session_record", record.id, clinic_id=clinic_id)
    for alert_kind in new_alerts(kind, data, supersedes.data if supersedes else None):
        raise_alert(
            session, actor, course.assessment, alert_kind, source_type="session_record", source_id=record.id
        )
    return record


def add_record(
    session: Session,
    actor: audit.Actor,
    course: Course,
    visit: CourseVisit | None,
    kind: str,
    data: dict[str, Any],
) -> SessionRecord:
    """Store a checked record (see `session_forms`) for the course, at one of its visits or none.
    A session recorded at a visit still planned marks that visit done."""
    if visit is not None and visit.course_id != course.id:
        raise ValueError("the visit belongs to another course")
    record = _store(session, actor, course, visit.id if visit else None, kind, data)
    if visit is not None and visit.status == "planned":
        mark_visit(session, actor, course, visit, "done")
    return record


def superseding(session: Session, record: SessionRecord) -> SessionRecord | None:
    """The correction of this record, if it has one."""
    query = select(SessionRecord).where(SessionRecord.supersedes_id == record.id)
    return session.scalars(query).first()


def correct_record(
    session: Session, actor: audit.Actor, original: SessionRecord, data: dict[str, Any], reason: str
) -> SessionRecord:
    """A new record in place of ``original`` (which is left untouched), with the reason for it.

    Only the newest version may be corrected, so the history stays one line.
    """
    reason = reason.strip()
    if not reason:
        raise CorrectionRefused("A correction needs a reason.")
    if len(reason) > REASON_LIMIT:
        raise CorrectionRefused(f"The reason is too long; keep it to {REASON_LIMIT:,} characters.")
    if superseding(session, original) is not None:
        raise CorrectionRefused("This version has been corrected already; correct the newest version.")
    return _store(
        session,
        actor,
        original.course,
        original.visit_id,
        original.kind,
        data,
        supersedes=original,
        reason=reason,
    )


def history(session: Session, record: SessionRecord) -> list[SessionRecord]:
    """Every version of the record, the original first and the newest correction last."""
    first = record
    while first.supersedes_id is not None:
        earlier = session.get(SessionRecord, first.supersedes_id)
        if earlier is None:  # pragma: no cover - a foreign key keeps it
            break
        first = earlier
    versions = [first]
    while (later := superseding(session, versions[-1])) is not None:
        versions.append(later)
    return versions


def current_records(course: Course) -> list[SessionRecord]:
    """The course's records as they stand now (each newest version), in the order the originals
    were recorded; a corrected record takes its original's place."""
    by_id = {record.id: record for record in course.records}
    corrected = {record.supersedes_id for record in by_id.values() if record.supersedes_id is not None}

    def original_id(record: SessionRecord) -> int:
        while record.supersedes_id is not None and record.supersedes_id in by_id:
            record = by_id[record.supersedes_id]
        return record.id

    return sorted((r for r in by_id.values() if r.id not in corrected), key=original_id)
