"""Minutes adopted: each submission of a meeting's minutes, members' corrections, and the day
the committee adopted them (on the meeting).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("minutes_adopted_on", sa.Date))
    op.create_table(
        "minutes_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("draft_url", sa.Text, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_by", sa.String(320), nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("adopted_on", sa.Date),
        sa.Column("final_url", sa.Text),
        sa.Column("adopted_by", sa.String(320)),
        sa.Column("adopted_at", sa.DateTime),
        sa.UniqueConstraint("meeting_id", "revision", name="uq_minutes_revision"),
    )
    op.create_table(
        "minutes_corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("minutes_reviews.id"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("verdict", sa.String(20)),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_minutes_corrections_review_id", "minutes_corrections", ["review_id"])


def downgrade() -> None:
    op.drop_table("minutes_corrections")
    op.drop_table("minutes_reviews")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("minutes_adopted_on")
