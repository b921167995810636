"""Assessments started from a health record: the uploaded records' patients, and the prefill.

- record_uploads: a clinician's uploaded Bundle or bulk export, per patient the imported answers
  document, kept until expires_at (a day);
- assessments.record_prefill: the record's answers and sources an assessment was started with.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_uploads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False),
        sa.Column("staff_id", sa.Integer, nullable=True),
        sa.Column("source_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patients", sa.JSON, nullable=False),
    )
    op.create_index("ix_record_uploads_clinic_id", "record_uploads", ["clinic_id"])
    op.create_index("ix_record_uploads_expires_at", "record_uploads", ["expires_at"])
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("record_prefill", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("record_prefill")
    op.drop_table("record_uploads")
