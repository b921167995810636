"""The official SQL on FHIR v2 suite (../shared/data/sql-on-fhir-v2) on DuckDB and on Spark.

Every shareable test must pass on both engines. The experimental tests are run too and their
outcome written to a report (and asserted where the subset covers them: join); the boundary
functions are outside the subset, so they must be refused at compile time, never answered wrongly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trdnav.views import ViewError, compile_view, duckdb_engine
from trdnav.views.conformance import Case, Outcome, judge, load_suite, report, run_suite

SUITE = Path(__file__).parents[2] / ".." / "shared" / "data" / "sql-on-fhir-v2" / "tests"
CASES = load_suite(SUITE)
SHAREABLE = [case for case in CASES if case.shareable]
EXPERIMENTAL = [case for case in CASES if not case.shareable]
OUTSIDE_THE_SUBSET = ("lowBoundary", "highBoundary")


def _id(case: Case) -> str:
    return f"{case.file}:{case.name}"


def test_the_suite_is_the_one_described_in_the_data_readme() -> None:
    assert len(CASES) == 134
    assert len(SHAREABLE) == 123
    assert len(EXPERIMENTAL) == 11


@pytest.mark.parametrize("case", SHAREABLE, ids=_id)
def test_shareable_on_duckdb(case: Case) -> None:
    outcome = judge(case, duckdb_engine.run, "duckdb")
    assert outcome.passed, outcome.detail


def _experimental_outcomes(outcomes: list[Outcome], engine: str, folder: Path) -> dict[str, Any]:
    written = folder / f"experimental-{engine}.json"
    written.write_text(json.dumps(report(outcomes), indent=2), encoding="utf-8")
    return dict(json.loads(written.read_text(encoding="utf-8")))


def _check_experimental(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        text = json.dumps(outcome.case.view)
        if any(name in text for name in OUTSIDE_THE_SUBSET):
            assert not outcome.passed
            assert outcome.detail.startswith("refused unexpectedly: the function"), outcome.detail
            with pytest.raises(ViewError, match=r"not supported .* at select\[0\]\.column\[1\]\.path"):
                compile_view(outcome.case.view)
        else:
            assert outcome.passed, outcome.detail


def test_experimental_on_duckdb_are_run_and_reported(tmp_path: Path) -> None:
    outcomes = [judge(case, duckdb_engine.run, "duckdb") for case in EXPERIMENTAL]
    written = _experimental_outcomes(outcomes, "duckdb", tmp_path)
    assert sum(len(entry["tests"]) for entry in written.values()) == len(EXPERIMENTAL)
    _check_experimental(outcomes)


@pytest.fixture(scope="module")
def spark_outcomes() -> dict[str, Outcome]:
    """Every suite test on one local Spark session, the resources of each file loaded once."""
    return {_id(outcome.case): outcome for outcome in run_suite(CASES, "spark")}


@pytest.mark.slow
@pytest.mark.parametrize("case", SHAREABLE, ids=_id)
def test_shareable_on_spark(case: Case, spark_outcomes: dict[str, Outcome]) -> None:
    outcome = spark_outcomes[_id(case)]
    assert outcome.passed, outcome.detail


@pytest.mark.slow
def test_experimental_on_spark_are_run_and_reported(
    spark_outcomes: dict[str, Outcome], tmp_path: Path
) -> None:
    outcomes = [spark_outcomes[_id(case)] for case in EXPERIMENTAL]
    written = _experimental_outcomes(outcomes, "spark", tmp_path)
    assert sum(len(entry["tests"]) for entry in written.values()) == len(EXPERIMENTAL)
    _check_experimental(outcomes)
