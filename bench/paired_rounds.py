"""The result of a benchmark that measures a baseline and a subject in alternating rounds.

Each round measures both, back to back, and their order flips from one round to the next, so a
change in the machine's other load (it is shared) hits both runs of a round alike. The result is
the median of the per-round ratios subject/baseline, with their spread.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def round_order(round_number: int, measurements: Sequence[T]) -> list[T]:
    """The measurements in their given order in even rounds, reversed in odd ones."""
    return list(measurements) if round_number % 2 == 0 else list(reversed(measurements))


@dataclass(frozen=True)
class RatioSummary:
    """Per-round ratios subject/baseline (higher is faster), sorted."""

    ratios: tuple[float, ...]

    @classmethod
    def of_rates(cls, subject: Sequence[float], baseline: Sequence[float]) -> RatioSummary:
        """Ratios of rates (operations per second) measured in the same rounds."""
        if len(subject) != len(baseline) or not subject:
            raise ValueError("need the same number of rounds, at least one, for subject and baseline")
        return cls(tuple(sorted(mine / base for mine, base in zip(subject, baseline, strict=True))))

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    def describe(self) -> str:
        """E.g. '0.69x (middle half 0.68-0.70, all rounds 0.66-0.71; 5 rounds)'."""
        spread = f"all rounds {self.ratios[0]:.2f}-{self.ratios[-1]:.2f}"
        if len(self.ratios) >= 4:
            low, _, high = statistics.quantiles(self.ratios, n=4)
            spread = f"middle half {low:.2f}-{high:.2f}, {spread}"
        return f"{self.median:.2f}x ({spread}; {len(self.ratios)} rounds)"
