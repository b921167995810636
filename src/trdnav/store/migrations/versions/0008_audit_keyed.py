"""A keyed audit chain: each entry names the audit key whose HMAC chained it ("" for the plain
SHA-256 entries written before, a legacy prefix that `trdnav audit verify` still checks), and the
chain head the key of the last entry.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not a batch: the audit table's triggers (refusing UPDATE and DELETE) must survive, so the
    # columns are added in place, which SQLite and PostgreSQL both do without rewriting the rows.
    op.add_column("audit_events", sa.Column("key_id", sa.String(16), nullable=False, server_default=""))
    op.add_column("audit_head", sa.Column("key_id", sa.String(16), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("audit_head", "key_id")
    op.drop_column("audit_events", "key_id")
