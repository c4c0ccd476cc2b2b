"""Action-plan consultations: rounds, items, comments, responses, proposals, naming.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = (
    "consultation_naming",
    "consultation_proposals",
    "consultation_response_members",
    "consultation_responses",
    "consultation_comments",
    "consultation_items",
    "consultation_rounds",
)


def upgrade() -> None:
    op.create_table(
        "consultation_rounds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id")),
        sa.Column("opened_by", sa.String(320), nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("reopened", sa.Integer, nullable=False),
    )
    op.create_table(
        "consultation_items",
        sa.Column(
            "round_id", sa.Integer, sa.ForeignKey("consultation_rounds.id"), primary_key=True
        ),
        sa.Column("number", sa.String(12), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
    )
    op.create_table(
        "consultation_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("consultation_rounds.id"), nullable=False),
        sa.Column("item", sa.String(12), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("opinion", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("conflicted", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("round_id", "item", "member_id", "version", name="uq_comment_version"),
    )
    op.create_table(
        "consultation_responses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("consultation_rounds.id"), nullable=False),
        sa.Column("item", sa.String(12), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("by", sa.String(320), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "consultation_response_members",
        sa.Column(
            "response_id", sa.Integer, sa.ForeignKey("consultation_responses.id"), primary_key=True
        ),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
    )
    op.create_table(
        "consultation_proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "consultation_naming",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("named", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
