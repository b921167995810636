"""Backing up and restoring the whole database: SQLite's online backup, or pg_dump/pg_restore.

A backup is consistent even while the app writes: SQLite's backup API copies one snapshot (the
database runs in WAL mode, so an open write transaction neither blocks the copy nor leaks into it);
``pg_dump`` reads inside one repeatable-read transaction. A backup is written next to its final
name and renamed into place, so a crash never leaves a half-written backup under that name; it is
readable by its owner only (mode 0600), since it holds every patient's data.

Restoring checks the file's kind first (an SQLite file for SQLite, a ``pg_dump`` custom archive for
PostgreSQL), replaces the database's contents in one step, migrates the result to the current
schema (an older backup is brought up to date) and checks the audit trail's hash chain.

Problems a person can fix become a ``BackupError`` whose lines name the argument or setting and say
what was expected. Database URLs are only ever shown with the password hidden; the password reaches
``pg_dump`` and ``pg_restore`` through ``PGPASSWORD``, never on their command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from trdnav.store import audit
from trdnav.store.audit_keys import AuditKeyring
from trdnav.store.database import migrate, open_engine, session_factory
from trdnav.store.models import Assessment, AuditEvent, Clinic

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
URL_SETTING = "TRDNAV_DATABASE_URL"
TOOL_SECONDS = 600
RECORD_TABLES = (Clinic, Assessment, AuditEvent)


class BackupError(Exception):
    """A backup or restore cannot be done; each line says what is wrong and what was expected."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass
class RestoreReport:
    """What a restored database holds, and any problem found in it after the restore."""

    assessments: int = 0
    audit_entries: int = 0
    problems: list[str] = field(default_factory=list)


def shown(url: str) -> str:
    """The URL for messages: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is None or parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(
            [
                f"{URL_SETTING}: not a database this command can back up; expected "
                "sqlite:///path/to/file.db or postgresql+psycopg://user@host/database"
            ]
        )
    return parsed


def _sqlite_path(parsed: URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError([f"{URL_SETTING}: an in-memory SQLite database has nothing to back up"])
    return Path(parsed.database)


# --- SQLite ----------------------------------------------------------------------------------------


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _private_file(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only, whatever the umask: a backup
    holds every patient's data. Writers that open it again (SQLite, pg_dump) keep its mode."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy one consistent snapshot of ``source`` over ``target``'s contents (SQLite backup API)."""
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.execute("PRAGMA busy_timeout=10000")
        writing.execute("PRAGMA busy_timeout=10000")
        reading.backup(writing)


def _sqlite_backup(database: Path, destination: Path) -> None:
    if not database.is_file():
        raise BackupError([f"{URL_SETTING}: the SQLite database {database} does not exist"])
    partial = destination.with_name(destination.name + ".partial")
    try:
        _private_file(partial)  # an empty file is an empty SQLite database
        _sqlite_copy(database, partial)
        with closing(sqlite3.connect(partial)) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_check_backup(source: Path) -> None:
    if not _is_sqlite_file(source):
        raise BackupError(
            [
                f"FILE: {source} is not an SQLite database; expected a backup made by 'trdnav db backup' "
                "from an SQLite database"
            ]
        )
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reading:
            tables = {row[0] for row in reading.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError([f"FILE: {source} cannot be read as an SQLite database: {error}"]) from None
    if "alembic_version" not in tables or "assessments" not in tables:
        raise BackupError([f"FILE: {source} is an SQLite database but not a TRD Navigator backup"])


def _sqlite_restore(database: Path, source: Path) -> None:
    _sqlite_check_backup(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(source, database)


def sqlite_integrity_problems(database: Path) -> list[str]:
    """SQLite's own checks of the file and of its foreign keys; an empty list means both pass."""
    with closing(sqlite3.connect(database)) as connection:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        foreign = connection.execute("PRAGMA foreign_key_check").fetchall()
    problems = [] if integrity == ["ok"] else [f"integrity check: {line}" for line in integrity]
    problems += [f"row {row[1]} of {row[0]} refers to a missing row of {row[2]}" for row in foreign]
    return problems


# --- PostgreSQL ------------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """The newest ``name`` among Debian's /usr/lib/postgresql/*/bin, else the one on PATH."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(name) if (name := path.parents[1].name).isascii() and name.isdigit() else 0,
    )
    if installed:
        return str(installed[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            [
                f"{name} was not found on PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL "
                "client programs (Debian package postgresql-client)"
            ]
        )
    return found


def _pg_connection(parsed: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that carries it."""
    options = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "dbname": parsed.database,
        **dict(parsed.query),
    }
    conninfo = make_conninfo("", **{key: str(value) for key, value in options.items() if value is not None})
    environ = {key: value for key, value in os.environ.items() if key != "PGPASSWORD"}
    if parsed.password is not None:
        environ["PGPASSWORD"] = str(parsed.password)
    return conninfo, environ


def _run_pg_tool(parsed: URL, command: list[str], what: str) -> None:
    conninfo, environ = _pg_connection(parsed)
    done = subprocess.run(
        [*command, f"--dbname={conninfo}"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=TOOL_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}").splitlines()
        where = shown(parsed.render_as_string(hide_password=False))
        raise BackupError([f"{URL_SETTING}: {what} {where} failed:", *(f"  {line}" for line in reason[:10])])


def _pg_backup(parsed: URL, destination: Path) -> None:
    partial = destination.with_name(destination.name + ".partial")
    try:
        _private_file(partial)
        command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"]
        _run_pg_tool(parsed, command, "backing up")
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)


def _pg_restore(parsed: URL, source: Path) -> None:
    with source.open("rb") as stream:
        if stream.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
            raise BackupError(
                [
                    f"FILE: {source} is not a pg_dump custom archive; expected a backup made by "
                    "'trdnav db backup' from a PostgreSQL database"
                ]
            )
    command = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        str(source),
    ]
    _run_pg_tool(parsed, command, "restoring into")


# --- The operations --------------------------------------------------------------------------------


def _check_destination(destination: Path, *, overwrite: bool) -> None:
    if destination.is_dir():
        raise BackupError([f"FILE: {destination} is a folder; expected the name of a file to write"])
    if not destination.parent.is_dir():
        raise BackupError([f"FILE: the folder {destination.parent} does not exist; create it first"])
    if destination.exists() and not overwrite:
        raise BackupError([f"FILE: {destination} already exists; choose a new name or pass --force"])


def backup(url: str, destination: Path, *, overwrite: bool = False) -> None:
    """Write a consistent backup of the database at ``url`` to ``destination``."""
    parsed = _parse(url)
    _check_destination(destination, overwrite=overwrite)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_backup(_sqlite_path(parsed), destination)
    else:
        _pg_backup(parsed, destination)


@contextmanager
def _database_errors_named(url: str) -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        raise BackupError([f"{URL_SETTING}: cannot open the database {shown(url)}: {reason}"]) from None


def has_records(url: str) -> bool:
    """Whether the database holds any clinic, assessment or audit entry (a restore would lose them)."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite" and not _sqlite_path(parsed).exists():
        return False
    engine = open_engine(url)
    try:
        with _database_errors_named(url), engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            return any(
                connection.scalar(select(func.count()).select_from(model)) or 0
                for model in RECORD_TABLES
                if model.__tablename__ in tables
            )
    finally:
        engine.dispose()


def restore(url: str, source: Path, audit_keyring: AuditKeyring | None = None) -> RestoreReport:
    """Replace the database's contents with the backup ``source``, migrate it, and check it."""
    parsed = _parse(url)
    if not source.is_file():
        raise BackupError([f"FILE: {source} does not exist or is not a file; expected a backup file"])
    if parsed.get_backend_name() == "sqlite":
        database = _sqlite_path(parsed)
        _sqlite_restore(database, source)
    else:
        _pg_restore(parsed, source)
    engine = open_engine(url)
    try:
        with _database_errors_named(url):
            migrate(engine)
            with session_factory(engine, audit_keyring)() as session:
                report = RestoreReport(
                    assessments=session.scalar(select(func.count()).select_from(Assessment)) or 0,
                    audit_entries=session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
                    problems=audit.verify(session),
                )
    finally:
        engine.dispose()
    if parsed.get_backend_name() == "sqlite":
        report.problems = sqlite_integrity_problems(_sqlite_path(parsed)) + report.problems
    return report
