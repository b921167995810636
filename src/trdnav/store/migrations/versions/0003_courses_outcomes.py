"""Treatment courses: clinics' scheduling settings, planned visits, session records, outcome
scores and clinic alerts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _assessment() -> sa.Column[sa.Integer]:
    return sa.Column(
        "assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(
            sa.Column("timezone", sa.String(60), nullable=False, server_default="America/New_York")
        )
        batch.add_column(sa.Column("country", sa.String(2), nullable=False, server_default="US"))
        batch.add_column(sa.Column("subdivision", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("opening_days", sa.JSON, nullable=False, server_default="[0, 1, 2, 3, 4]"))
        batch.add_column(sa.Column("opens_at", sa.String(5), nullable=False, server_default="08:00"))
        batch.add_column(sa.Column("closes_at", sa.String(5), nullable=False, server_default="18:00"))

    op.create_table(
        "courses",
        sa.Column("id", sa.Integer, primary_key=True),
        _assessment(),
        sa.Column("protocol_id", sa.String(60), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("timezone", sa.String(60), nullable=False),
        sa.Column("unavailable_dates", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_courses_assessment_id", "courses", ["assessment_id"])
    op.create_table(
        "course_visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("phase", sa.String(40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_course_visits_course_id", "course_visits", ["course_id"])
    op.create_table(
        "session_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "visit_id", sa.Integer, sa.ForeignKey("course_visits.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("supersedes_id", sa.Integer, sa.ForeignKey("session_records.id"), nullable=True),
        sa.Column("correction_reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_session_records_course_id", "session_records", ["course_id"])
    op.create_index("ix_session_records_visit_id", "session_records", ["visit_id"])
    op.create_table(
        "outcome_scores",
        sa.Column("id", sa.Integer, primary_key=True),
        _assessment(),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id", ondelete="SET NULL"), nullable=True),
        sa.Column("instrument", sa.String(10), nullable=False),
        sa.Column("item_answers", sa.JSON, nullable=True),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("entered_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
    )
    op.create_index("ix_outcome_scores_assessment_id", "outcome_scores", ["assessment_id"])
    op.create_index("ix_outcome_scores_course_id", "outcome_scores", ["course_id"])
    op.create_table(
        "clinic_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        _assessment(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("source_type", sa.String(40), nullable=False),
        sa.Column("source_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
    )
    op.create_index("ix_clinic_alerts_assessment_id", "clinic_alerts", ["assessment_id"])


def downgrade() -> None:
    for table in ("clinic_alerts", "outcome_scores", "session_records", "course_visits", "courses"):
        op.drop_table(table)
    with op.batch_alter_table("clinics") as batch:
        for column in ("closes_at", "opens_at", "opening_days", "subdivision", "country", "timezone"):
            batch.drop_column(column)
