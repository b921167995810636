"""`trdnav.views.run` takes resource dicts or NDJSON files and folders (gzip too, any mix of
resource types in one file) and gives the same rows either way."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from trdnav.views import ViewError, run

RESOURCES: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "p1", "birthDate": "1980-01-02"},
    {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
     "code": {"coding": [{"system": "http://snomed.info/sct", "code": "35489007"}]}},
    {"resourceType": "Condition", "id": "c2", "subject": {"reference": "Patient/p2"},
     "code": {"coding": [{"system": "http://snomed.info/sct", "code": "370143000"},
                         {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.2"}]}},
    {"resourceType": "Patient", "id": "p2"},
]  # fmt: skip
# the SNOMED CT and ICD-10-CM codes are only strings here; nothing clinical is decided by them
VIEW = {
    "resource": "Condition",
    "select": [
        {"column": [
            {"name": "id", "path": "getResourceKey()", "type": "string"},
            {"name": "patient", "path": "subject.getReferenceKey(Patient)", "type": "string"},
        ]},
        {"forEach": "code.coding", "column": [
            {"name": "system", "path": "system", "type": "uri"},
            {"name": "code", "path": "code", "type": "code"},
            {"name": "position", "path": "%rowIndex", "type": "integer"},
        ]},
    ],
}  # fmt: skip
EXPECTED = [
    {"id": "c1", "patient": "p1", "system": "http://snomed.info/sct", "code": "35489007", "position": 0},
    {"id": "c2", "patient": "p2", "system": "http://snomed.info/sct", "code": "370143000", "position": 0},
    {
        "id": "c2",
        "patient": "p2",
        "system": "http://hl7.org/fhir/sid/icd-10-cm",
        "code": "F33.2",
        "position": 1,
    },
]


def _lines(resources: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in resources)


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["id"], r["position"]))


def test_dicts() -> None:
    assert _sorted(run(VIEW, RESOURCES)) == EXPECTED


def test_a_file_a_gzip_file_and_a_folder_give_the_same_rows(tmp_path: Path) -> None:
    plain = tmp_path / "mixed.ndjson"
    plain.write_text(_lines(RESOURCES), encoding="utf-8")
    assert _sorted(run(VIEW, [plain])) == EXPECTED
    zipped = tmp_path / "zipped" / "mixed.ndjson.gz"
    zipped.parent.mkdir()
    with gzip.open(zipped, "wt", encoding="utf-8") as out:
        out.write(_lines(RESOURCES))
    assert _sorted(run(VIEW, [zipped])) == EXPECTED
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(_lines(RESOURCES[::3]), encoding="utf-8")
    (folder / "Condition.ndjson").write_text(_lines(RESOURCES[1:3]), encoding="utf-8")
    assert _sorted(run(VIEW, folder)) == EXPECTED


def test_dicts_and_paths_mix(tmp_path: Path) -> None:
    part = tmp_path / "one.ndjson"
    part.write_text(_lines(RESOURCES[:2]), encoding="utf-8")
    assert _sorted(run(VIEW, [part, *RESOURCES[2:]])) == EXPECTED


def test_a_missing_path_or_a_wrong_item_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ViewError, match="does not exist"):
        run(VIEW, [tmp_path / "nowhere.ndjson"])
    with pytest.raises(ViewError, match="holds no NDJSON files"):
        run(VIEW, tmp_path)
    with pytest.raises(ViewError, match="resource 0 is a int"):
        run(VIEW, [3])  # type: ignore[list-item]
    with pytest.raises(ViewError, match="resource 0 has no resourceType"):
        run(VIEW, [{"id": "x"}])


def test_a_file_that_is_not_ndjson_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ViewError, match="cannot read the resources"):
        run(VIEW, [bad])
