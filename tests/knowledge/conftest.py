"""A fresh copy of the shipped knowledge-base data for a test to break (``data_copy``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.knowledge.data_edits import DATA


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target
