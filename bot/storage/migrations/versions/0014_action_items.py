"""Action items: what a meeting asked someone to do, by when, followed to done.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("members.id")),
        sa.Column("contact", sa.String(320), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id")),
        sa.Column("decision", sa.Integer),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(320)),
        sa.Column("updated_at", sa.DateTime),
    )
    op.create_index("ix_action_items_status_due_on", "action_items", ["status", "due_on"])
    op.create_index("ix_action_items_owner_id", "action_items", ["owner_id"])


def downgrade() -> None:
    op.drop_table("action_items")
