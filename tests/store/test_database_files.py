"""The SQLite database is private and durable: its file, WAL and shared-memory files are created
readable by their owner only (0600, whatever the umask), an existing one is made so at the next
start, and every connection commits with ``synchronous=FULL`` (survives a power loss)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from trdnav.store.database import migrate, open_engine


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual umask: without care, files are world-readable (0644)
    try:
        yield
    finally:
        os.umask(previous)


def _modes(database: Path) -> dict[str, int]:
    files = [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]
    return {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}


def test_a_new_database_its_wal_and_shm_files_are_0600(tmp_path: Path, permissive_umask: None) -> None:
    database = tmp_path / "var" / "trdnav.db"
    engine = open_engine(f"sqlite:///{database}")
    try:
        migrate(engine)
        with engine.connect() as connection:  # open: the WAL and shared-memory files exist
            connection.execute(text("SELECT count(*) FROM clinics"))
            assert _modes(database) == {"trdnav.db": 0o600, "trdnav.db-wal": 0o600, "trdnav.db-shm": 0o600}
    finally:
        engine.dispose()


def test_an_existing_world_readable_database_is_made_private_at_the_next_start(
    tmp_path: Path, permissive_umask: None
) -> None:
    database = tmp_path / "trdnav.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    engine = open_engine(f"sqlite:///{database}")
    try:
        migrate(engine)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            assert set(_modes(database).values()) == {0o600}
    finally:
        engine.dispose()


def test_every_sqlite_connection_syncs_each_commit_fully(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'trdnav.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        engine.dispose()
