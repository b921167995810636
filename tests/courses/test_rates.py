"""Wilson intervals against known values, and a clinic's rates per therapy."""

from __future__ import annotations

import pytest

from trdnav.courses.rates import CourseResult, Interval, therapy_rates, wilson
from trdnav.knowledge.loader import load


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 1, 0.2065, 1.0),
        (5, 10, 0.2366, 0.7634),
        (56, 100, 0.4622, 0.6532),
    ],
)
def test_wilson_interval_known_values(k: int, n: int, low: float, high: float) -> None:
    interval = wilson(k, n)
    assert interval is not None
    assert interval.low == pytest.approx(low, abs=5e-4)
    assert interval.high == pytest.approx(high, abs=5e-4)


def test_wilson_without_courses_has_no_interval() -> None:
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_rates_count_courses_with_a_baseline_of_5_and_a_score_since_the_start() -> None:
    results = [
        CourseResult("tms", 20, 10),  # response (exactly 50%), no remission
        CourseResult("tms", 20, 4),  # response and remission
        CourseResult("tms", 20, 11),  # neither
        CourseResult("tms", 20, None),  # no score since the start: not counted
        CourseResult("tms", 4, 2),  # began in the remission range: not counted
        CourseResult("tms", None, 3),  # no baseline: not counted
        CourseResult("iv_ketamine", 15, 5),  # response, 5 is not remission
    ]
    tms, ketamine, ect = therapy_rates(results, ["tms", "iv_ketamine", "ect"], load().outcome_rules.rules)
    assert (tms.courses, tms.n, tms.response.k, tms.remission.k) == (6, 3, 2, 1)
    assert tms.response.value == pytest.approx(2 / 3)
    assert (ketamine.n, ketamine.response.k, ketamine.remission.k) == (1, 1, 0)
    assert ketamine.remission.interval == wilson(0, 1)
    assert (ect.courses, ect.n, ect.response.value, ect.response.interval) == (0, 0, None, None)
    assert isinstance(tms.response.interval, Interval)
