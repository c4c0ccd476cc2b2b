"""The schema, as SQLAlchemy Core tables. Alembic migrations create exactly this."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
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

commitment_versions = Table(
    "commitment_versions",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("text_fr", Text, nullable=False),
    Column("text_en", Text, nullable=False),
    Column("sha256_fr", String(64), nullable=False),
    Column("sha256_en", String(64), nullable=False),
    Column("published_by", String(320), nullable=False),
    Column("published_at", DateTime, nullable=False),
    # What changed from the previous version, as the secretariat put it, in each language.
    Column("change_summary_fr", Text),
    Column("change_summary_en", Text),
)

# A version as the secretariat previewed it: publishing takes the draft, not the card's data.
commitment_drafts = Table(
    "commitment_drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("text_fr", Text, nullable=False),
    Column("text_en", Text, nullable=False),
    Column("change_summary_fr", Text),
    Column("change_summary_en", Text),
    Column("based_on", Integer),
    Column("drafted_by", Integer, ForeignKey("members.id"), nullable=False),
    Column("drafted_at", DateTime, nullable=False),
    Column("published_as", Integer),
)

acceptances = Table(
    "acceptances",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("version", Integer, ForeignKey("commitment_versions.number"), nullable=False),
    # The mandate the acceptance belongs to: a renewed mandate asks again.
    Column("mandate_key", String(10), nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("language", String(10), nullable=False),
    Column("accepted_at", DateTime, nullable=False),
    Column("activity_id", String(300), nullable=False),
    UniqueConstraint("member_id", "version", "mandate_key", name="uq_acceptance_once"),
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

# Members Teams cannot reach now (the app removed, the bot blocked, never installed); the row
# goes when they can be reached again.
unreachable_members = Table(
    "unreachable_members",
    metadata,
    Column("member_id", Integer, ForeignKey("members.id"), primary_key=True),
    Column("reason", String(300), nullable=False),
    Column("since", DateTime, nullable=False),
)

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
