"""The course planner on the cases clinics meet, written as data in tests/cases/planner/*.yaml.

Each case gives a protocol from the knowledge base, a start date, the clinic's opening days and
hours, its holidays (country and state, or explicit closed dates), the patient's absences and,
for re-planning, how many sessions of the first plan were kept and which one was missed. It says
which dates or counts to expect and which problems the clinician must be told about.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from trdnav.courses.planner import (
    Opening,
    Plan,
    PlannedSession,
    check_move,
    plan_course,
    public_holidays,
    replan,
)
from trdnav.knowledge.loader import load

CASES = Path(__file__).parent.parent / "cases" / "planner"
PROTOCOLS = load().protocols
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = Opening(frozenset(range(5)), dt.time(9), dt.time(17), "America/New_York")


def _cases() -> list[Any]:
    return [pytest.param(path, id=path.stem) for path in sorted(CASES.glob("*.yaml"))]


def _opening(raw: dict[str, Any]) -> Opening:
    return Opening(
        weekdays=frozenset(raw["weekdays"]),
        opens=dt.time.fromisoformat(raw["opens"]),
        closes=dt.time.fromisoformat(raw["closes"]),
        timezone=raw["timezone"],
    )


def _run(case: dict[str, Any]) -> tuple[Plan, tuple[PlannedSession, ...]]:
    protocol = PROTOCOLS[case["protocol"]].plan
    start: dt.date = case["start"]
    opening = _opening(case["opening"])
    closed = frozenset(case.get("closed", []))
    if "holidays" in case:
        where = case["holidays"]
        closed |= public_holidays(where["country"], where["subdivision"], range(start.year, start.year + 2))
    unavailable = frozenset(case.get("unavailable", []))
    taper = bool(case.get("taper", False))
    first = plan_course(protocol, start, opening, closed, unavailable, taper=taper)
    if "kept_first" not in case:
        return first, first.sessions
    kept = first.sessions[: case["kept_first"]]
    missed = next(s for s in first.sessions if s.number == case["missed"])
    again = replan(protocol, start, opening, closed, unavailable, kept, missed.starts_at, taper=taper)
    return again, again.sessions


@pytest.mark.parametrize("path", _cases())
def test_planner_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    expect = case["expect"]
    plan, sessions = _run(case)
    dates = [s.starts_at.date() for s in sessions]
    assert all(s.starts_at.tzinfo is not None for s in sessions)
    assert all(s.starts_at.tzinfo == ZoneInfo(case["opening"]["timezone"]) for s in sessions)
    if "count" in expect:
        assert len(sessions) == expect["count"]
    if "dates" in expect:
        assert dates == expect["dates"]
    if "dates_start_with" in expect:
        assert dates[: len(expect["dates_start_with"])] == expect["dates_start_with"]
    if "dates_end_with" in expect:
        assert dates[-len(expect["dates_end_with"]) :] == expect["dates_end_with"]
    if "first" in expect:
        assert dates[0] == expect["first"]
    if "last" in expect:
        assert dates[-1] == expect["last"]
    if "days" in expect:
        assert sorted(set(dates)) == expect["days"]
    for day in expect.get("not_on", []):
        assert day not in dates
    if "weekdays" in expect:
        assert {day.weekday() for day in dates} <= set(expect["weekdays"])
    if "local_time" in expect:
        assert {s.starts_at.strftime("%H:%M") for s in sessions} == {expect["local_time"]}
    for day, utc_time in expect.get("utc", {}).items():
        (session,) = [s for s in sessions if s.starts_at.date() == day]
        assert session.starts_at.astimezone(dt.UTC).strftime("%H:%M") == utc_time
    if "times_on_first_day" in expect:
        assert [s.starts_at.strftime("%H:%M") for s in sessions if s.starts_at.date() == dates[0]] == expect[
            "times_on_first_day"
        ]
    if "most_per_day" in expect:
        assert max(Counter(dates).values()) == expect["most_per_day"]
    if "phases" in expect:
        assert dict(Counter(s.phase for s in sessions)) == expect["phases"]
    for phase, last_day in expect.get("phase_last", {}).items():
        assert max(s.starts_at.date() for s in sessions if s.phase == phase) == last_day
    if "numbers" in expect:
        assert [s.number for s in sessions] == [*expect["numbers"], expect["numbers"][-1] + 1][
            : len(sessions)
        ]
    if "numbers_from" in expect:
        assert [s.number for s in sessions] == list(
            range(expect["numbers_from"], expect["numbers_from"] + len(sessions))
        )
    expected_problems: list[str] = expect["problems"]
    assert len(plan.problems) == len(expected_problems), plan.problems
    for wanted, said in zip(expected_problems, plan.problems, strict=True):
        assert wanted in said


# --- moving one session ------------------------------------------------------------------------

KETAMINE = PROTOCOLS["iv_ketamine_twice_weekly"].plan
FIRST_INFUSION = PlannedSession(1, "acute", dt.datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK))


def _move(moved_to: dt.datetime, closed: frozenset[dt.date] = frozenset()) -> list[str]:
    return check_move(
        KETAMINE, WEEKDAYS, closed, frozenset([dt.date(2026, 3, 6)]), [FIRST_INFUSION], moved_to
    )


def test_a_move_that_keeps_every_rule_is_allowed() -> None:
    assert _move(dt.datetime(2026, 3, 5, 13, 0, tzinfo=NEW_YORK)) == []


@pytest.mark.parametrize(
    ("moved_to", "problem"),
    [
        (dt.datetime(2026, 3, 3, 9, 0, tzinfo=NEW_YORK), "at least 2 days apart"),
        (dt.datetime(2026, 3, 7, 9, 0, tzinfo=NEW_YORK), "The clinic is not open on Saturdays."),
        (dt.datetime(2026, 3, 6, 9, 0, tzinfo=NEW_YORK), "The patient is not available on 2026-03-06."),
        (dt.datetime(2026, 3, 4, 8, 30, tzinfo=NEW_YORK), "before the clinic opens at 09:00"),
        (
            dt.datetime(2026, 3, 4, 15, 30, tzinfo=NEW_YORK),
            "would end at 17:30, after the clinic closes at 17:00",
        ),
        (dt.datetime(2026, 3, 1, 9, 0, tzinfo=NEW_YORK), "must come after session 1"),
        (dt.datetime(2026, 3, 24, 9, 0, tzinfo=NEW_YORK), "maximum length of 21 days"),
    ],
)
def test_a_move_that_breaks_a_rule_says_which(moved_to: dt.datetime, problem: str) -> None:
    problems = _move(moved_to)
    assert any(problem in said for said in problems), problems


def test_a_move_onto_a_public_holiday_is_refused() -> None:
    thanksgiving = dt.date(2026, 11, 26)
    first = PlannedSession(1, "acute", dt.datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK))
    problems = check_move(
        KETAMINE,
        WEEKDAYS,
        frozenset([thanksgiving]),
        frozenset(),
        [first],
        dt.datetime(2026, 11, 26, 9, tzinfo=NEW_YORK),
    )
    assert "The clinic is closed on 2026-11-26 (public holiday or closure)." in problems


def test_a_third_infusion_in_one_week_is_refused() -> None:
    kept = [FIRST_INFUSION, PlannedSession(2, "acute", dt.datetime(2026, 3, 4, 9, 0, tzinfo=NEW_YORK))]
    problems = check_move(
        KETAMINE, WEEKDAYS, frozenset(), frozenset(), kept, dt.datetime(2026, 3, 6, 9, tzinfo=NEW_YORK)
    )
    assert any("That week already holds 2 session day(s)" in said for said in problems)


def test_the_rest_is_replanned_after_a_moved_session() -> None:
    moved = PlannedSession(2, "acute", dt.datetime(2026, 3, 5, 13, 0, tzinfo=NEW_YORK))
    rest = replan(
        KETAMINE,
        dt.date(2026, 3, 2),
        WEEKDAYS,
        frozenset(),
        frozenset(),
        [FIRST_INFUSION, moved],
        moved.starts_at,
    )
    assert [s.starts_at.date().isoformat() for s in rest.sessions] == [
        "2026-03-09",
        "2026-03-11",
        "2026-03-16",
        "2026-03-18",
    ]
    assert [s.number for s in rest.sessions] == [3, 4, 5, 6]
    assert rest.problems == ()


def test_replanning_after_the_last_slot_still_reports_the_sessions_no_plan_could_fill() -> None:
    """Found by Hypothesis: a clinic open on Monday mornings only cannot hold esketamine's twice-weekly
    induction, so its first plan leaves induction slots empty. Moving the last planned session (to
    where it already was) re-plans nothing, and must still say which sessions are missing."""
    mondays = Opening(frozenset({0}), dt.time(6, 0), dt.time(8, 30), "America/New_York")
    protocol = PROTOCOLS["esketamine_label"].plan
    start = dt.date(2026, 1, 5)
    plan = plan_course(protocol, start, mondays, frozenset(), frozenset())
    assert any("could not be planned" in problem for problem in plan.problems)
    *kept, last = plan.sessions
    assert check_move(protocol, mondays, frozenset(), frozenset(), kept, last.starts_at) == []
    rest = replan(protocol, start, mondays, frozenset(), frozenset(), plan.sessions, last.starts_at)
    assert rest.sessions == ()
    assert any("could not be planned" in problem for problem in rest.problems), rest.problems


# --- the clinic's holiday calendar -------------------------------------------------------------


def test_public_holidays_come_from_the_country_and_state() -> None:
    us = public_holidays("US", "", [2026])
    assert {dt.date(2026, 11, 26), dt.date(2026, 12, 25), dt.date(2026, 7, 3)} <= us
    bavaria = public_holidays("de", "by", [2026])
    assert dt.date(2026, 6, 4) in bavaria
    assert dt.date(2026, 6, 4) not in public_holidays("DE", "BE", [2026])


@pytest.mark.parametrize(
    ("country", "subdivision", "field"),
    [("XX", "", "country"), ("US", "ZZ", "subdivision")],
)
def test_an_unknown_country_or_state_names_the_setting(country: str, subdivision: str, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        public_holidays(country, subdivision, [2026])
