"""Measurement-based care rules: baseline, response, remission, status words, the halfway flag and
the check-in schedule of a course. Pure: no database, no clock (``today`` and moments are passed in).

The thresholds are knowledge-base data (``outcome_rules.yaml``, with their evidence labels and
sources), passed in as `OutcomeRules`: response (a drop of at least 50% from baseline) and remission
(a total below 5) are the NCQA/HEDIS success metrics [V]; the "improving" and halfway thresholds
(20%) are this service's own rules (clinical_opinion), stated wherever they are shown.

Our own rules (not from a source):

- Baseline: the last PHQ-9 taken before the course's first session; without one, the PHQ-9 of the
  intake assessment.
- "Improving": down at least the improving threshold but less than response; "not improving": less.
- Halfway flag: once half of the course's sessions are done (missed visits do not count), the latest
  PHQ-9 since the course began is less than the halfway threshold below baseline.
- Check-ins: every 7 days from the first session while the course runs, and on the last session day.
  A check-in counts as done when a PHQ-9 was taken within 3 days either side of its due date.

All comparisons use whole-number arithmetic, so the percentage boundaries are exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from trdnav.core.course_numbers import OutcomeRules

CHECKIN_EVERY_DAYS = 7
CHECKIN_WINDOW_DAYS = 3  # a score this many days either side of a due date meets it


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


def is_remission(total: int, rules: OutcomeRules) -> bool:
    return total < rules.remission_below


def is_response(baseline_total: int, total: int, rules: OutcomeRules) -> bool:
    """At least the response drop; never for a baseline of 0 (no change can be measured)."""
    return improved_at_least(baseline_total, total, rules.response_percent)


def improved_at_least(baseline_total: int, total: int, percent: int) -> bool:
    return baseline_total > 0 and (baseline_total - total) * 100 >= percent * baseline_total


def percent_change(baseline_total: int, total: int) -> float | None:
    """Drop from baseline in percent (positive = better); None for a baseline of 0."""
    if baseline_total <= 0:
        return None
    return (baseline_total - total) * 100 / baseline_total


def status(base: Baseline | None, latest: Score | None, rules: OutcomeRules) -> str:
    """A key of `OutcomeRules.status_words` for the latest PHQ-9 since the course began."""
    if latest is None:
        return "no_scores"
    if is_remission(latest.total, rules):
        return "remitted"
    if base is None:
        return "no_baseline"
    if base.total <= 0:
        return "baseline_too_low"
    if is_response(base.total, latest.total, rules):
        return "responding"
    if improved_at_least(base.total, latest.total, rules.improving_percent):
        return "improving"
    return "not_improving"


@dataclass(frozen=True, slots=True)
class HalfwayCheck:
    state: str  # "not_reached", "flagged", "on_track", "no_score", "no_baseline"
    sessions_done: int
    sessions_planned: int
    percent: int  # the halfway threshold the check used

    @property
    def flagged(self) -> bool:
        return self.state == "flagged"

    @property
    def words(self) -> str:
        half = f"{self.sessions_done} of {self.sessions_planned} sessions done"
        return {
            "not_reached": f"Halfway not reached yet ({half}).",
            "flagged": f"Flag: less than {self.percent}% improvement on PHQ-9 at or past halfway "
            f"({half}). Review the treatment plan.",
            "on_track": f"Past halfway with at least {self.percent}% improvement on PHQ-9 ({half}).",
            "no_score": f"Past halfway ({half}) but no PHQ-9 since the course began: ask for a check-in.",
            "no_baseline": f"Past halfway ({half}); no baseline PHQ-9 to compare with.",
        }[self.state]


def halfway(
    visit_statuses: Sequence[str], base: Baseline | None, latest: Score | None, rules: OutcomeRules
) -> HalfwayCheck:
    """Check improvement once half the planned sessions are done (missed visits are not counted)."""
    planned = sum(1 for s in visit_statuses if s in ("planned", "done"))
    done = sum(1 for s in visit_statuses if s == "done")
    percent = rules.halfway_percent
    if planned == 0 or done * 2 < planned:
        return HalfwayCheck("not_reached", done, planned, percent)
    if latest is None:
        return HalfwayCheck("no_score", done, planned, percent)
    if base is None or base.total <= 0:
        return HalfwayCheck("no_baseline", done, planned, percent)
    if improved_at_least(base.total, latest.total, percent):
        return HalfwayCheck("on_track", done, planned, percent)
    return HalfwayCheck("flagged", done, planned, percent)


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
