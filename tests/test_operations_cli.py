"""`trdnav db backup|restore`, `trdnav audit verify`, `trdnav retention apply` as an operator runs
them: on the database named by TRDNAV_DATABASE_URL, SQLite and PostgreSQL; bad input named with exit
status 2 and no traceback; a tampered audit trail found, with exit status 1."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from trdnav.cli import app
from trdnav.settings import Settings
from trdnav.store import audit
from trdnav.store.accounts import create_clinic
from trdnav.store.audit_keys import AuditKeyring
from trdnav.store.database import migrate, open_engine, session_factory
from trdnav.store.models import Assessment, AuditEvent
from trdnav.store.repository import create_assessment
from trdnav.store.secrets_at_rest import new_key

PASSWORD = "hunter2-not-shown"
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"],
    "postgresql": ["DROP TRIGGER audit_events_no_change ON audit_events"],
}


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[Engine]:
    opened = open_engine(fresh_database_url)
    migrate(opened)
    yield opened
    opened.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture(autouse=True)
def _no_other_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper().startswith("TRDNAV_"):
            monkeypatch.delenv(key)


def trdnav(url: str, *arguments: str) -> Result:
    return CliRunner().invoke(app, list(arguments), env={"TRDNAV_DATABASE_URL": url})


def add_assessments(sessions: sessionmaker[Session], count: int, *, clinic: str = "north") -> None:
    """``count`` audited assessments of the clinic (created if needed)."""
    with sessions.begin() as session:
        owner = create_clinic(session, slug=clinic, name=clinic.title(), settings=Settings())
        for age in range(count):
            assessment, _token = create_assessment(
                session,
                therapies=["tms"],
                knowledge_version="1.0.0",
                contract_version=1,
                answers={"age": age},
                clinic_id=owner.id,
            )
            audit.record(session, audit.SYSTEM, "create", "assessment", assessment.id, clinic_id=owner.id)


def assessment_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Assessment)) or 0


def backup_file(url: str, tmp_path: Path) -> Path:
    return tmp_path / ("trdnav-backup.db" if url.startswith("sqlite") else "trdnav-backup.dump")


# --- Backup and restore --------------------------------------------------------------------------


def test_backup_then_restore_round_trips(
    engine: Engine, sessions: sessionmaker[Session], fresh_database_url: str, tmp_path: Path
) -> None:
    add_assessments(sessions, 3)
    file = backup_file(fresh_database_url, tmp_path)
    made = trdnav(fresh_database_url, "db", "backup", str(file))
    assert made.exit_code == 0, made.output
    assert f"to {file}" in made.output
    with sessions.begin() as session:
        session.execute(text("DELETE FROM assessments"))
    engine.dispose()

    refused = trdnav(fresh_database_url, "db", "restore", str(file))
    assert refused.exit_code == 2, refused.output
    assert "already holds records" in refused.output and "--force" in refused.output
    assert assessment_count(sessions) == 0
    engine.dispose()

    restored = trdnav(fresh_database_url, "db", "restore", str(file), "--force")
    assert restored.exit_code == 0, restored.output
    assert "3 assessments, 3 audit entries" in restored.output
    assert "Audit trail intact." in restored.output
    assert assessment_count(sessions) == 3


def test_restore_into_an_empty_database_needs_no_force(fresh_database_url: str, tmp_path: Path) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    if fresh_database_url.startswith("postgresql"):
        source_url = fresh_database_url  # one PostgreSQL database: back it up, then empty it
    source = open_engine(source_url)
    try:
        migrate(source)
        add_assessments(session_factory(source), 2)
    finally:
        source.dispose()
    file = backup_file(source_url, tmp_path)
    assert trdnav(source_url, "db", "backup", str(file)).exit_code == 0
    target_url = fresh_database_url
    if fresh_database_url.startswith("postgresql"):
        emptied = open_engine(fresh_database_url)
        with emptied.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        emptied.dispose()
    restored = trdnav(target_url, "db", "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert "2 assessments" in restored.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "does not exist"), (b"certainly not a backup\n", "not a")],
)
def test_restore_names_a_missing_or_wrong_file(
    fresh_database_url: str, tmp_path: Path, content: bytes | None, expected: str
) -> None:
    file = tmp_path / "nightly.bak"
    if content is not None:
        file.write_bytes(content)
    result = trdnav(fresh_database_url, "db", "restore", str(file), "--force")
    assert result.exit_code == 2, result.output
    assert f"FILE: {file}" in result.output and expected in result.output
    assert "Traceback" not in result.output


def test_restore_refuses_the_other_databases_backup(fresh_database_url: str, tmp_path: Path) -> None:
    sqlite = fresh_database_url.startswith("sqlite")
    file = tmp_path / "other.bak"
    file.write_bytes(b"PGDMP\x01\x0e\x00..." if sqlite else b"SQLite format 3\x00" + bytes(200))
    result = trdnav(fresh_database_url, "db", "restore", str(file), "--force")
    assert result.exit_code == 2, result.output
    expected = "is not an SQLite database" if sqlite else "is not a pg_dump custom archive"
    assert expected in result.output


def test_backup_names_a_missing_folder(fresh_database_url: str, tmp_path: Path) -> None:
    result = trdnav(fresh_database_url, "db", "backup", str(tmp_path / "no" / "such" / "backup.db"))
    assert result.exit_code == 2
    assert "FILE: the folder" in result.output and "does not exist" in result.output


@pytest.mark.parametrize(
    "arguments", [("db", "backup", "new.bak"), ("db", "restore", "x.bak"), ("audit", "verify")]
)
@pytest.mark.parametrize(
    "url",
    [f"postgresql+psycopg://trdnav:{PASSWORD}@127.0.0.1:1/trdnav", "not a url", "nosuchdriver://h/db"],
)
def test_a_database_url_that_cannot_be_used_is_named_without_its_password(
    url: str, arguments: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.bak").write_bytes(b"PGDMP...")
    result = trdnav(url, *arguments)
    assert result.exit_code == 2, result.output
    assert "TRDNAV_DATABASE_URL" in result.output
    assert PASSWORD not in result.output
    assert "Traceback" not in result.output


# --- The audit trail -----------------------------------------------------------------------------


def test_audit_verify_on_an_intact_trail(sessions: sessionmaker[Session], fresh_database_url: str) -> None:
    add_assessments(sessions, 4)
    result = trdnav(fresh_database_url, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Audit trail intact: 4 entries" in result.output


def tamper(engine: Engine, statement: str) -> None:
    """Remove the append-only guard (as someone with the database's password could), then change."""
    with engine.begin() as connection:
        for drop in DROP_APPEND_ONLY[engine.dialect.name]:
            connection.execute(text(drop))
        connection.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE audit_events SET action = 'read' WHERE seq = 2", "entry 2 was edited"),
        ("DELETE FROM audit_events WHERE seq = 2", "entries 2 to 2 are missing"),
        ("DELETE FROM audit_events WHERE seq = 4", "the trail ends at entry 3 but 4 were written"),
    ],
    ids=["edited", "removed", "newest-removed"],
)
def test_audit_verify_names_an_edited_or_removed_entry(
    engine: Engine, sessions: sessionmaker[Session], fresh_database_url: str, statement: str, named: str
) -> None:
    add_assessments(sessions, 4)
    tamper(engine, statement)
    engine.dispose()
    result = trdnav(fresh_database_url, "audit", "verify")
    assert result.exit_code == 1, result.output
    assert "The audit trail is broken" in result.output
    assert named in result.output


KEY_A = "first-audit-key-for-the-cli-tests-0123456789"
KEY_B = "second-audit-key-for-the-cli-tests-0123456789"


def trdnav_with(url: str, env: dict[str, str], *arguments: str) -> Result:
    return CliRunner().invoke(app, list(arguments), env={"TRDNAV_DATABASE_URL": url, **env})


def test_a_trail_rechained_with_sha256_after_deleting_a_record_fails_audit_verify(
    engine: Engine, sessions: sessionmaker[Session], fresh_database_url: str
) -> None:
    """The reproduction of issue 13: drop the triggers, delete an assessment's entry, recompute seq,
    prev_hash and hash with SHA-256 and move the head. It passed `trdnav audit verify` before keys."""
    add_assessments(sessions, 4)
    tamper(engine, "DELETE FROM audit_events WHERE seq = 2")
    with Session(engine) as session, session.begin():
        prev = audit.GENESIS
        for number, event in enumerate(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)), 1):
            event.seq, event.prev_hash = number, prev
            event.hash = prev = audit._digest(prev, event)
            session.flush()
        session.execute(text("UPDATE audit_head SET seq = 3, hash = :hash"), {"hash": prev})
    engine.dispose()
    result = trdnav(fresh_database_url, "audit", "verify")
    assert result.exit_code == 1, result.output
    assert "entry 1 was edited" in result.output
    assert "development audit key" in result.output  # no TRDNAV_AUDIT_KEY here: said so


def test_audit_checkpoint_round_trip_and_a_cut_off_trail(
    engine: Engine, fresh_database_url: str, tmp_path: Path
) -> None:
    env = {"TRDNAV_AUDIT_KEY": KEY_A}
    add_assessments(session_factory(engine, AuditKeyring.of(KEY_A)), 4)
    saved = tmp_path / "checkpoint.json"
    made = trdnav_with(fresh_database_url, env, "audit", "checkpoint", "--output", str(saved))
    assert made.exit_code == 0, made.output
    assert "Checkpoint of entry 4" in made.output
    assert json.loads(saved.read_text())["seq"] == 4
    again = trdnav_with(fresh_database_url, env, "audit", "checkpoint", "--output", str(saved))
    assert again.exit_code == 2 and "--output" in again.output and "--force" in again.output
    reached = trdnav_with(fresh_database_url, env, "audit", "verify", "--checkpoint", str(saved))
    assert reached.exit_code == 0, reached.output
    assert "reaches the checkpoint" in reached.output and "development" not in reached.output
    # the newest two entries cut off and the head moved back: the chain alone cannot tell
    tamper(engine, "DELETE FROM audit_events WHERE seq >= 3")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_events WHERE seq = 2)")
        )
    engine.dispose()
    assert trdnav_with(fresh_database_url, env, "audit", "verify").exit_code == 0
    cut = trdnav_with(fresh_database_url, env, "audit", "verify", "--checkpoint", str(saved))
    assert cut.exit_code == 1, cut.output
    assert "no longer reaches the checkpoint" in cut.output
    forged = tmp_path / "forged.json"
    forged.write_text(saved.read_text().replace('"seq": 4', '"seq": 2'))
    refused = trdnav_with(fresh_database_url, env, "audit", "verify", "--checkpoint", str(forged))
    assert refused.exit_code == 1 and "signature is wrong" in refused.output
    not_one = tmp_path / "not.json"
    not_one.write_text("{}")
    unreadable = trdnav_with(fresh_database_url, env, "audit", "verify", "--checkpoint", str(not_one))
    assert unreadable.exit_code == 2 and "--checkpoint" in unreadable.output
    assert "Traceback" not in unreadable.output


def test_audit_rotate_key_keeps_the_trail_verifiable_with_the_old_key_in_the_keys_file(
    engine: Engine, fresh_database_url: str, tmp_path: Path
) -> None:
    add_assessments(session_factory(engine, AuditKeyring.of(KEY_A)), 2)
    engine.dispose()
    old_keys = tmp_path / "audit-keys"
    old_keys.write_text(f"# retired 2026-12-03\n{KEY_A}\n")
    lost = trdnav_with(fresh_database_url, {"TRDNAV_AUDIT_KEY": KEY_B}, "audit", "rotate-key")
    assert lost.exit_code == 2 and "TRDNAV_AUDIT_KEYS_FILE" in lost.output
    env = {"TRDNAV_AUDIT_KEY": KEY_B, "TRDNAV_AUDIT_KEYS_FILE": str(old_keys)}
    rotated = trdnav_with(fresh_database_url, env, "audit", "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    assert "Entry 3 rotates the audit key" in rotated.output
    again = trdnav_with(fresh_database_url, env, "audit", "rotate-key")
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert trdnav_with(fresh_database_url, env, "audit", "verify").exit_code == 0
    without_old = trdnav_with(fresh_database_url, {"TRDNAV_AUDIT_KEY": KEY_B}, "audit", "verify")
    assert without_old.exit_code == 1 and "not in the keyring" in without_old.output


def test_in_production_the_audit_commands_need_an_audit_key(fresh_database_url: str, tmp_path: Path) -> None:
    production = {
        "TRDNAV_ENVIRONMENT": "production",
        "TRDNAV_SECRET_KEY": "s" * 40,
        "TRDNAV_ENCRYPTION_KEY": new_key(),  # production needs the encryption key too
    }
    result = trdnav_with(fresh_database_url, production, "audit", "verify")
    assert result.exit_code == 2, result.output
    assert "TRDNAV_AUDIT_KEY: in production" in result.output
    key_file = tmp_path / "audit.key"
    key_file.write_text(KEY_A + "\n")
    keyed = trdnav_with(
        fresh_database_url, {**production, "TRDNAV_AUDIT_KEY_FILE": str(key_file)}, "audit", "verify"
    )
    assert keyed.exit_code == 0, keyed.output


# --- Retention -----------------------------------------------------------------------------------


def test_retention_apply_and_dry_run(sessions: sessionmaker[Session], fresh_database_url: str) -> None:
    add_assessments(sessions, 3, clinic="north")
    add_assessments(sessions, 2, clinic="south")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    with sessions.begin() as session:
        session.execute(text("UPDATE clinics SET retention_days = 365 WHERE slug = 'north'"))
        first_two = select(Assessment.id).order_by(Assessment.id).limit(2).scalar_subquery()
        session.execute(update(Assessment).where(Assessment.id.in_(first_two)).values(updated_at=long_ago))

    dry = trdnav(fresh_database_url, "retention", "apply", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "north: 2 assessment(s) would be deleted" in dry.output
    assert "south" not in dry.output
    assert assessment_count(sessions) == 5

    applied = trdnav(fresh_database_url, "retention", "apply")
    assert applied.exit_code == 0, applied.output
    assert "north: 2 assessment(s) deleted" in applied.output
    assert assessment_count(sessions) == 3
    with sessions() as session:
        deleted = session.scalars(select(AuditEvent).where(AuditEvent.action == "delete")).all()
        assert sorted(event.record_id or 0 for event in deleted) == [1, 2]
        assert audit.verify(session) == []
    assert trdnav(fresh_database_url, "audit", "verify").exit_code == 0


def test_retention_without_any_retention_period_does_nothing(
    sessions: sessionmaker[Session], fresh_database_url: str
) -> None:
    add_assessments(sessions, 2)
    result = trdnav(fresh_database_url, "retention", "apply")
    assert result.exit_code == 0
    assert "No clinic has a retention period" in result.output
    assert assessment_count(sessions) == 2
