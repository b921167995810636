"""A bulk FHIR export as the population screen reads it: the NDJSON files (gzip too) of a folder,
and, when an engine finds lines that are not resources, which ones and why.

An engine reads the files itself and counts the lines it cannot use (not JSON, not a resource,
no id); only then are the files read here, line by line, to name them (`bad_lines`).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from trdnav.views.sources import SUFFIXES

REMOTE = ("s3a://", "s3://", "hdfs://", "gs://", "abfs://", "abfss://", "file://")


class InputError(ValueError):
    """Input the screen cannot read; the message names the path (and line) and what was expected."""


@dataclass(frozen=True)
class BadLine:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


def is_remote(path: str) -> bool:
    return path.startswith(REMOTE)


def input_files(source: str) -> list[str]:
    """The NDJSON files of a local folder or file, sorted; a remote (Hadoop) path as given."""
    if is_remote(source):
        return [source]
    path = Path(source)
    if path.is_dir():
        found = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
        if not found:
            raise InputError(
                f"{path}: no NDJSON files ({', '.join(SUFFIXES)}); expected a FHIR bulk export folder"
            )
        return found
    if path.is_file():
        if not path.name.endswith(SUFFIXES):
            raise InputError(f"{path}: not an NDJSON file (expected a name ending {', '.join(SUFFIXES)})")
        return [str(path)]
    raise InputError(f"{path}: no such file or folder (expected a FHIR bulk export folder)")


def line_problem(text: str) -> str | None:
    """Why an NDJSON line is not a usable resource, or None."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return f"not JSON ({error.msg}); expected one FHIR resource per line"
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        return "not a FHIR resource (expected a JSON object with resourceType)"
    if not isinstance(value.get("id"), str) or not value["id"]:
        return f"a {value['resourceType']} without an id"
    return None


def bad_lines(files: list[str]) -> Iterator[BadLine]:
    """Every line of the local `files` that is not a FHIR resource with an id (blank lines are fine)."""
    for name in files:
        if is_remote(name):
            continue
        opener = gzip.open if name.endswith(".gz") else open
        try:
            with opener(name, "rt", encoding="utf-8") as lines:
                for number, text in enumerate(lines, start=1):
                    if text.strip():
                        problem = line_problem(text)
                        if problem is not None:
                            yield BadLine(name, number, problem)
        except (OSError, UnicodeDecodeError, EOFError) as error:
            yield BadLine(name, 0, f"cannot be read ({error})")
