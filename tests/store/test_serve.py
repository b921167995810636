"""`trdnav serve` (what `make run` calls): database created and migrated on first start, URL printed,
bad settings named without a traceback, and private links kept out of the logs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from alembic.migration import MigrationContext
from typer.testing import CliRunner

from trdnav.cli import app
from trdnav.store.database import open_engine

START_SECONDS = 30
SECRET = "NotARealTokenButLooksLikeOne_0123456789abc"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(**settings: str) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.upper().startswith("TRDNAV_")}
    return {**environ, "PYTHONUNBUFFERED": "1", **settings}


def _serve(cwd: Path, environ: dict[str, str], port: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "from trdnav.cli import main; main()", "serve", "--port", str(port)]
    return subprocess.Popen(
        command, cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_until_up(server: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            out, err = server.communicate()
            pytest.fail(f"trdnav serve stopped with status {server.returncode}:\n{out}\n{err}")
        try:
            httpx.get(base + "openapi.json", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"trdnav serve did not answer within {START_SECONDS} s")


@pytest.mark.slow  # starts `trdnav serve` in a subprocess and waits for it to answer: 2-3 s
def test_serve_creates_and_migrates_the_database_and_prints_its_url(
    fresh_database_url: str, tmp_path: Path
) -> None:
    """With TRDNAV_DATABASE_URL unset, the database is var/trdnav.db in the working directory."""
    default = fresh_database_url.startswith("sqlite")
    environ = _environment() if default else _environment(TRDNAV_DATABASE_URL=fresh_database_url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    server = _serve(tmp_path, environ, port)
    try:
        _wait_until_up(server, base)
        schema = httpx.get(base + "openapi.json", timeout=5)
        docs = httpx.get(base + "docs", timeout=5)
        httpx.get(f"{base}a/{SECRET}/about", timeout=5)
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert f"TRD Navigator is running at {base}" in out.splitlines()
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "TRD Navigator"
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert SECRET not in out + err, "the private link must never be logged"
    database = f"sqlite:///{tmp_path / 'var' / 'trdnav.db'}" if default else fresh_database_url
    if default:
        assert (tmp_path / "var" / "trdnav.db").is_file()
    engine = open_engine(database)
    try:
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() is not None
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TRDNAV_MAX_BODY_BYTES", "lots"),
        ("TRDNAV_MAX_BODY_BYTES", "10"),
        ("TRDNAV_THERAPIES", "tms"),
        ("TRDNAV_THERAPIES", '["tms", "magic"]'),
        ("TRDNAV_COUNTRY", "usa"),
        ("TRDNAV_DATABASE_URL", "not a url"),
        ("TRDNAV_DATABASE_URL", "nosuchdriver://host/db"),
        ("TRDNAV_DATABASE_URL", "postgresql+psycopg://user:hunter2@127.0.0.1:1/db"),
        ("TRDNAV_DATABSE_URL", "sqlite:///typo.db"),
        ("TRDNAV_DEFAULT_CLINIC", "no-such-clinic"),  # never a silent standalone start page
    ],
)
def test_a_bad_setting_is_named_without_a_traceback(
    variable: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.upper().startswith("TRDNAV_"):
            monkeypatch.delenv(key)
    result = CliRunner().invoke(app, ["serve", "--port", str(_free_port())], env={variable: value})
    assert result.exit_code == 2, result.output
    assert variable in result.output
    assert "Traceback" not in result.output
    assert "hunter2" not in result.output
    assert "running at" not in result.output


def test_a_bad_port_is_refused() -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.output
