"""Command-line groups that work on the installation's database (accounts, backups, audit).

`open_database` reads the settings from the environment like `trdnav serve`, opens and migrates
the database, and gives the settings, the engine, the audit keyring and a session factory whose
sessions chain audit entries with it; `opened` does the same for a ``with`` block and disposes
of the engine after it. Setting problems, and a database URL that
cannot be used or opened, are printed as lines naming the setting (the URL's password hidden),
with exit status 2 and no traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from trdnav.settings import Settings
from trdnav.store.audit_keys import AuditKeyError, AuditKeyring, keyring_from_settings
from trdnav.store.backup import shown
from trdnav.store.database import migrate, open_engine, session_factory
from trdnav.store.secrets_at_rest import KeyringError, keyring_from

INPUT_ERROR = 2
URL_SETTING = "TRDNAV_DATABASE_URL"
err = Console(stderr=True, soft_wrap=True)


def fail(lines: list[str]) -> typer.Exit:
    for line in lines:
        err.print(line, markup=False, highlight=False)
    return typer.Exit(INPUT_ERROR)


@dataclass(frozen=True)
class Database:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    audit_keyring: AuditKeyring


def open_database() -> Database:
    """The migrated database; a setting or URL that cannot be used, or a database that cannot be
    opened, is named (exit status 2)."""
    from trdnav.web.serve import ServeError, settings_from_environment  # the same checks as serve

    try:
        settings = settings_from_environment()
    except ServeError as error:
        raise fail(error.lines) from None
    try:
        audit_keys = keyring_from_settings(settings)
    except AuditKeyError as error:
        raise fail(error.lines) from None
    url = settings.database_url
    try:
        secret_keys = keyring_from(settings)  # the encryption keys of the secrets kept in the database
    except KeyringError as error:
        raise fail([str(error)]) from None
    try:
        engine = open_engine(url)
    except (ArgumentError, NoSuchModuleError):
        raise fail(
            [
                f"{URL_SETTING}: not a usable SQLAlchemy URL; expected sqlite:///path/to/file.db "
                "or postgresql+psycopg://user@host/database"
            ]
        ) from None
    try:
        migrate(engine, secret_keys)
    except DBAPIError as error:
        engine.dispose()
        reason = str(error.orig or error).strip().splitlines()[0]
        raise fail([f"{URL_SETTING}: cannot open the database {shown(url)}: {reason}"]) from None
    return Database(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine, audit_keys),
        audit_keyring=audit_keys,
    )


@contextmanager
def opened() -> Iterator[Database]:
    """`open_database` for a ``with`` block; the engine is disposed of when the block ends."""
    database = open_database()
    try:
        yield database
    finally:
        database.engine.dispose()
