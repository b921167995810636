"""Crisis resources by country (clinical-evidence-2.md §8): the emergency number first, then the
crisis line; every line sourced and labelled; the ended 988 "press 3" option never listed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.knowledge.data_edits import DATA, edit, load_problems
from trdnav.knowledge.loader import load

EMERGENCY = {"US": "911", "CA": "911", "GB": "999", "AU": "000", "IE": "112"}
CRISIS_LINE = {"US": "988", "CA": "988", "GB": "116 123", "AU": "13 11 14", "IE": "116 123"}


def test_the_five_countries_of_the_evidence_are_there() -> None:
    assert set(load().crisis_resources) == set(EMERGENCY)


@pytest.mark.parametrize("country", EMERGENCY)
def test_the_emergency_number_comes_first_then_the_crisis_line(country: str) -> None:
    block = load().crisis_resources[country]
    assert block.lines[0].href == f"tel:{EMERGENCY[country]}"
    assert block.text.index(EMERGENCY[country]) < block.text.index(CRISIS_LINE[country])
    assert all(fact.evidence in ("verified", "secondary") and fact.citations for fact in block.facts)


def test_the_ended_988_press_3_option_is_not_listed() -> None:
    text = (DATA / "crisis_resources.yaml").read_text(encoding="utf-8").split("\ncountries:", 1)[1]
    assert "press 3" not in text.lower() and "lgbtq" not in text.lower()


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (
            "evidence: secondary\n        citations: [lifeline988_what_to_expect]",
            "evidence: unverified\n        citations: [lifeline988_what_to_expect]",
            "must be verified or secondary",
        ),
        ("citations: [hse_112_999]", "citations: [no_such_source]", "IE: unknown citation 'no_such_source'"),
        ("  - country: CA", "  - country: US", "each country once; repeated: US"),
        ('href: "tel:999"', 'href: "call 999"', "String should match pattern"),
    ],
)
def test_a_wrong_crisis_block_names_what_is_wrong(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    edit(folder / "crisis_resources.yaml", old, new)
    problems = load_problems(folder)
    assert any(fragment in problem and "crisis_resources.yaml" in problem for problem in problems), problems
