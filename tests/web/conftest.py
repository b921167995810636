"""Web fixtures: a fresh app on a fresh database for each test, and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from trdnav.settings import Settings
from trdnav.web.app import create_app


@pytest.fixture
def database_url(fresh_database_url: str) -> str:
    """A new, empty database per test; every web test runs twice, on SQLite and on PostgreSQL.

    ``fresh_database_url`` (tests/postgres.py) is parametrized over ["sqlite", "postgresql"].
    """
    return fresh_database_url


@pytest.fixture
def app(database_url: str) -> Iterator[FastAPI]:
    application = create_app(Settings(database_url=database_url))
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
