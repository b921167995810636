"""The official SQL on FHIR v2 test suite, run on an engine, with the suite's test-report shape.

A test passes when the rows match as a multiset (numbers as numbers, booleans apart from numbers,
order kept inside collections), or, for ``expectError``, when the view is refused (`ViewError`).
The report is ``{file: {"tests": [{"name": title, "result": {"passed": bool}}]}}``; `outcomes`
also says why a test failed and its tags (``shareable`` or ``experimental``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trdnav.views.errors import ViewError
from trdnav.views.running import run


@dataclass(frozen=True)
class Outcome:
    file: str
    title: str
    tags: tuple[str, ...]
    passed: bool
    reason: str  # why it failed, or how an expected error was given ("" for matching rows)


def _same(row: Any) -> str:
    """A row as comparable text: booleans stay apart from numbers, 1 and 1.0 are one number."""

    def normal(value: Any) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, list):
            return [normal(v) for v in value]
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items()}
        return value

    return json.dumps(normal(row), sort_keys=True)


def outcome(file: str, test: dict[str, Any], resources: list[Any], engine: str) -> Outcome:
    tags = tuple(test.get("tags", []))
    try:
        rows = run(test["view"], resources, engine)
    except ViewError as error:
        expected_error = bool(test.get("expectError"))
        return Outcome(file, test["title"], tags, expected_error, str(error))
    if test.get("expectError"):
        return Outcome(file, test["title"], tags, False, "the view was run; the suite expects it refused")
    expected = test.get("expect", [])
    if sorted(map(_same, rows)) == sorted(map(_same, expected)):
        return Outcome(file, test["title"], tags, True, "")
    return Outcome(file, test["title"], tags, False, f"rows differ: got {rows[:5]}, expected {expected[:5]}")


def cases(folder: Path) -> Iterator[tuple[str, dict[str, Any], list[Any]]]:
    """Every test of the suite: (file name, test, the file's resources)."""
    for path in sorted(folder.glob("*.json")):
        if path.name == "tests.schema.json":
            continue
        content = json.loads(path.read_text(encoding="utf-8"))
        for test in content.get("tests", []):
            yield path.name, test, content.get("resources", [])


def outcomes(folder: Path, engine: str = "duckdb") -> list[Outcome]:
    return [outcome(file, test, resources, engine) for file, test, resources in cases(folder)]


def report(results: list[Outcome]) -> dict[str, Any]:
    """The suite's test-report JSON."""
    shaped: dict[str, Any] = {}
    for result in results:
        shaped.setdefault(result.file, {"tests": []})["tests"].append(
            {"name": result.title, "result": {"passed": result.passed}}
        )
    return shaped
