"""The knowledge base cannot make the leaning unfair (contract §1.3, hazard H13): only priorities
vote, "unsure" never votes, `top_priorities` ranks priorities only, every item is asked in a step,
and every option can be favoured by some values."""

from __future__ import annotations

from pathlib import Path

import pytest

import trdnav
from tests.conftest import all_no
from tests.knowledge.data_edits import edit, load_problems
from trdnav.core.conditions import condition_values
from trdnav.knowledge.loader import load, load_from
from trdnav.web.forms import step_groups

KB = load()


NOTE_ON_CONDITIONS = (
    "  - id: several_conditions\n    when: {item: conditions, count_at_least: 2, ignoring: [other]}\n"
)

BREAKAGES: list[tuple[str, str, str, str, str]] = [
    (
        "a condition that votes",
        "considerations.yaml",
        NOTE_ON_CONDITIONS + "    favours: []\n    weight: 0\n",
        NOTE_ON_CONDITIONS + "    favours: [iv_ketamine]\n    weight: 1\n",
        "considerations.yaml: several_conditions: only priorities may favour options;"
        " 'conditions' is a context item",
    ),
    (
        "a safety answer that votes",
        "considerations.yaml",
        '  - id: dislikes_needles\n    when: {item: dislikes_needles, is: "yes"}',
        '  - id: dislikes_needles\n    when: {item: substance_use_current, is: "yes"}',
        "considerations.yaml: dislikes_needles: only priorities may favour options;"
        " 'substance_use_current' is a safety item",
    ),
    (
        "an unsure answer that votes",
        "considerations.yaml",
        '{item: needs_fast_relief, is: "yes"}',
        '{item: needs_fast_relief, is: "unsure"}',
        "considerations.yaml: urgency: an 'unsure' answer states no priority and must not favour options",
    ),
    (
        "insurance offered as a top priority",
        "items.yaml",
        '      has_ride_home: "Not needing a ride home"\n',
        '      has_ride_home: "Not needing a ride home"\n      insurance: "Cost"\n',
        "items.yaml: top_priorities: choice 'insurance' is not a priority item that can be ranked",
    ),
    (
        "an item asked in no step",
        "items.yaml",
        "      - items: [age, conditions, failed_antidepressant_trials, episode_months]",
        "      - items: [age, conditions, failed_antidepressant_trials]",
        "items.yaml: steps: episode_months: not asked in any step",
    ),
    (
        "an item asked twice",
        "items.yaml",
        "      - items: [phq9, gad7]",
        "      - items: [phq9, gad7, age]",
        "items.yaml: steps: age: placed in more than one group",
    ),
    (
        "no top-priority multiplier",
        "manifest.toml",
        "top_priority_multiplier = 2",
        "",
        "manifest.toml: top_priority_multiplier: Field required",
    ),
]


@pytest.mark.parametrize(("what", "file", "old", "new", "fragment"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_the_loader_refuses_an_unfair_or_incomplete_leaning_setup(
    data_copy: Path, what: str, file: str, old: str, new: str, fragment: str
) -> None:
    edit(data_copy / file, old, new)
    problems = load_problems(data_copy)
    assert any(fragment in p for p in problems), problems


def test_a_new_safety_question_placed_in_no_group_is_still_asked(data_copy: Path) -> None:
    edit(
        data_copy / "items.yaml",
        "  # --- Clinical context",
        '  - id: implant_check\n    kind: yes_no\n    section: safety\n    question: "Q?"\n'
        "    bears_on: []\n\n  # --- Clinical context",
    )
    undecided = '{bears: false, reason: "A test question."}'
    edit(
        data_copy / "screening_coverage.yaml",
        "\nitems:\n",
        "\nitems:\n  implant_check:\n"
        + "".join(f"    {therapy}: {undecided}\n" for therapy in KB.manifest.therapies),
    )
    kb = load_from(data_copy)  # type: ignore[arg-type]
    assert step_groups(kb, "safety", ())[-1].items == ("implant_check",)


@pytest.mark.parametrize("therapy", KB.manifest.therapies)
def test_every_option_can_be_the_leaning_by_some_stated_values(therapy: str) -> None:
    """For each option there is a priority, named a top priority, that makes it the leaning
    against some other option: no option is left without values that favour it."""
    leanings = []
    for consideration in KB.considerations:
        if therapy not in consideration.favours:
            continue
        [(item, value)] = condition_values(consideration.condition())
        for other in KB.manifest.therapies:
            if other == therapy or other in consideration.favours:
                continue
            answers = {item: value, "top_priorities": [item]}
            result = trdnav.assess(all_no(**answers), [therapy, other])
            leanings.append((result["leaning"], result["leaning_basis"]))
    assert (therapy, "priorities") in leanings
