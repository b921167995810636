"""Retention: a clinic's assessments older than its retention period go, with everything attached to
them and one audit entry each; newer ones, and clinics without a retention period, keep theirs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.alerts import raise_alert
from trdnav.store.models import (
    Assessment,
    AuditEvent,
    ClinicAlert,
    ConsultationRequest,
    Course,
    CourseVisit,
    Note,
    Review,
    now,
)
from trdnav.store.repository import create_assessment, request_consultation
from trdnav.store.retention import apply_retention, expired_assessments

TODAY = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def assessment_last_changed(session: Session, clinic_id: int | None, days_ago: int) -> int:
    assessment, _token = create_assessment(
        session, therapies=["tms"], knowledge_version="1.0.0", contract_version=1, clinic_id=clinic_id
    )
    session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id)
        .values(updated_at=TODAY - dt.timedelta(days=days_ago))
    )
    return assessment.id


def build(sessions: sessionmaker[Session]) -> dict[str, int]:
    """North keeps 30 days, South keeps everything; ids of the assessments by name."""
    with sessions.begin() as session:
        north = create_clinic(session, slug="north", name="North", settings=Settings())
        north.retention_days = 30
        south = create_clinic(session, slug="south", name="South", settings=Settings())
        clinician = create_staff(
            session,
            clinic=north,
            email="doc@north.example",
            name="Doc",
            role="clinician",
            password="a long enough password",
        )
        ids = {
            "north_old": assessment_last_changed(session, north.id, 31),
            "north_recent": assessment_last_changed(session, north.id, 29),
            "south_old": assessment_last_changed(session, south.id, 3650),
            "no_clinic_old": assessment_last_changed(session, None, 3650),
        }
        old = session.get_one(Assessment, ids["north_old"])
        request_consultation(
            session, old, name="Ada", phone="555-0100", email="", preferred_times="", message="call me"
        )
        session.add(
            Review(
                assessment=old,
                staff_id=clinician.id,
                therapy="tms",
                engine_status="ok",
                status="ok",
                reason="checked",
            )
        )
        session.add(Note(assessment=old, staff_id=clinician.id, text="spoke on the phone"))
        session.flush()
        long_ago = TODAY - dt.timedelta(days=31)
        for model in (ConsultationRequest, Review, Note):  # everything about it happened long ago
            session.execute(update(model).values(created_at=long_ago))
        ids["north_id"], ids["south_id"], ids["clinician"] = north.id, south.id, clinician.id
    return ids


def remaining(session: Session) -> set[int]:
    return set(session.scalars(select(Assessment.id)))


def test_expired_assessments_are_those_last_changed_before_the_retention_period(
    sessions: sessionmaker[Session],
) -> None:
    ids = build(sessions)
    with sessions() as session:
        north = session.get_one(Assessment, ids["north_old"]).clinic
        assert north is not None
        assert [a.id for a in expired_assessments(session, north, TODAY)] == [ids["north_old"]]


def test_retention_deletes_the_expired_assessment_with_its_records_and_audits_it(
    sessions: sessionmaker[Session],
) -> None:
    ids = build(sessions)
    with sessions.begin() as session:
        counts = apply_retention(session, TODAY)
    assert counts == {"north": 1}
    with sessions() as session:
        assert remaining(session) == {ids["north_recent"], ids["south_old"], ids["no_clinic_old"]}
        for model in (ConsultationRequest, Review, Note):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model.__name__
        deletions = session.scalars(select(AuditEvent).where(AuditEvent.action == "delete")).all()
        assert {(d.actor, d.role, d.clinic_id) for d in deletions} == {("system", "system", ids["north_id"])}
        assert sorted(d.record_type for d in deletions) == ["assessment", "consultation", "note", "review"]
        assert ("assessment", ids["north_old"]) in {(d.record_type, d.record_id) for d in deletions}
        assert audit.verify(session) == []


def test_a_dry_run_counts_and_deletes_nothing(sessions: sessionmaker[Session]) -> None:
    ids = build(sessions)
    with sessions.begin() as session:
        assert apply_retention(session, TODAY, dry_run=True) == {"north": 1}
    with sessions() as session:
        assert len(remaining(session)) == 4
        assert ids["north_old"] in remaining(session)
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_new_assessment_is_kept_by_todays_clock(sessions: sessionmaker[Session]) -> None:
    """Stored timestamps and the clock agree: nothing just written counts as expired."""
    with sessions.begin() as session:
        clinic = create_clinic(session, slug="east", name="East", settings=Settings())
        clinic.retention_days = 1
        create_assessment(
            session, therapies=["tms"], knowledge_version="1.0.0", contract_version=1, clinic_id=clinic.id
        )
    with sessions.begin() as session:
        assert apply_retention(session, now()) == {"east": 0}
        assert apply_retention(session, now() + dt.timedelta(days=2)) == {"east": 1}
        assert remaining(session) == set()


def _course_for(session: Session, assessment_id: int, clinician: int, visit_at: dt.datetime) -> Course:
    assessment = session.get_one(Assessment, assessment_id)
    course = Course(
        assessment=assessment,
        protocol_id="tms_10hz",
        start_date=visit_at.date(),
        timezone="America/New_York",
        unavailable_dates=[],
        status="active",
        created_by=clinician,
    )
    session.add(course)
    session.flush()
    session.execute(
        update(Course).where(Course.id == course.id).values(created_at=TODAY - dt.timedelta(days=60))
    )
    session.add(
        CourseVisit(course_id=course.id, number=1, phase="acute", starts_at=visit_at, status="planned")
    )
    session.flush()
    return course


def test_an_old_intake_in_treatment_is_kept_while_its_course_is_active(
    sessions: sessionmaker[Session],
) -> None:
    """The intake answers are 31 days old, but a visit is planned next week: the person is in care."""
    ids = build(sessions)
    with sessions.begin() as session:
        _course_for(session, ids["north_old"], ids["clinician"], TODAY + dt.timedelta(days=7))
    with sessions.begin() as session:
        assert apply_retention(session, TODAY) == {"north": 0}
        assert ids["north_old"] in remaining(session)


def test_an_open_alert_keeps_the_assessment_until_it_is_handled(sessions: sessionmaker[Session]) -> None:
    ids = build(sessions)
    with sessions.begin() as session:
        old = session.get_one(Assessment, ids["north_old"])
        alert = raise_alert(
            session, audit.SYSTEM, old, "adverse_event", source_type="session_record", source_id=None
        )
        session.execute(
            update(ClinicAlert)
            .where(ClinicAlert.id == alert.id)
            .values(created_at=TODAY - dt.timedelta(days=90))
        )
    with sessions.begin() as session:
        assert apply_retention(session, TODAY) == {"north": 0}, "an unhandled alert is never deleted"
        alert = session.scalars(select(ClinicAlert)).one()
        alert.handled_at = TODAY - dt.timedelta(days=40)
    with sessions.begin() as session:
        assert apply_retention(session, TODAY) == {"north": 1}
        kinds = sorted(session.scalars(select(AuditEvent.record_type).where(AuditEvent.action == "delete")))
        assert "alert" in kinds and "assessment" in kinds
