"""The IV ketamine dose step: a dose computed and confirmed before the infusion, stored on its own.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ketamine_doses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "visit_id", sa.Integer, sa.ForeignKey("course_visits.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("confirmed_by", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ketamine_doses_course_id", "ketamine_doses", ["course_id"])
    op.create_index("ix_ketamine_doses_visit_id", "ketamine_doses", ["visit_id"])


def downgrade() -> None:
    op.drop_index("ix_ketamine_doses_visit_id", table_name="ketamine_doses")
    op.drop_index("ix_ketamine_doses_course_id", table_name="ketamine_doses")
    op.drop_table("ketamine_doses")
