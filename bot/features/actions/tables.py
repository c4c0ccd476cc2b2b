"""The action items' table, on the schema's shared metadata (its migration is in
`bot/storage/migrations/versions/`)."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text

from bot.storage.tables import metadata

action_items = Table(
    "action_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("what", Text, nullable=False),
    # None: an organisation outside the registry, reached through `contact` by the secretariat.
    Column("owner_id", Integer, ForeignKey("members.id")),
    Column("contact", String(320), nullable=False),
    Column("organisation", String(300), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("meeting_id", Integer, ForeignKey("meetings.id")),
    # The decision of that meeting it carries out: its number in the meeting's decisions.
    Column("decision", Integer),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_by", String(320)),
    Column("updated_at", DateTime),
    Index("ix_action_items_status_due_on", "status", "due_on"),
    Index("ix_action_items_owner_id", "owner_id"),
)
