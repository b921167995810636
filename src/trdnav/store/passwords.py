"""Password hashing: argon2id with RFC 9106's parameters for limited memory.

Every new hash is made with `PRODUCTION_PARAMETERS` unless a block of code asks otherwise with
`hashing_with` (the tests do, for speed: a production hash costs about 90 ms of CPU). Checking a
password reads the parameters stored in its hash, so hashes made with other parameters keep working.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

PRODUCTION_PARAMETERS = RFC_9106_LOW_MEMORY  # argon2id, 64 MiB, 3 passes, 4 lanes: argon2-cffi's default

_hasher = PasswordHasher.from_parameters(PRODUCTION_PARAMETERS)


@contextmanager
def hashing_with(parameters: Parameters) -> Iterator[None]:
    """Make new hashes with ``parameters`` inside the block, then with the ones used before it."""
    global _hasher
    before = _hasher
    _hasher = PasswordHasher.from_parameters(parameters)
    try:
        yield
    finally:
        _hasher = before


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_hash() -> str:
    """A hash of no account's password, made with the parameters in use: checking a password
    against it takes as long as checking one against a real account's hash."""
    return _hash_of_no_password(_hasher)


@functools.cache
def _hash_of_no_password(hasher: PasswordHasher) -> str:
    return hasher.hash("not the password of any account")
