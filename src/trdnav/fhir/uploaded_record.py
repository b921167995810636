"""Health-record files a clinician uploads, read into resources and listed by patient.

The files may be a FHIR R4 Bundle (``.json``), bulk-export NDJSON (``.ndjson``, ``.ndjson.gz``), or
a ``.zip`` of those. They are read with `record_reading` (the same checks and messages as
`trdnav fhir import`), with errors naming the uploaded file, never a temporary path. Each patient is
then listed with what identifies them and the answers document the import makes, or why it cannot
be made (a deceased patient).
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

from trdnav.fhir.record_import import answers_from_record
from trdnav.fhir.record_reading import RecordError, Resource, choose_patient, read_resources
from trdnav.knowledge.loader import KnowledgeBase

MAX_PATIENTS = 500
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
NDJSON_ENDINGS = (".ndjson", ".ndjson.gz")
ENDINGS = (".json", *NDJSON_ENDINGS)


def _members(name: str, content: bytes) -> list[tuple[str, bytes]]:
    if not name.lower().endswith(".zip"):
        return [(name, content)]
    try:
        archive = zipfile.ZipFile(BytesIO(content))
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
            raise RecordError(name, f"unzips to more than {MAX_UNZIPPED_BYTES // 2**20} MB")
        return [(f"{name}: {i.filename}", archive.read(i)) for i in infos]
    except (zipfile.BadZipFile, OSError) as error:
        raise RecordError(name, f"is not a readable zip file ({error})") from None


def resources_from_files(files: Sequence[tuple[str, bytes]]) -> list[Resource]:
    """Every resource in the uploaded files; `RecordError` naming the file (and line) otherwise."""
    members = [m for name, content in files for m in _members(name, content)]
    if not members:
        raise RecordError("files", "no file was uploaded (expected a Bundle .json, .ndjson files or a .zip)")
    resources: list[Resource] = []
    with tempfile.TemporaryDirectory(prefix="trdnav-upload-") as folder:
        ndjson = Path(folder) / "ndjson"
        ndjson.mkdir()
        for index, (name, content) in enumerate(members):
            base = PurePosixPath(name.replace("\\", "/")).name
            if not base.lower().endswith(ENDINGS):
                raise RecordError(
                    name, "expected a FHIR Bundle (.json) or bulk-export NDJSON (.ndjson, .ndjson.gz)"
                )
            inside = ndjson if base.lower().endswith(NDJSON_ENDINGS) else Path(folder)
            path = inside / f"{index:04d}-{base}"
            path.write_bytes(content)
            if inside != ndjson:
                resources += _named(functools.partial(read_resources, path), folder)
        if any(ndjson.iterdir()):
            resources += _named(functools.partial(read_resources, ndjson), folder)
    return resources


def _named(read: Callable[[], list[Resource]], folder: str) -> list[Resource]:
    """Read, and name an error's place by the uploaded file, not by where it was put on disk."""
    try:
        return read()
    except RecordError as error:
        where = error.path.replace(folder + "/ndjson/", "").replace(folder + "/", "")
        head, _, rest = where.partition("-")  # '0003-Condition.ndjson line 4': the prefix is ours
        raise RecordError(rest if head.isdigit() and len(head) == 4 else where, error.message) from None


def _name(patient: Mapping[str, Any]) -> str:
    for name in patient.get("name", []) or []:
        if not isinstance(name, Mapping):
            continue
        if isinstance(name.get("text"), str):
            return str(name["text"])
        given = " ".join(g for g in name.get("given", []) or [] if isinstance(g, str))
        family = name.get("family") if isinstance(name.get("family"), str) else ""
        if given or family:
            return f"{given} {family}".strip()
    return ""


def patients_of(resources: list[Resource], today: dt.date, kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Each patient: id, name, birth date, sex, and the import's answers document or why not."""
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    if not patients:
        raise RecordError("Patient", "the record has no Patient resource")
    if len(patients) > MAX_PATIENTS:
        raise RecordError(
            "Patient",
            f"the record has {len(patients)} patients; upload at most {MAX_PATIENTS} here "
            "(screen whole populations with `trdnav population screen`)",
        )
    listed = []
    for patient in patients:
        entry: dict[str, Any] = {
            "id": patient["id"],
            "name": _name(patient),
            "birth_date": patient.get("birthDate") if isinstance(patient.get("birthDate"), str) else None,
            "gender": patient.get("gender") if isinstance(patient.get("gender"), str) else None,
            "refused": None,
            "document": None,
        }
        try:
            entry["document"] = answers_from_record(choose_patient(resources, patient["id"]), today, kb)
        except RecordError as error:
            entry["refused"] = error.message
        listed.append(entry)
    return listed
