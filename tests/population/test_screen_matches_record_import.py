"""The population screen gives every patient what `import_record` then `assess` gives them: on
hand-made patients (one per rule of the import), on the Synthea sample, and on generated ones;
on DuckDB and on Spark."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.population import handmade
from tests.population.equivalence import differences, expected_rows, screened_rows
from trdnav.population.screen import screen_export
from trdnav.population.synth import write_export

TODAY = dt.date(2026, 12, 3)
SYNTHEA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "synthea-sample-10"


def _check(source: Path, out: Path, engine: str) -> dict[str, dict[str, object]]:
    screen_export(str(source), str(out), engine=engine, today=TODAY)
    expected = expected_rows(source, TODAY)
    screened = screened_rows(out)
    assert differences(expected, screened) == []
    return screened


def test_handmade_patients_on_duckdb(tmp_path: Path) -> None:
    screened = _check(handmade.write(tmp_path / "export"), tmp_path / "out", "duckdb")
    # the cases reach what they were made for
    assert screened["trd"]["trd"] is True and screened["trd"]["failed_antidepressant_trials"] == 2
    assert screened["trd"]["phq9_total"] == 17
    assert screened["seizure-resolved"]["tms_safety"] == "needs_review"
    assert "TMS.SAFETY.SEIZURE_HISTORY" in screened["seizure-nodot"]["tms_reasons"]
    assert screened["psychosis-provisional"]["iv_ketamine_safety"] == "needs_review"
    assert "psychosis_history" in screened["psychosis-provisional"]["iv_ketamine_unanswered"]
    assert screened["pregnancy-active"]["iv_ketamine_safety"] == "contraindicated"
    assert screened["pregnancy-abated"]["iv_ketamine_safety"] == "needs_review"
    assert screened["devices"]["tms_safety"] == "contraindicated"
    assert screened["by-reference"]["failed_antidepressant_trials"] == 2
    assert screened["phq-separate"]["phq9_total"] == 4
    assert "Observation/hypertension-bp1" in screened["hypertension"]["item_sources"]
    assert "AGE.UNDER_18.TMS" in screened["teen"]["tms_reasons"]
    assert "deceased" not in screened
    assert screened["near-misses"]["items_found"] == ["age"]


def test_synthea_sample_on_duckdb(tmp_path: Path) -> None:
    screened = _check(SYNTHEA, tmp_path / "out", "duckdb")
    assert len(screened) == 10  # 13 patients, 3 deceased


@pytest.mark.slow
def test_handmade_patients_on_spark(tmp_path: Path) -> None:
    _check(handmade.write(tmp_path / "export"), tmp_path / "out", "spark")


@pytest.mark.slow
def test_synthea_sample_on_spark(tmp_path: Path) -> None:
    _check(SYNTHEA, tmp_path / "out", "spark")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    write_export(folder, 3000, 11, TODAY)
    return folder


def test_generated_patients_on_duckdb(generated: Path, tmp_path: Path) -> None:
    screened = _check(generated, tmp_path / "out", "duckdb")
    assert len(screened) > 2900 and sum(row["trd"] for row in screened.values()) > 100


@pytest.mark.slow
def test_generated_patients_on_spark_equal_duckdb(generated: Path, tmp_path: Path) -> None:
    spark = _check(generated, tmp_path / "spark", "spark")
    screen_export(str(generated), str(tmp_path / "duckdb"), engine="duckdb", today=TODAY)
    assert spark == screened_rows(tmp_path / "duckdb")  # the two engines give identical tables
