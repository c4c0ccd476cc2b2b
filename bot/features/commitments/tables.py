"""The commitments' tables, on the schema's shared metadata (its migration is in
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

commitment_plans = Table(
    "commitment_plans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(300), nullable=False, unique=True),
    Column("imported_by", String(320), nullable=False),
    Column("imported_at", DateTime, nullable=False),
)

commitments = Table(
    "commitments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", Integer, ForeignKey("commitment_plans.id"), nullable=False),
    Column("number", String(20), nullable=False),
    Column("title", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("organisation", String(300), nullable=False),
    Column("contact_email", String(320), nullable=False),
    # The secretariat's level when it departs from the derived one, and why.
    Column("override", String(20)),
    Column("override_reason", Text, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("plan_id", "number", name="uq_commitment_number"),
)

commitment_milestones = Table(
    "commitment_milestones",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("commitment_id", Integer, ForeignKey("commitments.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("what", Text, nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_on", Date),
    Column("report", Text, nullable=False),
    Column("evidence_url", Text, nullable=False),
    Column("version", Integer, nullable=False),
)

# Every progress report, kept: the milestone shows the latest, the weekly digest lists them.
commitment_reports = Table(
    "commitment_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("milestone_id", Integer, ForeignKey("commitment_milestones.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_on", Date, nullable=False),
    Column("report", Text, nullable=False),
    Column("evidence_url", Text, nullable=False),
    Column("by", String(320), nullable=False),
    Column("at", DateTime, nullable=False, index=True),
)

commitment_comments = Table(
    "commitment_comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("commitment_id", Integer, ForeignKey("commitments.id"), nullable=False, index=True),
    Column("member_id", Integer, ForeignKey("members.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime, nullable=False),
)

# The secretariat's answers, every one kept; the latest is the answer in force.
commitment_answers = Table(
    "commitment_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", Integer, ForeignKey("commitment_comments.id"), nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(320), nullable=False),
    Column("at", DateTime, nullable=False),
)
