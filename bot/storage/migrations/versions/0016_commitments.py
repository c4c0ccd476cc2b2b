"""The action plan's commitments: plans, commitments, milestones, progress reports, members'
comments and the secretariat's answers.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commitment_plans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False, unique=True),
        sa.Column("imported_by", sa.String(320), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("commitment_plans.id"), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("override", sa.String(20)),
        sa.Column("override_reason", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("plan_id", "number", name="uq_commitment_number"),
    )
    op.create_table(
        "commitment_milestones",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("commitment_id", sa.Integer, sa.ForeignKey("commitments.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("planned_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_on", sa.Date),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("evidence_url", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_commitment_milestones_commitment_id", "commitment_milestones", ["commitment_id"]
    )
    op.create_table(
        "commitment_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "milestone_id", sa.Integer, sa.ForeignKey("commitment_milestones.id"), nullable=False
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_on", sa.Date, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("evidence_url", sa.Text, nullable=False),
        sa.Column("by", sa.String(320), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_commitment_reports_at", "commitment_reports", ["at"])
    op.create_table(
        "commitment_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("commitment_id", sa.Integer, sa.ForeignKey("commitments.id"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "ix_commitment_comments_commitment_id", "commitment_comments", ["commitment_id"]
    )
    op.create_table(
        "commitment_answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "comment_id", sa.Integer, sa.ForeignKey("commitment_comments.id"), nullable=False
        ),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("by", sa.String(320), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "commitment_answers",
        "commitment_comments",
        "commitment_reports",
        "commitment_milestones",
        "commitments",
        "commitment_plans",
    ):
        op.drop_table(table)
