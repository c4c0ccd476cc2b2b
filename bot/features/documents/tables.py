"""The documents capability's tables, on the schema's shared metadata (its migrations are in
`bot/storage/migrations/versions/`)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from bot.storage.tables import metadata

# The committee's documents. A row is written when a file or link arrives (a draft the sharer
# completes on a card) and is listed once `ready`; `source_url` is where the file is fetched
# from and is forgotten once it is stored; `upload_url` is Graph's upload session, kept so an
# interrupted upload resumes where it stopped.
documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("meeting_id", Integer, ForeignKey("meetings.id")),
    Column("item", String(300)),
    Column("confidential", Boolean, nullable=False, default=False),
    Column("description", Text, nullable=False, default=""),
    Column("shared_by", Integer, ForeignKey("members.id"), nullable=False),
    Column("shared_at", DateTime, nullable=False),
    Column("status", String(12), nullable=False),
    Column("stored_in", String(12), nullable=False),
    Column("size", BigInteger),
    Column("source_url", Text),
    Column("drive_id", String(200)),
    Column("item_id", String(200)),
    Column("web_url", Text),
    Column("upload_url", Text),
    Column("attempt", Integer, nullable=False, default=0),
    Column("started_at", DateTime),
    Index("ix_documents_status", "status"),
)


# Who was invited to a confidential SharePoint document: the permission Graph gave, so it can
# be withdrawn. A row without permission_id is an invitation being sent (claimed, so two
# replicas never invite twice).
document_grants = Table(
    "document_grants",
    metadata,
    Column("document_id", Integer, ForeignKey("documents.id"), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("permission_id", String(200)),
    Column("granted_at", DateTime, nullable=False),
)
