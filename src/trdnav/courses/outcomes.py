"""Measurement-based care rules: baseline, response, remission, status words, the halfway flag and
the check-in schedule of a course. Pure: no database, no clock (``today`` and moments are passed in).

Definitions (evidence digest, section 5, "Measurement-based care", both [V]):

- PHQ-9 response: a drop of at least 50% from baseline; PHQ-9 remission: a total below 5. These are
  the success metrics used by NCQA/HEDIS and in health-system studies (Psychiatric Services 2020,
  doi:10.1176/appi.ps.201900295; knowledge base citation ``phq_response_remission_2020``).
- PHQ-9 totals run 0-27; 5/10/15/20 mark mild/moderate/moderately severe/severe (Kroenke 2001).

Our own rules (not from a source, stated wherever they are shown):

- Baseline: the last PHQ-9 taken before the course's first session; without one, the PHQ-9 of the
  intake assessment.
- "Improving": down at least 20% but less than 50%; "not improving": down less than 20% (or worse).
- Halfway flag: once half of the course's sessions are done (missed visits do not count), the latest
  PHQ-9 since the course began is less than 20% below baseline.
- Check-ins: every 7 days from the first session while the course runs, and on the last session day.
  A check-in counts as done when a PHQ-9 was taken within 3 days either side of its due date.

All comparisons use whole-number arithmetic, so 50% and 20% boundaries are exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

RESPONSE_DEFINITION = "Response: PHQ-9 total at least 50% below baseline."
REMISSION_DEFINITION = "Remission: PHQ-9 total below 5."
DEFINITIONS_SOURCE = (
    "NCQA/HEDIS success metrics for measurement-based care (Psychiatric Services 2020, "
    "doi:10.1176/appi.ps.201900295)"
)
REMISSION_BELOW = 5  # PHQ-9 total strictly below this is remission
RESPONSE_PERCENT = 50  # drop of at least this percentage from baseline is response
HALFWAY_MIN_PERCENT = 20  # less improvement than this at halfway raises the flag
CHECKIN_EVERY_DAYS = 7
CHECKIN_WINDOW_DAYS = 3  # a score this many days either side of a due date meets it

STATUS_WORDS: dict[str, str] = {
    "remitted": "Remitted (PHQ-9 below 5)",
    "responding": "Responding (PHQ-9 at least 50% below baseline)",
    "improving": "Improving (PHQ-9 20% to under 50% below baseline)",
    "not_improving": "Not improving (PHQ-9 less than 20% below baseline)",
    "no_scores": "No scores yet since the course began",
    "no_baseline": "No baseline PHQ-9",
    "baseline_too_low": "Baseline too low to measure change (PHQ-9 baseline 0)",
}


@dataclass(frozen=True, slots=True)
class Score:
    """One PHQ-9 or GAD-7 total at a moment (timezone-aware)."""

    instrument: str  # "phq9" or "gad7"
    total: int
    taken_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Baseline:
    total: int
    taken_at: dt.datetime
    source: str  # "score" (a PHQ-9 before the first session) or "assessment" (the intake answers)


def baseline(
    scores: Sequence[Score],
    first_session_at: dt.datetime | None,
    intake_total: int | None,
    intake_at: dt.datetime,
) -> Baseline | None:
    """The last PHQ-9 before the first session, else the intake assessment's PHQ-9, else None."""
    before = [
        s
        for s in scores
        if s.instrument == "phq9" and (first_session_at is None or s.taken_at < first_session_at)
    ]
    if before:
        last = max(before, key=lambda s: s.taken_at)
        return Baseline(last.total, last.taken_at, "score")
    if intake_total is not None:
        return Baseline(intake_total, intake_at, "assessment")
    return None


def since_start(scores: Sequence[Score], first_session_at: dt.datetime | None) -> list[Score]:
    """PHQ-9 scores taken at or after the first session, oldest first (none before a first session)."""
    if first_session_at is None:
        return []
    found = [s for s in scores if s.instrument == "phq9" and s.taken_at >= first_session_at]
    return sorted(found, key=lambda s: s.taken_at)


def is_remission(total: int) -> bool:
    return total < REMISSION_BELOW


def is_response(baseline_total: int, total: int) -> bool:
    """At least a 50% drop; never for a baseline of 0 (no change can be measured)."""
    return baseline_total > 0 and (baseline_total - total) * 100 >= RESPONSE_PERCENT * baseline_total


def improved_at_least(baseline_total: int, total: int, percent: int) -> bool:
    return baseline_total > 0 and (baseline_total - total) * 100 >= percent * baseline_total


def percent_change(baseline_total: int, total: int) -> float | None:
    """Drop from baseline in percent (positive = better); None for a baseline of 0."""
    if baseline_total <= 0:
        return None
    return (baseline_total - total) * 100 / baseline_total


def status(base: Baseline | None, latest: Score | None) -> str:
    """A key of `STATUS_WORDS` for the latest PHQ-9 since the course began."""
    if latest is None:
        return "no_scores"
    if is_remission(latest.total):
        return "remitted"
    if base is None:
        return "no_baseline"
    if base.total <= 0:
        return "baseline_too_low"
    if is_response(base.total, latest.total):
        return "responding"
    if improved_at_least(base.total, latest.total, HALFWAY_MIN_PERCENT):
        return "improving"
    return "not_improving"


@dataclass(frozen=True, slots=True)
class HalfwayCheck:
    state: str  # "not_reached", "flagged", "on_track", "no_score", "no_baseline"
    sessions_done: int
    sessions_planned: int

    @property
    def flagged(self) -> bool:
        return self.state == "flagged"

    @property
    def words(self) -> str:
        half = f"{self.sessions_done} of {self.sessions_planned} sessions done"
        return {
            "not_reached": f"Halfway not reached yet ({half}).",
            "flagged": f"Flag: less than 20% improvement on PHQ-9 at or past halfway ({half}). "
            "Review the treatment plan.",
            "on_track": f"Past halfway with at least 20% improvement on PHQ-9 ({half}).",
            "no_score": f"Past halfway ({half}) but no PHQ-9 since the course began: ask for a check-in.",
            "no_baseline": f"Past halfway ({half}); no baseline PHQ-9 to compare with.",
        }[self.state]


def halfway(visit_statuses: Sequence[str], base: Baseline | None, latest: Score | None) -> HalfwayCheck:
    """Check improvement once half the planned sessions are done (missed visits are not counted)."""
    planned = sum(1 for s in visit_statuses if s in ("planned", "done"))
    done = sum(1 for s in visit_statuses if s == "done")
    if planned == 0 or done * 2 < planned:
        return HalfwayCheck("not_reached", done, planned)
    if latest is None:
        return HalfwayCheck("no_score", done, planned)
    if base is None or base.total <= 0:
        return HalfwayCheck("no_baseline", done, planned)
    if improved_at_least(base.total, latest.total, HALFWAY_MIN_PERCENT):
        return HalfwayCheck("on_track", done, planned)
    return HalfwayCheck("flagged", done, planned)


@dataclass(frozen=True, slots=True)
class CheckIn:
    due: dt.date
    state: str  # "done", "due", "overdue", "upcoming"


CHECKIN_STATE_WORDS = {"done": "Done", "due": "Due now", "overdue": "Overdue", "upcoming": "Coming up"}


def checkin_dates(session_days: Sequence[dt.date]) -> list[dt.date]:
    """Every 7 days from the first session while the course runs, and the last session day."""
    if not session_days:
        return []
    first, last = min(session_days), max(session_days)
    dates: list[dt.date] = []
    due = first + dt.timedelta(days=CHECKIN_EVERY_DAYS)
    while due < last - dt.timedelta(days=CHECKIN_WINDOW_DAYS):
        dates.append(due)
        due += dt.timedelta(days=CHECKIN_EVERY_DAYS)
    dates.append(last)
    return dates


def checkin_schedule(
    session_days: Sequence[dt.date], phq9_days: Sequence[dt.date], today: dt.date
) -> list[CheckIn]:
    """The check-ins of a course with whether each is done, due now, overdue or coming up.

    ``phq9_days`` are the local dates PHQ-9 scores were taken; each meets at most one check-in.
    """
    window = dt.timedelta(days=CHECKIN_WINDOW_DAYS)
    unused = sorted(phq9_days)
    result: list[CheckIn] = []
    for due in checkin_dates(session_days):
        met = next((day for day in unused if due - window <= day <= due + window), None)
        if met is not None:
            unused.remove(met)
            result.append(CheckIn(due, "done"))
        elif today > due + window:
            result.append(CheckIn(due, "overdue"))
        elif today >= due - window:
            result.append(CheckIn(due, "due"))
        else:
            result.append(CheckIn(due, "upcoming"))
    return result
