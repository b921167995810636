"""`trdnav views run|sql|conformance` as an analyst at a terminal uses them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from trdnav.cli import app

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SYNTHEA = SHARED / "synthea-sample-10"
SUITE = SHARED / "sql-on-fhir-v2" / "tests"
CONDITIONS = {
    "resource": "Condition",
    "select": [
        {
            "column": [
                {"name": "id", "path": "getResourceKey()"},
                {"name": "patient", "path": "subject.getReferenceKey(Patient)"},
                {"name": "code", "path": "code.coding.where(system = 'http://snomed.info/sct').code.first()"},
                {"name": "status", "path": "clinicalStatus.coding.code.first()"},
            ]
        }
    ],
}


def _view(tmp_path: Path, view: object) -> str:
    path = tmp_path / "view.json"
    path.write_text(json.dumps(view))
    return str(path)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_run_prints_ndjson_rows_and_writes_csv_and_parquet(tmp_path: Path) -> None:
    view = _view(tmp_path, CONDITIONS)
    code, out, _ = _run("views", "run", view, "--input", str(SYNTHEA))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 555  # the sample's Conditions
    seizure = [r for r in rows if r["code"] == "128613002"]
    assert seizure and all(r["patient"] and r["status"] for r in seizure)
    code, out, _ = _run(
        "views", "run", view, "--input", str(SYNTHEA / "Condition.000.ndjson"), "--format", "csv"
    )
    assert code == 0 and out.splitlines()[0] == "id,patient,code,status" and len(out.splitlines()) == 556
    parquet = tmp_path / "conditions.parquet"
    code, _, err = _run(
        "views", "run", view, "--input", str(SYNTHEA), "--format", "parquet", "--output", str(parquet)
    )
    assert code == 0 and "555 rows written" in err
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{parquet}'").fetchall() == [(555,)]


def test_sql_prints_the_query_and_bad_views_exit_2_naming_the_place(tmp_path: Path) -> None:
    code, out, _ = _run("views", "sql", _view(tmp_path, CONDITIONS))
    assert code == 0 and out.startswith("SELECT") and "fp_children" in out
    unsupported = {
        "resource": "Patient",
        "select": [{"column": [{"name": "a", "path": "name.descendants()"}]}],
    }
    code, _, err = _run("views", "sql", _view(tmp_path, unsupported))
    assert code == 2 and "select[0].column[0].path: the function descendants() is not supported" in err
    code, _, err = _run("views", "run", _view(tmp_path, CONDITIONS), "--input", str(tmp_path / "nowhere"))
    assert code == 2 and "no such file or folder" in err
    code, _, err = _run(
        "views", "run", _view(tmp_path, CONDITIONS), "--input", str(SYNTHEA), "--engine", "oracle"
    )
    assert code == 2 and "'oracle' is not available here; expected one of duckdb, spark" in err
    (tmp_path / "broken.json").write_text("{")
    code, _, err = _run("views", "sql", str(tmp_path / "broken.json"))
    assert code == 2 and "is not JSON" in err


def test_conformance_writes_the_suites_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, out, _ = _run("views", "conformance", "--suite", str(SUITE), "--report", str(report))
    assert code == 0
    assert "shareable: 123 of 123 passed on duckdb" in out
    written = json.loads(report.read_text())
    assert sum(len(f["tests"]) for f in written.values()) == 134
    assert written["basic.json"]["tests"][0] == {"name": "basic attribute", "result": {"passed": True}}
