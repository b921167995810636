"""No silent shortfall: whenever a plan holds fewer sessions of a phase than the protocol asks, the
plan says how many of how many, whether that is below the phase's minimum, and why."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest

from trdnav.core.protocol import Protocol
from trdnav.courses.planner import Opening, Plan, plan_course, public_holidays, replan
from trdnav.courses.shortfall import BELOW_ASKED, BELOW_MINIMUM
from trdnav.knowledge.loader import load

PROTOCOLS = load().protocols
WEEKDAYS = Opening(frozenset(range(5)), dt.time(8), dt.time(18), "America/New_York")
MON_WED_FRI = Opening(frozenset({0, 2, 4}), dt.time(8), dt.time(18), "America/New_York")
US_HOLIDAYS = public_holidays("US", "", range(2026, 2029))


def _assert_no_silent_shortfall(protocol: Protocol, plan: Plan, taper: bool, held: Counter[str]) -> None:
    by_phase = {shortfall.phase: shortfall for shortfall in plan.shortfalls}
    for phase in protocol.phases:
        if phase.optional and not taper:
            assert phase.name not in by_phase
            continue
        count = held[phase.name]
        if count >= phase.sessions:
            assert phase.name not in by_phase, (phase.name, count)
            continue
        shortfall = by_phase[phase.name]  # a phase short of its sessions always carries a shortfall
        assert (shortfall.planned, shortfall.asked, shortfall.minimum) == (
            count,
            phase.sessions,
            phase.min_sessions,
        )
        assert shortfall.severity == (BELOW_MINIMUM if count < phase.min_sessions else BELOW_ASKED)
        assert shortfall.reasons, "the warning says why"
        assert f"{count} of the {phase.sessions} {phase.name} sessions" in shortfall.sentence
        if shortfall.severity == BELOW_MINIMUM:
            assert f"fewer than the {phase.min_sessions}" in shortfall.sentence


def test_the_tms_taper_course_says_it_plans_28_of_the_30_acute_sessions_and_why() -> None:
    """The issue's case: a TMS course with the taper from 2 November 2026 loses Veterans Day and
    Thanksgiving inside its 42 days; it used to plan 28 acute sessions without saying so on the page."""
    protocol = PROTOCOLS["tms_10hz"].plan
    plan = plan_course(protocol, dt.date(2026, 11, 2), WEEKDAYS, US_HOLIDAYS, frozenset(), taper=True)
    assert Counter(s.phase for s in plan.sessions) == {"acute": 28, "taper": 6}
    (shortfall,) = plan.shortfalls
    assert shortfall.severity == BELOW_ASKED
    assert shortfall.sentence.startswith("28 of the 30 acute sessions the protocol asks for are planned")
    assert "2026-11-11, 2026-11-26 (public holiday or closure)" in shortfall.sentence
    assert "within 42 days of its first session (through 2026-12-13)" in shortfall.sentence
    # the course page checks the visits as they stand (a re-plan after the last one): the same warning
    last = plan.sessions[-1].starts_at
    again = replan(
        protocol, dt.date(2026, 11, 2), WEEKDAYS, US_HOLIDAYS, frozenset(), plan.sessions, last, taper=True
    )
    assert again.shortfalls == plan.shortfalls


def test_below_the_minimum_is_the_stronger_warning_and_names_the_unavailable_dates() -> None:
    protocol = PROTOCOLS["tms_10hz"].plan
    away = frozenset(dt.date(2026, 3, 9) + dt.timedelta(days=n) for n in range(21))
    plan = plan_course(protocol, dt.date(2026, 3, 2), WEEKDAYS, frozenset(), away)
    (shortfall,) = plan.shortfalls
    assert shortfall.severity == BELOW_MINIMUM and shortfall.planned == 15
    assert shortfall.sentence.startswith("Only 15 of the 30 acute sessions")
    assert "fewer than the 20 it counts as a full acute phase" in shortfall.sentence
    assert "the patient is not available on 2026-03-09, 2026-03-10" in shortfall.sentence


def test_a_full_plan_carries_no_shortfall() -> None:
    plan = plan_course(
        PROTOCOLS["ect_thrice_weekly"].plan, dt.date(2026, 3, 2), WEEKDAYS, frozenset(), frozenset()
    )
    assert len(plan.sessions) == 12 and plan.shortfalls == ()


UNAVAILABLE = {
    "none": (),
    "a day each week": tuple(range(2, 60, 7)),
    "a week away": tuple(range(8, 15)),
    "two weeks away": tuple(range(10, 24)),
}


@pytest.mark.parametrize("protocol_id", sorted(PROTOCOLS))
@pytest.mark.parametrize("opening", [WEEKDAYS, MON_WED_FRI], ids=["weekdays", "mon-wed-fri"])
def test_no_protocol_plans_fewer_sessions_than_it_asks_without_saying_so(
    protocol_id: str, opening: Opening
) -> None:
    protocol = PROTOCOLS[protocol_id].plan
    tapers = (False, True) if any(phase.optional for phase in protocol.phases) else (False,)
    starts = [dt.date(2026, 11, 2) + dt.timedelta(days=n) for n in range(0, 14)]
    starts += [dt.date(2026, 12, 14), dt.date(2027, 5, 24), dt.date(2027, 6, 28)]
    shortfalls_seen = 0
    for taper, start, offsets in itertools.product(tapers, starts, UNAVAILABLE.values()):
        away = frozenset(start + dt.timedelta(days=n) for n in offsets)
        plan = plan_course(protocol, start, opening, US_HOLIDAYS, away, taper=taper)
        _assert_no_silent_shortfall(protocol, plan, taper, Counter(s.phase for s in plan.sessions))
        shortfalls_seen += bool(plan.shortfalls)
        if plan.sessions:  # and the course page's check of the visits as they stand agrees
            last = plan.sessions[-1].starts_at
            again = replan(protocol, start, opening, US_HOLIDAYS, away, plan.sessions, last, taper=taper)
            assert again.shortfalls == plan.shortfalls
    # the table reaches plans that fall short (accelerated TMS waits for 5 free days in a row instead)
    assert shortfalls_seen or protocol.consecutive_days
