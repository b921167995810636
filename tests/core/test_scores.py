"""PHQ-9 and GAD-7 scoring at every band edge (Kroenke 2001; Spitzer 2006)."""

from __future__ import annotations

from dataclasses import replace

import pytest

import trdnav
import trdnav.knowledge.loader
from trdnav.core.scores import given_item_alerts

PHQ9_EDGES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe"),
]  # fmt: skip
GAD7_EDGES = [
    (0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
    (15, "severe"), (21, "severe"),
]  # fmt: skip


def _answers(total: int, length: int) -> list[int]:
    """Spread a total over the items, keeping the last item (PHQ-9 item 9) at 0 where possible."""
    values = [0] * length
    for position in range(length):
        values[position] = min(3, total)
        total -= values[position]
    return values


@pytest.mark.parametrize(("total", "severity"), PHQ9_EDGES)
def test_phq9_bands_match_the_published_cut_points(total: int, severity: str) -> None:
    result = trdnav.assess({"version": 1, "answers": {"phq9": _answers(total, 9)}})
    assert result["scores"]["phq9"] == {"total": total, "severity": severity}


@pytest.mark.parametrize(("total", "severity"), GAD7_EDGES)
def test_gad7_bands_match_the_published_cut_points(total: int, severity: str) -> None:
    result = trdnav.assess({"version": 1, "answers": {"gad7": _answers(total, 7)}})
    assert result["scores"]["gad7"] == {"total": total, "severity": severity}


def test_no_scores_without_answers() -> None:
    assert trdnav.assess({"version": 1, "answers": {}})["scores"] == {}


# --- Item alerts from an answer as given, even a refused one (hazard H17) ------------------------

PHQ9 = next(i for i in trdnav.knowledge.loader.load().engine.instruments if i.id == "phq9")


def _with_item(value: object, length: int = 9, item: int = 9) -> list[object]:
    given: list[object] = [0] * length
    given[item - 1] = value
    return given


@pytest.mark.parametrize(
    "given",
    [_with_item(1), _with_item(3, length=10), _with_item(2.0), _with_item("2"), [9, 9, 9, 9, 9, 9, 9, 9, 1]],
)
def test_a_whole_number_above_the_threshold_at_item_9_alerts_however_wrong_the_rest(given: object) -> None:
    assert [alert["id"] for alert in given_item_alerts(PHQ9, given)] == ["suicide_risk"]


@pytest.mark.parametrize(
    "given",
    [_with_item(0), _with_item(1)[:8], _with_item(True), _with_item("several"), _with_item(1.5), "1", None],
)
def test_no_alert_without_a_whole_number_above_the_threshold_at_item_9(given: object) -> None:
    assert given_item_alerts(PHQ9, given) == []


def test_the_item_and_threshold_come_from_the_instrument_data() -> None:
    stricter = replace(PHQ9, alerts=(replace(PHQ9.alerts[0], above=1, item_number=8),))
    assert given_item_alerts(stricter, _with_item(1, item=8)) == []
    assert [a["id"] for a in given_item_alerts(stricter, _with_item(2, item=8))] == ["suicide_risk"]
    assert given_item_alerts(stricter, _with_item(3, item=9)) == []


def test_refused_answers_carry_the_alerts_they_still_raise() -> None:
    with pytest.raises(trdnav.InvalidAnswers) as refused:
        trdnav.assess({"version": 1, "answers": {"phq9": _with_item(2, length=10), "age": "forty"}})
    assert [alert["id"] for alert in refused.value.alerts] == ["suicide_risk"]
    assert [p.item for p in refused.value.problems] == ["phq9", "age"]
