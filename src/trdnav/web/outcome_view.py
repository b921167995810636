"""How outcomes and course reports are worded and drawn on the staff pages and in the course
summary PDF (same templates): the outcome's status in words, the scores chart (SVG), a protocol
phase in one line, and the words for visit statuses and score sources. The store gives the figures
(`trdnav.store.outcome_scores`, `trdnav.store.course_report`); these give them words."""

from __future__ import annotations

from trdnav.core.protocol import Phase
from trdnav.courses.chart import scores_chart
from trdnav.store.course_plans import VISIT_STATUSES
from trdnav.store.outcome_scores import CourseOutcome

INSTRUMENT_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7"}
SOURCE_WORDS = {"patient": "Patient check-in", "clinician": "Entered by clinician"}


def outcome_status_words(outcome: CourseOutcome) -> str:
    """The outcome's status as the knowledge base words it, e.g. "Remitted (PHQ-9 below 5)"."""
    return outcome.thresholds.status_words[outcome.status]


def outcome_chart(outcome: CourseOutcome) -> str:
    """The scores chart (SVG markup) of one patient's outcome, with an id unique to the patient."""
    chart_id = f"scores-chart-{outcome.assessment_id}"
    visits = outcome.course.visits if outcome.course is not None else []
    given = [visit.starts_at.astimezone(outcome.zone) for visit in visits if visit.status == "done"]
    return scores_chart(
        outcome.phq9, outcome.gad7, outcome.baseline, outcome.thresholds, sessions=given, chart_id=chart_id
    )


def phase_words(phase: Phase) -> str:
    """A phase of the protocol in one line, e.g. "acute: 8 sessions (at least 6), at most 2 session
    days a week, 1 a day, session days at least 2 days apart"."""
    parts = [
        f"{phase.sessions} sessions (at least {phase.min_sessions} for a full phase)",
        f"at most {phase.per_week} session days a week",
        f"{phase.per_day} a session day",
    ]
    if phase.min_days_between > 1:
        parts.append(f"session days at least {phase.min_days_between} calendar days apart")
    if phase.max_weeks is not None:
        parts.append(f"within {phase.max_weeks} weeks")
    return f"{phase.name}{' (optional)' if phase.optional else ''}: " + ", ".join(parts)


TEMPLATE_FUNCTIONS = {
    "outcome_status_words": outcome_status_words,
    "outcome_chart": outcome_chart,
    "phase_words": phase_words,
    "visit_status_words": VISIT_STATUSES,
}
