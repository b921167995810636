"""The four-item SURE test of decisional conflict (Légaré et al. 2010), shown unaltered.

Each "no" comes with a suggestion of what to talk about with the clinician. A score of 3 or less
out of 4 suggests decisional conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SURE_CITATION = "legare2010_sure"
SURE_TERMS_URL = "https://decisionaid.ohri.ca/eval_dcs.html"


@dataclass(frozen=True)
class SureItem:
    id: str
    letter: str
    name: str
    question: str
    suggestion: str


SURE_ITEMS = (
    SureItem(
        "sure",
        "S",
        "Sure of myself",
        "Do you feel SURE about the best choice for you?",
        "Tell your doctor you do not feel sure yet. That is OK. Ask for more time, or for a second talk "
        "before you decide.",
    ),
    SureItem(
        "understand",
        "U",
        "Understand information",
        "Do you know the benefits and risks of each option?",
        "Ask your doctor to go over the good and bad points of each option again. Bring the table "
        "from this summary.",
    ),
    SureItem(
        "risk_benefit",
        "R",
        "Risk-benefit ratio",
        "Are you clear about which benefits and risks matter most to you?",
        "Go over the part called “What matters to you” with your doctor. Talk about which good and bad "
        "points count most for you.",
    ),
    SureItem(
        "encouragement",
        "E",
        "Encouragement",
        "Do you have enough support and advice to make a choice?",
        "Tell your doctor you would like more support. You could bring a family member or friend. You "
        "can also ask to talk with a nurse or a counselor.",
    ),
)
SURE_VALUES = ("yes", "no")


@dataclass(frozen=True)
class SureAnswer:
    item: SureItem
    value: str | None


@dataclass(frozen=True)
class SureView:
    answers: list[SureAnswer]

    @property
    def complete(self) -> bool:
        return all(a.value in SURE_VALUES for a in self.answers)

    @property
    def score(self) -> int:
        return sum(a.value == "yes" for a in self.answers)

    @property
    def suggestions(self) -> list[SureItem]:
        return [a.item for a in self.answers if a.value == "no"]


def sure_view(stored: Mapping[str, str]) -> SureView:
    return SureView([SureAnswer(item, stored.get(item.id)) for item in SURE_ITEMS])


def read_sure_form(form: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """The four answers from a posted form, and a plain message per question left out or wrong."""
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in SURE_ITEMS:
        value = form.get(item.id)
        if isinstance(value, str) and value in SURE_VALUES:
            answers[item.id] = value
        else:
            errors[item.id] = f"Please choose yes or no for “{item.name}”."
    return answers, errors
