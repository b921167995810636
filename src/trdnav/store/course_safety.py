"""Whether a course may be planned for a therapy: the assessment's safety screen beside the
clinician's review of it (hazard H16 in docs/safety.md).

A therapy the screen marks ``contraindicated`` or ``needs_review`` may be planned only after a
clinician has recorded a review of that therapy for this assessment (`trdnav.store.reviews`: a
confirmation or an override, with a reason) that still counts:

- only the latest review of the therapy counts (a later review supersedes an earlier one);
- it counts only while the screen gives the status the review saw (``Review.engine_status``): when
  new answers or a new knowledge version change the status, the therapy needs a new review. Reviews
  keep neither the answers nor the knowledge version they saw, so a change that keeps the status
  (another reason for the same status) does not void the review by itself; the planning form says
  when the assessment was updated after the review, so the clinician can look again;
- a clinician's status of ``contraindicated`` (confirmed or overridden to) refuses the plan whatever
  the screen says: the clinician has judged the therapy unsafe for this person. A new review with
  another status, and its reason, lifts it.

`trdnav.store.course_plans.create_course` asks `course_refusal` before it writes anything, so no path
(form, script or test fixture) plans around the check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trdnav.knowledge.loader import load
from trdnav.store.models import Assessment, Review
from trdnav.store.reviews import REVIEW_STATUSES, latest_reviews
from trdnav.store.stored_result import assess_stored

NEEDS_A_REVIEW = frozenset({"contraindicated", "needs_review"})
CONTRAINDICATED = "contraindicated"


@dataclass(frozen=True)
class ScreenReason:
    rule: str  # the knowledge base's rule id, e.g. "TMS.SAFETY.COCHLEAR_IMPLANT"
    text: str  # in clinical language


@dataclass(frozen=True)
class TherapyScreen:
    """One therapy's safety screen for an assessment, beside the latest clinician review of it."""

    therapy: str
    name: str
    engine_status: str
    reasons: tuple[ScreenReason, ...]
    unanswered: tuple[tuple[str, str], ...]  # (item id, question) unanswered or "not sure"
    review: Review | None  # the latest review of the therapy, whether it still counts or not
    updated_after_review: bool  # the assessment was updated after the review was recorded

    @property
    def engine_words(self) -> str:
        return REVIEW_STATUSES.get(self.engine_status, self.engine_status)

    @property
    def review_words(self) -> str:
        """The clinician's status and whether it confirmed or overrode the screen the review saw."""
        if self.review is None:
            return ""
        decision = "confirmed" if self.review.status == self.review.engine_status else "overridden"
        return f"{REVIEW_STATUSES.get(self.review.status, self.review.status)} ({decision})"

    @property
    def reviewed_screen_words(self) -> str:
        """The screen's status as the latest review saw it, in words ("" without a review)."""
        if self.review is None:
            return ""
        return REVIEW_STATUSES.get(self.review.engine_status, self.review.engine_status)

    @property
    def reviewed_at(self) -> dt.datetime | None:
        return None if self.review is None else self.review.created_at

    @property
    def review_counts(self) -> bool:
        """The latest review saw the status the screen gives now."""
        return self.review is not None and self.review.engine_status == self.engine_status

    @property
    def flagged(self) -> bool:
        """The screen or the clinician has a concern: the course pages carry a banner."""
        return self.engine_status in NEEDS_A_REVIEW or (
            self.review is not None and self.review.status in NEEDS_A_REVIEW
        )

    @property
    def contraindicated(self) -> bool:
        """The screen or the clinician marks the therapy contraindicated: the banner is urgent."""
        return self.engine_status == CONTRAINDICATED or (
            self.review is not None and self.review.status == CONTRAINDICATED
        )

    @property
    def refusal(self) -> str | None:
        """Why a course for this therapy may not be planned now, or None when it may."""
        review = self.review
        if review is not None and review.status == CONTRAINDICATED:
            return (
                f"{self.name} is recorded as contraindicated by the clinician's review "
                f"({review.staff.name}, {review.created_at:%Y-%m-%d %H:%M} UTC). A course "
                "cannot be planned unless a new review changes that status, with its reason."
            )
        if self.engine_status not in NEEDS_A_REVIEW or self.review_counts:
            return None
        screen = REVIEW_STATUSES[self.engine_status].lower()
        if review is None:
            return (
                f"The safety screen marks {self.name} {screen} and no clinician has reviewed it. "
                "Record a review (confirm or override, with the reason) before planning this course."
            )
        return (
            f"The safety screen now marks {self.name} {screen}; the latest review saw "
            f"{self.reviewed_screen_words.lower()}. "
            "Record a new review of the current screen before planning this course."
        )


def therapy_screens(assessment: Assessment) -> dict[str, TherapyScreen]:
    """The screen of every therapy compared in the assessment, in the assessment's order."""
    kb = load()
    result, _unusable = assess_stored(dict(assessment.answers), assessment.therapies)
    reviews = latest_reviews(assessment.reviews)
    screens = {}
    for therapy, entry in result["therapies"].items():
        review = reviews.get(therapy)
        screens[therapy] = TherapyScreen(
            therapy=therapy,
            name=kb.therapies[therapy].name,
            engine_status=entry["safety"],
            reasons=tuple(
                ScreenReason(r["rule"], r.get("clinician_text") or r["text"]) for r in entry["reasons"]
            ),
            unanswered=tuple((item, kb.items[item].question) for item in entry["unanswered"]),
            review=review,
            updated_after_review=review is not None and assessment.updated_at > review.created_at,
        )
    return screens


def therapy_screen(assessment: Assessment, therapy: str) -> TherapyScreen | None:
    """The screen of one therapy; None when the assessment did not compare it."""
    return therapy_screens(assessment).get(therapy)


class CourseNotReviewed(ValueError):
    """A course was asked for a therapy whose screen needs a clinician's review first."""

    def __init__(self, therapy: str, message: str) -> None:
        super().__init__(message)
        self.therapy = therapy


def course_refusal(assessment: Assessment, therapy: str) -> CourseNotReviewed | None:
    """Why a course for ``therapy`` may not be planned for this assessment, or None when it may.

    A therapy the assessment did not compare (the clinic added it later) was never screened for this
    person: it cannot be planned either.
    """
    screen = therapy_screen(assessment, therapy)
    if screen is None:
        known = load().therapies.get(therapy)
        name = known.name if known else therapy
        return CourseNotReviewed(
            therapy,
            f"This assessment did not screen {name}: the patient's answers were never checked against "
            "it, so a course cannot be planned for it here.",
        )
    message = screen.refusal
    return None if message is None else CourseNotReviewed(therapy, message)
