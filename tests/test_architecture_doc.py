"""docs/architecture.md describes every package and every knowledge data file there is."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SOURCE = ROOT / "src" / "trdnav"
DATA = SOURCE / "knowledge" / "data"
DOC = ROOT / "docs" / "architecture.md"


def _packages() -> list[str]:
    """Every directory under src/trdnav with an __init__.py, as a dotted name (`trdnav.web.staff`)."""
    return sorted(
        ".".join(init.parent.relative_to(SOURCE.parent).parts) for init in SOURCE.rglob("__init__.py")
    )


def _data_files() -> list[str]:
    return sorted(path.relative_to(DATA).as_posix() for path in DATA.rglob("*") if path.is_file())


def _named_in_doc() -> set[str]:
    """Everything the doc writes as code (`...`)."""
    return set(re.findall(r"`([^`\n]+)`", DOC.read_text(encoding="utf-8")))


def covers(pattern: str, path: str) -> bool:
    """Whether a path, or a glob written folder by folder (`therapies/*.yaml`), names the file.

    A `*` stays within one folder: `*.yaml` names the files at the top of data/, not those in
    `rules/`."""
    pattern_parts, path_parts = pattern.split("/"), path.split("/")
    return len(pattern_parts) == len(path_parts) and all(
        fnmatchcase(name, wanted) for name, wanted in zip(path_parts, pattern_parts, strict=True)
    )


def test_the_packages_and_data_files_are_found() -> None:
    # Guards the two tests below against passing on nothing, should the layout move.
    assert {"trdnav", "trdnav.core", "trdnav.knowledge", "trdnav.web"} <= set(_packages())
    assert {"manifest.toml", "items.yaml", "rules/general.yaml"} <= set(_data_files())


@pytest.mark.parametrize("package", _packages())
def test_every_package_is_described(package: str) -> None:
    assert package in _named_in_doc(), f"docs/architecture.md does not describe `{package}`"


@pytest.mark.parametrize("data_file", _data_files())
def test_every_knowledge_data_file_is_described(data_file: str) -> None:
    named = [pattern for pattern in _named_in_doc() if covers(pattern, data_file)]
    assert named, (
        f"docs/architecture.md does not describe the data file {data_file!r} "
        "(write its path under data/, or a glob such as `rules/*.yaml`)"
    )


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("rules/*.yaml", "rules/tms.yaml", True),
        ("items.yaml", "items.yaml", True),
        ("*.yaml", "rules/tms.yaml", False),
        ("rules/*.yaml", "rules/deep/tms.yaml", False),
        ("therapies/*.yaml", "rules/tms.yaml", False),
        ("items.yaml", "items.yml", False),
    ],
)
def test_a_glob_covers_files_of_its_own_folder_only(pattern: str, path: str, expected: bool) -> None:
    assert covers(pattern, path) is expected
