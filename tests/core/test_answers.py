"""Bad input gets a clear message naming each wrong item and what was expected."""

from __future__ import annotations

import json
from typing import Any

import pytest

import trdnav
from tests.conftest import all_no, document
from trdnav.core.answers import object_from_pairs


def problems(doc: object, therapies: Any = None) -> dict[str, str]:
    with pytest.raises(trdnav.InvalidAnswers) as caught:
        trdnav.assess(doc, therapies)
    return {p.item: p.message for p in caught.value.problems}


def test_every_wrong_item_is_named_at_once() -> None:
    found = problems(
        document(
            seizure_history="Yes",
            age=130,
            phq9=[1, 2, 3],
            gad7=[0, 0, 0, 0, 0, 0, 4],
            conditions=["depression", "flu"],
            insurance="medicare",
            sezure_history="no",
        )
    )
    assert found == {
        "seizure_history": 'expected "yes", "no" or "unsure", got \'Yes\'',
        "age": "expected a whole number from 0 to 120, got 130",
        "phq9": "expected a list of 9 whole numbers, each from 0 to 3, got 3 numbers",
        "gad7": "expected a list of 7 whole numbers, each from 0 to 3; answer 7 is 4",
        "conditions": "expected words from: depression, anxiety, ptsd, chronic_pain, ocd, substance_use,"
        " other; 'flu' is not one of them",
        "insurance": "expected one of: unknown, covers_tms, covers_ketamine, covers_both, covers_neither,"
        " self_pay; got 'medicare'",
        "sezure_history": "is not a question in contract v1. Did you mean 'seizure_history'?",
    }


@pytest.mark.parametrize(
    ("doc", "item", "fragment"),
    [
        ([], "(document)", "expected a JSON object, got list"),
        ({"answers": {}}, "version", "is required and must be 1"),
        ({"version": 2, "answers": {}}, "version", "expected 1, got 2"),
        ({"version": True, "answers": {}}, "version", "expected 1, got True"),
        ({"version": 1}, "answers", "is required"),
        ({"version": 1, "answers": [], "extra": 1}, "extra", "unknown field"),
        (document(age=True), "age", "whole number"),
        (document(age=4.5), "age", "whole number"),
        (document(phq9="123456789"), "phq9", "list of 9"),
        (document(phq9=[0, 0, 0, 0, 0, 0, 0, 0, True]), "phq9", "answer 9 is True"),
        (document(conditions=["ptsd", "ptsd"]), "conditions", "only once"),
        (document(conditions="ptsd"), "conditions", "list of words"),
        (document(needs_fast_relief=True), "needs_fast_relief", 'in YAML, put "yes" and "no" in quotes'),
    ],
)
def test_single_problems(doc: object, item: str, fragment: str) -> None:
    assert fragment in problems(doc)[item]


def test_wrong_therapies_are_named() -> None:
    assert "'laser' is not a therapy" in problems(all_no(), ["tms", "laser"])["therapies"]
    assert "at least one" in problems(all_no(), [])["therapies"]
    assert "list of therapy ids" in problems(all_no(), "tms")["therapies"]


def test_null_means_not_answered() -> None:
    result = trdnav.assess(all_no(seizure_history=None))
    assert "seizure_history" in result["therapies"]["tms"]["unanswered"]
    assert result["therapies"]["tms"]["safety"] == "needs_review"


def test_invalid_answers_is_a_value_error_with_a_readable_message() -> None:
    with pytest.raises(ValueError, match="age: expected a whole number"):
        trdnav.assess(document(age=-1))


def test_whole_numbers_written_with_a_fraction_are_whole_numbers() -> None:
    """JSON has one number type, so 3.0 read from JSON is 3; 4.5 and True stay wrong (above)."""
    written = trdnav.assess(all_no(age=52.0, phq9=[3.0, 3, 3, 3, 3, 3, 3, 3, 1.0]))
    plain = trdnav.assess(all_no(age=52, phq9=[3, 3, 3, 3, 3, 3, 3, 3, 1]))
    assert written == plain
    assert written["scores"]["phq9"]["total"] == 25
    assert "version" in problems({"version": 1.5, "answers": {}})


# --- Repeated keys, NUL characters and lone surrogates (hazard H15) ------------------------------


def test_a_repeated_key_read_from_json_is_refused_naming_it() -> None:
    text = '{"version": 1, "version": 1, "answers": {"seizure_history": "no", "seizure_history": "yes"}}'
    document = json.loads(text, object_pairs_hook=object_from_pairs)
    assert problems(document) == {
        "version": "appears twice; give it once",
        "answers.seizure_history": "appears twice; give each item once",
    }


@pytest.mark.parametrize(
    ("answers", "place"),
    [
        ({"seizure\x00history": "no"}, "answers.seizure\\x00history"),
        ({"\ud800": "no"}, "answers.\\ud800"),
        ({"conditions": ["ocd", "\udfff"]}, "answers.conditions[2]"),
    ],
)
def test_a_nul_or_a_lone_surrogate_is_refused_naming_where(answers: dict[str, Any], place: str) -> None:
    found = problems({"version": 1, "answers": answers})
    assert list(found) == [place]
    assert "NUL character or a lone surrogate" in found[place]
    json.dumps(found, ensure_ascii=False).encode("utf-8")  # the message itself can be sent
