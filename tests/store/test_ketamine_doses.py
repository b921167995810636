"""The IV ketamine dose step in the store: only a confirmed dose is stored, with who confirmed it and
its audit row in the same transaction; a dose is found only through its own course."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.store.test_course_safety import PSYCHOSIS, _plan
from trdnav.courses.session_forms import check_dose
from trdnav.knowledge.loader import load
from trdnav.store import audit
from trdnav.store.ketamine_doses import confirm_dose, course_dose
from trdnav.store.models import AuditEvent, Course, KetamineDose

DOSE_FORM = {
    "weight_kg": "70",
    "dose_mg_per_kg": "0.5",
    "concentration_mg_per_ml": "1",
    "infusion_minutes": "40",
    "confirmed_dose_mg": "35.0",
    "confirmed_volume_ml": "35.00",
    "confirmed_rate_ml_per_hour": "52.5",
    "dose_checked": "yes",
}


def _nurse(course: Course) -> audit.Actor:
    return audit.Actor(
        kind="staff", role="clinician", staff_id=course.created_by, clinic_id=course.assessment.clinic_id
    )


def test_a_confirmed_dose_is_stored_with_its_audit_row(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        course = _plan(session, PSYCHOSIS, "override")
        checked = check_dose(DOSE_FORM, load().dosing.iv_ketamine.limits)
        assert checked.storable
        dose = confirm_dose(session, _nurse(course), course, course.visits[0], checked.data)
        dose_id, course_id = dose.id, course.id
    with sessions() as session:
        stored = session.get(KetamineDose, dose_id)
        assert stored is not None and stored.data["dose_mg"] == "35.0" and stored.visit_id is not None
        assert stored.confirmed_by == stored.course.created_by
        event = session.scalars(select(AuditEvent).where(AuditEvent.record_type == "ketamine_dose")).one()
        assert (event.action, event.record_id) == ("create", dose_id)
        course = session.get(Course, course_id)
        assert course is not None and course_dose(course, dose_id) is stored
        assert course_dose(course, dose_id + 1) is None and course_dose(course, None) is None


def test_an_unconfirmed_dose_or_another_course_s_visit_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        course = _plan(session, PSYCHOSIS, "override")
        unconfirmed = check_dose(DOSE_FORM | {"dose_checked": ""}, load().dosing.iv_ketamine.limits)
        with pytest.raises(ValueError, match="only a confirmed dose"):
            confirm_dose(session, _nurse(course), course, None, unconfirmed.data)
        other = Course(
            assessment_id=course.assessment_id,
            protocol_id=course.protocol_id,
            start_date=course.start_date,
            timezone=course.timezone,
            unavailable_dates=[],
            created_by=course.created_by,
        )
        session.add(other)
        session.flush()
        confirmed = check_dose(DOSE_FORM, load().dosing.iv_ketamine.limits).data
        with pytest.raises(ValueError, match="another course"):
            confirm_dose(session, _nurse(course), other, course.visits[0], confirmed)
        assert session.scalars(select(KetamineDose)).all() == []
