"""Documents shared with the committee, and who was invited to the confidential ones.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id")),
        sa.Column("item", sa.String(300)),
        sa.Column("confidential", sa.Boolean, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("shared_by", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("shared_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("stored_in", sa.String(12), nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("source_url", sa.Text),
        sa.Column("drive_id", sa.String(200)),
        sa.Column("item_id", sa.String(200)),
        sa.Column("web_url", sa.Text),
        sa.Column("upload_url", sa.Text),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime),
    )
    op.create_index("ix_documents_status", "documents", ["status"])
    op.create_table(
        "document_grants",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("permission_id", sa.String(200)),
        sa.Column("granted_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_grants")
    op.drop_index("ix_documents_status", "documents")
    op.drop_table("documents")
