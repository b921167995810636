"""The course planner: turn a protocol, a start date and the clinic's calendar into session times.

Pure: no clock, no database. Callers pass the dates (the clinic's public holidays come from
`public_holidays`, the patient's absences from the course record). Every rule the planner keeps
is a field of `Protocol`/`Phase`; when a rule cannot be met the plan holds the sessions that fit
and says, in plain sentences, which rule stopped it and how many sessions are missing.

Times: sessions start at the clinic's opening time on a session day, as aware datetimes in the
clinic's zone, so across a daylight-saving change the local time stays the opening time. On a
day with several sessions (accelerated TMS) each follows the previous one's end after the
protocol's same-day gap, and every session plus its observation ends by closing time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from trdnav.core.protocol import Phase, Protocol
from trdnav.courses.course_rules import (
    COURSE_LENGTH,
    PHASE_LENGTH,
    History,
    day_problem,
    fits_in_opening,
    hhmm,
    included_phases,
    phase_max_days,
    phase_of_each,
    session_step,
    sessions_per_opening,
    spacing_problem,
    time_problem,
)
from trdnav.courses.opening import Opening, public_holidays
from trdnav.courses.shortfall import Shortfall, shortfalls

__all__ = [
    "Opening",
    "Plan",
    "PlannedSession",
    "Shortfall",
    "check_move",
    "plan_course",
    "public_holidays",
    "replan",
]

SEARCH_DAYS = 366  # how far past the start the planner looks for open days before giving up


@dataclass(frozen=True, slots=True)
class PlannedSession:
    number: int  # 1-based, in course order
    phase: str
    starts_at: dt.datetime  # aware, in the clinic's zone


@dataclass(frozen=True, slots=True)
class Plan:
    sessions: tuple[PlannedSession, ...]
    problems: tuple[str, ...]  # plain sentences for the clinician; empty when every rule is met
    # every phase with fewer sessions (kept and planned) than the protocol asks, and why
    shortfalls: tuple[Shortfall, ...] = ()


# --- planning -----------------------------------------------------------------------------------


def _day_candidates(
    protocol: Protocol, opening: Opening, history: History, day: dt.date, per_day: int
) -> list[dt.datetime]:
    """The day's remaining slots (naive local times): from opening, or on after its last session.

    A day holds at most `per_day` slots, one after another, so a session missed on a
    one-session day is not squeezed in later that day: the rest moves to the next day.
    """
    same_day = [history.local(start).replace(tzinfo=None) for start in history.on(day)]
    start = max(same_day) + session_step(protocol) if same_day else dt.datetime.combine(day, opening.opens)
    candidates: list[dt.datetime] = []
    while fits_in_opening(protocol, opening, day, start) and len(candidates) < per_day - len(same_day):
        candidates.append(start)
        start += session_step(protocol)
    return candidates


def _history_of(
    zone: ZoneInfo, phases: Sequence[Phase], order: Sequence[int], kept: Sequence[PlannedSession]
) -> tuple[History, int]:
    """The kept sessions with their phases, and the course position the next session takes.

    Kept sessions are matched to the course's slots by phase name, in order, so slots an earlier
    plan could not fill (a phase that ran past its weeks) stay behind rather than shifting phases.
    """
    history = History(zone, [], [])
    position = 0
    for session in kept:
        slot = position
        while slot < len(order) and phases[order[slot]].name != session.phase:
            slot += 1
        if slot >= len(order):
            slot = min(position, len(order) - 1)
        history.add(session.starts_at, order[slot])
        position = slot + 1
    return history, position


def _first_consecutive_run(
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    protocol: Protocol,
    start: dt.date,
    length: int,
) -> dt.date | None:
    """The first day from which `length` days in a row are all open and free."""
    run_start, run = start, 0
    for offset in range(SEARCH_DAYS):
        day = start + dt.timedelta(days=offset)
        if day_problem(protocol, opening, closed, unavailable, day) is None:
            if run == 0:
                run_start = day
            run += 1
            if run == length:
                return run_start
        else:
            run = 0
    return None


def _plan(
    protocol: Protocol,
    start: dt.date,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    kept: Sequence[PlannedSession],
    after: dt.datetime | None,
    taper: bool,
) -> Plan:
    """The plan, with a shortfall for every phase the kept and planned sessions leave short."""
    plan = _plan_sessions(protocol, start, opening, closed, unavailable, kept, after, taper)
    held = [(s.phase, s.starts_at) for s in (*kept, *plan.sessions)]
    found = shortfalls(protocol, opening, closed, unavailable, start, held, taper=taper)
    return Plan(plan.sessions, plan.problems, found)


def _plan_sessions(
    protocol: Protocol,
    start: dt.date,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    kept: Sequence[PlannedSession],
    after: dt.datetime | None,
    taper: bool,
) -> Plan:
    zone = ZoneInfo(opening.timezone)
    phases = included_phases(protocol, taper)
    order = phase_of_each(phases)
    total = len(order)
    ordered_kept = sorted(kept, key=lambda session: session.starts_at)
    history, position = _history_of(zone, phases, order, ordered_kept)
    number = max((session.number for session in ordered_kept), default=0) + 1
    if position >= total:  # every slot is behind us; slots an earlier plan left empty stay reported
        return Plan((), tuple(_shortfall(phases, total, len(history.starts), ())))
    problems: list[str] = []
    per_opening = sessions_per_opening(protocol, opening)
    if per_opening == 0:
        minutes = protocol.session_minutes + protocol.observation_minutes
        return Plan(
            (),
            (
                f"One session with its observation takes {minutes} minutes, longer than the clinic is open"
                f" ({hhmm(opening.opens)}–{hhmm(opening.closes)}):"
                f" {total - position} of {total} sessions could not be planned.",
            ),
        )
    most_per_day = max(phase.per_day for phase in phases)
    if per_opening < most_per_day:
        problems.append(
            f"A session day should hold {most_per_day} sessions, but only {per_opening} fit between"
            f" {hhmm(opening.opens)} and {hhmm(opening.closes)} with the gaps and observation."
        )
    day = start
    if after is not None:
        day = max(day, after.astimezone(zone).date())
    if protocol.consecutive_days and not ordered_kept:
        days_needed = -(-total // most_per_day)
        run_start = _first_consecutive_run(opening, closed, unavailable, protocol, day, days_needed)
        if run_start is None:
            problems.append(
                f"The {days_needed} session days must follow each other, but the clinic is not open on"
                f" {days_needed} days in a row (with the patient available)"
                f" within a year of {day.isoformat()}."
            )
        else:
            day = run_start
    last_search_day = day + dt.timedelta(days=SEARCH_DAYS)
    new_sessions: list[PlannedSession] = []
    stop_reason: str | None = None
    while position < total:
        phase_index = order[position]
        phase = phases[phase_index]
        if day > last_search_day:
            stop_reason = f"No free session day was found within a year of {start.isoformat()}"
            break
        if day_problem(protocol, opening, closed, unavailable, day) is not None:
            day += dt.timedelta(days=1)
            continue
        reason = spacing_problem(protocol, phases, history, phase_index, day)
        if reason is not None and reason[0] == COURSE_LENGTH:
            max_days = phase_max_days(protocol, phases, phase_index)
            if phase.optional or not any(phases[index].optional for index in order[position:]):
                stop_reason = f"The course would run past its maximum length of {max_days} days"
                break
            # A required phase ends within the protocol's length; the optional phase chosen still follows.
            left = order[position:].count(phase_index)
            problems.append(
                f"The {phase.name} phase would run past the course's maximum length of {max_days} days:"
                f" {left} of its {phase.sessions} sessions could not be planned."
            )
            position += left
            continue
        if reason is not None and reason[0] == PHASE_LENGTH:
            left = order[position:].count(phase_index)
            problems.append(
                f"The {phase.name} phase would run past its {phase.max_weeks} weeks:"
                f" {left} of its {phase.sessions} sessions could not be planned."
            )
            position += left
            continue
        if reason is not None:
            day += dt.timedelta(days=1)
            continue
        for candidate in _day_candidates(protocol, opening, history, day, phase.per_day):
            if position >= total or order[position] != phase_index:
                break
            if len(history.on(day)) >= phase.per_day:
                break
            aware = candidate.replace(tzinfo=zone)
            if after is not None and aware <= after:
                continue
            if time_problem(protocol, opening, history, phase, aware) is not None:
                continue
            history.add(aware, phase_index)
            new_sessions.append(PlannedSession(number, phase.name, aware))
            number += 1
            position += 1
        day += dt.timedelta(days=1)
    if stop_reason is not None:
        problems.append(f"{stop_reason}: {total - position} of {total} sessions could not be planned.")
    problems.extend(_shortfall(phases, total, len(history.starts), problems))
    return Plan(tuple(new_sessions), tuple(problems))


def _shortfall(phases: Sequence[Phase], total: int, held: int, problems: Sequence[str]) -> list[str]:
    """What the course lacks when ``held`` sessions are all it has: slots no plan could fill (unless
    a problem already says so), and fewer sessions than a full course needs."""
    found: list[str] = []
    if held < total and not any("could not be planned" in problem for problem in problems):
        found.append(f"{total - held} of {total} sessions could not be planned in earlier plans.")
    needed = sum(phase.min_sessions for phase in phases)
    if held < needed:
        found.append(f"Only {held} sessions are planned, fewer than the {needed} a full course needs.")
    return found


def plan_course(
    protocol: Protocol,
    start: dt.date,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    *,
    taper: bool = False,
) -> Plan:
    """The whole course from `start` on: every session as early as the protocol's rules allow."""
    return _plan(protocol, start, opening, closed, unavailable, (), None, taper)


def replan(
    protocol: Protocol,
    start: dt.date,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    kept: Sequence[PlannedSession],
    after: dt.datetime,
    *,
    taper: bool = False,
) -> Plan:
    """The rest of a course after `after`, around the sessions already kept.

    `kept` are the sessions done (and a moved session at its new time); a missed session is
    simply left out. `Plan.sessions` holds only the newly planned sessions, numbered on from
    the highest kept number. Spacing, per-week counts, phase lengths and the course's maximum
    length (from its first session) are checked against the kept sessions too.
    """
    return _plan(protocol, start, opening, closed, unavailable, kept, after, taper)


def check_move(
    protocol: Protocol,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    kept: Sequence[PlannedSession],
    moved_to: dt.datetime,
    *,
    taper: bool = False,
) -> list[str]:
    """The problems with holding the next session (after `kept`) at `moved_to`; [] means allowed."""
    if moved_to.tzinfo is None:
        return ["The new time must carry its time zone."]
    zone = ZoneInfo(opening.timezone)
    phases = included_phases(protocol, taper)
    order = phase_of_each(phases)
    ordered_kept = sorted(kept, key=lambda session: session.starts_at)
    history, position = _history_of(zone, phases, order, ordered_kept)
    if position >= len(order):
        return ["Every session of this course is already held; there is no next session to move."]
    local = moved_to.astimezone(zone)
    day = local.date()
    phase_index = order[position]
    problems: list[str] = []
    closure = day_problem(protocol, opening, closed, unavailable, day)
    if closure is not None:
        problems.append(closure)
    if ordered_kept and moved_to <= ordered_kept[-1].starts_at:
        last = history.local(ordered_kept[-1].starts_at).strftime("%Y-%m-%d %H:%M")
        problems.append(f"The session must come after session {ordered_kept[-1].number} ({last}).")
        return problems
    spacing = spacing_problem(protocol, phases, history, phase_index, day)
    if spacing is not None:
        problems.append(spacing[1])
    timing = time_problem(protocol, opening, history, phases[phase_index], local)
    if timing is not None:
        problems.append(timing)
    return problems
