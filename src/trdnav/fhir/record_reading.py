"""Reading a FHIR R4 record for import: a Bundle file, a bulk-export NDJSON folder, or a list of
resource dicts; then choosing the patient and the resources that are about them (their subject,
patient or beneficiary names the patient: `Patient/id`, an absolute URL or a versioned reference
ending so, or the patient's Bundle fullUrl).

Every problem is one `RecordError`, naming where (`path`) and what was expected.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUNDLE_TYPES = frozenset({"collection", "searchset", "transaction", "batch", "transaction-response"})
Resource = dict[str, Any]


class RecordError(ValueError):
    """A record that cannot be imported: not JSON, not FHIR R4, no patient, several patients and
    none chosen, an unknown patient id, or a deceased patient. `path` names where (a file, a line,
    an element) and the message says what was expected."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class PatientRecord:
    patient: Resource
    resources: tuple[Resource, ...]
    """Every resource whose subject or patient is this patient (the Patient itself left out)."""


def read_resources(source: str | Path | Sequence[Mapping[str, Any]]) -> list[Resource]:
    """All resources of the source, in order; a Bundle's entries are unpacked."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            return _read_folder(path)
        if not path.is_file():
            expected = "no such file or folder (expected a Bundle JSON file or an NDJSON folder)"
            raise RecordError(str(path), expected)
        return _unpack(_read_json(path), str(path))
    if not isinstance(source, Sequence):
        raise RecordError("source", "expected a path or a list of FHIR resources")
    resources: list[Resource] = []
    for index, resource in enumerate(source):
        resources.extend(_unpack(resource, f"resource {index}"))
    return resources


def _read_json(path: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RecordError(str(path), f"cannot be read as UTF-8 text ({error})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        message = f"not JSON (line {error.lineno}: {error.msg}); expected a FHIR R4 Bundle"
        raise RecordError(str(path), message) from None


def _read_folder(folder: Path) -> list[Resource]:
    files = sorted([*folder.glob("*.ndjson"), *folder.glob("*.ndjson.gz")])
    if not files:
        raise RecordError(str(folder), "no *.ndjson or *.ndjson.gz files (expected a FHIR bulk export)")
    resources: list[Resource] = []
    for file in files:
        try:
            raw = gzip.decompress(file.read_bytes()) if file.name.endswith(".gz") else file.read_bytes()
            lines = raw.decode("utf-8").splitlines()
        except (OSError, UnicodeDecodeError, gzip.BadGzipFile, EOFError) as error:
            raise RecordError(str(file), f"cannot be read ({error})") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{file.name} line {number}"
            try:
                resource = json.loads(line)
            except json.JSONDecodeError as error:
                message = f"not JSON ({error.msg}); expected one FHIR resource per line"
                raise RecordError(where, message) from None
            resources.extend(_unpack(resource, where))
    return resources


def _unpack(resource: Any, where: str) -> list[Resource]:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise RecordError(where, "not a FHIR resource (expected a JSON object with resourceType)")
    version = resource.get("meta", {}).get("fhirVersion") if isinstance(resource.get("meta"), dict) else None
    if version is not None and not str(version).startswith("4.0"):
        raise RecordError(f"{where}: meta.fhirVersion", f"{version} is not FHIR R4 (expected 4.0.x)")
    if resource["resourceType"] != "Bundle":
        if not isinstance(resource.get("id"), str):  # a FHIR id of our own, for the sources
            resource = {**resource, "id": re.sub(r"[^A-Za-z0-9.-]+", "-", f"no-id-{where}").strip("-")[-64:]}
        return [resource]
    if resource.get("type") not in BUNDLE_TYPES:
        raise RecordError(
            f"{where}: Bundle.type", f"{resource.get('type')!r}; expected one of {sorted(BUNDLE_TYPES)}"
        )
    entries = resource.get("entry", [])
    if not isinstance(entries, list):
        raise RecordError(f"{where}: Bundle.entry", "expected a list of entries")
    out: list[Resource] = []
    for index, entry in enumerate(entries):
        inner = entry.get("resource") if isinstance(entry, dict) else None
        if inner is None:
            continue  # a transaction's DELETE or a response entry: nothing to read
        full_url = entry.get("fullUrl")
        if isinstance(inner, dict) and "id" not in inner and isinstance(full_url, str):
            inner = {**inner, "id": full_url.rsplit(":", 1)[-1].rsplit("/", 1)[-1]}  # urn:uuid:… or …/Type/id
        found = _unpack(inner, f"{where}: Bundle.entry[{index}]")
        if isinstance(full_url, str):
            found = [{**found[0], "_fullUrl": full_url}, *found[1:]]
        out.extend(found)
    return out


# a literal reference's type and id, relative or absolute, with or without a version: the key
# SQL on FHIR's getReferenceKey reads (trdnav.views), so the population screen counts the same
_REFERENCE = re.compile(r"^(?:.*/)?([A-Za-z]+)/([^/]+)(?:/_history/.*)?$")


def reference_key(reference: str) -> str | None:
    """``Type/id`` for ``Type/id``, ``https://…/Type/id`` or ``Type/id/_history/2``; else None."""
    found = _REFERENCE.match(reference)
    return f"{found[1]}/{found[2]}" if found else None


def _references(resource: Resource) -> Iterable[str]:
    for key in ("subject", "patient", "beneficiary"):
        value = resource.get(key)
        if isinstance(value, dict) and isinstance(value.get("reference"), str):
            yield value["reference"]
            yield reference_key(value["reference"]) or value["reference"]


def choose_patient(resources: list[Resource], patient_id: str | None) -> PatientRecord:
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    if not patients:
        raise RecordError("Patient", "the record has no Patient resource")
    if patient_id is None:
        if len(patients) > 1:
            raise RecordError(
                "--patient", f"the record has {len(patients)} patients; choose one with its id (--patient ID)"
            )
        patient = patients[0]
    else:
        chosen = [p for p in patients if p["id"] == patient_id]
        if not chosen:
            message = f"no Patient with id {patient_id!r} among the {len(patients)} in the record"
            raise RecordError("--patient", message)
        patient = chosen[0]
    if patient.get("deceasedBoolean") is True or "deceasedDateTime" in patient:
        raise RecordError(
            f"Patient/{patient['id']}", "the patient is recorded as deceased: an assessment is not made"
        )
    names = {f"Patient/{patient['id']}"}
    if isinstance(patient.get("_fullUrl"), str):
        names.add(patient["_fullUrl"])
    own = tuple(r for r in resources if r is not patient and any(ref in names for ref in _references(r)))
    return PatientRecord(patient=patient, resources=own + _medications_named_by(own, resources))


def _medications_named_by(own: Sequence[Resource], resources: Sequence[Resource]) -> tuple[Resource, ...]:
    """The Medication resources the patient's requests and statements point at (`medicationReference`
    as ``Medication/id`` or, in a transaction Bundle, the entry's ``urn:uuid:`` fullUrl): a Medication
    names no patient, so it would otherwise be left out."""
    wanted = {
        r["medicationReference"]["reference"]
        for r in own
        if isinstance(r.get("medicationReference"), dict)
        and isinstance(r["medicationReference"].get("reference"), str)
    }
    return tuple(
        m
        for m in resources
        if m["resourceType"] == "Medication" and ({f"Medication/{m['id']}", m.get("_fullUrl")} & wanted)
    )
