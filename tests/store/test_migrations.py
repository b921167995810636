"""Alembic migrations on SQLite and PostgreSQL: create the schema, run again safely, match the models."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from trdnav.store import audit
from trdnav.store.database import _config, migrate, open_engine
from trdnav.store.models import Assessment, AuditEvent, Base, Clinic, Staff
from trdnav.store.repository import create_assessment, find_by_token

TABLES = {
    "alembic_version",
    "cds_cards",
    "cds_clients",
    "cds_feedback",
    "cds_token_uses",
    "record_uploads",
    "assessments",
    "consultation_requests",
    "clinics",
    "staff",
    "staff_sessions",
    "login_failures",
    "reviews",
    "notes",
    "audit_events",
    "audit_head",
    "courses",
    "course_visits",
    "session_records",
    "ketamine_doses",
    "outcome_scores",
    "clinic_alerts",
    "email_contacts",
    "outbox",
    "password_resets",
    "retired_links",
}


def _head() -> str | None:
    folder = str(resources.files("trdnav.store").joinpath("migrations"))
    return ScriptDirectory(folder).get_current_head()


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrating_an_empty_database_creates_the_schema(fresh_database_url: str) -> None:
    engine = open_engine(fresh_database_url)
    try:
        assert set(inspect(engine).get_table_names()) == set()
        migrate(engine)
        assert set(inspect(engine).get_table_names()) == TABLES
        assert _revision(engine) == _head() is not None
    finally:
        engine.dispose()


def test_migrating_twice_changes_nothing_and_keeps_the_data(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        _, token = create_assessment(
            session, therapies=["tms"], knowledge_version="2026.11.0", contract_version=1, answers={"age": 40}
        )
    migrate(engine)
    migrate(engine)
    assert set(inspect(engine).get_table_names()) == TABLES
    assert _revision(engine) == _head()
    with sessions() as session:
        found = find_by_token(session, token)
        assert found is not None and found.answers == {"age": 40}


def test_the_models_and_the_migrations_agree(engine: Engine) -> None:
    """Like `alembic check`: autogenerate finds nothing to add, drop or change."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_every_stored_assessment_carries_its_versions(engine: Engine) -> None:
    """The schema itself refuses an assessment without its knowledge and contract versions."""
    with engine.connect() as connection:
        columns = {c["name"]: c for c in inspect(connection).get_columns(Assessment.__tablename__)}
        assert not columns["knowledge_version"]["nullable"]
        assert not columns["contract_version"]["nullable"]
        assert not columns["answers"]["nullable"]


def test_a_clinic_made_before_its_own_prices_existed_has_none(fresh_database_url: str) -> None:
    """0004 adds the clinics' own prices: a clinic already there gets {} (no prices), not NULL."""
    engine = open_engine(fresh_database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
            connection.execute(
                text(
                    "INSERT INTO clinics (slug, name, created_at, therapies, crisis_title, crisis_text,"
                    " crisis_lines, contact_text, require_two_factor) VALUES ('old', 'Old Clinic',"
                    " CURRENT_TIMESTAMP, '[\"tms\"]', 'Help', 'Call 988.', '[]', '', false)"
                )
            )
        migrate(engine)
        with Session(engine) as session:
            clinic = session.scalars(select(Clinic)).one()
            assert clinic.prices == {}
    finally:
        engine.dispose()


def test_email_reminders_arrive_empty_and_leave_with_a_downgrade(fresh_database_url: str) -> None:
    """0007 adds the e-mail contacts and the outbox to a database with assessments, and takes them
    away again on downgrade, leaving the assessments."""
    engine = open_engine(fresh_database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0004")
        migrate(engine)
        assert {"email_contacts", "outbox"} <= set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
        assert not {"email_contacts", "outbox"} & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_alert_outcomes_come_with_0005_and_the_audit_trail_stays_append_only(fresh_database_url: str) -> None:
    """0005 adds the alert's outcome, attempts and note (NULL for alerts already handled: their history
    says no outcome was recorded) and the audit entries' detail without rebuilding the audit table,
    so its triggers still refuse changes; entries written before verify unchanged."""
    engine = open_engine(fresh_database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0004")
            # an entry written before 0005, hashed as it was then (no detail)
            old = AuditEvent(
                seq=1,
                at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
                actor="system",
                staff_id=None,
                role="system",
                clinic_id=None,
                record_type="alert",
                record_id=1,
                action="create",
                address="",
                detail="",
            )
            old_hash = audit._digest(audit.GENESIS, old)
            connection.execute(
                text(
                    "INSERT INTO audit_events (seq, at, actor, role, record_type, record_id, action, address,"
                    " prev_hash, hash) VALUES (1, :at, 'system', 'system', 'alert', 1, 'create', '',"
                    " :prev, :hash)"
                ),
                {"at": old.at.replace(tzinfo=None), "prev": audit.GENESIS, "hash": old_hash},
            )
            connection.execute(text("UPDATE audit_head SET seq = 1, hash = :hash"), {"hash": old_hash})
        migrate(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("clinic_alerts")}
        assert {"outcome", "attempts", "outcome_note"} <= columns
        with Session(engine) as session, session.begin():
            audit.record(session, audit.SYSTEM, "update", "alert", 1, detail="reached_safe")
        with Session(engine) as session:
            assert audit.verify(session) == []
            # the legacy entry, then the rotation entry that starts the keyed chain, then the new one
            assert [(e.action, e.detail) for e in audit.events(session)] == [
                ("create", ""),
                ("rotate_key", ""),
                ("update", "reached_safe"),
            ]
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text("UPDATE audit_events SET detail = 'edited'"))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
        assert "detail" not in {c["name"] for c in inspect(engine).get_columns("audit_events")}
    finally:
        engine.dispose()


def test_0006_adds_the_dose_step_table_and_takes_it_away_again(fresh_database_url: str) -> None:
    """0006 adds ketamine_doses (the dose confirmed before an infusion); its downgrade removes it."""
    engine = open_engine(fresh_database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0004")
            assert "ketamine_doses" not in inspect(connection).get_table_names()
            command.upgrade(config, "0006")
            columns = {column["name"] for column in inspect(connection).get_columns("ketamine_doses")}
            assert columns == {"id", "course_id", "visit_id", "data", "confirmed_by", "confirmed_at"}
            command.downgrade(config, "0004")
            assert "ketamine_doses" not in inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_0008_keys_the_audit_chain_keeps_the_legacy_entries_and_the_triggers(fresh_database_url: str) -> None:
    """0008 adds each entry's key id in place (the triggers survive); an entry written before it keeps
    an empty key id and verifies as the legacy prefix once a rotation entry seals it; a downgrade
    removes the columns."""
    engine = open_engine(fresh_database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0007")
            old = AuditEvent(
                seq=1,
                at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC),
                actor="system",
                role="system",
                staff_id=None,
                clinic_id=None,
                record_type="alert",
                record_id=1,
                action="create",
                address="",
                detail="",
                key_id="",
            )
            old_hash = audit._digest(audit.GENESIS, old)  # plain SHA-256, as 0007's code wrote it
            connection.execute(
                text(
                    "INSERT INTO audit_events (seq, at, actor, role, record_type, record_id, action, address,"
                    " detail, prev_hash, hash) VALUES (1, :at, 'system', 'system', 'alert', 1, 'create', '',"
                    " '', :prev, :hash)"
                ),
                {"at": old.at.replace(tzinfo=None), "prev": audit.GENESIS, "hash": old_hash},
            )
            connection.execute(text("UPDATE audit_head SET seq = 1, hash = :hash"), {"hash": old_hash})
        migrate(engine)
        with Session(engine) as session, session.begin():
            audit.record(session, audit.SYSTEM, "update", "alert", 1)
        with Session(engine) as session:
            assert [(e.action, bool(e.key_id)) for e in audit.events(session)] == [
                ("create", False),
                ("rotate_key", True),
                ("update", True),
            ]
            assert audit.verify(session) == []
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text("UPDATE audit_events SET key_id = ''"))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        assert "key_id" not in {c["name"] for c in inspect(engine).get_columns("audit_events")}
        assert "key_id" not in {c["name"] for c in inspect(engine).get_columns("audit_head")}
    finally:
        engine.dispose()


def test_links_and_totp_come_with_0010_and_leave_with_a_downgrade(fresh_database_url: str) -> None:
    """0010 adds the private links' idle limit (90 for a clinic made before it), last use, revocation
    and retired links; downgrading takes them away and turns two-factor off (its secrets are
    encrypted with a key the old version does not have)."""
    engine = open_engine(fresh_database_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clinics (slug, name, created_at, therapies, crisis_title, crisis_text,"
                    " crisis_lines, contact_text, require_two_factor) VALUES ('old', 'Old Clinic',"
                    " CURRENT_TIMESTAMP, '[\"tms\"]', 'Help', 'Call 988.', '[]', '', false)"
                )
            )
            assert connection.execute(text("SELECT link_idle_days FROM clinics")).scalar() == 90
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
        assert "retired_links" not in inspect(engine).get_table_names()
        assert "link_used_at" not in {c["name"] for c in inspect(engine).get_columns("assessments")}
        assert "link_idle_days" not in {c["name"] for c in inspect(engine).get_columns("clinics")}
        migrate(engine)
        assert "retired_links" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_0009_keeps_existing_passwords_permanent_and_adds_reset_links(fresh_database_url: str) -> None:
    """0009 adds the temporary-password flag (false for accounts already there: their passwords were
    chosen before), the last failure's time and the reset links, and takes them away on downgrade."""
    engine = open_engine(fresh_database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0008")
            # the clinic as the schema of 0008 holds it (the models now have later columns)
            connection.execute(
                text(
                    "INSERT INTO clinics (slug, name, created_at, therapies, crisis_title, crisis_text,"
                    " crisis_lines, contact_text, require_two_factor) VALUES ('north', 'North Clinic',"
                    " CURRENT_TIMESTAMP, '[\"tms\"]', 'Help', 'Call 988.', '[]', '', false)"
                )
            )
            clinic_id = connection.execute(text("SELECT id FROM clinics")).scalar()
            connection.execute(
                text(
                    "INSERT INTO staff (clinic_id, email, name, role, password_hash, totp_enabled,"
                    " failed_logins, active, created_at) VALUES (:clinic, 'ana@north.example', 'Ana',"
                    " 'clinician', '$argon2id$x', false, 0, true, :at)"
                ),
                {"clinic": clinic_id, "at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)},
            )
        migrate(engine)
        assert "password_resets" in inspect(engine).get_table_names()
        with Session(engine) as session:
            staff = session.scalars(select(Staff)).one()
            assert (staff.must_change_password, staff.last_failed_at) == (False, None)
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
        assert "password_resets" not in inspect(engine).get_table_names()
        assert "must_change_password" not in {c["name"] for c in inspect(engine).get_columns("staff")}
    finally:
        engine.dispose()
