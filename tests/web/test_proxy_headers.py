"""X-Forwarded-For is believed only from the proxies named in ``TRDNAV_TRUSTED_PROXIES`` (none by
default): otherwise anyone could pick the address the sign-in throttle counts and the audit trail
records, and so guess passwords without ever being throttled."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import select

from tests.web.conftest import PASSWORD, BrowserClient, World, build_world
from trdnav.settings import Settings
from trdnav.store.models import AuditEvent, LoginFailure
from trdnav.store.signin import NO_ACCOUNT
from trdnav.web import serve
from trdnav.web.app import create_app

ANA = "ana@north.example"
PROXY = "10.0.0.5"
STRANGER = "192.0.2.44"


def _login(client: BrowserClient, password: str, forwarded_for: str) -> Any:
    """Ana's right password, or a wrong one for an unknown e-mail (no account gets locked)."""
    email = ANA if password == PASSWORD else f"nobody.{password.replace(' ', '.')}@north.example"
    return client.post(
        "/staff/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
        follow_redirects=False,
    )


def _addresses(app: FastAPI) -> tuple[set[str], set[str]]:
    """The addresses of the failed sign-ins: as counted by the throttle, and as audited."""
    with app.state.sessions() as session:
        by_address = ~LoginFailure.address.startswith(NO_ACCOUNT)  # not the no-account e-mails' rows
        counted = set(session.scalars(select(LoginFailure.address).where(by_address)))
        audited = set(session.scalars(select(AuditEvent.address).where(AuditEvent.actor == "anonymous")))
    return counted, audited


@pytest.fixture
def proxied_app(database_url: str) -> Iterator[FastAPI]:
    application = create_app(Settings(database_url=database_url, trusted_proxies=["10.0.0.0/24"]))
    yield application
    application.state.engine.dispose()


def test_by_default_a_forged_x_forwarded_for_changes_neither_the_throttle_nor_the_audit(
    app: FastAPI, world: World
) -> None:
    client = BrowserClient(app, client=(STRANGER, 40000))
    for attempt in range(10):
        assert _login(client, "wrong password", f"203.0.113.{attempt}").status_code == 422
    assert _login(client, PASSWORD, "203.0.113.200").status_code == 429, "a fresh forged address is no escape"
    assert _addresses(app) == ({STRANGER}, {STRANGER})


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted_and_audited(proxied_app: FastAPI) -> None:
    build_world(proxied_app)
    through_proxy = BrowserClient(proxied_app, client=(PROXY, 40000))
    for _ in range(10):
        assert _login(through_proxy, "wrong password", "203.0.113.7").status_code == 422
    assert _login(through_proxy, PASSWORD, "203.0.113.7").status_code == 429
    assert _addresses(proxied_app) == ({"203.0.113.7"}, {"203.0.113.7"})
    assert _login(through_proxy, PASSWORD, "203.0.113.8").status_code == 303, "another person, not throttled"


def test_a_client_that_is_not_a_trusted_proxy_cannot_forward_an_address(proxied_app: FastAPI) -> None:
    build_world(proxied_app)
    direct = BrowserClient(proxied_app, client=(STRANGER, 40000))
    assert _login(direct, "wrong password", "10.0.0.9").status_code == 422
    assert _addresses(proxied_app) == ({STRANGER}, {STRANGER})


def test_a_trusted_proxy_that_is_not_an_address_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match=re.escape("'proxy.example' is not an IP address or network")):
        Settings(trusted_proxies=["10.0.0.0/8", "proxy.example"])


def test_uvicorn_itself_never_reads_proxy_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's default believes X-Forwarded-For from 127.0.0.1: a local process could forge it."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve, "build_app", lambda settings: object())
    monkeypatch.setattr(serve, "configure_logging", lambda: None)
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **options: seen.update(options))
    serve.serve(Settings(), host="127.0.0.1", port=8000, announce=lambda line: None)
    assert seen["proxy_headers"] is False
