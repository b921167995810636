"""Measurement-based care rules at their boundaries: response, remission, status words, the halfway
flag, the baseline and the check-in schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from trdnav.courses.outcomes import (
    Baseline,
    Score,
    baseline,
    checkin_dates,
    checkin_schedule,
    halfway,
    is_remission,
    is_response,
    percent_change,
    since_start,
    status,
)
from trdnav.knowledge.loader import load

START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)

RULES = load().outcome_rules.rules


def at(days: float) -> dt.datetime:
    return START + dt.timedelta(days=days)


def phq9(total: int, days: float = 10) -> Score:
    return Score("phq9", total, at(days))


def base(total: int) -> Baseline:
    return Baseline(total, at(-5), "assessment")


@pytest.mark.parametrize(
    ("baseline_total", "total", "responding"),
    [
        (20, 10, True),
        (20, 11, False),
        (21, 10, True),
        (21, 11, False),
        (19, 9, True),
        (19, 10, False),
        (0, 0, False),
    ],
)
def test_response_is_a_drop_of_at_least_half(baseline_total: int, total: int, responding: bool) -> None:
    # 21 -> 11 is a 47.6% drop, 19 -> 10 is 47.4%: not response; 19 -> 9 is 52.6%.
    assert is_response(baseline_total, total, RULES) is responding


@pytest.mark.parametrize(("total", "remitted"), [(0, True), (4, True), (5, False), (27, False)])
def test_remission_is_below_five(total: int, remitted: bool) -> None:
    assert is_remission(total, RULES) is remitted


@pytest.mark.parametrize(
    ("baseline_total", "total", "expected"),
    [
        (20, 4, "remitted"),
        (20, 5, "responding"),  # 75% drop, but 5 is not remission
        (20, 10, "responding"),  # exactly 50%
        (20, 11, "improving"),  # 45%
        (20, 16, "improving"),  # exactly 20%
        (20, 17, "not_improving"),  # 15%
        (21, 17, "not_improving"),  # 19.05%
        (10, 12, "not_improving"),  # worse
        (0, 6, "baseline_too_low"),
        (0, 3, "remitted"),
    ],
)
def test_status_words_follow_the_latest_phq9(baseline_total: int, total: int, expected: str) -> None:
    assert status(base(baseline_total), phq9(total), RULES) == expected


def test_status_without_scores_or_baseline() -> None:
    assert status(base(20), None, RULES) == "no_scores"
    assert status(None, phq9(12), RULES) == "no_baseline"
    assert percent_change(0, 3) is None
    assert percent_change(20, 15) == 25


def test_baseline_is_the_last_phq9_before_the_first_session_else_the_intake() -> None:
    scores = [phq9(18, -10), phq9(16, -2), Score("gad7", 12, at(-1)), phq9(9, 0), phq9(8, 7)]
    found = baseline(scores, START, 22, at(-30))
    assert found == Baseline(16, at(-2), "score")
    assert baseline([phq9(9, 0)], START, 22, at(-30)) == Baseline(22, at(-30), "assessment")
    assert baseline([], START, None, at(-30)) is None
    assert [s.total for s in since_start(scores, START)] == [9, 8]
    assert since_start(scores, None) == []


@pytest.mark.parametrize(
    ("done", "planned", "total", "state"),
    [
        (9, 11, 16, "not_reached"),  # 9 of 20 planned: before halfway
        (10, 10, 16, "on_track"),  # exactly 20% improvement at exactly halfway: not flagged
        (10, 10, 17, "flagged"),  # 15%
        (15, 5, 17, "flagged"),  # past halfway too
    ],
)
def test_halfway_flag_when_improvement_is_under_20_percent(
    done: int, planned: int, total: int, state: str
) -> None:
    visits = ["done"] * done + ["planned"] * planned + ["missed"] * 3
    check = halfway(visits, base(20), phq9(total), RULES)
    assert check.state == state
    assert check.flagged is (state == "flagged")
    assert check.sessions_planned == done + planned  # missed visits are not counted


def test_halfway_flag_at_19_point_something_percent() -> None:
    assert halfway(["done"] * 5 + ["planned"] * 5, base(21), phq9(17), RULES).flagged  # 19.05%
    assert not halfway(["done"] * 5 + ["planned"] * 5, base(21), phq9(16), RULES).flagged  # 23.8%


def test_halfway_without_a_score_or_baseline_asks_for_one() -> None:
    assert halfway(["done"] * 6, base(20), None, RULES).state == "no_score"
    assert halfway(["done"] * 6, base(0), phq9(3), RULES).state == "no_baseline"
    assert "check-in" in halfway(["done"] * 6, base(20), None, RULES).words


def test_checkins_are_weekly_and_on_the_last_session_day() -> None:
    first = dt.date(2026, 3, 2)  # Monday
    days = [
        first + dt.timedelta(days=d) for d in range(0, 40) if (first + dt.timedelta(days=d)).weekday() < 5
    ]
    dates = checkin_dates(days)
    assert dates == [first + dt.timedelta(days=d) for d in (7, 14, 21, 28, 35)] + [max(days)]
    assert checkin_dates([]) == []
    # a weekly date within 3 days of the end is dropped: the end-of-course check-in covers it
    assert checkin_dates([first, first + dt.timedelta(days=9)]) == [first + dt.timedelta(days=9)]


def test_checkin_states() -> None:
    first = dt.date(2026, 3, 2)
    days = [first + dt.timedelta(days=d) for d in range(0, 22)]
    due1, due2, end = (first + dt.timedelta(days=d) for d in (7, 14, 21))
    schedule = checkin_schedule(days, [due1 + dt.timedelta(days=3)], today=due2 + dt.timedelta(days=4))
    assert [(c.due, c.state) for c in schedule] == [(due1, "done"), (due2, "overdue"), (end, "due")]
    # a score 4 days late misses its check-in and meets the next one
    schedule = checkin_schedule(days, [due1 + dt.timedelta(days=4)], today=due2 - dt.timedelta(days=3))
    assert [c.state for c in schedule] == ["overdue", "done", "upcoming"]
    schedule = checkin_schedule(days, [], today=due1 - dt.timedelta(days=3))
    assert [c.state for c in schedule] == ["due", "upcoming", "upcoming"]
