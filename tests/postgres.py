"""A throwaway PostgreSQL server for the test session, and a fresh database per test on it or on SQLite.

Uses Debian's server binaries (``/usr/lib/postgresql/*/bin``, package ``postgresql``, installed by
``scripts/install-system-packages.sh``). The cluster lives in a temporary folder, listens on a free
port on 127.0.0.1 and on a unix socket in that folder, and is stopped at the end of the session,
also when a test fails. As root, the server runs as the ``postgres`` system user (PostgreSQL refuses
to run as root).

Fixtures (registered for every test by ``pytest_plugins`` in ``tests/conftest.py``):

- ``postgres_url``: session-wide SQLAlchemy URL of the server's ``trdnav`` database;
- ``database_backend``: parametrized over ``sqlite`` and ``postgresql`` (marked ``postgres``, so that
  ``-m "not postgres"`` leaves it out); each of the two fixtures below (a test uses one of them)
  makes its database on this backend;
- ``fresh_database_url``: a new, empty SQLite file or a new PostgreSQL database
  (``CREATE DATABASE t_<uuid>``) for one test, dropped afterwards: for tests of migrating itself;
- ``migrated_database_url``: the same, with the schema at the latest revision. The migrations run
  once per test session (per xdist worker: each has its own server and folders) into a template,
  and each test gets a copy: of the SQLite file, or ``CREATE DATABASE t_<uuid> TEMPLATE
  trdnav_template``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import Pool

from trdnav.store.database import migrate, open_engine

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
TEMPLATE_DATABASE = "trdnav_template"
INSTALL_HINT = "run scripts/install-system-packages.sh (make test does this)"
SERVER_USER = "postgres"
START_TIMEOUT_SECONDS = 60


def _server_binaries() -> Path:
    """The bin folder of the newest PostgreSQL installed from Debian's packages."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    usable = [path for path in found if (path / "initdb").exists() and (path / "pg_ctl").exists()]
    if not usable:
        pytest.fail(
            "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin: "
            + INSTALL_HINT,
            pytrace=False,
        )
    return usable[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Server:
    """One PostgreSQL cluster in a temporary folder, run as ``postgres`` when we are root."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="trdnav-postgres-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        if self.as_root:
            try:
                account = pwd.getpwnam(SERVER_USER)
            except KeyError:
                pytest.fail(f"the '{SERVER_USER}' system user is missing: {INSTALL_HINT}", pytrace=False)
            if shutil.which("runuser") is None:
                pytest.fail("runuser (util-linux) is needed to start PostgreSQL as root", pytrace=False)
            os.chown(self.folder, account.pw_uid, account.pw_gid)

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.binaries / program), *arguments]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS, check=False
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            pytest.fail(
                f"{program} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{log}", pytrace=False
            )

    def start(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        settings = [
            "-h 127.0.0.1",
            f"-p {self.port}",
            f"-k {self.folder}",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=300",
        ]
        self._run(
            "pg_ctl",
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log),
            "--options",
            " ".join(settings),
            "--wait",
            f"--timeout={START_TIMEOUT_SECONDS}",
            "start",
        )

    def stop(self) -> None:
        """Stop the server (if it started) and remove its folder; never raises."""
        if (self.data / "postmaster.pid").exists():
            command = [str(self.binaries / "pg_ctl"), "--pgdata", str(self.data), "--mode", "immediate"]
            if self.as_root:
                command = ["runuser", "-u", SERVER_USER, "--", *command]
            subprocess.run([*command, "--wait", "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return URL.create(
            "postgresql+psycopg", username="postgres", host="127.0.0.1", port=self.port, database=database
        ).render_as_string(hide_password=False)


def _admin(url: str, statement: sql.Composed | sql.SQL) -> None:
    """Run one statement that cannot run in a transaction (CREATE/DROP DATABASE)."""
    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database, autocommit=True
    ) as connection:
        connection.execute(statement)


def create_database(postgres_url: str, template: str | None = None) -> str:
    """A new database on the test server, empty or a copy of ``template``; returns its SQLAlchemy URL."""
    name = f"t_{uuid.uuid4().hex}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    _admin(postgres_url, statement)
    return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)


def drop_database(postgres_url: str, database_url: str) -> None:
    """Drop a database made by ``create_database``, closing any connection left open to it."""
    name = make_url(database_url).database or ""
    _admin(postgres_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL (``postgresql+psycopg://``) of a database on a server started for this session."""
    server = _Server(_server_binaries())
    try:
        server.start()
        _admin(server.url("postgres"), sql.SQL("CREATE DATABASE trdnav"))
        yield server.url("trdnav")
    finally:
        server.stop()


def _migrate(url: str) -> None:
    engine = open_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()  # also ends SQLite's WAL: the file alone holds the schema


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the latest revision, to be copied."""
    file = tmp_path_factory.mktemp("template") / "trdnav.db"
    _migrate(f"sqlite:///{file}")
    return file


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> str:
    """The name of a database on the test server migrated to the latest revision, to be copied."""
    _admin(postgres_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DATABASE)))
    _migrate(make_url(postgres_url).set(database=TEMPLATE_DATABASE).render_as_string(hide_password=False))
    return TEMPLATE_DATABASE


@pytest.fixture(params=DATABASES)
def database_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: every test that uses a database runs on both."""
    backend: str = request.param
    return backend


def _database(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool
) -> Iterator[str]:
    file = tmp_path / "trdnav.db"
    if backend == "sqlite":
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), file)
        yield f"sqlite:///{file}"
        return
    server_url: str = request.getfixturevalue("postgres_url")
    url = create_database(server_url, request.getfixturevalue("postgres_template") if migrated else None)
    with _connections_closed_after(make_url(url).database or ""):
        yield url
    drop_database(server_url, url)


@pytest.fixture
def fresh_database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A new, empty database for one test: a SQLite file, or a PostgreSQL database on the test server."""
    yield from _database(database_backend, request, tmp_path, migrated=False)


@pytest.fixture
def migrated_database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A new database at the latest schema revision for one test (a copy of the session's template)."""
    yield from _database(database_backend, request, tmp_path, migrated=True)


@contextmanager
def _connections_closed_after(database: str) -> Iterator[None]:
    """Close every pooled connection opened to ``database`` meanwhile (by the app or the test).

    An app built in a test keeps its engine's pool open; psycopg warns (ResourceWarning, an error
    here) when such a connection is garbage-collected open, maybe during a later test.
    """
    opened: list[Any] = []

    def remember(dbapi_connection: Any, _record: Any) -> None:
        if getattr(dbapi_connection, "info", None) and dbapi_connection.info.dbname == database:
            opened.append(dbapi_connection)

    event.listen(Pool, "connect", remember)
    try:
        yield
    finally:
        event.remove(Pool, "connect", remember)
        for connection in opened:
            connection.close()
