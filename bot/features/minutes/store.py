"""Each submission of a meeting's minutes, and the corrections members proposed to it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.minutes import tables
from bot.features.minutes.rules import Correction, Review, ReviewStatus, Verdict
from bot.storage.database import from_db, to_db

_reviews = tables.minutes_reviews
_corrections = tables.minutes_corrections


def _review(row: RowMapping) -> Review:
    return Review(
        row["id"], row["meeting_id"], row["revision"], row["draft_url"], row["deadline"],
        ReviewStatus(row["status"]), row["opened_by"], from_db(row["opened_at"]),
        row["adopted_on"], row["final_url"],
    )  # fmt: skip


def _correction(row: RowMapping) -> Correction:
    return Correction(
        row["id"], row["review_id"], row["member_id"], row["text"], from_db(row["at"]),
        Verdict(row["verdict"]) if row["verdict"] else None, row["reason"],
    )  # fmt: skip


class MinutesRepository:
    async def open(
        self, conn: AsyncConnection, meeting_id: int, url: str, deadline: date, by: str,
        at: datetime,
    ) -> Review:  # fmt: skip
        """The next revision for this meeting (1 for its first draft)."""
        latest = await conn.scalar(
            select(func.max(_reviews.c.revision)).where(_reviews.c.meeting_id == meeting_id)
        )
        result = await conn.execute(
            insert(_reviews).values(
                meeting_id=meeting_id, revision=(latest or 0) + 1, draft_url=url,
                deadline=deadline, status=ReviewStatus.DRAFT.value, opened_by=by,
                opened_at=to_db(at),
            )
        )  # fmt: skip
        key = result.inserted_primary_key
        assert key is not None
        found = await self.get(conn, int(key[0]))
        assert found is not None
        return found

    async def get(self, conn: AsyncConnection, review_id: int) -> Review | None:
        query = select(_reviews).where(_reviews.c.id == review_id)
        row = (await conn.execute(query)).mappings().first()
        return _review(row) if row else None

    async def latest_by_meeting(self, conn: AsyncConnection) -> dict[int, Review]:
        rows = (await conn.execute(select(_reviews).order_by(_reviews.c.revision))).mappings()
        return {row["meeting_id"]: _review(row) for row in rows}

    async def correction_counts(self, conn: AsyncConnection) -> dict[int, int]:
        """How many corrections each submission received, in one query."""
        query = select(_corrections.c.review_id, func.count()).group_by(_corrections.c.review_id)
        return {int(r[0]): int(r[1]) for r in (await conn.execute(query)).all()}

    async def corrections(self, conn: AsyncConnection, review_id: int) -> list[Correction]:
        query = select(_corrections).where(_corrections.c.review_id == review_id)
        rows = (await conn.execute(query.order_by(_corrections.c.id))).mappings()
        return [_correction(row) for row in rows]

    async def add_correction(
        self, conn: AsyncConnection, review_id: int, member_id: int, text: str, at: datetime
    ) -> Correction:
        result = await conn.execute(
            insert(_corrections).values(
                review_id=review_id, member_id=member_id, text=text, at=to_db(at), reason=""
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return Correction(int(key[0]), review_id, member_id, text, at)

    async def adopt(
        self,
        conn: AsyncConnection,
        review_id: int,
        adopted_on: date,
        final_url: str,
        verdicts: Mapping[int, tuple[Verdict, str]],
        by: str,
        at: datetime,
    ) -> bool:
        """Only a draft is adopted (two clicks adopt once)."""
        result = await conn.execute(
            update(_reviews)
            .where(_reviews.c.id == review_id, _reviews.c.status == ReviewStatus.DRAFT.value)
            .values(
                status=ReviewStatus.ADOPTED.value, adopted_on=adopted_on, final_url=final_url,
                adopted_by=by, adopted_at=to_db(at),
            )
        )  # fmt: skip
        if result.rowcount != 1:
            return False
        for correction_id, (verdict, reason) in verdicts.items():
            await conn.execute(
                update(_corrections)
                .where(_corrections.c.id == correction_id, _corrections.c.review_id == review_id)
                .values(verdict=verdict.value, reason=reason)
            )
        return True
