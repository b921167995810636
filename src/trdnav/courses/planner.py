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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays

from trdnav.courses.protocol import Phase, Protocol

SEARCH_DAYS = 366  # how far past the start the planner looks for open days before giving up
COURSE_LENGTH, PHASE_LENGTH, SPACING = "course_length", "phase_length", "spacing"
WEEKDAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True, slots=True)
class Opening:
    """When the clinic sees patients."""

    weekdays: frozenset[int]  # Monday=0
    opens: dt.time
    closes: dt.time
    timezone: str  # IANA name; planned times are aware datetimes in this zone


@dataclass(frozen=True, slots=True)
class PlannedSession:
    number: int  # 1-based, in course order
    phase: str
    starts_at: dt.datetime  # aware, in the clinic's zone


@dataclass(frozen=True, slots=True)
class Plan:
    sessions: tuple[PlannedSession, ...]
    problems: tuple[str, ...]  # plain sentences for the clinician; empty when every rule is met


def public_holidays(country: str, subdivision: str, years: Iterable[int]) -> frozenset[dt.date]:
    """The public holidays of a country (and state or region) in the given years.

    Raises ValueError naming the clinic setting that is wrong when the `holidays` package
    does not know the country or the subdivision.
    """
    wanted = sorted(set(years))
    code = country.strip().upper()
    try:
        holidays.country_holidays(code, years=wanted[:1])
    except NotImplementedError:
        raise ValueError(f"country: {country!r} is not a country code the holiday calendar knows") from None
    try:
        calendar = holidays.country_holidays(code, subdiv=subdivision.strip().upper() or None, years=wanted)
    except NotImplementedError:
        raise ValueError(
            f"subdivision: {subdivision!r} is not a state or region of {code} the holiday calendar knows"
        ) from None
    return frozenset(calendar.keys())


# --- the course's shape -------------------------------------------------------------------------


def _phases(protocol: Protocol, taper: bool) -> tuple[Phase, ...]:
    return tuple(phase for phase in protocol.phases if taper or not phase.optional)


def _max_days(protocol: Protocol, phases: Sequence[Phase]) -> int:
    """The course's maximum length; each optional phase planned adds its own weeks."""
    extra = sum(7 * (phase.max_weeks or 0) for phase in phases if phase.optional)
    return protocol.max_course_days + extra


def _phase_of_each(phases: Sequence[Phase]) -> list[int]:
    """The phase index of session 1, 2, 3, ... of the course."""
    return [index for index, phase in enumerate(phases) for _ in range(phase.sessions)]


def _step(protocol: Protocol) -> dt.timedelta:
    return dt.timedelta(minutes=protocol.session_minutes + protocol.same_day_gap_minutes)


def _occupied(protocol: Protocol) -> dt.timedelta:
    return dt.timedelta(minutes=protocol.session_minutes + protocol.observation_minutes)


def _fits(protocol: Protocol, opening: Opening, day: dt.date, local_start: dt.datetime) -> bool:
    """A session starting then (naive local time) starts after opening and ends, observed, by closing."""
    opens = dt.datetime.combine(day, opening.opens)
    closes = dt.datetime.combine(day, opening.closes)
    return local_start >= opens and local_start + _occupied(protocol) <= closes


def _sessions_per_opening(protocol: Protocol, opening: Opening) -> int:
    day = dt.date(2000, 1, 3)
    start = dt.datetime.combine(day, opening.opens)
    count = 0
    while _fits(protocol, opening, day, start + count * _step(protocol)) and count < 1000:
        count += 1
    return count


def _hhmm(time: dt.time) -> str:
    return time.strftime("%H:%M")


# --- the course so far --------------------------------------------------------------------------


@dataclass
class _History:
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


def _day_problem(
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


def _spacing_problem(
    protocol: Protocol,
    phases: Sequence[Phase],
    history: _History,
    phase_index: int,
    day: dt.date,
) -> tuple[str, str] | None:
    """Which rule keeps the next session (of phase `phase_index`) off this day, and why; or None."""
    phase = phases[phase_index]
    first = history.first_date()
    max_days = _max_days(protocol, phases)
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


def _time_problem(
    protocol: Protocol, opening: Opening, history: _History, phase: Phase, local_start: dt.datetime
) -> str | None:
    """Why a session cannot start at this local time, given the sessions before it."""
    day = local_start.date()
    if local_start.time() < opening.opens:
        return f"The session would start before the clinic opens at {_hhmm(opening.opens)}."
    if not _fits(protocol, opening, day, local_start.replace(tzinfo=None)):
        end = local_start.replace(tzinfo=None) + _occupied(protocol)
        return (
            f"The session and its observation would end at {end.strftime('%H:%M')},"
            f" after the clinic closes at {_hhmm(opening.closes)}."
        )
    same_day = [history.local(start) for start in history.on(day)]
    if same_day:
        earliest = max(same_day).replace(tzinfo=None) + _step(protocol)
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


# --- planning -----------------------------------------------------------------------------------


def _day_candidates(
    protocol: Protocol, opening: Opening, history: _History, day: dt.date, per_day: int
) -> list[dt.datetime]:
    """The day's remaining slots (naive local times): from opening, or on after its last session.

    A day holds at most `per_day` slots, one after another, so a session missed on a
    one-session day is not squeezed in later that day: the rest moves to the next day.
    """
    same_day = [history.local(start).replace(tzinfo=None) for start in history.on(day)]
    start = max(same_day) + _step(protocol) if same_day else dt.datetime.combine(day, opening.opens)
    candidates: list[dt.datetime] = []
    while _fits(protocol, opening, day, start) and len(candidates) < per_day - len(same_day):
        candidates.append(start)
        start += _step(protocol)
    return candidates


def _history_of(
    zone: ZoneInfo, phases: Sequence[Phase], order: Sequence[int], kept: Sequence[PlannedSession]
) -> tuple[_History, int]:
    """The kept sessions with their phases, and the course position the next session takes.

    Kept sessions are matched to the course's slots by phase name, in order, so slots an earlier
    plan could not fill (a phase that ran past its weeks) stay behind rather than shifting phases.
    """
    history = _History(zone, [], [])
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
        if _day_problem(protocol, opening, closed, unavailable, day) is None:
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
    zone = ZoneInfo(opening.timezone)
    phases = _phases(protocol, taper)
    order = _phase_of_each(phases)
    total = len(order)
    ordered_kept = sorted(kept, key=lambda session: session.starts_at)
    history, position = _history_of(zone, phases, order, ordered_kept)
    number = max((session.number for session in ordered_kept), default=0) + 1
    if position >= total:
        return Plan((), ())
    problems: list[str] = []
    per_opening = _sessions_per_opening(protocol, opening)
    if per_opening == 0:
        minutes = protocol.session_minutes + protocol.observation_minutes
        return Plan(
            (),
            (
                f"One session with its observation takes {minutes} minutes, longer than the clinic is open"
                f" ({_hhmm(opening.opens)}–{_hhmm(opening.closes)}):"
                f" {total - position} of {total} sessions could not be planned.",
            ),
        )
    most_per_day = max(phase.per_day for phase in phases)
    if per_opening < most_per_day:
        problems.append(
            f"A session day should hold {most_per_day} sessions, but only {per_opening} fit between"
            f" {_hhmm(opening.opens)} and {_hhmm(opening.closes)} with the gaps and observation."
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
        if _day_problem(protocol, opening, closed, unavailable, day) is not None:
            day += dt.timedelta(days=1)
            continue
        reason = _spacing_problem(protocol, phases, history, phase_index, day)
        if reason is not None and reason[0] == COURSE_LENGTH:
            max_days = _max_days(protocol, phases)
            stop_reason = f"The course would run past its maximum length of {max_days} days"
            break
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
            if _time_problem(protocol, opening, history, phase, aware) is not None:
                continue
            history.add(aware, phase_index)
            new_sessions.append(PlannedSession(number, phase.name, aware))
            number += 1
            position += 1
        day += dt.timedelta(days=1)
    held = len(history.starts)
    if stop_reason is not None:
        problems.append(f"{stop_reason}: {total - position} of {total} sessions could not be planned.")
    elif held < total and not any("could not be planned" in problem for problem in problems):
        problems.append(f"{total - held} of {total} sessions could not be planned in earlier plans.")
    needed = sum(phase.min_sessions for phase in phases)
    if held < needed:
        problems.append(f"Only {held} sessions are planned, fewer than the {needed} a full course needs.")
    return Plan(tuple(new_sessions), tuple(problems))


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
    phases = _phases(protocol, taper)
    order = _phase_of_each(phases)
    ordered_kept = sorted(kept, key=lambda session: session.starts_at)
    history, position = _history_of(zone, phases, order, ordered_kept)
    if position >= len(order):
        return ["Every session of this course is already held; there is no next session to move."]
    local = moved_to.astimezone(zone)
    day = local.date()
    phase_index = order[position]
    problems: list[str] = []
    day_problem = _day_problem(protocol, opening, closed, unavailable, day)
    if day_problem is not None:
        problems.append(day_problem)
    if ordered_kept and moved_to <= ordered_kept[-1].starts_at:
        last = history.local(ordered_kept[-1].starts_at).strftime("%Y-%m-%d %H:%M")
        problems.append(f"The session must come after session {ordered_kept[-1].number} ({last}).")
        return problems
    spacing = _spacing_problem(protocol, phases, history, phase_index, day)
    if spacing is not None:
        problems.append(spacing[1])
    timing = _time_problem(protocol, opening, history, phases[phase_index], local)
    if timing is not None:
        problems.append(timing)
    return problems
