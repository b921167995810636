"""The results page says each option is described in the same detail: this holds it true.

Every option (the five therapies and "staying with or changing my current treatment") has a
short line and at least one fact in every grid row, and in no row does one option have more
than MOST_FACTS_RATIO times as many facts as another. The bound is 2: an option may say one
more thing where the evidence has more to say (TMS has four regulatory clearances, ketamine
several contraindication lists), but no option gets a row of detail while another gets a line.
"""

from __future__ import annotations

import pytest

from trdnav.knowledge.loader import KnowledgeBase, load
from trdnav.knowledge.option_content import GRID_ROWS, OptionContent
from trdnav.knowledge.schema import Fact

MOST_FACTS_RATIO = 2


def unbalanced_rows(options: dict[str, OptionContent]) -> list[str]:
    """Each row where one option has more than MOST_FACTS_RATIO times another's facts."""
    problems = []
    for row in GRID_ROWS:
        counts = {option_id: len(getattr(option, row)) for option_id, option in options.items()}
        if max(counts.values()) > MOST_FACTS_RATIO * min(counts.values()):
            problems.append(f"{row}: {counts}")
    return problems


def test_every_option_has_a_short_line_and_a_fact_in_every_row(kb: KnowledgeBase) -> None:
    assert set(kb.options) == {"current_care", *kb.therapies}
    for option in kb.options.values():
        for row in GRID_ROWS:
            assert option.in_short[row].strip(), (option.id, row)
            assert getattr(option, row), (option.id, row)


def test_no_option_has_more_than_twice_the_facts_of_another_in_any_row(kb: KnowledgeBase) -> None:
    assert unbalanced_rows(kb.options) == []


@pytest.mark.parametrize("row", GRID_ROWS)
def test_the_check_finds_a_row_padded_for_one_option(row: str) -> None:
    """The check fails when one option gets more than twice the facts of the sparsest one."""
    options = dict(load().options)
    fewest = min(len(getattr(option, row)) for option in options.values())
    padding = [Fact(text="More.", evidence="clinical_opinion")] * (MOST_FACTS_RATIO * fewest + 1)
    options["tms"] = options["tms"].model_copy(update={row: padding})
    assert [problem.split(":")[0] for problem in unbalanced_rows(options)] == [row]
