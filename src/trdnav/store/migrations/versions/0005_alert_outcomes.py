"""Alerts closed with an outcome: the outcome (a knowledge-base id), the attempts to reach the person,
and the clinician's note on each clinic alert; a short detail on audit entries (an id, never patient
data) so closing an alert is audited with its outcome.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic_alerts") as batch:
        batch.add_column(sa.Column("outcome", sa.String(40), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=True))
        batch.add_column(sa.Column("outcome_note", sa.Text, nullable=True))
    # Not a batch: the audit table's triggers (refusing UPDATE and DELETE) must survive, so the
    # column is added in place, which SQLite and PostgreSQL both do without rewriting the rows.
    op.add_column("audit_events", sa.Column("detail", sa.String(60), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("audit_events", "detail")
    with op.batch_alter_table("clinic_alerts") as batch:
        batch.drop_column("outcome_note")
        batch.drop_column("attempts")
        batch.drop_column("outcome")
