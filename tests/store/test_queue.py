"""The clinic queue: urgent first, filters, dashboard counts, effective status, one clinic only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from trdnav.knowledge.loader import KnowledgeBase, load
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.alerts import close_alert, raise_alert
from trdnav.store.models import Assessment
from trdnav.store.queue import clinic_queue
from trdnav.store.repository import create_assessment, request_consultation, save_answers
from trdnav.store.reviews import add_review

KB = load()
ALL_CLEAR: dict[str, Any] = {item.id: "no" for item in KB.items.values() if item.section == "safety"} | {
    "phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0],
    "age": 40,
}
ITEM_9 = ALL_CLEAR | {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 2]}
SEIZURE = ALL_CLEAR | {"seizure_history": "yes"}


def add_assessment(
    session: Session,
    clinic_id: int,
    answers: dict[str, Any],
    *,
    request: bool = False,
    therapies: tuple[str, ...] = ("iv_ketamine", "tms"),
    when: dt.datetime | None = None,
) -> Assessment:
    """An assessment at the results step, as the patient flow leaves it; optionally with a request."""
    assessment, _token = create_assessment(
        session,
        therapies=list(therapies),
        knowledge_version=KB.version,
        contract_version=KB.manifest.contract_version,
        clinic_id=clinic_id,
    )
    save_answers(
        session,
        assessment,
        answers,
        step="results",
        knowledge_version=KB.version,
        suicide_risk=answers.get("phq9", [0] * 9)[8] > 0,
    )
    if when is not None:
        assessment.created_at = assessment.updated_at = when
    if request:
        consultation = request_consultation(
            session, assessment, name="Pat", phone="555-0101", email="", preferred_times="", message=""
        )
        if when is not None:
            consultation.created_at = when
    session.flush()
    return assessment


@dataclass(frozen=True)
class Clinics:
    north: int
    south: int
    clinician: int  # of the north clinic


@pytest.fixture
def clinics(sessions: sessionmaker[Session]) -> Clinics:
    settings = Settings()
    with sessions.begin() as session:
        north = create_clinic(session, slug="north", name="North Clinic", settings=settings)
        south = create_clinic(session, slug="south", name="South Clinic", settings=settings)
        clinician = create_staff(
            session,
            clinic=north,
            email="ana@north.example",
            name="Ana",
            role="clinician",
            password="quiet harbour dawn",
        )
        return Clinics(north.id, south.id, clinician.id)


def test_urgent_first_alert_then_needs_review_then_new_request_then_the_rest(
    sessions: sessionmaker[Session], clinics: Clinics, kb: KnowledgeBase
) -> None:
    old = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with sessions.begin() as session:
        clinic = clinics.north
        rest = add_assessment(session, clinic, ALL_CLEAR)
        request = add_assessment(session, clinic, ALL_CLEAR, request=True)
        review = add_assessment(session, clinic, SEIZURE)
        alert = add_assessment(session, clinic, ITEM_9, when=old)  # oldest, still first
        newer_review = add_assessment(session, clinic, SEIZURE, when=old + dt.timedelta(days=300))
        older_review = add_assessment(session, clinic, SEIZURE, when=old + dt.timedelta(days=1))

        queue = clinic_queue(session, kb, clinic)

    order = [row.assessment_id for row in queue.rows]
    assert order[0] == alert.id
    assert order[1:4] == [review.id, newer_review.id, older_review.id]
    assert order[4:] == [request.id, rest.id]
    assert [row.group for row in queue.rows] == [
        "alert",
        "needs_review",
        "needs_review",
        "needs_review",
        "new_request",
        "other",
    ]


def test_a_review_takes_a_therapy_out_of_needs_review_and_sets_its_effective_status(
    sessions: sessionmaker[Session], clinics: Clinics, kb: KnowledgeBase
) -> None:
    with sessions.begin() as session:
        clinic = clinics.north
        assessment = add_assessment(session, clinic, SEIZURE, request=True)
        add_review(
            session,
            assessment,
            staff_id=clinics.clinician,
            therapy="tms",
            engine_status="needs_review",
            status="contraindicated",
            reason="Recent unprovoked seizure; neurology opinion pending.",
        )
        row = clinic_queue(session, kb, clinic).rows[0]

    tms = next(t for t in row.therapies if t.therapy == "tms")
    assert (tms.engine, tms.effective, tms.reviewed, tms.overridden) == (
        "needs_review",
        "contraindicated",
        True,
        True,
    )
    assert not row.needs_review
    assert row.group == "new_request"
    assert row.reviewed


def test_filters_by_status_and_therapy_while_counts_cover_the_whole_queue(
    sessions: sessionmaker[Session], clinics: Clinics, kb: KnowledgeBase
) -> None:
    with sessions.begin() as session:
        clinic = clinics.north
        alert = add_assessment(session, clinic, ITEM_9, request=True)
        review = add_assessment(session, clinic, SEIZURE, therapies=("tms",))
        booked = add_assessment(session, clinic, ALL_CLEAR, request=True)
        booked.consultations[0].status = "booked"
        closed = add_assessment(session, clinic, ALL_CLEAR, request=True)
        closed.consultations[0].status = "closed"
        session.flush()

        def ids(**filters: Any) -> set[int]:
            return {row.assessment_id for row in clinic_queue(session, kb, clinic, **filters).rows}

        assert ids(status="alert") == {alert.id}
        assert ids(status="needs_review") == {review.id}
        assert ids(status="new_request") == {alert.id}
        assert ids(status="booked") == {booked.id}
        assert ids(status="closed") == {closed.id}
        assert ids(status="reviewed") == set()
        assert ids(therapy="iv_ketamine") == {alert.id, booked.id, closed.id}
        assert ids(status="needs_review", therapy="iv_ketamine") == set()
        filtered = clinic_queue(session, kb, clinic, status="booked", therapy="tms")

    assert filtered.matching == 1
    counts = filtered.counts
    assert (counts.alerts, counts.needs_review, counts.new_requests, counts.booked, counts.total) == (
        1,
        1,
        1,
        1,
        4,
    )


def test_only_the_clinics_own_assessments(
    sessions: sessionmaker[Session], clinics: Clinics, kb: KnowledgeBase
) -> None:
    with sessions.begin() as session:
        mine = add_assessment(session, clinics.north, ALL_CLEAR, request=True)
        theirs = add_assessment(session, clinics.south, ITEM_9, request=True)
        north = clinic_queue(session, kb, clinics.north)
        south = clinic_queue(session, kb, clinics.south)

    assert [row.assessment_id for row in north.rows] == [mine.id]
    assert [row.assessment_id for row in south.rows] == [theirs.id]
    assert (north.counts.alerts, south.counts.alerts) == (0, 1)


def test_pages_of_the_queue(sessions: sessionmaker[Session], clinics: Clinics, kb: KnowledgeBase) -> None:
    with sessions.begin() as session:
        clinic = clinics.north
        made = [add_assessment(session, clinic, ALL_CLEAR).id for _ in range(5)]
        first = clinic_queue(session, kb, clinic, page_size=2)
        last = clinic_queue(session, kb, clinic, page=3, page_size=2)
        beyond = clinic_queue(session, kb, clinic, page=99, page_size=2)

    assert (first.pages, first.has_next, first.has_previous, len(first.rows)) == (3, True, False, 2)
    assert (last.page, last.has_next, len(last.rows)) == (3, False, 1)
    assert beyond.page == 3
    assert {row.assessment_id for row in first.rows + last.rows} <= set(made)
    assert first.matching == 5


def test_a_row_lists_each_consultation_request_with_its_status(
    sessions: sessionmaker[Session], clinics: Clinics, kb: KnowledgeBase
) -> None:
    with sessions.begin() as session:
        assessment = add_assessment(session, clinics.north, ALL_CLEAR, request=True)
        assessment.consultations[0].status = "booked"
        assessment.consultations[0].booked_for = "2026-12-03 10:00"
        second = request_consultation(
            session, assessment, name="Pat", phone="555-0101", email="", preferred_times="", message=""
        )
        second_id = second.id
        row = clinic_queue(session, kb, clinics.north).rows[0]

    assert [(r.status, r.booked_for) for r in row.requests] == [("booked", "2026-12-03 10:00"), ("new", "")]
    assert row.requests[1].id == second_id
    assert (row.booked, row.new_request, row.group) == (True, True, "new_request")


def test_a_seizure_at_a_session_puts_the_patient_first_until_a_clinician_closes_it(
    sessions: sessionmaker[Session], clinics: Clinics, kb: KnowledgeBase
) -> None:
    with sessions.begin() as session:
        clinic = clinics.north
        review = add_assessment(session, clinic, SEIZURE)
        treated = add_assessment(session, clinic, ALL_CLEAR, when=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        alert = raise_alert(
            session, audit.SYSTEM, treated, "seizure", source_type="session_record", source_id=1
        )
        queue = clinic_queue(session, kb, clinic)
        assert [row.assessment_id for row in queue.rows] == [treated.id, review.id]
        assert queue.rows[0].open_alerts == ("seizure",) and queue.counts.alerts == 1
        assert not treated.suicide_risk_alert, "a seizure is not a suicide-risk answer"

        managed = next(o for o in kb.alert_outcomes.outcomes if o.id == "managed_at_clinic")
        close_alert(session, audit.SYSTEM, alert, managed, note="Recovered before leaving.")
        queue = clinic_queue(session, kb, clinic)
        assert [row.assessment_id for row in queue.rows] == [review.id, treated.id]
        assert queue.counts.alerts == 0
