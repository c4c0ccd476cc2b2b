"""The meetings capability's tables, on the schema's shared metadata (its migrations are in
`bot/storage/migrations/versions/`)."""

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

# A meeting is decided in local time (`day`, `start` as HH:MM, the committee's zone) and kept
# as the instant it starts too, to sort and to find what is due.
meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("day", Date, nullable=False),
    Column("start", String(5), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("starts_at", DateTime, nullable=False, index=True),
    Column("note", Text, nullable=False),
    Column("status", String(20), nullable=False),
    # Where it stands in the organiser's calendar: none (no Graph), pending, created, refused.
    Column("calendar", String(20), nullable=False),
    Column("event_id", String(300)),
    Column("join_url", Text),
    Column("calendar_error", Text),
    Column("created_by", String(320), nullable=False),
    Column("created_at", DateTime, nullable=False),
    # Goes up at each change people see (moved, cancelled, in the calendar, an attendance
    # answer): the channel card is redrawn once for the latest, not once per change.
    Column("revision", Integer, nullable=False, server_default="0"),
    # The minutes, where the committee keeps them (a SharePoint link), once the meeting is held.
    Column("minutes_url", Text),
    # The day the committee adopted them (`bot/features/minutes`); until then the link is a
    # draft's, not published, and once set the minutes are locked until a new adoption.
    Column("minutes_adopted_on", Date),
)


# What the committee decided at a meeting, each with its reason, in the order recorded.
meeting_decisions = Table(
    "meeting_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(320), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    UniqueConstraint("meeting_id", "position", name="uq_decision_position"),
)


agenda_items = Table(
    "agenda_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    Column("presenter", String(200)),
    UniqueConstraint("meeting_id", "position", name="uq_agenda_position"),
)


# Who said they will attend: one answer per member and meeting, the latest kept.
meeting_attendance = Table(
    "meeting_attendance",
    metadata,
    Column("meeting_id", Integer, ForeignKey("meetings.id"), primary_key=True),
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("answer", String(10), nullable=False),
    Column("answered_at", DateTime, nullable=False),
)


# A date poll for an extra meeting: the secretariat's candidate slots, members' answers.
polls = Table(
    "polls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("agenda", Text, nullable=False),
    # open, then scheduled (a slot became a meeting, `meeting_id`).
    Column("status", String(20), nullable=False),
    Column("meeting_id", Integer, ForeignKey("meetings.id")),
    Column("created_by", String(320), nullable=False),
    Column("created_at", DateTime, nullable=False),
)


poll_slots = Table(
    "poll_slots",
    metadata,
    Column("poll_id", Integer, ForeignKey("polls.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("day", Date, nullable=False),
    Column("start", String(5), nullable=False),
)


poll_answers = Table(
    "poll_answers",
    metadata,
    Column("poll_id", Integer, ForeignKey("polls.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("answer", String(10), nullable=False),
    Column("answered_at", DateTime, nullable=False),
)
