"""The SURE test of decisional conflict (Légaré et al. 2010), shown unaltered: its items, the
suggestion for each "no" and the score that suggests decisional conflict are knowledge-base data
(``sure.yaml``, with its source)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trdnav.knowledge.clinical_numbers import SureItem, SureTest

SURE_VALUES = ("yes", "no")


@dataclass(frozen=True)
class SureAnswer:
    item: SureItem
    value: str | None


@dataclass(frozen=True)
class SureView:
    answers: list[SureAnswer]
    conflict_at_or_below: int

    @property
    def complete(self) -> bool:
        return all(a.value in SURE_VALUES for a in self.answers)

    @property
    def score(self) -> int:
        return sum(a.value == "yes" for a in self.answers)

    @property
    def out_of(self) -> int:
        return len(self.answers)

    @property
    def conflict(self) -> bool:
        """The score suggests decisional conflict."""
        return self.score <= self.conflict_at_or_below

    @property
    def suggestions(self) -> list[SureItem]:
        return [a.item for a in self.answers if a.value == "no"]


def sure_view(test: SureTest, stored: Mapping[str, str]) -> SureView:
    return SureView(
        [SureAnswer(item, stored.get(item.id)) for item in test.items], test.conflict_at_or_below.value
    )


def read_sure_form(test: SureTest, form: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """The answers from a posted form, and a plain message per question left out or wrong."""
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in test.items:
        value = form.get(item.id)
        if isinstance(value, str) and value in SURE_VALUES:
            answers[item.id] = value
        else:
            errors[item.id] = f"Please choose yes or no for “{item.name}”."
    return answers, errors
