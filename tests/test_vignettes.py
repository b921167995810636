"""Clinical vignettes as data: one file per situation in tests/cases/.

Each file gives the answers (on top of "every safety question answered no", or of
an empty form) and what the assessment must say. Only the keys under `expect`
are checked, each exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import trdnav
from tests.conftest import all_no, document

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
PER_THERAPY = {"safety", "unanswered", "practical", "favoured_by"}
EXPECT_KEYS = PER_THERAPY | {"rules", "leaning", "leaning_basis", "totals", "alerts", "scores"}


def _load(path: Path) -> dict[str, Any]:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(case) <= {"situation", "base", "therapies", "answers", "expect"}, path.name
    assert set(case["expect"]) <= EXPECT_KEYS, path.name
    return case


def test_there_are_vignettes_for_each_area() -> None:
    names = [p.stem for p in CASES]
    assert sum(n.startswith(("ketamine_", "pregnancy", "mania", "unstable", "several")) for n in names) >= 10
    assert (
        sum(n.startswith(("nothing_", "unsure_", "unanswered_", "contraindicated_with")) for n in names) >= 5
    )
    assert sum(n.startswith("leaning_") for n in names) >= 20


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_vignette(path: Path) -> None:
    case = _load(path)
    build = all_no if case.get("base", "all_no") == "all_no" else document
    result = trdnav.assess(build(**case["answers"]), case.get("therapies"))
    expect = case["expect"]
    for key in PER_THERAPY & set(expect):
        for therapy, value in expect[key].items():
            assert result["therapies"][therapy][key] == value, f"{key} of {therapy}"
    for therapy, rules in expect.get("rules", {}).items():
        assert [r["rule"] for r in result["therapies"][therapy]["reasons"]] == rules, therapy
    if "leaning" in expect:
        assert result["leaning"] == expect["leaning"]
    if "leaning_basis" in expect:
        assert result["leaning_basis"] == expect["leaning_basis"]
    for therapy, total in expect.get("totals", {}).items():
        assert result["tally"][therapy]["total"] == total, f"tally of {therapy}"
    if "alerts" in expect:
        assert [a["id"] for a in result["alerts"]] == expect["alerts"]
        assert all(a["level"] == "urgent" for a in result["alerts"])
    if "scores" in expect:
        assert result["scores"] == expect["scores"]
