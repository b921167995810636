"""Whatever the clinic's calendar and the patient's absences, a plan never breaks its protocol.

Hypothesis draws protocols from the knowledge base (some with a stricter hours-between-days rule),
start dates, opening days and hours, closures, absences and a missed session to re-plan after.
Each plan, and each re-plan together with the sessions kept, must hold only on open, free days,
inside opening hours with the observation, with the per-day, per-week, gap, days-apart and
hours-between rules kept, within the phase and course lengths, numbered without gaps; and when
sessions are missing, a problem must say so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Sequence

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from trdnav.core.protocol import Phase, Protocol
from trdnav.courses.planner import Opening, Plan, PlannedSession, check_move, plan_course, replan
from trdnav.knowledge.loader import load

PROTOCOLS = sorted(load().protocols.values(), key=lambda entry: entry.id)
ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC"]


@st.composite
def protocols(draw: st.DrawFn) -> Protocol:
    protocol = draw(st.sampled_from(PROTOCOLS)).plan
    if draw(st.booleans()):
        protocol = dataclasses.replace(protocol, min_hours_between_days=draw(st.integers(0, 72)))
    return protocol


@st.composite
def openings(draw: st.DrawFn) -> Opening:
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    opens = draw(st.integers(6 * 4, 11 * 4)) * 15
    closes = opens + draw(st.integers(1, 52)) * 15
    return Opening(
        weekdays=weekdays,
        opens=dt.time(opens // 60, opens % 60),
        closes=dt.time(min(closes, 23 * 60 + 45) // 60, min(closes, 23 * 60 + 45) % 60),
        timezone=draw(st.sampled_from(ZONES)),
    )


def day_sets(start: dt.date) -> st.SearchStrategy[frozenset[dt.date]]:
    return st.frozensets(
        st.integers(0, 150).map(lambda offset: start + dt.timedelta(days=offset)), max_size=25
    )


def _phase_of_each(protocol: Protocol, taper: bool, sessions: Sequence[PlannedSession]) -> list[Phase]:
    """Each session's phase: the first phase of that name not yet full, in course order."""
    phases = [phase for phase in protocol.phases if taper or not phase.optional]
    used = [0] * len(phases)
    found: list[Phase] = []
    for session in sessions:
        index = next(
            (i for i, phase in enumerate(phases) if phase.name == session.phase and used[i] < phase.sessions),
            None,
        )
        assert index is not None, f"session {session.number} has no room in phase {session.phase}"
        used[index] += 1
        found.append(phases[index])
    return found


def assert_keeps_every_rule(
    protocol: Protocol,
    opening: Opening,
    closed: frozenset[dt.date],
    unavailable: frozenset[dt.date],
    taper: bool,
    kept: Sequence[PlannedSession],
    plan: Plan,
    after: dt.datetime | None = None,
) -> None:
    sessions = [*kept, *plan.sessions]
    phases = [phase for phase in protocol.phases if taper or not phase.optional]
    total = sum(phase.sessions for phase in phases)
    max_days = protocol.max_course_days + sum(7 * (p.max_weeks or 0) for p in phases if p.optional)
    session = dt.timedelta(minutes=protocol.session_minutes)
    step = session + dt.timedelta(minutes=protocol.same_day_gap_minutes)
    occupied = session + dt.timedelta(minutes=protocol.observation_minutes)

    # numbered without gaps, after the kept ones, in time order
    assert [s.number for s in sessions] == list(range(1, len(sessions) + 1))
    assert [s.starts_at for s in sessions] == sorted(s.starts_at for s in sessions)
    for new in plan.sessions:
        assert new.starts_at.tzinfo is not None and str(new.starts_at.tzinfo) == opening.timezone
        if after is not None:
            assert new.starts_at > after
        day = new.starts_at.date()
        assert day.weekday() in opening.weekdays and day not in closed and day not in unavailable
        local = new.starts_at.replace(tzinfo=None)
        assert dt.datetime.combine(day, opening.opens) <= local
        assert local + occupied <= dt.datetime.combine(day, opening.closes)

    phase_of = _phase_of_each(protocol, taper, sessions)
    if sessions:
        first_day = sessions[0].starts_at.date()
        assert all(s.starts_at.date() < first_day + dt.timedelta(days=max_days) for s in sessions)
    for index, phase in enumerate(phases):
        dates = [s.starts_at.date() for s, p in zip(sessions, phase_of, strict=True) if p is phase]
        if dates and phase.max_weeks is not None:
            assert max(dates) < min(dates) + dt.timedelta(weeks=phase.max_weeks), f"phase {index}"

    days: dict[dt.date, list[tuple[PlannedSession, Phase]]] = {}
    for s, p in zip(sessions, phase_of, strict=True):
        days.setdefault(s.starts_at.date(), []).append((s, p))
    ordered_days = sorted(days)
    for position, day in enumerate(ordered_days):
        held = days[day]
        assert len(held) <= max(p.per_day for _, p in held)
        for (before, _), (later, _) in itertools.pairwise(held):
            assert later.starts_at - before.starts_at >= step
        first, phase = held[0]
        week = day.isocalendar()[:2]
        same_week_before = [d for d in ordered_days[:position] if d.isocalendar()[:2] == week]
        assert len(same_week_before) < phase.per_week
        if position:
            previous_day = ordered_days[position - 1]
            assert (day - previous_day).days >= phase.min_days_between
            previous_first = days[previous_day][0][0].starts_at
            assert first.starts_at - previous_first >= dt.timedelta(hours=protocol.min_hours_between_days)
    if protocol.consecutive_days and not plan.problems and not kept:
        assert all((b - a).days == 1 for a, b in itertools.pairwise(ordered_days))

    if len(sessions) < total:
        assert any("could not be planned" in problem for problem in plan.problems), plan.problems


@st.composite
def situations(
    draw: st.DrawFn,
) -> tuple[Protocol, dt.date, Opening, frozenset[dt.date], frozenset[dt.date], bool]:
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
    return (
        draw(protocols()),
        start,
        draw(openings()),
        draw(day_sets(start)),
        draw(day_sets(start)),
        draw(st.booleans()),
    )


SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(situations())
def test_a_plan_never_breaks_its_protocol(
    situation: tuple[Protocol, dt.date, Opening, frozenset[dt.date], frozenset[dt.date], bool],
) -> None:
    protocol, start, opening, closed, unavailable, taper = situation
    plan = plan_course(protocol, start, opening, closed, unavailable, taper=taper)
    assert all(s.starts_at.date() >= start for s in plan.sessions)
    assert_keeps_every_rule(protocol, opening, closed, unavailable, taper, (), plan)


@SETTINGS
@given(situations(), st.data())
def test_a_replan_after_a_missed_session_never_breaks_its_protocol(
    situation: tuple[Protocol, dt.date, Opening, frozenset[dt.date], frozenset[dt.date], bool],
    data: st.DataObject,
) -> None:
    protocol, start, opening, closed, unavailable, taper = situation
    plan = plan_course(protocol, start, opening, closed, unavailable, taper=taper)
    if not plan.sessions:
        return
    missed = data.draw(st.integers(0, len(plan.sessions) - 1), label="missed session index")
    kept = plan.sessions[:missed]
    after = plan.sessions[missed].starts_at
    rest = replan(protocol, start, opening, closed, unavailable, kept, after, taper=taper)
    assert_keeps_every_rule(protocol, opening, closed, unavailable, taper, kept, rest, after)


@SETTINGS
@given(situations(), st.data())
def test_a_move_the_planner_allows_keeps_every_rule_with_the_rest_replanned(
    situation: tuple[Protocol, dt.date, Opening, frozenset[dt.date], frozenset[dt.date], bool],
    data: st.DataObject,
) -> None:
    protocol, start, opening, closed, unavailable, taper = situation
    plan = plan_course(protocol, start, opening, closed, unavailable, taper=taper)
    if not plan.sessions:
        return
    index = data.draw(st.integers(0, len(plan.sessions) - 1), label="moved session index")
    shift = data.draw(
        st.one_of(
            st.integers(0, 10).map(lambda days: dt.timedelta(days=days)),
            st.integers(-4 * 48, 4 * 24 * 10).map(lambda quarters: dt.timedelta(minutes=15 * quarters)),
        ),
        label="shift",
    )
    kept = plan.sessions[:index]
    moved_to = plan.sessions[index].starts_at + shift
    if check_move(protocol, opening, closed, unavailable, kept, moved_to, taper=taper):
        return
    event("move allowed")
    moved = PlannedSession(index + 1, plan.sessions[index].phase, moved_to)
    rest = replan(protocol, start, opening, closed, unavailable, [*kept, moved], moved_to, taper=taper)
    together = Plan((moved, *rest.sessions), rest.problems)
    assert_keeps_every_rule(protocol, opening, closed, unavailable, taper, kept, together)
