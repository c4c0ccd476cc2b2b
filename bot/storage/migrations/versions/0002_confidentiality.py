"""Confidentiality: commitment versions, acceptances, and the outbox for reminders.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commitment_versions",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("text_fr", sa.Text, nullable=False),
        sa.Column("text_en", sa.Text, nullable=False),
        sa.Column("sha256_fr", sa.String(64), nullable=False),
        sa.Column("sha256_en", sa.String(64), nullable=False),
        sa.Column("published_by", sa.String(320), nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "acceptances",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column(
            "version", sa.Integer, sa.ForeignKey("commitment_versions.number"), nullable=False
        ),
        sa.Column("mandate_key", sa.String(10), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("accepted_at", sa.DateTime, nullable=False),
        sa.Column("activity_id", sa.String(300), nullable=False),
        sa.UniqueConstraint("member_id", "version", "mandate_key", name="uq_acceptance_once"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dedupe_key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id")),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("outcome", sa.String(20)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_outbox_due_at", "outbox", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_due_at", "outbox")
    for table in ("outbox", "acceptances", "commitment_versions"):
        op.drop_table(table)
