"""Shared builders (answer documents for the vignettes and property tests) and the test session's
settings: cheap password hashing, Hypothesis profiles, and the marks given by where a test lives."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2.profiles import RFC_9106_LOW_MEMORY
from hypothesis import HealthCheck, settings

from trdnav.knowledge.loader import KnowledgeBase, load
from trdnav.store.passwords import hashing_with

# The production parameters (RFC 9106, 64 MiB and 3 passes: about 90 ms a hash) at argon2's lowest
# cost; tests/store/test_passwords.py checks the production ones.
CHEAP_PASSWORD_HASHING = dataclasses.replace(RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    with hashing_with(CHEAP_PASSWORD_HASHING):
        yield


# Hypothesis profiles, chosen with `--hypothesis-profile`: "thorough" unless told (make test, and a
# plain pytest), "quick" for make test-fast. Property tests leave max_examples to the profile.
THOROUGH_EXAMPLES = 300  # the most any property test asked for before the profiles
QUICK_EXAMPLES = 25
# No per-example deadline and no "too slow" health check: speed is measured in benchmarks (`make
# bench`), not in timed tests; on a loaded 2-core CI machine a correct property test took 265 ms
# against the 200 ms deadline, and helpers saw "input generation is slow" stop runs.
UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("thorough", max_examples=THOROUGH_EXAMPLES, **UNTIMED)
settings.register_profile("quick", max_examples=QUICK_EXAMPLES, **UNTIMED)
settings.load_profile("thorough")

BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser drives Chromium: mark it ``browser``."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


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
