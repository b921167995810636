"""Fewer sessions than the protocol asks: for each phase planned below its `sessions`, how many were
planned of how many asked, whether that is below the phase's `min_sessions`, and why.

Pure: the planner calls it on every plan (and the course page on the visits as they stand), so a
shortfall is never silent. The reasons are read from the calendar the planner was given, inside the
window the phase had to fit in (from its first session, or where it would have started, to the last
day its length limits allow): public holidays and closures on opening days, the patient's
unavailable dates, opening days fewer than the phase's days a week, and the length limit itself.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from trdnav.core.protocol import Phase, Protocol
from trdnav.courses.course_rules import WEEKDAY_NAMES, included_phases, phase_max_days
from trdnav.courses.opening import Opening

BELOW_ASKED, BELOW_MINIMUM = "below_asked", "below_minimum"
MOST_DATES_NAMED = 6


@dataclass(frozen=True, slots=True)
class Shortfall:
    phase: str
    planned: int
    asked: int  # the phase's `sessions`
    minimum: int  # the phase's `min_sessions`
    severity: str  # BELOW_ASKED, or BELOW_MINIMUM (stronger: not a full phase)
    reasons: tuple[
        str, ...
    ]  # plain clauses, e.g. "the clinic is closed on 2026-11-11 (public holiday or closure)"

    @property
    def sentence(self) -> str:
        why = "; ".join(self.reasons) if self.reasons else "see the plan's problems"
        if self.severity == BELOW_MINIMUM:
            return (
                f"Only {self.planned} of the {self.asked} {self.phase} sessions the protocol asks for"
                " are planned,"
                f" fewer than the {self.minimum} it counts as a full {self.phase} phase. Why: {why}."
            )
        return (
            f"{self.planned} of the {self.asked} {self.phase} sessions the protocol asks for are planned"
            f" ({self.minimum} is the least for a full phase). Why: {why}."
        )


def _dates(days: Sequence[dt.date]) -> str:
    named = [day.isoformat() for day in days[:MOST_DATES_NAMED]]
    more = len(days) - len(named)
    return ", ".join(named) + (f" and {more} more" if more else "")


def _window_end(
    protocol: Protocol, phases: Sequence[Phase], index: int, course_first: dt.date, phase_first: dt.date
) -> dt.date:
    end = course_first + dt.timedelta(days=phase_max_days(protocol, phases, index) - 1)
    phase = phases[index]
    if phase.max_weeks is not None:
        end = min(end, phase_first + dt.timedelta(weeks=phase.max_weeks) - dt.timedelta(days=1))
    return end


def _reasons(
    protocol: Protocol,
    phases: Sequence[Phase],
    index: int,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    course_first: dt.date,
    phase_first: dt.date,
) -> tuple[str, ...]:
    phase = phases[index]
    end = _window_end(protocol, phases, index, course_first, phase_first)
    window = [phase_first + dt.timedelta(days=n) for n in range(max(0, (end - phase_first).days + 1))]
    open_days = [day for day in window if day.weekday() in opening.weekdays]
    holidays = [day for day in open_days if day in closed]
    away = [day for day in open_days if day in unavailable and day not in closed]
    found: list[str] = []
    if holidays:
        found.append(f"the clinic is closed on {_dates(holidays)} (public holiday or closure)")
    if away:
        found.append(f"the patient is not available on {_dates(away)}")
    if len(opening.weekdays) < phase.per_week:
        days = ", ".join(WEEKDAY_NAMES[day] for day in sorted(opening.weekdays))
        found.append(
            f"the clinic is open {len(opening.weekdays)} day(s) a week ({days}),"
            f" the phase has up to {phase.per_week}"
        )
    limit = f"the course must end within {phase_max_days(protocol, phases, index)} days of its first session"
    if phase.max_weeks is not None:
        limit += f" and the {phase.name} phase within {phase.max_weeks} weeks of its own first session"
    found.append(f"{limit} (through {end.isoformat()})")
    return tuple(found)


def shortfalls(
    protocol: Protocol,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    start: dt.date,
    starts: Sequence[tuple[str, dt.datetime]],
    *,
    taper: bool,
) -> tuple[Shortfall, ...]:
    """Every phase with fewer sessions than it asks. ``starts`` are the course's sessions (kept and
    planned) as (phase name, aware start); ``start`` is the course's first day."""
    zone = ZoneInfo(opening.timezone)
    phases = included_phases(protocol, taper)
    counts = Counter(phase for phase, _ in starts)
    local_days = sorted((moment.astimezone(zone).date(), phase) for phase, moment in starts)
    course_first = local_days[0][0] if local_days else start
    found: list[Shortfall] = []
    previous_last = course_first
    for index, phase in enumerate(phases):
        days = [day for day, name in local_days if name == phase.name]
        planned = counts[phase.name]
        phase_first = days[0] if days else previous_last
        if days:
            previous_last = days[-1] + dt.timedelta(days=1)
        if planned >= phase.sessions:
            continue
        severity = BELOW_MINIMUM if planned < phase.min_sessions else BELOW_ASKED
        reasons = _reasons(protocol, phases, index, opening, closed, unavailable, course_first, phase_first)
        found.append(Shortfall(phase.name, planned, phase.sessions, phase.min_sessions, severity, reasons))
    return tuple(found)
