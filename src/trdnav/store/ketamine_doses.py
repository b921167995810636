"""The IV ketamine dose step: a dose computed and confirmed before the infusion, stored on its own.

The nurse confirms the calculator's figures (see `trdnav.courses.session_forms.check_dose`); the
dose is stored with who confirmed it and when, and the infusion record stored after the infusion
names it. A confirmed dose is never changed: a different dose is a new confirmation. Each write
appends its audit entry in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import Course, CourseVisit, KetamineDose


def confirm_dose(
    session: Session, actor: audit.Actor, course: Course, visit: CourseVisit | None, data: dict[str, Any]
) -> KetamineDose:
    """Store a confirmed dose (``data``: the checked dose fields, figures and arithmetic)."""
    if visit is not None and visit.course_id != course.id:
        raise ValueError("the visit belongs to another course")
    if actor.staff_id is None:
        raise ValueError("a dose is confirmed by a staff member")
    if data.get("dose_confirmed") is not True:
        raise ValueError("only a confirmed dose is stored")
    dose = KetamineDose(
        course=course, visit_id=visit.id if visit else None, data=data, confirmed_by=actor.staff_id
    )
    session.add(dose)
    session.flush()
    audit.record(session, actor, "create", "ketamine_dose", dose.id, clinic_id=course.assessment.clinic_id)
    return dose


def course_dose(course: Course, dose_id: int | None) -> KetamineDose | None:
    """The course's confirmed dose with this id (None for another course's, or an unknown id)."""
    return next((dose for dose in course.doses if dose.id == dose_id), None)
