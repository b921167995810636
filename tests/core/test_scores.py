"""PHQ-9 and GAD-7 scoring at every band edge (Kroenke 2001; Spitzer 2006)."""

from __future__ import annotations

import pytest

import trdnav

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
