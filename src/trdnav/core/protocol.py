"""A treatment protocol as the course planner reads it: phases of sessions and the spacing rules.

The knowledge base (``knowledge/data/protocols.yaml``) holds each protocol with its sources and
plain-language texts; the loader turns each into a `Protocol`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phase:
    """A stretch of the course with one rhythm, e.g. TMS "acute": 5 session days a week."""

    name: str  # "acute", "taper", "induction", "maintenance", ...
    sessions: int  # sessions planned in this phase
    min_sessions: int  # fewest that still count as a full phase
    per_week: int  # most session days in one calendar week (Monday to Sunday)
    per_day: int = 1  # sessions on each session day (accelerated TMS: 10)
    max_weeks: int | None = None  # the phase must end within this many weeks of its first session
    optional: bool = False  # e.g. the TMS taper: planned only when asked for
    min_days_between: int = (
        1  # least calendar days from one session day to the next (2: never on consecutive days)
    )


@dataclass(frozen=True, slots=True)
class Protocol:
    id: str  # e.g. "tms_10hz"
    therapy: str  # the knowledge base's therapy id, e.g. "tms"
    name: str
    phases: tuple[Phase, ...]
    session_minutes: int  # from the start of a session to its end (preparation included)
    observation_minutes: int  # after the session, before the patient may leave
    min_hours_between_days: int  # least time from one session day's first session to the next day's
    same_day_gap_minutes: int  # least gap between the end of one session and the next on the same day
    max_course_days: int  # the whole course must end within this many days of its first session
    # (without optional phases: each optional phase planned adds its own max_weeks)
    consecutive_days: bool = False  # session days must follow each other (accelerated TMS: 5 in a row)
    preparation: tuple[str, ...] = ()  # plain notes for the patient's calendar ("Arrange a ride home")

    @property
    def total_sessions(self) -> int:
        return sum(phase.sessions for phase in self.phases if not phase.optional)
