"""The rules a course's sessions keep, checked one day and one start time at a time.

Shared by the planner (which looks for the earliest time each rule allows) and by moves
(which say which rule a chosen time breaks). Each check returns a plain sentence for the
clinician, or None when the rule is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from trdnav.core.protocol import Phase, Protocol
from trdnav.courses.opening import Opening

COURSE_LENGTH, PHASE_LENGTH, SPACING = "course_length", "phase_length", "spacing"
WEEKDAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


# --- the course's shape -------------------------------------------------------------------------


def included_phases(protocol: Protocol, taper: bool) -> tuple[Phase, ...]:
    return tuple(phase for phase in protocol.phases if taper or not phase.optional)


def course_max_days(protocol: Protocol, phases: Sequence[Phase]) -> int:
    """The course's maximum length; each optional phase planned adds its own weeks."""
    extra = sum(7 * (phase.max_weeks or 0) for phase in phases if phase.optional)
    return protocol.max_course_days + extra


def phase_max_days(protocol: Protocol, phases: Sequence[Phase], phase_index: int) -> int:
    """How many days from the course's first session a session of this phase may fall within.

    The required phases keep the protocol's own maximum length whether or not a taper is chosen;
    only an optional phase may use the weeks it adds (`course_max_days`).
    """
    if phases[phase_index].optional:
        return course_max_days(protocol, phases)
    return protocol.max_course_days


def phase_of_each(phases: Sequence[Phase]) -> list[int]:
    """The phase index of session 1, 2, 3, ... of the course."""
    return [index for index, phase in enumerate(phases) for _ in range(phase.sessions)]


def session_step(protocol: Protocol) -> dt.timedelta:
    return dt.timedelta(minutes=protocol.session_minutes + protocol.same_day_gap_minutes)


def occupied_time(protocol: Protocol) -> dt.timedelta:
    return dt.timedelta(minutes=protocol.session_minutes + protocol.observation_minutes)


def fits_in_opening(protocol: Protocol, opening: Opening, day: dt.date, local_start: dt.datetime) -> bool:
    """A session starting then (naive local time) starts after opening and ends, observed, by closing."""
    opens = dt.datetime.combine(day, opening.opens)
    closes = dt.datetime.combine(day, opening.closes)
    return local_start >= opens and local_start + occupied_time(protocol) <= closes


def sessions_per_opening(protocol: Protocol, opening: Opening) -> int:
    day = dt.date(2000, 1, 3)
    start = dt.datetime.combine(day, opening.opens)
    count = 0
    while fits_in_opening(protocol, opening, day, start + count * session_step(protocol)) and count < 1000:
        count += 1
    return count


def hhmm(time: dt.time) -> str:
    return time.strftime("%H:%M")


# --- the course so far --------------------------------------------------------------------------


@dataclass
class History:
    """Sessions held so far (kept and newly planned), with each one's phase index."""

    zone: ZoneInfo
    starts: list[dt.datetime]
    phase_index: list[int]

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone)

    def add(self, starts_at: dt.datetime, phase_index: int) -> None:
        self.starts.append(starts_at)
        self.phase_index.append(phase_index)

    def first_date(self) -> dt.date | None:
        return self.local(self.starts[0]).date() if self.starts else None

    def days(self) -> list[dt.date]:
        return sorted({self.local(start).date() for start in self.starts})

    def on(self, day: dt.date) -> list[dt.datetime]:
        return [start for start in self.starts if self.local(start).date() == day]

    def phase_first_date(self, index: int) -> dt.date | None:
        dates = [
            self.local(s).date() for s, p in zip(self.starts, self.phase_index, strict=True) if p == index
        ]
        return min(dates) if dates else None

    def days_in_week_of(self, day: dt.date) -> int:
        week = day.isocalendar()[:2]
        return sum(1 for held in self.days() if held.isocalendar()[:2] == week and held != day)


def day_problem(
    protocol: Protocol,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    day: dt.date,
) -> str | None:
    """Why no session can be held on this day at all, or None."""
    if day.weekday() not in opening.weekdays:
        return f"The clinic is not open on {WEEKDAY_NAMES[day.weekday()]}."
    if day in closed:
        return f"The clinic is closed on {day.isoformat()} (public holiday or closure)."
    if day in unavailable:
        return f"The patient is not available on {day.isoformat()}."
    return None


def spacing_problem(
    protocol: Protocol,
    phases: Sequence[Phase],
    history: History,
    phase_index: int,
    day: dt.date,
) -> tuple[str, str] | None:
    """Which rule keeps the next session (of phase `phase_index`) off this day, and why; or None."""
    phase = phases[phase_index]
    first = history.first_date()
    max_days = phase_max_days(protocol, phases, phase_index)
    if first is not None and day >= first + dt.timedelta(days=max_days):
        last_day = first + dt.timedelta(days=max_days - 1)
        return COURSE_LENGTH, (
            f"The course would run past its maximum length of {max_days} days"
            f" (its last session must be on or before {last_day.isoformat()})."
        )
    phase_first = history.phase_first_date(phase_index)
    if (
        phase.max_weeks is not None
        and phase_first is not None
        and day >= phase_first + dt.timedelta(weeks=phase.max_weeks)
    ):
        return PHASE_LENGTH, f"The {phase.name} phase would run past its {phase.max_weeks} weeks."
    held_days = history.days()
    if held_days and day < held_days[-1]:
        return (
            SPACING,
            f"Sessions keep the course's order: the last one held is on {held_days[-1].isoformat()}.",
        )
    if held_days and day == held_days[-1]:
        if len(history.on(day)) >= phase.per_day:
            return SPACING, (
                f"That day already holds {phase.per_day} session(s), the most the {phase.name} phase allows."
            )
        return None
    if held_days and (day - held_days[-1]).days < phase.min_days_between:
        return SPACING, (
            f"Session days of the {phase.name} phase must be at least {phase.min_days_between} days apart;"
            f" the previous one is {held_days[-1].isoformat()}."
        )
    if history.days_in_week_of(day) >= phase.per_week:
        return SPACING, (
            f"That week already holds {phase.per_week} session day(s),"
            f" the most the {phase.name} phase allows in one week."
        )
    return None


def time_problem(
    protocol: Protocol, opening: Opening, history: History, phase: Phase, local_start: dt.datetime
) -> str | None:
    """Why a session cannot start at this local time, given the sessions before it."""
    day = local_start.date()
    if local_start.time() < opening.opens:
        return f"The session would start before the clinic opens at {hhmm(opening.opens)}."
    if not fits_in_opening(protocol, opening, day, local_start.replace(tzinfo=None)):
        end = local_start.replace(tzinfo=None) + occupied_time(protocol)
        return (
            f"The session and its observation would end at {end.strftime('%H:%M')},"
            f" after the clinic closes at {hhmm(opening.closes)}."
        )
    same_day = [history.local(start) for start in history.on(day)]
    if same_day:
        earliest = max(same_day).replace(tzinfo=None) + session_step(protocol)
        if local_start.replace(tzinfo=None) < earliest:
            return (
                f"Sessions on the same day need a gap of at least {protocol.same_day_gap_minutes} minutes:"
                f" the next one can start at {earliest.strftime('%H:%M')} at the earliest."
            )
        return None
    earlier_days = [d for d in history.days() if d < day]
    if earlier_days and protocol.min_hours_between_days:
        previous_first = min(history.on(earlier_days[-1]))
        aware = local_start.replace(tzinfo=history.zone)
        if aware - previous_first < dt.timedelta(hours=protocol.min_hours_between_days):
            return (
                f"A session day must start at least {protocol.min_hours_between_days} hours after the"
                f" previous one ({history.local(previous_first).strftime('%Y-%m-%d %H:%M')})."
            )
    return None
