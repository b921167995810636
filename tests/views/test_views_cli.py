"""`trdnav views run|sql|conformance`: rows as NDJSON, CSV or Parquet, the SQL, the suite's report;
bad input exits 2 with one message, never a traceback."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from trdnav.cli import app

runner = CliRunner(env={"COLUMNS": "200"})
VIEW = {
    "resource": "Patient",
    "select": [
        {"column": [
            {"name": "id", "path": "id", "type": "id"},
            {"name": "active", "path": "active", "type": "boolean"},
        ]},
        {"column": [{"name": "given", "path": "name.given", "collection": True}]},
    ],
}  # fmt: skip
PATIENTS = [
    {"resourceType": "Patient", "id": "a", "active": True, "name": [{"given": ["Ann", "B"]}]},
    {"resourceType": "Patient", "id": "b"},
    {"resourceType": "Observation", "id": "o"},
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    view = tmp_path / "view.json"
    view.write_text(json.dumps(VIEW), encoding="utf-8")
    data = tmp_path / "data.ndjson"
    data.write_text("".join(json.dumps(p) + "\n" for p in PATIENTS), encoding="utf-8")
    return view, data


def test_run_writes_ndjson(files: tuple[Path, Path]) -> None:
    view, data = files
    result = runner.invoke(app, ["views", "run", str(view), "--input", str(data)])
    assert result.exit_code == 0, result.output
    rows = sorted((json.loads(line) for line in result.stdout.splitlines()), key=lambda r: r["id"])
    assert rows == [
        {"id": "a", "active": True, "given": ["Ann", "B"]},
        {"id": "b", "active": None, "given": []},
    ]


def test_run_writes_csv_and_parquet(files: tuple[Path, Path], tmp_path: Path) -> None:
    view, data = files
    out = tmp_path / "rows.csv"
    result = runner.invoke(
        app, ["views", "run", str(view), "--input", str(data), "--format", "csv", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = sorted(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))), key=lambda r: r["id"])
    assert rows[0] == {"id": "a", "active": "true", "given": '["Ann","B"]'}
    parquet = tmp_path / "rows.parquet"
    result = runner.invoke(
        app,
        ["views", "run", str(view), "--input", str(data), "--format", "parquet", "--output", str(parquet)],
    )
    assert result.exit_code == 0, result.output
    table = duckdb.sql(f"SELECT id, active, given FROM '{parquet}' ORDER BY id").fetchall()
    assert table == [("a", True, ["Ann", "B"]), ("b", None, [])]


def test_sql_prints_the_query_for_each_engine(files: tuple[Path, Path]) -> None:
    view, _data = files
    duck = runner.invoke(app, ["views", "sql", str(view), "--engine", "duckdb"])
    spark = runner.invoke(app, ["views", "sql", str(view), "--engine", "spark"])
    assert duck.exit_code == spark.exit_code == 0
    assert "json_extract(resource, ['$.id', '$.active', '$.name'])" in duck.stdout
    assert "try_variant_get(resource, '$.active')" in spark.stdout


@pytest.mark.parametrize(
    ("view_text", "message"),
    [
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes at line 1"),
        ('{"resource": "Patient", "select": [{"forEach": "@@"}]}', "select[0].forEach"),
    ],
)
def test_a_bad_view_exits_2_with_a_message(tmp_path: Path, view_text: str, message: str) -> None:
    view = tmp_path / "view.json"
    view.write_text(view_text, encoding="utf-8")
    for command in (["views", "sql", str(view)], ["views", "run", str(view), "--input", str(tmp_path)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert message in result.stderr
        assert "Traceback" not in result.output


def test_a_missing_input_or_output_exits_2(files: tuple[Path, Path], tmp_path: Path) -> None:
    view, _data = files
    result = runner.invoke(app, ["views", "run", str(view), "--input", str(tmp_path / "none.ndjson")])
    assert result.exit_code == 2
    assert "none.ndjson does not exist" in result.stderr
    result = runner.invoke(app, ["views", "run", str(view), "--input", str(_data), "--format", "parquet"])
    assert result.exit_code == 2
    assert "--format parquet needs --output FILE" in result.stderr


def test_conformance_writes_the_suites_report_shape(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["views", "conformance", "--engine", "duckdb", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "duckdb: 123 of 123 shareable tests pass" in result.stdout
    written = json.loads(report.read_text(encoding="utf-8"))
    assert len(written) == 22
    tests = [test for entry in written.values() for test in entry["tests"]]
    assert len(tests) == 134
    assert all(isinstance(test["name"], str) and isinstance(test["result"]["passed"], bool) for test in tests)
    assert sum(test["result"]["passed"] for test in tests) == 126
