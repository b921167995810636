"""`top_priorities` (contract §1.3): at most 3 priority ids, each once; they count more."""

from __future__ import annotations

import pytest

import trdnav
from tests.conftest import all_no


def _problem(value: object) -> str:
    with pytest.raises(trdnav.InvalidAnswers) as caught:
        trdnav.assess(all_no(top_priorities=value))
    [problem] = caught.value.problems
    assert problem.item == "top_priorities"
    return problem.message


def test_an_unknown_id_is_named() -> None:
    message = _problem(["needs_fast_relief", "cheap"])
    assert "'cheap' is not one of them" in message
    assert "needs_fast_relief" in message


@pytest.mark.parametrize("not_rankable", ["insurance", "top_priorities", "seizure_history", "conditions"])
def test_only_priority_items_can_be_ranked(not_rankable: str) -> None:
    assert f"{not_rankable!r} is not one of them" in _problem([not_rankable])


def test_more_than_three_is_refused() -> None:
    four = ["needs_fast_relief", "wants_lasting_effect", "prefers_drug_free", "dislikes_needles"]
    assert _problem(four) == "expected at most 3 words, got 4"


def test_a_duplicate_is_named() -> None:
    assert "'dislikes_needles' appears more than once" in _problem(["dislikes_needles", "dislikes_needles"])


def test_a_top_priority_counts_the_manifest_multiplier_and_is_marked() -> None:
    plain = trdnav.assess(all_no(wants_to_drive_self="yes"))
    ranked = trdnav.assess(all_no(wants_to_drive_self="yes", top_priorities=["wants_to_drive_self"]))
    [before] = [p for p in plain["priorities"] if p["id"] == "drive_self"]
    [after] = [p for p in ranked["priorities"] if p["id"] == "drive_self"]
    assert (before["points"], before["top_priority"]) == (2, False)
    assert (after["points"], after["top_priority"]) == (4, True)
    assert ranked["tally"]["tms"]["points"] == [
        {
            "priority": "drive_self",
            "items": ["wants_to_drive_self"],
            "weight": 2,
            "multiplier": 2,
            "points": 4,
        }
    ]


def test_ranking_an_unanswered_priority_adds_nothing() -> None:
    result = trdnav.assess(all_no(top_priorities=["needs_fast_relief", "prefers_drug_free"]))
    assert result["leaning"] is None and result["leaning_basis"] == "no_priorities"
    assert all(entry["total"] == 0 for entry in result["tally"].values())
