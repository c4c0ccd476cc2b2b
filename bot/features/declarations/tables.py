"""The declarations capability's tables, on the schema's shared metadata (its migrations are in
`bot/storage/migrations/versions/`)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bot.storage.tables import metadata

# Conflict-of-interest declarations. Append-only: each submission is a new version; only a
# purge after the retention period deletes (`declarations purge`).
general_declarations = Table(
    "general_declarations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("version", Integer, nullable=False),
    # The interests as JSON (an empty list: nothing to declare).
    Column("interests", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("language", String(10), nullable=False),
    Column("declared_at", DateTime, nullable=False),
    UniqueConstraint("member_id", "version", name="uq_general_declaration_version"),
)


meeting_declarations = Table(
    "meeting_declarations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("answers", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    # Declared once the meeting had started: an amendment, added beside the original.
    Column("after_start", Boolean, nullable=False),
    Column("declared_at", DateTime, nullable=False),
    UniqueConstraint("member_id", "meeting_id", "version", name="uq_meeting_declaration_version"),
)


# What the secretariat decided after a declared conflict on an item.
conflict_measures = Table(
    "conflict_measures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("item", String(300), nullable=False),
    Column("measure", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(320), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)
