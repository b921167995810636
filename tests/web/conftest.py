"""Web fixtures: a fresh app on a fresh database for each test, and an in-process client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

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


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class BrowserClient(TestClient):
    """Sends forms the way a browser does: with the CSRF token from a page this client was served.

    Requests to the JSON API, and requests that already say what body they send, are left as they
    are. A test of the CSRF check itself uses ``TestClient.post`` directly.
    """

    csrf_token: str | None = None

    def post(self, url: Any, *args: Any, data: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        if not str(url).startswith("/api/") and not {"json", "content", "files"} & kwargs.keys():
            data = {**(data or {}), "csrf_token": self.form_token()}
        return super().post(url, *args, data=data, **kwargs)

    def form_token(self) -> str:
        if self.csrf_token is None:
            found = CSRF_FIELD.search(self.get("/").text)
            assert found, "the start page carries a CSRF token"
            self.csrf_token = found.group(1)
        return self.csrf_token


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with BrowserClient(app) as test_client:
        yield test_client
