"""Date polls for an extra meeting: candidate slots and each member's answer per slot.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
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
        "polls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("agenda", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id")),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "poll_slots",
        sa.Column("poll_id", sa.Integer, sa.ForeignKey("polls.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("start", sa.String(5), nullable=False),
    )
    op.create_table(
        "poll_answers",
        sa.Column("poll_id", sa.Integer, sa.ForeignKey("polls.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("answered_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("poll_answers")
    op.drop_table("poll_slots")
    op.drop_table("polls")
