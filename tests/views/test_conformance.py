"""The official SQL on FHIR v2 suite (../shared/data/sql-on-fhir-v2, read in place) on DuckDB and on
Spark (local mode): every
shareable test passes; an experimental test either passes or is refused with a ViewError naming
what is not supported, never answered with other rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trdnav.views.conformance import cases, outcome

SUITE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "sql-on-fhir-v2" / "tests"
CASES = list(cases(SUITE))


def test_the_suite_is_all_there() -> None:
    shareable = [t for _, t, _ in CASES if "shareable" in t.get("tags", [])]
    assert (len(CASES), len(shareable)) == (134, 123)


ENGINES = [pytest.param("duckdb"), pytest.param("spark", marks=pytest.mark.slow)]  # Spark: a JVM per worker


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("file", "test", "resources"), CASES, ids=[f"{file}:{test['title']}" for file, test, _ in CASES]
)
def test_conformance(engine: str, file: str, test: dict[str, Any], resources: list[Any]) -> None:
    result = outcome(file, test, resources, engine)
    if "shareable" in test.get("tags", []):
        assert result.passed, result.reason
    else:
        assert result.passed or "is not supported" in result.reason, result.reason
