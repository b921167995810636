"""Storage fixtures: a migrated database per test, on SQLite and on PostgreSQL (tests/postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from trdnav.store.database import open_engine, session_factory


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[Engine]:
    """An engine on a new database at the latest revision (``migrated_database_url``); disposed after
    the test."""
    opened = open_engine(migrated_database_url)
    yield opened
    opened.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
