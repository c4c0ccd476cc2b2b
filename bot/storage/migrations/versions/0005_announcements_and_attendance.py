"""The committee's team and channel, meeting revisions (to update cards in place), attendance,
minutes and decisions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "committee_team",
        sa.Column("key", sa.String(20), primary_key=True),
        sa.Column("team_id", sa.String(300), nullable=False),
        sa.Column("group_id", sa.String(64)),
        sa.Column("team_name", sa.String(300)),
        sa.Column("channel_id", sa.String(500), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("installed_by", sa.String(320), nullable=False),
        sa.Column("learned_at", sa.DateTime, nullable=False),
    )
    with op.batch_alter_table("meetings") as meetings:
        meetings.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
        meetings.add_column(sa.Column("minutes_url", sa.Text))
    op.create_table(
        "meeting_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(320), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("meeting_id", "position", name="uq_decision_position"),
    )
    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("answered_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("meeting_decisions")
    op.drop_table("meeting_attendance")
    with op.batch_alter_table("meetings") as meetings:
        meetings.drop_column("minutes_url")
        meetings.drop_column("revision")
    op.drop_table("committee_team")
