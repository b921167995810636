"""Opening the database: SQLite (WAL, foreign keys) or PostgreSQL, migrated to the latest schema."""

from __future__ import annotations

import contextlib
import functools
import os
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from trdnav.store.audit_keys import DEVELOPMENT_KEYRING, KEYRING, AuditKeyring


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    connection.isolation_level = None  # SQLAlchemy's "begin" event below opens the transactions
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: each commit is synced to disk, WAL included, so an acknowledged write also survives a
    # power loss (NORMAL only survives a crash of the app). Measured: 2.4-3.6 ms a commit instead
    # of 0.02-0.03 ms on the development machine's ext4 disk (docs/operations.md).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")
PRIVATE = 0o600


def _private_sqlite_files(database: Path) -> None:
    """Create the database file readable and writable by its owner only (0600), or make an existing
    one so; SQLite gives its WAL, shared-memory and journal files the database file's mode, and
    any left from an earlier start are made private too. Patient data is in all of them."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    for suffix in SQLITE_COMPANIONS:
        file = database.with_name(database.name + suffix)
        if file.exists() and file.stat().st_mode & 0o777 != PRIVATE:
            file.chmod(PRIVATE)


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at the start of each transaction, waiting up to the busy timeout.

    With the default deferred BEGIN, two transactions that read and then write fail at once with
    "database is locked" instead of waiting their turn; the audit chain's append reads then writes.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_engine(url: str) -> Engine:
    """Create the engine; for a file SQLite database, create its folder first, and the file 0600.

    ``hide_parameters``: a database error's message (which may reach a log as a traceback) names
    the SQL but never the values, which can be a patient's answers or contact details.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            _private_sqlite_files(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("trdnav.store").joinpath("migrations")))
    return config


@functools.cache
def _head() -> str | None:
    """The latest revision of the migrations shipped with this version (read once per process)."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def migrate(engine: Engine, keyring: object | None = None) -> None:
    """Bring the schema to the latest Alembic revision (creates it on first start).

    A database already there is only read (its revision), without starting Alembic's environment.
    ``keyring`` (`trdnav.store.secrets_at_rest.Keyring`) lets the migrations encrypt secrets kept in
    plain text by earlier versions (0010); without it they wait for `trdnav db reencrypt`.
    """
    with engine.begin() as connection:
        if MigrationContext.configure(connection).get_current_revision() == _head():
            return
        config = _config()
        config.attributes["connection"] = connection
        config.attributes["keyring"] = keyring
        command.upgrade(config, "head")


def session_factory(engine: Engine, audit_keyring: AuditKeyring | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose audit entries are chained with ``audit_keyring``'s current key
    (default: the public development keyring; the app and the commands pass the installation's)."""
    return sessionmaker(engine, expire_on_commit=False, info={KEYRING: audit_keyring or DEVELOPMENT_KEYRING})
