"""`trdnav population synth`: deterministic for a seed, every line a resource of a patient, every
figure of its make-up labelled, and the record import's rules met often enough to be tested."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.population.equivalence import expected_rows
from trdnav.cli import app
from trdnav.population.synth import TYPES, make_up, write_export

TODAY = dt.date(2026, 12, 3)


def _digest(folder: Path) -> str:
    return hashlib.sha256(b"".join((folder / f"{kind}.ndjson").read_bytes() for kind in TYPES)).hexdigest()


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    write_export(tmp_path / "a", 300, 7, TODAY)
    write_export(tmp_path / "b", 300, 7, TODAY)
    write_export(tmp_path / "c", 300, 8, TODAY)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


def test_every_line_is_a_resource_of_a_patient(tmp_path: Path) -> None:
    counts = write_export(tmp_path, 500, 1, TODAY)
    ids: dict[str, set[str]] = {}
    references: list[str] = []
    for kind in TYPES:
        lines = (tmp_path / f"{kind}.ndjson").read_text(encoding="utf-8").splitlines()
        assert len(lines) == counts[kind]
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == kind and resource["id"]
            assert resource["id"] not in ids.setdefault(kind, set())
            ids[kind].add(resource["id"])
            if kind != "Patient":
                references.append((resource.get("subject") or resource.get("patient"))["reference"])
    assert counts["Patient"] == 500
    assert {r.removeprefix("Patient/") for r in references} <= ids["Patient"]


def test_the_import_rules_are_met(tmp_path: Path) -> None:
    write_export(tmp_path, 1500, 2, TODAY)
    rows = expected_rows(tmp_path, TODAY).values()
    seen = Counter()
    for row in rows:
        seen["trd"] += row["trd"]
        seen["phq9"] += row["phq9_total"] is not None
        seen["suicide_risk"] += bool(row["phq9_suicide_risk"])
        seen["gad7"] += row["gad7_total"] is not None
        seen["under 18"] += (row["age"] or 99) < 18
        seen["no age"] += row["age"] is None
        seen["contraindicated"] += "contraindicated" in {row[f"{t}_safety"] for t in ("tms", "iv_ketamine")}
        seen["unsure"] += any(
            item not in row["items_yes"]
            for item in row["items_found"]
            if item not in ("age", "phq9", "gad7", "conditions", "failed_antidepressant_trials")
        )
        seen["one trial"] += row["failed_antidepressant_trials"] == 1
        seen["blood pressure"] += (
            "Observation/" in row["item_sources"].split("high_blood_pressure_uncontrolled: ")[-1]
        )
    for what in (
        "trd",
        "phq9",
        "suicide_risk",
        "gad7",
        "under 18",
        "no age",
        "contraindicated",
        "unsure",
        "one trial",
        "blood pressure",
    ):
        assert seen[what] >= 3, (what, seen)


def test_memory_stays_flat_as_patients_grow(tmp_path: Path) -> None:
    peaks = []
    for patients in (200, 2000):
        tracemalloc.start()
        write_export(tmp_path / str(patients), patients, 1, TODAY)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5 + 1_000_000


def test_every_figure_is_labelled_an_assumption_or_cited() -> None:
    shape = make_up()
    assert all(p.assumption and p.basis for p in shape.prevalences.values())
    assert shape.antidepressant_ingredients.assumption and shape.phq9_recorded.assumption


def test_the_cli_writes_the_export_and_refuses_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "population",
            "synth",
            "--patients",
            "50",
            "--seed",
            "4",
            "--out",
            str(tmp_path),
            "--as-of",
            "2026-12-03",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "50 Patient" in result.output
    assert (tmp_path / "Observation.ndjson").stat().st_size > 0
    assert (
        runner.invoke(app, ["population", "synth", "--patients", "0", "--out", str(tmp_path)]).exit_code == 2
    )
    bad = runner.invoke(
        app, ["population", "synth", "--patients", "5", "--out", str(tmp_path), "--as-of", "soon"]
    )
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


@pytest.mark.parametrize("patients", [0, -3])
def test_a_size_below_one_is_refused(tmp_path: Path, patients: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        write_export(tmp_path, patients, 1, TODAY)
