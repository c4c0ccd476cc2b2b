"""The consultation capability's tables, on the schema's shared metadata (its migrations are in
`bot/storage/migrations/versions/`)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
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

# Action-plan consultations: a round, its items, members' comments (every version), the
# secretariat's responses (each to one or several commenters of an item), members'
# proposals, and who agreed to be named in the public report.
consultation_rounds = Table(
    "consultation_rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("phase", String(20), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("meeting_id", Integer, ForeignKey("meetings.id")),
    Column("opened_by", String(320), nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("reopened", Integer, nullable=False, default=0),
)


consultation_items = Table(
    "consultation_items",
    metadata,
    Column("round_id", Integer, ForeignKey("consultation_rounds.id"), primary_key=True),
    Column("number", String(12), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("link", Text),
)


consultation_comments = Table(
    "consultation_comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", Integer, ForeignKey("consultation_rounds.id"), nullable=False),
    Column("item", String(12), nullable=False),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("opinion", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("conflicted", Boolean, nullable=False),
    Column("at", DateTime, nullable=False),
    UniqueConstraint("round_id", "item", "member_id", "version", name="uq_comment_version"),
)


consultation_responses = Table(
    "consultation_responses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", Integer, ForeignKey("consultation_rounds.id"), nullable=False),
    Column("item", String(12), nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(320), nullable=False),
    Column("at", DateTime, nullable=False),
)


consultation_response_members = Table(
    "consultation_response_members",
    metadata,
    Column("response_id", Integer, ForeignKey("consultation_responses.id"), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
)


consultation_proposals = Table(
    "consultation_proposals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("at", DateTime, nullable=False),
)


consultation_naming = Table(
    "consultation_naming",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("named", Boolean, nullable=False),
    Column("at", DateTime, nullable=False),
)
