"""Clinics, staff and their sessions, clinicians' reviews and notes, and the audit trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
POSTGRESQL_APPEND_ONLY = [
    """CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$""",
    """CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()""",
]


def _when() -> sa.Column[sa.DateTime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(60), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _when(),
        sa.Column("therapies", sa.JSON, nullable=False),
        sa.Column("crisis_title", sa.Text, nullable=False),
        sa.Column("crisis_text", sa.Text, nullable=False),
        sa.Column("crisis_lines", sa.JSON, nullable=False),
        sa.Column("contact_text", sa.Text, nullable=False),
        sa.Column("require_two_factor", sa.Boolean, nullable=False),
        sa.Column("retention_days", sa.Integer, nullable=True),
    )
    op.create_index("ix_clinics_slug", "clinics", ["slug"], unique=True)
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_enabled", sa.Boolean, nullable=False),
        sa.Column("totp_last_step", sa.Integer, nullable=True),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        _when(),
    )
    op.create_index("ix_staff_clinic_id", "staff", ["clinic_id"])
    op.create_index("ix_staff_email", "staff", ["email"], unique=True)
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
        _when(),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("two_factor_done", sa.Boolean, nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_staff_sessions_token_hash", "staff_sessions", ["token_hash"], unique=True)
    op.create_index("ix_staff_sessions_staff_id", "staff_sessions", ["staff_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failures_address", "login_failures", ["address"])
    op.create_index("ix_login_failures_at", "login_failures", ["at"])

    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("clinic_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_assessments_clinic_id", "clinics", ["clinic_id"], ["id"])
        batch.create_index("ix_assessments_clinic_id", ["clinic_id"])
    with op.batch_alter_table("consultation_requests") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="new"))
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("booked_for", sa.String(100), nullable=False, server_default=""))

    for table, extra in (
        ("reviews", [sa.Column("therapy", sa.String(40), nullable=False)]),
        ("notes", []),
    ):
        columns = [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(
                "assessment_id",
                sa.Integer,
                sa.ForeignKey("assessments.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
            _when(),
            *extra,
        ]
        if table == "reviews":
            columns += [
                sa.Column("engine_status", sa.String(40), nullable=False),
                sa.Column("status", sa.String(40), nullable=False),
                sa.Column("reason", sa.Text, nullable=False),
            ]
        else:
            columns.append(sa.Column("text", sa.Text, nullable=False))
        op.create_table(table, *columns)
        op.create_index(f"ix_{table}_assessment_id", table, ["assessment_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(20), nullable=False),
        sa.Column("staff_id", sa.Integer, nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("clinic_id", sa.Integer, nullable=True),
        sa.Column("record_type", sa.String(40), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_clinic_id", "audit_events", ["clinic_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_APPEND_ONLY if dialect == "sqlite" else POSTGRESQL_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    for table in ("audit_head", "audit_events", "notes", "reviews", "login_failures", "staff_sessions"):
        op.drop_table(table)
    with op.batch_alter_table("consultation_requests") as batch:
        batch.drop_column("booked_for")
        batch.drop_column("status_changed_at")
        batch.drop_column("status")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_index("ix_assessments_clinic_id")
        batch.drop_constraint("fk_assessments_clinic_id", type_="foreignkey")
        batch.drop_column("clinic_id")
    op.drop_table("staff")
    op.drop_table("clinics")
