"""A clinician's writes on an assessment: safety reviews, notes and consultation status.

Each write comes checked (`trdnav.web.staff.assessment_forms` reads and checks the forms) and is audited
in the same transaction, as the clinician who made it. A review keeps
the engine's status at the moment beside the clinician's, and never changes or removes an
earlier review: the latest one for a therapy is the one that counts (`latest_reviews`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import Assessment, ConsultationRequest, Note, Review, now

# The clinician's statuses are the engine's (`trdnav.web.staff.assessment_forms` reads them from the form).
REVIEW_STATUSES: dict[str, str] = {
    "no_known_concerns": "No known concerns",
    "needs_review": "Needs review",
    "contraindicated": "Contraindicated",
}
CONSULTATION_STATUSES: dict[str, str] = {"new": "New", "booked": "Booked", "closed": "Closed"}


def add_review(
    session: Session,
    assessment: Assessment,
    *,
    staff_id: int,
    therapy: str,
    engine_status: str,
    status: str,
    reason: str,
) -> Review:
    """Store a checked review beside the engine's status for that therapy at this moment."""
    review = Review(
        assessment=assessment,
        staff_id=staff_id,
        therapy=therapy,
        engine_status=engine_status,
        status=status,
        reason=reason,
    )
    session.add(review)
    session.flush()
    return review


def review_therapy(
    session: Session,
    actor: audit.Actor,
    assessment: Assessment,
    *,
    therapy: str,
    engine_status: str,
    status: str,
    reason: str,
) -> Review:
    """`add_review` by the staff member ``actor``, audited in the same transaction."""
    if actor.staff_id is None:
        raise ValueError("actor: a review is written by a staff member")
    review = add_review(
        session,
        assessment,
        staff_id=actor.staff_id,
        therapy=therapy,
        engine_status=engine_status,
        status=status,
        reason=reason,
    )
    audit.record(session, actor, "create", "review", review.id, clinic_id=assessment.clinic_id)
    return review


def add_note(session: Session, actor: audit.Actor, assessment: Assessment, *, text: str) -> Note:
    """A note by the staff member ``actor``, audited in the same transaction."""
    if actor.staff_id is None:
        raise ValueError("actor: a note is written by a staff member")
    note = Note(assessment=assessment, staff_id=actor.staff_id, text=text)
    session.add(note)
    session.flush()
    audit.record(session, actor, "create", "note", note.id, clinic_id=assessment.clinic_id)
    return note


def set_consultation_status(
    session: Session, actor: audit.Actor, consultation: ConsultationRequest, *, status: str, booked_for: str
) -> None:
    consultation.status = status
    consultation.booked_for = booked_for
    consultation.status_changed_at = now()
    session.flush()
    audit.record(
        session, actor, "update", "consultation", consultation.id, clinic_id=consultation.assessment.clinic_id
    )


def latest_reviews(reviews: Iterable[Review]) -> dict[str, Review]:
    """The review that counts for each therapy: the latest one (highest id)."""
    latest: dict[str, Review] = {}
    for review in sorted(reviews, key=lambda r: r.id):
        latest[review.therapy] = review
    return latest
