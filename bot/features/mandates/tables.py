"""The mandates capability's tables, on the schema's shared metadata (its migrations are in
`bot/storage/migrations/versions/`)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from bot.storage.tables import metadata

# Each mandate of each member; the current one is mirrored on the member's row.
mandates = Table(
    "mandates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("seat", String(40), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("answer", String(10)),
    Column("answered_at", DateTime),
    Column("decided_by", String(320)),
    Column("decided_at", DateTime),
    UniqueConstraint("member_id", "number", name="uq_mandate_number"),
    Index("ix_mandates_status_ends_on", "status", "ends_on"),
)
