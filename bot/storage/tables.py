"""The platform's tables (members, the audit chain, conversations, the outbox, the committee's
team, who cannot be reached) and the metadata every capability's own `tables.py` adds to.
Alembic migrations create exactly all of them (`bot.capabilities.schema()`)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("organisation", String(300), nullable=False),
    Column("seat", String(40), nullable=False),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("aad_object_id", String(36), unique=True),
    Column("teams_user_id", String(200)),
    Column("preferred_locale", String(10)),
    Column("mandate_starts_on", Date),
    Column("mandate_ends_on", Date),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# Append-only: the repository never updates or deletes, and `audit verify` checks the chain.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("object_type", String(100), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# Where to reach a person (personal chat) or a channel without them writing first.
conversation_references = Table(
    "conversation_references",
    metadata,
    Column("conversation_id", String(500), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id")),
    Column("scope", String(20), nullable=False),
    Column("reference", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# One row per activity already handled: Teams retries and must not get a second effect.
processed_activities = Table(
    "processed_activities",
    metadata,
    Column("activity_key", String(700), primary_key=True),
    Column("received_at", DateTime, nullable=False),
    Column("status", Integer),
    Column("response", Text),
)


# Reminders and other proactive messages, written before they are due so a restart loses none.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(300), nullable=False, unique=True),
    Column("kind", String(60), nullable=False),
    Column("member_id", Integer, ForeignKey("members.id")),
    Column("payload", Text, nullable=False),
    Column("due_at", DateTime, nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("outcome", String(20)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    # The id Teams gave the message: a later change (superseded) updates it in place.
    Column("sent_activity_id", String(300)),
    # Claimed by a dispatcher until then (it sends outside any transaction); see services/outbox.
    Column("claimed_until", DateTime),
)


# The committee's team and the channel the bot posts to, learned at install (one row).
committee_team = Table(
    "committee_team",
    metadata,
    Column("key", String(20), primary_key=True),
    Column("team_id", String(300), nullable=False),
    Column("group_id", String(64)),
    Column("team_name", String(300)),
    Column("channel_id", String(500), nullable=False),
    Column("reference", Text, nullable=False),
    Column("installed_by", String(320), nullable=False),
    Column("learned_at", DateTime, nullable=False),
)


# Members Teams cannot reach now (the app removed, the bot blocked, never installed); the row
# goes when they can be reached again.
unreachable_members = Table(
    "unreachable_members",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("reason", String(300), nullable=False),
    Column("since", DateTime, nullable=False),
)
