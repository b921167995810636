"""The official SQL on FHIR v2 test suite, run on an engine and judged as its harness judges.

Rows compare as multisets (numbers as numbers, booleans apart from numbers, order kept inside
collection columns); `expectColumns` also checks the column order; `expectError` passes only when
the view is refused. `report()` is the suite's test-report shape: {file: {tests: [{name, result}]}}.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trdnav.views.compiler import CompiledView, compile_view
from trdnav.views.errors import ViewError

Runner = Callable[[CompiledView, Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    shareable: bool
    view: Any
    resources: list[dict[str, Any]]
    expect: list[dict[str, Any]] | None
    expect_columns: list[str] | None
    expect_error: bool


@dataclass(frozen=True)
class Outcome:
    case: Case
    passed: bool
    detail: str


def load_suite(folder: Path) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(folder.glob("*.json")):
        if path.name == "tests.schema.json":
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        for test in document["tests"]:
            cases.append(
                Case(
                    path.name,
                    test["title"],
                    "shareable" in test.get("tags", []),
                    test["view"],
                    document["resources"],
                    test.get("expect"),
                    test.get("expectColumns"),
                    bool(test.get("expectError")),
                )
            )
    return cases


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return ("number", float(value))
    if isinstance(value, list):
        return ("list", tuple(_canonical(v) for v in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    return ("other", repr(value))


def _row_key(row: dict[str, Any]) -> Any:
    return tuple(sorted((name, _canonical(value)) for name, value in row.items()))


def judge(case: Case, runner: Runner, engine: str = "duckdb") -> Outcome:
    try:
        compiled = compile_view(case.view, engine)
        rows = runner(compiled, case.resources)
    except ViewError as error:
        if case.expect_error:
            return Outcome(case, True, f"refused: {error}")
        return Outcome(case, False, f"refused unexpectedly: {error}")
    if case.expect_error:
        return Outcome(case, False, f"expected a refusal, got {len(rows)} rows")
    if case.expect_columns is not None:
        columns = [name for name, _kind in compiled.columns]
        if columns != case.expect_columns:
            return Outcome(case, False, f"columns {columns} instead of {case.expect_columns}")
    expected = Counter(_row_key(row) for row in case.expect or [])
    got = Counter(_row_key(row) for row in rows)
    if expected != got:
        return Outcome(case, False, f"rows {rows} instead of {case.expect}")
    return Outcome(case, True, "")


def run_suite(cases: list[Case], engine: str) -> list[Outcome]:
    """Every case on `engine`, the resources of each suite file loaded once (one Spark session)."""
    from trdnav.views import duckdb_engine

    outcomes: list[Outcome] = []
    loaded: str | None = None
    connection = duckdb_engine.connect() if engine == "duckdb" else None

    def fetch(compiled: CompiledView, _resources: Any) -> list[dict[str, Any]]:
        if connection is not None:
            return duckdb_engine.fetch(connection, compiled)
        from trdnav.views import spark_engine

        return spark_engine.fetch(compiled)

    try:
        for case in cases:
            if case.file != loaded:
                if connection is not None:
                    duckdb_engine.load(connection, case.resources)
                else:
                    from trdnav.views import spark_engine

                    spark_engine.load(case.resources)
                loaded = case.file
            outcomes.append(judge(case, fetch, engine))
    finally:
        if connection is not None:
            connection.close()
    return outcomes


def report(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """The suite's test-report JSON: {file: {"tests": [{"name", "result": {"passed"}}]}}."""
    result: dict[str, Any] = {}
    for outcome in outcomes:
        entry: dict[str, Any] = {"name": outcome.case.name, "result": {"passed": outcome.passed}}
        if not outcome.passed:
            entry["result"]["reason"] = outcome.detail
        result.setdefault(outcome.case.file, {"tests": []})["tests"].append(entry)
    return result
