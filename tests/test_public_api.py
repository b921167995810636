"""The public library API is small and pinned."""

from __future__ import annotations

import trdnav


def test_exported_members() -> None:
    assert sorted(trdnav.__all__) == ["InputProblem", "InvalidAnswers", "__version__", "assess"]


def test_result_is_contract_v1_and_stamped(kb) -> None:  # type: ignore[no-untyped-def]
    result = trdnav.assess({"version": 1, "answers": {}})
    assert result["contract"] == 1
    assert result["knowledge_version"] == kb.version
    assert set(result["therapies"]) == {"iv_ketamine", "tms"}
    for entry in result["therapies"].values():
        assert {"safety", "reasons", "unanswered", "practical", "barriers", "favoured_by"} <= set(entry)
    assert {"leaning", "alerts", "scores"} <= set(result)


def test_therapies_can_be_chosen_in_order() -> None:
    result = trdnav.assess({"version": 1, "answers": {}}, ["ect", "esketamine", "accelerated_tms"])
    assert list(result["therapies"]) == ["ect", "esketamine", "accelerated_tms"]
