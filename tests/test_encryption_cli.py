"""`trdnav db new-key` and `trdnav db reencrypt`: the operator's key rotation, and the encryption of
TOTP secrets an earlier version kept in plain text."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from trdnav.cli import app
from trdnav.settings import Settings
from trdnav.store.accounts import create_clinic, create_staff
from trdnav.store.database import migrate, open_engine
from trdnav.store.secrets_at_rest import Keyring

PLAIN_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[Engine]:
    opened = open_engine(fresh_database_url)
    migrate(opened)  # as Alembic run by hand: no keyring, so nothing is encrypted yet
    yield opened
    opened.dispose()


@pytest.fixture(autouse=True)
def _no_other_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper().startswith("TRDNAV_"):
            monkeypatch.delenv(key)


def trdnav(url: str, keys: str, *arguments: str) -> Result:
    env = {
        "TRDNAV_DATABASE_URL": url,
        "TRDNAV_ENCRYPTION_KEY": keys,
        "TRDNAV_ENVIRONMENT": "production",
        "TRDNAV_SECRET_KEY": "s" * 40,
        "TRDNAV_AUDIT_KEY": "a" * 40,  # production needs the audit key too
    }
    return CliRunner().invoke(app, list(arguments), env=env)


def _stored(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT totp_secret FROM staff")).scalar_one())


def test_reencrypt_encrypts_plain_secrets_then_moves_them_to_a_new_key(
    engine: Engine, fresh_database_url: str
) -> None:
    with Session(engine) as session, session.begin():
        clinic = create_clinic(session, slug="north", name="North", settings=Settings())
        staff = create_staff(
            session, clinic=clinic, email="a@example.org", name="A", role="admin", password="long enough pw"
        )
        staff.totp_secret = PLAIN_SECRET
    made = CliRunner().invoke(app, ["db", "new-key"])
    assert made.exit_code == 0
    old = made.stdout.strip()
    Keyring((old,))  # a valid key

    first = trdnav(fresh_database_url, old, "db", "reencrypt")
    assert first.exit_code == 0, first.output
    assert "Re-encrypted 1 secret(s)" in first.stdout
    assert PLAIN_SECRET not in _stored(engine)
    assert Keyring((old,)).decrypt(_stored(engine)) == PLAIN_SECRET

    new = CliRunner().invoke(app, ["db", "new-key"]).stdout.strip()
    rotated = trdnav(fresh_database_url, f"{new},{old}", "db", "reencrypt")
    assert rotated.exit_code == 0 and "Re-encrypted 1 secret(s)" in rotated.stdout
    assert Keyring((new,)).decrypt(_stored(engine)) == PLAIN_SECRET, "the old key can go"

    lost = trdnav(
        fresh_database_url, CliRunner().invoke(app, ["db", "new-key"]).stdout.strip(), "db", "reencrypt"
    )
    assert lost.exit_code == 2 and "Traceback" not in lost.output
    assert "TRDNAV_ENCRYPTION_KEY" in lost.output


def test_commands_refuse_production_without_a_key(fresh_database_url: str) -> None:
    result = CliRunner().invoke(
        app,
        ["db", "reencrypt"],
        env={
            "TRDNAV_DATABASE_URL": fresh_database_url,
            "TRDNAV_ENVIRONMENT": "production",
            "TRDNAV_SECRET_KEY": "s" * 40,
            "TRDNAV_AUDIT_KEY": "a" * 40,
        },
    )
    assert result.exit_code == 2 and "TRDNAV_ENCRYPTION_KEY" in result.output
