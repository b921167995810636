"""A clinic's response and remission rates per therapy, with Wilson score 95% confidence intervals.

Which courses count (our definition, shown with the rates): courses whose baseline PHQ-9 is at least
the remission cut-off (5: at least mild depression by the Kroenke 2001 bands, so that nobody who
began in the remission range counts as remitted) and that have at least one PHQ-9 since their first
session. Each counts once, at its latest PHQ-9 since the first session (last observation). Response
and remission follow `trdnav.courses.outcomes`.

The Wilson score interval (Wilson 1927) stays inside 0-1 and behaves well for small counts and rates
near 0 or 1, which a clinic's numbers often are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from trdnav.core.course_numbers import OutcomeRules
from trdnav.courses.outcomes import is_remission, is_response

Z_95 = 1.959964
INTERVAL_METHOD = "95% confidence interval: Wilson score interval."


def eligibility(rules: OutcomeRules) -> str:
    """Which courses the rates count, in words."""
    return (
        f"Courses with a baseline PHQ-9 of {rules.remission_below} or more and at least one PHQ-9 since "
        "their first session, each counted once at its latest PHQ-9 since the first session."
    )


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


def wilson(k: int, n: int, z: float = Z_95) -> Interval | None:
    """The Wilson score interval for k successes in n trials; None when n is 0."""
    if n < 0 or k < 0 or k > n:
        raise ValueError("expected 0 <= k <= n")
    if n == 0:
        return None
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class CourseResult:
    """One course's numbers for the rates: its therapy, baseline and latest PHQ-9 since it began."""

    therapy: str
    baseline: int | None
    latest: int | None

    def eligible(self, rules: OutcomeRules) -> bool:
        started_above = self.baseline is not None and self.baseline >= rules.remission_below
        return started_above and self.latest is not None


@dataclass(frozen=True, slots=True)
class Rate:
    k: int
    n: int

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> Interval | None:
        return wilson(self.k, self.n)


@dataclass(frozen=True, slots=True)
class TherapyRates:
    therapy: str
    courses: int  # every course of the therapy, counted or not
    response: Rate
    remission: Rate

    @property
    def n(self) -> int:
        return self.response.n


def therapy_rates(
    results: Iterable[CourseResult], therapies: Sequence[str], rules: OutcomeRules
) -> list[TherapyRates]:
    """Rates for each therapy in ``therapies`` (in that order), zero counts included."""
    all_results = list(results)
    rates: list[TherapyRates] = []
    for therapy in therapies:
        mine = [r for r in all_results if r.therapy == therapy]
        counted = [r for r in mine if r.eligible(rules)]
        responders = sum(
            1
            for r in counted
            if r.baseline is not None and r.latest is not None and is_response(r.baseline, r.latest, rules)
        )
        remitters = sum(1 for r in counted if r.latest is not None and is_remission(r.latest, rules))
        n = len(counted)
        rates.append(TherapyRates(therapy, len(mine), Rate(responders, n), Rate(remitters, n)))
    return rates
