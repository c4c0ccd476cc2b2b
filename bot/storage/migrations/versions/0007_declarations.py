"""Conflict-of-interest declarations: general and per meeting, versioned; measures taken.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "general_declarations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("interests", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("declared_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("member_id", "version", name="uq_general_declaration_version"),
    )
    op.create_table(
        "meeting_declarations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("after_start", sa.Boolean, nullable=False),
        sa.Column("declared_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint(
            "member_id", "meeting_id", "version", name="uq_meeting_declaration_version"
        ),
    )
    op.create_table(
        "conflict_measures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("item", sa.String(300), nullable=False),
        sa.Column("measure", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(320), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("conflict_measures")
    op.drop_table("meeting_declarations")
    op.drop_table("general_declarations")
