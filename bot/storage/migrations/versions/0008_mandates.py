"""Mandates as a history: each term, its renewal number, the member's answer, the decision.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mandates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("seat", sa.String(40), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answer", sa.String(10)),
        sa.Column("answered_at", sa.DateTime),
        sa.Column("decided_by", sa.String(320)),
        sa.Column("decided_at", sa.DateTime),
        sa.UniqueConstraint("member_id", "number", name="uq_mandate_number"),
    )
    op.create_index("ix_mandates_status_ends_on", "mandates", ["status", "ends_on"])


def downgrade() -> None:
    op.drop_index("ix_mandates_status_ends_on", "mandates")
    op.drop_table("mandates")
