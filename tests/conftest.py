"""Shared builders: answer documents for the vignettes and property tests."""

from __future__ import annotations

from typing import Any

import pytest

from trdnav.knowledge.loader import KnowledgeBase, load


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load()


def safety_items() -> list[str]:
    return [item.id for item in load().items.values() if item.section == "safety"]


def all_no(**overrides: Any) -> dict[str, Any]:
    """A document where every safety question is answered "no", plus ``overrides``."""
    answers: dict[str, Any] = dict.fromkeys(safety_items(), "no")
    answers.update(overrides)
    return {"version": 1, "answers": answers}


def document(**answers: Any) -> dict[str, Any]:
    return {"version": 1, "answers": answers}


pytest_plugins = ["tests.postgres"]
