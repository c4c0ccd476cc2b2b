"""The confidentiality capability's tables, on the schema's shared metadata (its migrations are in
`bot/storage/migrations/versions/`)."""

from __future__ import annotations

from sqlalchemy import (
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
