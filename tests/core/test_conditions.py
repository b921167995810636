from __future__ import annotations

import pytest

from trdnav.core.conditions import ConditionError, condition_values, describe, parse_condition


@pytest.mark.parametrize(
    ("raw", "answers", "expected"),
    [
        ({"item": "seizure_history", "is": "yes"}, {"seizure_history": "yes"}, True),
        ({"item": "seizure_history", "is": "yes"}, {"seizure_history": "unsure"}, False),
        ({"item": "seizure_history", "is": "yes"}, {}, False),
        ({"item": "insurance", "in": ["covers_tms", "covers_both"]}, {"insurance": "covers_both"}, True),
        ({"item": "conditions", "contains": "chronic_pain"}, {"conditions": ["chronic_pain"]}, True),
        ({"item": "conditions", "contains": "chronic_pain"}, {"conditions": ["ptsd"]}, False),
        (
            {"item": "conditions", "count_at_least": 2, "ignoring": ["other"]},
            {"conditions": ["depression", "other"]},
            False,
        ),
        ({"item": "conditions", "count_at_least": 2}, {"conditions": ["depression", "other"]}, True),
        ({"item": "age", "at_least": 18}, {"age": 18}, True),
        ({"item": "age", "below": 18}, {"age": 18}, False),
        ({"all": [{"item": "age", "at_least": 18}, {"item": "age", "below": 65}]}, {"age": 70}, False),
        ({"any": [{"item": "age", "at_least": 18}, {"item": "age", "below": 65}]}, {"age": 70}, True),
    ],
)
def test_operators(raw: dict[str, object], answers: dict[str, object], expected: bool) -> None:
    assert parse_condition(raw).holds(answers) is expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"item": "seizure_history", "is": True}, "quoted word"),
        ({"item": "seizure_history"}, "exactly one operator"),
        ({"item": "seizure_history", "is": "yes", "in": ["no"]}, "exactly one operator"),
        ({"item": "x", "eval": "__import__('os')"}, "exactly one operator"),
        ({"all": []}, "non-empty list"),
        ({"all": [{"item": "a", "is": "yes"}], "item": "b"}, "stand alone"),
        ({"item": "age", "at_least": "18"}, "whole number"),
        ({"item": "age", "is": "yes", "ignoring": ["x"]}, "only goes with"),
        ("seizure_history", "must be a mapping"),
    ],
)
def test_malformed_conditions_are_refused(raw: object, fragment: str) -> None:
    with pytest.raises(ConditionError, match=fragment):
        parse_condition(raw)


def test_values_and_description_for_generated_docs() -> None:
    condition = parse_condition(
        {
            "any": [
                {"item": "insurance", "in": ["self_pay", "unknown"]},
                {"item": "conditions", "contains": "ocd"},
            ]
        }
    )
    assert condition.items() == {"insurance", "conditions"}
    assert condition_values(condition) == [
        ("insurance", "self_pay"),
        ("insurance", "unknown"),
        ("conditions", "ocd"),
    ]
    assert (
        describe(condition)
        == "(`insurance` is one of `self_pay`, `unknown`) or (`conditions` includes `ocd`)"
    )
