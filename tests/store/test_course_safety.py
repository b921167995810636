"""The write path refuses a course the safety screen flags until a clinician's review of it is on
record (hazard H16): `create_course` itself checks, so no caller can plan around the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from trdnav.knowledge.loader import load
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.course_plans import create_course
from trdnav.store.course_safety import CourseNotReviewed, therapy_screen
from trdnav.store.models import AuditEvent, Course
from trdnav.store.repository import create_assessment
from trdnav.store.reviews import add_review


def _plan(session: Session, answers: dict[str, Any], review: str | None) -> Course:
    """Plan IV ketamine for a new patient with these answers, after a review with status ``review``."""
    kb = load()
    clinic = create_clinic(session, slug="north", name="North Clinic", settings=Settings())
    clinician = create_staff(
        session,
        clinic=clinic,
        email="ana@north.example",
        name="Ana North",
        role="clinician",
        password="quiet harbour dawn",
    )
    assessment, _ = create_assessment(
        session,
        therapies=["iv_ketamine", "tms"],
        knowledge_version=kb.version,
        contract_version=kb.manifest.contract_version,
        answers=answers,
        clinic_id=clinic.id,
    )
    screen = therapy_screen(assessment, "iv_ketamine")
    assert screen is not None and screen.engine_status == "contraindicated", "psychosis: a contraindication"
    if review is not None:
        add_review(
            session,
            assessment,
            staff_id=clinician.id,
            therapy="iv_ketamine",
            engine_status=screen.engine_status,
            status=review,
            reason="Psychosis was drug-induced, 20 years ago; psychiatry agrees.",
        )
    return create_course(
        session,
        audit.SYSTEM,
        assessment,
        clinic,
        kb.protocols["iv_ketamine_twice_weekly"].plan,
        staff_id=clinician.id,
        start=dt.date(2026, 10, 19),
        unavailable=[],
        taper=False,
    )


PSYCHOSIS = {"age": 45, "psychosis_history": "yes"}


def test_create_course_refuses_a_contraindicated_therapy_without_a_review(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        with pytest.raises(CourseNotReviewed, match="no clinician has reviewed it") as refused:
            _plan(session, PSYCHOSIS, review=None)
        assert refused.value.therapy == "iv_ketamine"
        assert session.scalar(select(func.count(Course.id))) == 0
        assert session.scalar(select(func.count(AuditEvent.seq))) == 0, "no 'create course' row"


def test_create_course_plans_after_an_override_with_its_reason(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        course = _plan(session, PSYCHOSIS, review="needs_review")
        assert course.visits
