"""Editing a copy of the knowledge-base data, and the problems the loader then reports."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from trdnav.knowledge.loader import KnowledgeError, load_from

DATA = Path(str(resources.files("trdnav.knowledge").joinpath("data")))


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file with ``new``; ``old`` must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_problems(folder: Path) -> list[str]:
    """The problems the loader reports for the data in ``folder`` (it must refuse it)."""
    with pytest.raises(KnowledgeError) as caught:
        load_from(folder)  # type: ignore[arg-type]
    return caught.value.problems
