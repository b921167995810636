"""In production the app refuses to start with a missing, default or short secret key (it signs
the CSRF tokens); `trdnav serve` says so naming TRDNAV_SECRET_KEY, with exit status 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trdnav.cli import app
from trdnav.settings import DEFAULT_SECRET_KEY, Settings
from trdnav.store.secrets_at_rest import new_key
from trdnav.web.app import create_app


@pytest.mark.parametrize("secret_key", [DEFAULT_SECRET_KEY, "", "x" * 31])
def test_create_app_refuses_a_weak_secret_key_in_production(secret_key: str, tmp_path: Path) -> None:
    settings = Settings(
        environment="production", secret_key=secret_key, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    with pytest.raises(ValueError, match="TRDNAV_SECRET_KEY") as refused:
        create_app(settings)
    assert "secrets.token_urlsafe" in str(refused.value)
    assert not (tmp_path / "db.sqlite").exists(), "refused before the database is touched"


def test_a_strong_key_in_production_and_the_default_in_development_start(tmp_path: Path) -> None:
    for settings in (
        Settings(
            environment="production",
            secret_key="k" * 32,
            audit_key="a" * 32,
            encryption_key=new_key(),
            database_url=f"sqlite:///{tmp_path / 'a.db'}",
        ),
        Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}"),
    ):
        create_app(settings).state.engine.dispose()


def test_serve_in_production_without_a_secret_key_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.upper().startswith("TRDNAV_"):
            monkeypatch.delenv(key)
    result = CliRunner().invoke(app, ["serve", "--port", "8765"], env={"TRDNAV_ENVIRONMENT": "production"})
    assert result.exit_code == 2, result.output
    assert "TRDNAV_SECRET_KEY" in result.output
    assert "Traceback" not in result.output and "running at" not in result.output


def test_create_app_refuses_production_without_an_encryption_key(tmp_path: Path) -> None:
    """The TOTP secrets' key must come from outside the database: no key, no start."""
    settings = Settings(
        environment="production", secret_key="k" * 32, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    with pytest.raises(ValueError, match="TRDNAV_ENCRYPTION_KEY"):
        create_app(settings)
    assert not (tmp_path / "db.sqlite").exists(), "refused before the database is touched"
