"""Backups: what is backed up comes back exactly on restore, with the audit trail intact, on SQLite
and PostgreSQL; an SQLite backup taken during a write is one consistent snapshot; the wrong kind of
file is refused before anything is replaced."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic
from trdnav.store.backup import BackupError, backup, has_records, restore
from trdnav.store.database import migrate, open_engine, session_factory
from trdnav.store.models import Assessment, Base, ConsultationRequest
from trdnav.store.repository import create_assessment, request_consultation


def populate(sessions: sessionmaker[Session]) -> None:
    """A clinic, two assessments (one with a consultation request) and their audit entries."""
    with sessions.begin() as session:
        clinic = create_clinic(session, slug="north", name="North Clinic", settings=Settings())
        clinic.retention_days = 365
        audit.record(session, audit.SYSTEM, "create", "clinic", clinic.id, clinic_id=clinic.id)
        for age in (34, 61):
            assessment, _token = create_assessment(
                session,
                therapies=["tms", "iv_ketamine"],
                knowledge_version="1.0.0",
                contract_version=1,
                answers={"age": age, "phq9": [3, 3, 2, 3, 2, 2, 2, 1, 0], "seizure_history": "no"},
                clinic_id=clinic.id,
            )
            audit.record(session, audit.SYSTEM, "create", "assessment", assessment.id, clinic_id=clinic.id)
        request_consultation(
            session,
            assessment,
            name="Ada Lovelace",
            phone="555-0100",
            email="ada@example.org",
            preferred_times="mornings",
            message="Please call — thank you",
        )


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def backup_name(url: str, tmp_path: Path) -> Path:
    return tmp_path / ("backup.db" if url.startswith("sqlite") else "backup.dump")


def test_a_restored_backup_brings_back_exactly_what_was_backed_up(
    engine: Engine, sessions: sessionmaker[Session], migrated_database_url: str, tmp_path: Path
) -> None:
    populate(sessions)
    before = snapshot(engine)
    file = backup_name(migrated_database_url, tmp_path)
    backup(migrated_database_url, file)
    with sessions.begin() as session:  # later changes, all to be undone by the restore
        session.execute(update(Assessment).values(answers={"age": 99}))
        session.execute(delete(ConsultationRequest))
        later, _token = create_assessment(
            session, therapies=["tms"], knowledge_version="1.0.0", contract_version=1
        )
        audit.record(session, audit.SYSTEM, "create", "assessment", later.id)
    assert snapshot(engine) != before
    engine.dispose()

    report = restore(migrated_database_url, file)

    assert report.problems == []
    assert (report.assessments, report.audit_entries) == (2, 3)
    assert snapshot(engine) == before
    with sessions() as session:
        assert audit.verify(session) == []


def test_restore_into_an_empty_database_and_keep_using_it(
    engine: Engine, sessions: sessionmaker[Session], migrated_database_url: str, tmp_path: Path
) -> None:
    """A restored database takes new writes, and its audit chain continues from the backup's."""
    populate(sessions)
    before = snapshot(engine)
    file = backup_name(migrated_database_url, tmp_path)
    backup(migrated_database_url, file)
    with sessions.begin() as session:
        session.execute(text("DELETE FROM consultation_requests"))
        session.execute(text("DELETE FROM assessments"))
    assert has_records(migrated_database_url)
    engine.dispose()
    assert restore(migrated_database_url, file).problems == []
    assert snapshot(engine) == before
    with sessions.begin() as session:
        audit.record(session, audit.SYSTEM, "read", "assessment", 1)
    with sessions() as session:
        assert audit.verify(session) == []


def test_an_sqlite_backup_during_an_open_write_transaction_is_a_consistent_snapshot(tmp_path: Path) -> None:
    """(SQLite only: pg_dump's snapshot is PostgreSQL's own repeatable-read guarantee.)"""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    live = open_engine(url)
    try:
        migrate(live)
        sessions = session_factory(live)
        populate(sessions)
        file = tmp_path / "during-write.db"
        with sessions.begin() as writing:  # holds SQLite's write lock until the end of the block
            writing.execute(update(Assessment).values(answers={"age": 1}))
            audit.record(writing, audit.SYSTEM, "update", "assessment", 1)
            backup(url, file)
    finally:
        live.dispose()
    with closing(sqlite3.connect(file)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        ages = [row[0] for row in copy.execute("SELECT json_extract(answers, '$.age') FROM assessments")]
        entries = copy.execute("SELECT count(*) FROM audit_events").fetchone()
    assert ages == [34, 61], "the uncommitted change is not in the backup"
    assert entries == (3,)
    assert not file.with_name(file.name + ".partial").exists()


OTHER_KINDS = {
    "sqlite": (b"PGDMP\x01\x0e\x00 a pg_dump archive", "not an SQLite database"),
    "postgresql": (b"SQLite format 3\x00" + bytes(100), "not a pg_dump custom archive"),
}


@pytest.mark.parametrize("kind", ["the other database's backup", "a text file"])
def test_restore_refuses_a_file_of_the_wrong_kind_and_changes_nothing(
    engine: Engine, sessions: sessionmaker[Session], migrated_database_url: str, tmp_path: Path, kind: str
) -> None:
    content, expected = OTHER_KINDS["sqlite" if migrated_database_url.startswith("sqlite") else "postgresql"]
    if kind == "a text file":
        content = b"hello, world\n"
    populate(sessions)
    before = snapshot(engine)
    wrong = tmp_path / "wrong.bak"
    wrong.write_bytes(content)
    with pytest.raises(BackupError) as refused:
        restore(migrated_database_url, wrong)
    assert refused.value.lines[0].startswith(f"FILE: {wrong}")
    assert expected in refused.value.lines[0]
    assert snapshot(engine) == before


def test_an_sqlite_file_that_is_not_a_trdnav_backup_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    with pytest.raises(BackupError, match="not a TRD Navigator backup"):
        restore(f"sqlite:///{tmp_path / 'target.db'}", other)


def test_backup_does_not_overwrite_an_existing_file_unless_asked(
    engine: Engine, sessions: sessionmaker[Session], migrated_database_url: str, tmp_path: Path
) -> None:
    populate(sessions)
    file = backup_name(migrated_database_url, tmp_path)
    file.write_bytes(b"an earlier backup")
    with pytest.raises(BackupError, match="already exists"):
        backup(migrated_database_url, file)
    assert file.read_bytes() == b"an earlier backup"
    backup(migrated_database_url, file, overwrite=True)
    assert file.read_bytes()[:5] in (b"SQLit", b"PGDMP")


def upgrade_to(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(resources.files("trdnav.store").joinpath("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_a_backup_from_before_the_audit_trail_is_brought_up_to_date_on_restore(
    fresh_database_url: str, tmp_path: Path
) -> None:
    old = open_engine(fresh_database_url)
    try:
        upgrade_to(old, "0001")
        with old.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO assessments (token_hash, created_at, updated_at, knowledge_version, "
                    "contract_version, therapies, answers, last_step, suicide_risk_alert, sure_answers) "
                    "VALUES ('ab', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '0.9.0', 1, '[\"tms\"]', "
                    "'{\"age\": 40}', 'start', false, '{}')"
                )
            )
        file = backup_name(fresh_database_url, tmp_path)
        backup(fresh_database_url, file)
        with old.begin() as connection:  # an empty database to restore into
            for table in ("consultation_requests", "assessments", "alembic_version"):
                connection.execute(text(f"DROP TABLE {table}"))
    finally:
        old.dispose()

    report = restore(fresh_database_url, file)

    assert (report.assessments, report.audit_entries, report.problems) == (1, 0, [])
    restored = open_engine(fresh_database_url)
    try:
        with restored.connect() as connection:
            assert {"clinics", "audit_events", "audit_head"} <= set(inspect(connection).get_table_names())
            assert MigrationContext.configure(connection).get_current_revision() != "0001"
        with session_factory(restored)() as session:
            assert session.scalars(select(Assessment.answers)).one() == {"age": 40}
    finally:
        restored.dispose()


def test_a_backup_is_readable_by_its_owner_only(
    engine: Engine, sessions: sessionmaker[Session], migrated_database_url: str, tmp_path: Path
) -> None:
    populate(sessions)
    file = backup_name(migrated_database_url, tmp_path)
    previous = os.umask(0o022)  # the usual umask, under which new files are world-readable
    try:
        backup(migrated_database_url, file)
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        file.chmod(0o644)
        backup(migrated_database_url, file, overwrite=True)
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    finally:
        os.umask(previous)
    assert file.read_bytes()[:5] in (b"SQLit", b"PGDMP")
