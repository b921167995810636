"""`trdnav population screen`: the table (Parquet, CSV) and the report from a bulk export; bad
input exits 2 with the file and line named, or is skipped and counted with --skip-bad-lines."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.population import handmade
from tests.population.equivalence import screened_rows
from trdnav.cli import app
from trdnav.knowledge.loader import load

runner = CliRunner(env={"COLUMNS": "200"})
AS_OF = ["--as-of", "2026-12-03"]


def _screen(source: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["population", "screen", str(source), "--out", str(out), *AS_OF, *extra])
    return result.exit_code, result.output


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return handmade.write(tmp_path / "export")


def test_screen_writes_the_table_csv_and_report(export: Path, tmp_path: Path) -> None:
    code, output = _screen(export, tmp_path / "out")
    assert code == 0, output
    assert "patients screened (1 deceased not screened)" in output
    rows = screened_rows(tmp_path / "out")
    with (tmp_path / "out" / "screening.csv").open(encoding="utf-8") as handle:
        table = {row["patient_id"]: row for row in csv.DictReader(handle)}
    assert set(table) == set(rows)
    therapies = load().manifest.therapies
    for therapy in therapies:
        assert {f"{therapy}_safety", f"{therapy}_reasons", f"{therapy}_unanswered"} <= set(table["trd"])
    # lists become ';'-separated text in the CSV
    assert table["trd"]["conditions"] == "depression"
    assert table["teen"]["tms_reasons"] == ";".join(rows["teen"]["tms_reasons"])
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert load().manifest.knowledge_version in report
    assert "Treatment-resistant depression (TRD)" in report
    assert "<script" not in report and "http://" not in report.split("<h2>Value sets used")[0]
    assert "Patient/" not in report and "Condition/" not in report


def test_the_report_has_counts_and_no_patient_data(tmp_path: Path) -> None:
    synthea = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "synthea-sample-10"
    assert _screen(synthea, tmp_path / "out")[0] == 0
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    rows = screened_rows(tmp_path / "out")
    for patient_id, row in rows.items():
        assert patient_id not in report
        assert not row["item_sources"] or row["item_sources"].split(": ")[1].split(",")[0] not in report
    assert 'Patients (living)</td><td class="n">10</td>' in report
    assert "3 patients recorded as deceased" in report


def test_gzip_files_read_the_same(export: Path, tmp_path: Path) -> None:
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    for path in export.iterdir():
        (zipped / f"{path.name}.gz").write_bytes(gzip.compress(path.read_bytes()))
    assert _screen(export, tmp_path / "plain")[0] == 0
    assert _screen(zipped, tmp_path / "gz")[0] == 0
    assert screened_rows(tmp_path / "plain") == screened_rows(tmp_path / "gz")


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    code, output = _screen(tmp_path / "nowhere", tmp_path / "out")
    assert code == 2
    assert "nowhere: no such file or folder" in output and "Traceback" not in output


def test_a_folder_without_ndjson_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hello", encoding="utf-8")
    code, output = _screen(tmp_path / "empty", tmp_path / "out")
    assert code == 2 and "no NDJSON files" in output


def test_a_file_that_is_not_ndjson_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "patients.csv"
    table.write_text("id,name\n1,Ann\n", encoding="utf-8")
    code, output = _screen(table, tmp_path / "out")
    assert code == 2 and "patients.csv: not an NDJSON file" in output


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        ('{"hello": "world"}', "not a FHIR resource"),
        ("[1, 2]", "not a FHIR resource"),
        (
            '{"resourceType": "Condition", "subject": {"reference": "Patient/trd"}}',
            "a Condition without an id",
        ),
    ],
)
def test_a_bad_line_stops_the_screen_naming_file_and_line(
    export: Path, tmp_path: Path, line: str, reason: str
) -> None:
    conditions = export / "Condition.ndjson"
    lines = conditions.read_text(encoding="utf-8").splitlines()
    lines.insert(2, line)
    conditions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output = _screen(export, tmp_path / "out")
    assert code == 2, output
    assert f"Condition.ndjson line 3: {reason}" in output
    assert "--skip-bad-lines" in output and "Traceback" not in output
    assert not (tmp_path / "out" / "screening.parquet").exists()
    code, output = _screen(export, tmp_path / "skipped", "--skip-bad-lines")
    assert code == 0, output
    assert "Skipped 1 line(s)" in output and "Condition.ndjson line 3" in output
    clean = tmp_path / "clean"
    shutil.copytree(export, clean)
    lines.pop(2)
    (clean / "Condition.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _screen(clean, tmp_path / "clean-out")[0] == 0
    assert screened_rows(tmp_path / "skipped") == screened_rows(tmp_path / "clean-out")
    report = (tmp_path / "skipped" / "report.html").read_text(encoding="utf-8")
    assert "skipped (not FHIR resources with an id): 1" in report


def test_a_bad_date_is_refused(export: Path, tmp_path: Path) -> None:
    code, output = _screen(export, tmp_path / "out", "--as-of", "03/12/2026")
    assert code == 2 and "--as-of" in output and "YYYY-MM-DD" in output


def test_resources_keep_their_lines_in_a_mixed_file(export: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    lines = [
        line for path in sorted(export.iterdir()) for line in path.read_text(encoding="utf-8").splitlines()
    ]
    (mixed / "everything.ndjson").write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    assert _screen(export, tmp_path / "by-type")[0] == 0
    assert _screen(mixed, tmp_path / "mixed-out")[0] == 0
    assert screened_rows(tmp_path / "by-type") == screened_rows(tmp_path / "mixed-out")
    assert json.loads(lines[0])["resourceType"]
