"""Password lifecycle: a temporary password flag, the time of an account's last failed sign-in (for
the progressive delay), and admins' one-time password reset links (only their tokens' hashes).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_password_resets_staff_id", "password_resets", ["staff_id"])
    op.create_index("ix_password_resets_token_hash", "password_resets", ["token_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_password_resets_token_hash", "password_resets")
    op.drop_index("ix_password_resets_staff_id", "password_resets")
    op.drop_table("password_resets")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("last_failed_at")
