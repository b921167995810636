"""What `run` accepts as resources: dicts, and paths to NDJSON files (.ndjson, .ndjson.gz, .jsonl)
or folders of them, in any mix, with any resource types in a file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from trdnav.views.errors import ViewError

Source = Mapping[str, Any] | str | PathLike[str]
Sources = Iterable[Source] | str | PathLike[str]
SUFFIXES = (".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz")


def _files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))


def resource_files(sources: Sources) -> tuple[list[Mapping[str, Any]], list[Path]]:
    """The resource dicts and the NDJSON files among `sources`; a missing path is a `ViewError`."""
    if isinstance(sources, str | PathLike):
        sources = [sources]
    dicts: list[Mapping[str, Any]] = []
    files: list[Path] = []
    for position, source in enumerate(sources):
        if isinstance(source, Mapping):
            if not isinstance(source.get("resourceType"), str):
                raise ViewError(f"resource {position} has no resourceType")
            dicts.append(source)
            continue
        if not isinstance(source, str | PathLike):
            raise ViewError(
                f"resource {position} is a {type(source).__name__}: expected a dict or a path to NDJSON"
            )
        path = Path(source)
        if path.is_dir():
            found = _files_in(path)
            if not found:
                raise ViewError(f"{path} holds no NDJSON files ({', '.join(SUFFIXES)})")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ViewError(f"{path} does not exist")
    return dicts, files
