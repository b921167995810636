"""Every option's comparison content: a short line per grid row, a comparable bottom line,
dated prices and coverage; and the loader refuses each way this content can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.knowledge.data_edits import edit, load_problems
from trdnav.knowledge.loader import KnowledgeBase
from trdnav.knowledge.option_content import GRID_ROWS
from trdnav.reports.rules_doc import rules_markdown

OPTIONS = ["current_care", "iv_ketamine", "tms", "esketamine", "accelerated_tms", "ect"]


def test_current_care_is_the_first_column_and_short_lines_follow_the_grid_order(kb: KnowledgeBase) -> None:
    assert list(kb.options) == OPTIONS
    assert kb.current_care.name == "Staying with or changing my current treatment"
    for option in kb.options.values():
        assert list(option.in_short) == list(GRID_ROWS), option.id


def test_bottom_lines_use_one_outcome_with_the_comparator_beside_it(kb: KnowledgeBase) -> None:
    """Digest part 2, section 2.4: remission where every option has one; the comparison group's
    figure beside the option's; the open-label 90.5% (SAINT) and 70.8% (ketamine) never shown."""
    lines = {option_id: option.bottom_line for option_id, option in kb.options.items()}
    assert {line.outcome for line in lines.values()} == {"remission"}
    for option_id, line in lines.items():
        assert line.percent not in (90.5, 70.8), option_id
        assert f"{round(line.percent)} in 100" in line.text, option_id
        if line.comparator_percent is not None:
            assert f"{round(line.comparator_percent)} in 100" in line.text, option_id
    assert lines["tms"].comparator_kind == "sham" and lines["tms"].comparable
    assert not lines["accelerated_tms"].comparable  # measured 1 month after a 5-day course
    assert not lines["iv_ketamine"].comparable  # open label, inpatients, against ECT


def test_prices_are_dated_and_a_missing_price_is_said_in_words(kb: KnowledgeBase) -> None:
    for option in kb.options.values():
        for price in option.prices:
            assert price.region == "US" and price.currency == "USD" and price.low <= price.high
            assert f"${price.low:,.0f}" in price.text, option.id
    accelerated = kb.therapies["accelerated_tms"]
    assert accelerated.prices == []
    assert "No price found" in accelerated.in_short["cost"]
    assert any("no typical price" in fact.text for fact in accelerated.cost)
    assert all(option.coverage for option in kb.options.values())


def test_the_condition_and_the_decision_are_each_described(kb: KnowledgeBase) -> None:
    assert kb.condition.what_it_is and kb.condition.how_common
    assert kb.condition.what_happens_next and kb.condition.the_decision
    decision = " ".join(fact.text for fact in kb.condition.the_decision)
    assert "stay with or change your current care" in decision
    for therapy in kb.therapies.values():
        assert therapy.short_name.lower() in decision.lower(), therapy.id


BOTTOM_LINE = "therapies/tms.yaml"
BREAKAGES: list[tuple[str, str, str, str, str]] = [
    # (what, file, old text, new text, expected fragment of a problem)
    (
        "a grid row without its short line",
        "therapies/tms.yaml",
        '  onset: "Slow: benefit builds over weeks."\n',
        "",
        "therapies/tms.yaml: in_short: Value error, needs one line for each grid row; missing: onset",
    ),
    (
        "a short line for a row that does not exist",
        "current_care.yaml",
        "in_short:\n",
        'in_short:\n  price: "Cheap."\n',
        "current_care.yaml: in_short: Value error, needs one line for each grid row;"
        " missing: none; unknown: price",
    ),
    (
        "a short line that is not short",
        "therapies/ect.yaml",
        '  onset: "Often within 1 to 2 weeks."',
        '  onset: "' + " ".join(["word"] * 21) + '"',
        "therapies/ect.yaml: in_short: Value error, onset: a short line has 1 to 20 words, not 21",
    ),
    (
        "a bottom line without citations",
        BOTTOM_LINE,
        "  evidence: verified\n  citations: [berlim2014, carpenter2012]\n",
        "  evidence: clinical_opinion\n  citations: []\n",
        "therapies/tms.yaml: bottom_line.citations: List should have at least 1 item",
    ),
    (
        "a comparator figure without a comparator",
        BOTTOM_LINE,
        "  comparator_kind: sham\n",
        "  comparator_kind: none\n",
        "therapies/tms.yaml: bottom_line: Value error, comparator_percent and comparator_name need a"
        " comparator_kind other than 'none'",
    ),
    (
        "a comparator kind without its name",
        BOTTOM_LINE,
        '  comparator_name: "sham (fake) TMS"\n',
        "  comparator_name: null\n",
        "therapies/tms.yaml: bottom_line: Value error, a sham comparator needs a comparator_name",
    ),
    (
        "a range with low above high",
        "therapies/ect.yaml",
        "  range: [30.3, 75.0]",
        "  range: [75.0, 30.3]",
        "therapies/ect.yaml: bottom_line: Value error, range: low 75.0 is above high 30.3",
    ),
    (
        "a figure that is not comparable, without saying why",
        "therapies/accelerated_tms.yaml",
        '  caveat: "It was checked a month after the course, later than the others, so it cannot be set'
        ' beside them."',
        "  caveat: null",
        "therapies/accelerated_tms.yaml: bottom_line: Value error, a figure that is not"
        " comparable needs a caveat saying why",
    ),
    (
        "an unknown outcome",
        BOTTOM_LINE,
        "  outcome: remission",
        "  outcome: improvement",
        "therapies/tms.yaml: bottom_line.outcome: Input should be 'remission' or 'response'",
    ),
    (
        "a price with low above high",
        "therapies/tms.yaml",
        "    low: 6000\n    high: 15000",
        "    low: 16000\n    high: 15000",
        "therapies/tms.yaml: prices.0: Value error, low 16000.0 is above high 15000.0",
    ),
    (
        "a price without its month",
        "therapies/tms.yaml",
        '    as_of: "2026-11"',
        '    as_of: "2026"',
        "therapies/tms.yaml: prices.0.as_of: String should match pattern",
    ),
    (
        "a secondary price without a source",
        "therapies/iv_ketamine.yaml",
        "    citations: [healingmaps_ketamine_cost]",
        "    citations: []",
        "therapies/iv_ketamine.yaml: prices.0: Value error, a secondary price needs at least one citation",
    ),
    (
        "an unknown citation in a bottom line",
        BOTTOM_LINE,
        "  citations: [berlim2014, carpenter2012]\n",
        "  citations: [berlim2041, carpenter2012]\n",
        "therapies/tms.yaml: bottom_line: unknown citation 'berlim2041'",
    ),
    (
        "an unknown citation in coverage",
        "therapies/tms.yaml",
        "    citations: [cms_lcd_l34998_tms]",
        "    citations: [cms_lcd_l00000]",
        "therapies/tms.yaml: coverage: unknown citation 'cms_lcd_l00000'",
    ),
    (
        "an unknown citation in current care",
        "current_care.yaml",
        "  citations: [rush2006_stard, mohamed2017_vastd]\n\nprices: []",
        "  citations: [rush2006_stard, nobody2020]\n\nprices: []",
        "current_care.yaml: bottom_line: unknown citation 'nobody2020'",
    ),
    (
        "an unknown citation in the condition",
        "condition.yaml",
        "    citations: [nice2022_ng222]",
        "    citations: [nice2099]",
        "condition.yaml: the_decision: unknown citation 'nice2099'",
    ),
    (
        "a condition part left empty",
        "condition.yaml",
        "how_common:\n",
        "how_common: []\nunused:\n",
        "condition.yaml: how_common: List should have at least 1 item",
    ),
]


@pytest.mark.parametrize(("what", "file", "old", "new", "fragment"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_the_loader_refuses_wrong_option_content(
    data_copy: Path, what: str, file: str, old: str, new: str, fragment: str
) -> None:
    edit(data_copy / file, old, new)
    problems = load_problems(data_copy)
    assert any(fragment in problem for problem in problems), problems


@pytest.mark.parametrize("file", ["current_care.yaml", "condition.yaml"])
def test_a_missing_data_file_is_named(data_copy: Path, file: str) -> None:
    (data_copy / file).unlink()
    assert any(problem.startswith(f"{file}: cannot be read") for problem in load_problems(data_copy))


def test_the_rules_doc_lists_the_condition_bottom_lines_short_lines_prices_and_coverage(
    kb: KnowledgeBase,
) -> None:
    text = rules_markdown(kb)
    for part, fact in kb.condition.facts():
        assert fact.text in text, part
    for option_id, option in kb.options.items():
        assert option.bottom_line.text in text, option_id
        assert all(line in text for line in option.in_short.values()), option_id
        assert all(price.text in text for price in option.prices), option_id
        assert all(fact.text in text for fact in option.coverage), option_id
