"""What the population screen must give for each patient: `import_record` then `assess`, one
patient at a time (the per-person path), compared with the screen's table."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from trdnav import assess
from trdnav.fhir.record_import import RecordError, import_record
from trdnav.fhir.record_reading import reference_key
from trdnav.knowledge.loader import load

SUBJECT_KEYS = ("subject", "patient")


def read_export(
    folder: Path,
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Patients by id, each patient's other resources, and the Medications."""
    patients: dict[str, dict[str, Any]] = {}
    own: dict[str, list[dict[str, Any]]] = defaultdict(list)
    medications: list[dict[str, Any]] = []
    for path in sorted(folder.rglob("*.ndjson*")):
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                resource = json.loads(line)
                if resource["resourceType"] == "Patient":
                    patients.setdefault(resource["id"], resource)
                elif resource["resourceType"] == "Medication":
                    medications.append(resource)
                else:
                    for key in SUBJECT_KEYS:
                        target = reference_key((resource.get(key) or {}).get("reference", "")) or ""
                        if target.startswith("Patient/"):
                            own[target.removeprefix("Patient/")].append(resource)
                            break
    return patients, own, medications


def expected_rows(folder: Path, today: dt.date) -> dict[str, dict[str, Any]]:
    """The per-person path's answer for every living patient, in the screen's column names."""
    kb = load()
    therapies = list(kb.manifest.therapies)
    definitions = kb.population.definitions if kb.population else []
    patients, own, medications = read_export(folder)
    rows: dict[str, dict[str, Any]] = {}
    for patient_id, patient in patients.items():
        try:
            document = import_record([patient, *own[patient_id], *medications], today=today, kb=kb)
        except RecordError:
            continue  # deceased: the per-person path refuses, the screen leaves them out
        answers = document["answers"]
        result = assess(document, therapies)
        phq9 = answers.get("phq9")
        dates = {s.get("date") for s in document["sources"].get("phq9", [])}
        row: dict[str, Any] = {
            "age": answers.get("age"),
            "failed_antidepressant_trials": answers.get("failed_antidepressant_trials"),
            "phq9_total": sum(phq9) if phq9 else None,
            "phq9_date": dates.pop() if phq9 else None,
            "phq9_suicide_risk": any(a["id"] == "suicide_risk" for a in result["alerts"]) if phq9 else None,
            "gad7_total": sum(answers["gad7"]) if "gad7" in answers else None,
            "conditions": answers.get("conditions", []),
            "items_found": list(answers),
            "items_yes": [item for item, value in answers.items() if value == "yes"],
            "item_sources": "; ".join(
                sorted(
                    f"{item}: " + ", ".join(sorted({s["resource"] for s in sources}))
                    for item, sources in document["sources"].items()
                )
            ),
        }
        for definition in definitions:
            row[definition.id] = definition.condition.holds(answers)
        for therapy in therapies:
            screened = result["therapies"][therapy]
            row[f"{therapy}_safety"] = screened["safety"]
            row[f"{therapy}_reasons"] = [reason["rule"] for reason in screened["reasons"]]
            row[f"{therapy}_unanswered"] = screened["unanswered"]
        rows[patient_id] = row
    return rows


def screened_rows(out: Path) -> dict[str, dict[str, Any]]:
    """The screen's Parquet table (a file, or Spark's folder of part files) by patient id."""
    target = out / "screening.parquet"
    pattern = str(target / "*.parquet") if target.is_dir() else str(target)
    connection = duckdb.connect()
    try:
        cursor = connection.execute(f"SELECT * FROM read_parquet('{pattern}')")
        names = [column[0] for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    finally:
        connection.close()


def differences(expected: dict[str, dict[str, Any]], screened: dict[str, dict[str, Any]]) -> list[str]:
    """Every patient and column where the screen and the per-person path disagree."""
    problems = (
        [f"patients only in one: {sorted(set(expected) ^ set(screened))[:5]}"]
        if set(expected) != set(screened)
        else []
    )
    for patient_id in sorted(set(expected) & set(screened)):
        for column, value in expected[patient_id].items():
            got = screened[patient_id][column]
            if isinstance(got, tuple):
                got = list(got)
            if got != value:
                problems.append(f"{patient_id} {column}: per-person {value!r}, screen {got!r}")
    return problems
