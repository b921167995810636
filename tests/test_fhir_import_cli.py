"""`trdnav fhir import`: the answers document for `trdnav assess -`, a readable list, and exit 2
with a message (never a traceback) for a record that cannot be imported."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trdnav.cli import app

SAMPLE = Path(__file__).parents[1] / ".." / "shared" / "data" / "synthea-sample-10"
runner = CliRunner(env={"COLUMNS": "200"})


def _patient_id(prefix: str) -> str:
    for line in (SAMPLE / "Patient.000.ndjson").read_text(encoding="utf-8").splitlines():
        resource = json.loads(line)
        if resource["id"].startswith(prefix):
            return str(resource["id"])
    raise AssertionError(prefix)


def test_json_output_goes_straight_into_assess() -> None:
    imported = runner.invoke(
        app, ["fhir", "import", str(SAMPLE), "--patient", _patient_id("cbc86e51"), "--json"]
    )
    assert imported.exit_code == 0, imported.output
    document = json.loads(imported.stdout)
    assert document["answers"]["substance_use_current"] == "yes"
    assessed = runner.invoke(app, ["assess", "-", "--json"], input=imported.stdout)
    assert assessed.exit_code == 0, assessed.output
    result = json.loads(assessed.stdout)
    assert result["sources"] == document["sources"]  # carried back unchanged
    assert result["therapies"]["iv_ketamine"]["safety"] != "no_known_concerns"


def test_readable_output_says_what_was_found_and_where() -> None:
    outcome = runner.invoke(app, ["fhir", "import", str(SAMPLE), "--patient", _patient_id("6a4160eb")])
    assert outcome.exit_code == 0, outcome.output
    assert "high_blood_pressure_uncontrolled" in outcome.stdout
    assert "Essential hypertension (disorder)" in outcome.stdout
    assert "recorded 1985-09-16" in outcome.stdout


def test_errors_exit_2_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    deceased = _patient_id("3af3708d")
    cases = [
        ([str(SAMPLE)], "has 13 patients"),
        ([str(SAMPLE), "--patient", "nobody"], "no Patient with id 'nobody'"),
        ([str(SAMPLE), "--patient", deceased], "deceased"),
        ([str(tmp_path / "bad.json")], "not JSON"),
        ([str(tmp_path / "missing")], "no such file or folder"),
    ]
    for arguments, message in cases:
        outcome = runner.invoke(app, ["fhir", "import", *arguments, "--json"])
        assert outcome.exit_code == 2, (arguments, outcome.output)
        assert message in outcome.stderr
        assert "Traceback" not in outcome.output
        assert outcome.stdout == ""


def test_assess_refuses_sources_that_do_not_fit_the_contract() -> None:
    document = {"version": 1, "answers": {"age": 40}, "sources": {"seizure_history": [{"resource": "x"}]}}
    outcome = runner.invoke(app, ["assess", "-"], input=json.dumps(document))
    assert outcome.exit_code == 2
    assert "sources.seizure_history: names an item that is not in answers" in outcome.stderr
    assert "sources.seizure_history[0].resource" in outcome.stderr
