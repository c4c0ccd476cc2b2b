"""Commitment versions (never edited or deleted) and acceptances."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.confidentiality import tables
from bot.features.confidentiality.rules import Acceptance, CommitmentDraft, CommitmentVersion
from bot.storage.database import fit_key, from_db, insert_if_absent, to_db


def _version(row: RowMapping) -> CommitmentVersion:
    return CommitmentVersion(
        number=row["number"],
        text_fr=row["text_fr"],
        text_en=row["text_en"],
        sha256_fr=row["sha256_fr"],
        sha256_en=row["sha256_en"],
        published_by=row["published_by"],
        published_at=from_db(row["published_at"]),
        change_summary_fr=row["change_summary_fr"],
        change_summary_en=row["change_summary_en"],
    )


def _draft(row: RowMapping) -> CommitmentDraft:
    return CommitmentDraft(
        id=row["id"],
        text_fr=row["text_fr"],
        text_en=row["text_en"],
        change_summary_fr=row["change_summary_fr"],
        change_summary_en=row["change_summary_en"],
        based_on=row["based_on"],
        drafted_by=row["drafted_by"],
        drafted_at=from_db(row["drafted_at"]),
        published_as=row["published_as"],
    )


def _acceptance(row: RowMapping) -> Acceptance:
    return Acceptance(
        member_id=row["member_id"],
        version=row["version"],
        mandate_key=row["mandate_key"],
        text_sha256=row["text_sha256"],
        language=row["language"],
        accepted_at=from_db(row["accepted_at"]),
        activity_id=row["activity_id"],
    )


class CommitmentRepository:
    async def current(self, conn: AsyncConnection) -> CommitmentVersion | None:
        row = (
            (
                await conn.execute(
                    select(tables.commitment_versions)
                    .order_by(tables.commitment_versions.c.number.desc())
                    .limit(1)
                )
            )
            .mappings()
            .first()
        )
        return _version(row) if row else None

    async def add_version(self, conn: AsyncConnection, version: CommitmentVersion) -> bool:
        """False if another publication took this number first (nothing written)."""
        return await insert_if_absent(
            conn,
            tables.commitment_versions,
            dict(
                number=version.number,
                text_fr=version.text_fr,
                text_en=version.text_en,
                sha256_fr=version.sha256_fr,
                sha256_en=version.sha256_en,
                published_by=version.published_by,
                published_at=to_db(version.published_at),
                change_summary_fr=version.change_summary_fr,
                change_summary_en=version.change_summary_en,
            ),
        )

    async def acceptances(
        self, conn: AsyncConnection, member_id: int | None = None
    ) -> list[Acceptance]:
        query = select(tables.acceptances).order_by(tables.acceptances.c.accepted_at)
        if member_id is not None:
            query = query.where(tables.acceptances.c.member_id == member_id)
        return [_acceptance(row) for row in (await conn.execute(query)).mappings()]

    async def find(
        self, conn: AsyncConnection, member_id: int, version: int, mandate_key: str
    ) -> Acceptance | None:
        row = (
            (
                await conn.execute(
                    select(tables.acceptances).where(
                        tables.acceptances.c.member_id == member_id,
                        tables.acceptances.c.version == version,
                        tables.acceptances.c.mandate_key == mandate_key,
                    )
                )
            )
            .mappings()
            .first()
        )
        return _acceptance(row) if row else None

    async def record(self, conn: AsyncConnection, acceptance: Acceptance) -> bool:
        """False when this member already accepted this version in this mandate."""
        return await insert_if_absent(
            conn,
            tables.acceptances,
            dict(
                member_id=acceptance.member_id,
                version=acceptance.version,
                mandate_key=acceptance.mandate_key,
                text_sha256=acceptance.text_sha256,
                language=acceptance.language,
                accepted_at=to_db(acceptance.accepted_at),
                activity_id=fit_key(acceptance.activity_id, 300),
            ),
        )

    async def add_draft(self, conn: AsyncConnection, draft: CommitmentDraft) -> int:
        result = await conn.execute(
            insert(tables.commitment_drafts)
            .values(
                text_fr=draft.text_fr,
                text_en=draft.text_en,
                change_summary_fr=draft.change_summary_fr,
                change_summary_en=draft.change_summary_en,
                based_on=draft.based_on,
                drafted_by=draft.drafted_by,
                drafted_at=to_db(draft.drafted_at),
            )
            .returning(tables.commitment_drafts.c.id)
        )
        return int(result.scalar_one())

    async def draft(self, conn: AsyncConnection, draft_id: int) -> CommitmentDraft | None:
        row = (
            (
                await conn.execute(
                    select(tables.commitment_drafts).where(
                        tables.commitment_drafts.c.id == draft_id
                    )
                )
            )
            .mappings()
            .first()
        )
        return _draft(row) if row else None

    async def mark_draft_published(self, conn: AsyncConnection, draft_id: int, number: int) -> None:
        await conn.execute(
            update(tables.commitment_drafts)
            .where(tables.commitment_drafts.c.id == draft_id)
            .values(published_as=number)
        )
