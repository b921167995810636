"""Assessments and consultation requests.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("knowledge_version", sa.String(20), nullable=False),
        sa.Column("contract_version", sa.Integer, nullable=False),
        sa.Column("therapies", sa.JSON, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("last_step", sa.String(40), nullable=False),
        sa.Column("suicide_risk_alert", sa.Boolean, nullable=False),
        sa.Column("sure_answers", sa.JSON, nullable=False),
    )
    op.create_index("ix_assessments_token_hash", "assessments", ["token_hash"], unique=True)
    op.create_table(
        "consultation_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "assessment_id",
            sa.Integer,
            sa.ForeignKey("assessments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("preferred_times", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_consultation_requests_assessment_id", "consultation_requests", ["assessment_id"])


def downgrade() -> None:
    op.drop_table("consultation_requests")
    op.drop_table("assessments")
