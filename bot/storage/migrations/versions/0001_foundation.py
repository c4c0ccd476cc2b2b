"""Foundation: members, audit log, bot state, conversation references, processed activities.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("seat", sa.String(40), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("aad_object_id", sa.String(36), unique=True),
        sa.Column("teams_user_id", sa.String(200)),
        sa.Column("preferred_locale", sa.String(10)),
        sa.Column("mandate_starts_on", sa.Date),
        sa.Column("mandate_ends_on", sa.Date),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("object_type", sa.String(100), nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(500), primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("etag", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "conversation_references",
        sa.Column("conversation_id", sa.String(500), primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id")),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "processed_activities",
        sa.Column("activity_key", sa.String(700), primary_key=True),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("response", sa.Text),
    )


def downgrade() -> None:
    for table in (
        "processed_activities",
        "conversation_references",
        "bot_state",
        "audit_log",
        "members",
    ):
        op.drop_table(table)
