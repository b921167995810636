"""The CDS Hooks service: trusted clients, used JWT ids, issued cards and their feedback.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False, unique=True),
        sa.Column("jwks", sa.JSON, nullable=True),
        sa.Column("jwks_url", sa.String(500), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Integer, nullable=True),
    )
    op.create_index("ix_cds_clients_clinic_id", "cds_clients", ["clinic_id"])
    op.create_table(
        "cds_token_uses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("jti", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "jti", name="uq_cds_token_uses_issuer_jti"),
    )
    op.create_index("ix_cds_token_uses_expires_at", "cds_token_uses", ["expires_at"])
    op.create_table(
        "cds_cards",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False),
        sa.Column("service", sa.String(60), nullable=False),
        sa.Column("card_type", sa.String(60), nullable=False),
        sa.Column("indicator", sa.String(10), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_cards_clinic_id", "cds_cards", ["clinic_id"])
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "card_uuid", sa.String(36), sa.ForeignKey("cds_cards.uuid", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("override_reason", sa.String(60), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_feedback_card_uuid", "cds_feedback", ["card_uuid"])


def downgrade() -> None:
    op.drop_table("cds_feedback")
    op.drop_table("cds_cards")
    op.drop_table("cds_token_uses")
    op.drop_table("cds_clients")
