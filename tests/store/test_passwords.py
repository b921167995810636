"""Password hashing: production parameters, the tests' cheap ones, and hashes made with either."""

from __future__ import annotations

import os
import subprocess
import sys

from argon2.profiles import RFC_9106_LOW_MEMORY

from trdnav.store.passwords import (
    PRODUCTION_PARAMETERS,
    dummy_hash,
    hash_password,
    hashing_with,
    password_matches,
)

PRODUCTION_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"  # RFC 9106's second recommended option
CHEAP_PREFIX = "$argon2id$v=19$m=8,t=1,p=1$"
PASSWORD = "correct horse battery staple"


def test_production_hashes_use_rfc_9106_low_memory_parameters() -> None:
    """A program that never calls hashing_with (a fresh interpreter, as the app and CLI run) hashes
    with argon2id, 64 MiB of memory, 3 passes and 4 lanes."""
    hashed = subprocess.run(
        [sys.executable, "-c", "from trdnav.store.passwords import hash_password; print(hash_password('x'))"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ).stdout.strip()
    assert hashed.startswith(PRODUCTION_PREFIX), hashed
    assert PRODUCTION_PARAMETERS == RFC_9106_LOW_MEMORY


def test_the_tests_hash_with_cheap_parameters() -> None:
    assert hash_password(PASSWORD).startswith(CHEAP_PREFIX)
    assert dummy_hash().startswith(CHEAP_PREFIX)


def test_hashes_made_with_other_parameters_still_verify() -> None:
    cheap = hash_password(PASSWORD)
    with hashing_with(PRODUCTION_PARAMETERS):
        production = hash_password(PASSWORD)
        assert production.startswith(PRODUCTION_PREFIX)
        assert dummy_hash().startswith(PRODUCTION_PREFIX)
        assert password_matches(cheap, PASSWORD)
        assert not password_matches(cheap, "wrong " + PASSWORD)
    assert hash_password(PASSWORD).startswith(CHEAP_PREFIX), "the parameters before the block are back"
    assert password_matches(production, PASSWORD)
    assert not password_matches(production, "wrong " + PASSWORD)
    assert not password_matches("not a hash", PASSWORD)
