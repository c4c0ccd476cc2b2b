"""Meetings and their agenda items.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("start", sa.String(5), nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False, index=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("calendar", sa.String(20), nullable=False),
        sa.Column("event_id", sa.String(300)),
        sa.Column("join_url", sa.Text),
        sa.Column("calendar_error", sa.Text),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("presenter", sa.String(200)),
        sa.UniqueConstraint("meeting_id", "position", name="uq_agenda_position"),
    )


def downgrade() -> None:
    op.drop_table("agenda_items")
    op.drop_table("meetings")
