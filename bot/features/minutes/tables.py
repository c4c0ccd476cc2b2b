"""The minutes' tables, on the schema's shared metadata (its migration is in
`bot/storage/migrations/versions/`). The adopted link and day are the meeting's own
(`meetings.minutes_url`, `meetings.minutes_adopted_on`), written through the meetings' store."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bot.storage.tables import metadata

minutes_reviews = Table(
    "minutes_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("draft_url", Text, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("opened_by", String(320), nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("adopted_on", Date),
    Column("final_url", Text),
    Column("adopted_by", String(320)),
    Column("adopted_at", DateTime),
    UniqueConstraint("meeting_id", "revision", name="uq_minutes_revision"),
)

# What each member proposed, kept with its author; the adoption says if it was taken.
minutes_corrections = Table(
    "minutes_corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("review_id", Integer, ForeignKey("minutes_reviews.id"), nullable=False, index=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("verdict", String(20)),
    Column("reason", Text, nullable=False),
)
