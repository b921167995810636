"""Private links that expire when idle and that staff can rotate or revoke; TOTP secrets encrypted.

- clinics.link_idle_days (90 for every clinic; NULL means never, chosen by an admin);
- assessments.link_used_at and link_revoked_at; the retired_links table (hashes of links staff
  replaced or withdrew, so their holders are told how to get a new one);
- staff.totp_secret becomes TEXT (an encrypted value is longer than the 64 characters it had),
  and the secrets stored in plain text are encrypted with the newest key of the keyring the app
  passes (``config.attributes["keyring"]``, `trdnav.store.secrets_at_rest`). Without one (Alembic
  run by hand), they stay as they are and `trdnav db reencrypt` encrypts them; until then they
  are refused, never read as plain text.

Downgrade: the secrets cannot go back to plain text without the key, so two-factor sign-in is
turned off (and set up again at the next sign-in where the clinic requires it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_PLAIN_TOTP = re.compile(r"[A-Z2-7]{16,64}=*")


def _retype_totp_secret(new_type: str) -> None:
    """SQLite cannot change a column's type in place (and recreating ``staff`` would cascade to its
    sessions): add the new column, copy, drop the old one, rename."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE staff ADD COLUMN totp_secret_new {new_type}")
        op.execute("UPDATE staff SET totp_secret_new = totp_secret")
        op.execute("ALTER TABLE staff DROP COLUMN totp_secret")
        op.execute("ALTER TABLE staff RENAME COLUMN totp_secret_new TO totp_secret")
    else:
        op.alter_column("staff", "totp_secret", type_=sa.Text if new_type == "TEXT" else sa.String(64))


def _encrypt_plain_secrets() -> None:
    keyring = op.get_context().config.attributes.get("keyring") if op.get_context().config else None
    if keyring is None:
        return
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, totp_secret FROM staff WHERE totp_secret IS NOT NULL")).all()
    for staff_id, secret in rows:
        if _PLAIN_TOTP.fullmatch(secret):
            bind.execute(
                sa.text("UPDATE staff SET totp_secret = :sealed WHERE id = :id"),
                {"sealed": keyring.encrypt(secret), "id": staff_id},
            )


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(sa.Column("link_idle_days", sa.Integer, nullable=True, server_default="90"))
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("link_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("link_revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "retired_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(10), nullable=False),
    )
    op.create_index("ix_retired_links_token_hash", "retired_links", ["token_hash"], unique=True)
    op.create_index("ix_retired_links_assessment_id", "retired_links", ["assessment_id"])
    _retype_totp_secret("TEXT")
    _encrypt_plain_secrets()


def downgrade() -> None:
    op.execute("UPDATE staff SET totp_secret = NULL, totp_enabled = false, totp_last_step = NULL")
    _retype_totp_secret("VARCHAR(64)")
    op.drop_index("ix_retired_links_assessment_id", "retired_links")
    op.drop_index("ix_retired_links_token_hash", "retired_links")
    op.drop_table("retired_links")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): batch mode would rebuild
    # clinics and assessments, which other tables' rows refer to (a foreign-key failure on SQLite).
    op.drop_column("assessments", "link_revoked_at")
    op.drop_column("assessments", "link_used_at")
    op.drop_column("clinics", "link_idle_days")
