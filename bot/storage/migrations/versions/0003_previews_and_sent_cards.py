"""What changed between versions, drafts previewed before publishing, and the Teams id of each
message the outbox sent (so a superseded card can be updated in place).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commitment_versions") as table:
        table.add_column(sa.Column("change_summary_fr", sa.Text))
        table.add_column(sa.Column("change_summary_en", sa.Text))
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("sent_activity_id", sa.String(300)))
    op.create_table(
        "commitment_drafts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text_fr", sa.Text, nullable=False),
        sa.Column("text_en", sa.Text, nullable=False),
        sa.Column("change_summary_fr", sa.Text),
        sa.Column("change_summary_en", sa.Text),
        # The version current when the draft was made: publishing it over a newer one is refused.
        sa.Column("based_on", sa.Integer),
        sa.Column("drafted_by", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("drafted_at", sa.DateTime, nullable=False),
        sa.Column("published_as", sa.Integer),
    )


def downgrade() -> None:
    op.drop_table("commitment_drafts")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("sent_activity_id")
    with op.batch_alter_table("commitment_versions") as table:
        table.drop_column("change_summary_en")
        table.drop_column("change_summary_fr")
