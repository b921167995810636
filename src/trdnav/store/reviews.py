"""A clinician's writes on an assessment: safety reviews, notes and consultation status.

Each write is checked first (`check_review`, `check_note`, `check_consultation_status` return
per-field messages in clinical language) and stored only when the check passes. A review keeps
the engine's status at the moment beside the clinician's, and never changes or removes an
earlier review: the latest one for a therapy is the one that counts (`latest_reviews`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from trdnav.store import audit
from trdnav.store.models import Assessment, ConsultationRequest, Note, Review, now

# The clinician's status words are the engine's; "clear" is accepted for "no known concerns".
REVIEW_STATUSES: dict[str, str] = {
    "no_known_concerns": "No known concerns",
    "needs_review": "Needs review",
    "contraindicated": "Contraindicated",
}
STATUS_ALIASES = {"clear": "no_known_concerns"}
REASON_LENGTH = (3, 2000)
NOTE_LENGTH = (1, 5000)
CONSULTATION_STATUSES: dict[str, str] = {"new": "New", "booked": "Booked", "closed": "Closed"}
BOOKED_FOR_LENGTH = 100


@dataclass
class Checked:
    """A form's values after checking, with one message per field that was wrong."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def check_review(therapy: object, status: object, reason: object, therapies: Sequence[str]) -> Checked:
    """A review needs one of the assessment's therapies, a status and a reason of 3-2000 characters."""
    checked = Checked(
        {"therapy": _text(therapy), "status": _text(status), "reason": _text(reason)},
    )
    if checked.values["therapy"] not in therapies:
        checked.errors["therapy"] = "Choose one of the therapies compared in this assessment."
    status_word = STATUS_ALIASES.get(checked.values["status"], checked.values["status"])
    if status_word not in REVIEW_STATUSES:
        checked.errors["status"] = "Choose a status: no known concerns, needs review or contraindicated."
    else:
        checked.values["status"] = status_word
    low, high = REASON_LENGTH
    if not low <= len(checked.values["reason"]) <= high:
        checked.errors["reason"] = (
            f"Give the clinical reason for this status, from {low} to {high} characters "
            f"(now {len(checked.values['reason'])})."
        )
    return checked


def check_note(text: object) -> Checked:
    checked = Checked({"text": _text(text)})
    low, high = NOTE_LENGTH
    if not low <= len(checked.values["text"]) <= high:
        checked.errors["text"] = (
            f"Write the note, from {low} to {high} characters (now {len(checked.values['text'])})."
        )
    return checked


def check_consultation_status(status: object, booked_for: object) -> Checked:
    """Booked needs a date and time (free text, such as "2026-12-03 10:00"); other statuses clear it."""
    checked = Checked({"status": _text(status), "booked_for": _text(booked_for)})
    if checked.values["status"] not in CONSULTATION_STATUSES:
        checked.errors["status"] = "Choose a status: new, booked or closed."
    elif checked.values["status"] != "booked":
        checked.values["booked_for"] = ""
    elif not checked.values["booked_for"]:
        checked.errors["booked_for"] = "Enter when the consultation is booked for, such as 2026-12-03 10:00."
    elif len(checked.values["booked_for"]) > BOOKED_FOR_LENGTH:
        checked.errors["booked_for"] = f"Keep the booking time to {BOOKED_FOR_LENGTH} characters or fewer."
    return checked


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
