"""Mandates, as a history; the current one mirrored on the member's row."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member, SeatCategory
from bot.features.mandates import tables
from bot.features.mandates.rules import Answer, Mandate, MandateStatus
from bot.storage import tables as platform
from bot.storage.database import from_db, to_db, utcnow


def _mandate(row: RowMapping) -> Mandate:
    return Mandate(
        row["id"],
        row["member_id"],
        row["number"],
        SeatCategory(row["seat"]),
        row["starts_on"],
        row["ends_on"],
        MandateStatus(row["status"]),
        Answer(row["answer"]) if row["answer"] else None,
        from_db(row["answered_at"]) if row["answered_at"] else None,
        row["decided_by"],
        from_db(row["decided_at"]) if row["decided_at"] else None,
    )


class MandateRepository:
    async def all(self, conn: AsyncConnection, member_id: int | None = None) -> list[Mandate]:
        query = select(tables.mandates).order_by(
            tables.mandates.c.member_id, tables.mandates.c.number
        )
        if member_id is not None:
            query = query.where(tables.mandates.c.member_id == member_id)
        return [_mandate(row) for row in (await conn.execute(query)).mappings()]

    async def get(self, conn: AsyncConnection, mandate_id: int) -> Mandate | None:
        row = (
            (await conn.execute(select(tables.mandates).where(tables.mandates.c.id == mandate_id)))
            .mappings()
            .first()
        )
        return _mandate(row) if row else None

    async def latest(self, conn: AsyncConnection, member_id: int) -> Mandate | None:
        found = await self.all(conn, member_id)
        return found[-1] if found else None

    async def undecided_ending(self, conn: AsyncConnection, on_or_before: date) -> list[Mandate]:
        """Mandates still current whose end is this day or earlier (indexed)."""
        query = select(tables.mandates).where(
            tables.mandates.c.status == MandateStatus.CURRENT.value,
            tables.mandates.c.ends_on <= on_or_before,
        )
        return [_mandate(row) for row in (await conn.execute(query)).mappings()]

    async def current_ending_between(
        self, conn: AsyncConnection, first: date, last: date
    ) -> list[Mandate]:
        """Mandates in force ending in [first, last] (indexed on status and end)."""
        query = select(tables.mandates).where(
            tables.mandates.c.status == MandateStatus.CURRENT.value,
            tables.mandates.c.ends_on >= first,
            tables.mandates.c.ends_on <= last,
        )
        return [_mandate(row) for row in (await conn.execute(query)).mappings()]

    async def add(
        self,
        conn: AsyncConnection,
        member_id: int,
        number: int,
        seat: SeatCategory,
        starts_on: date,
        ends_on: date,
    ) -> int:
        result = await conn.execute(
            insert(tables.mandates)
            .values(
                member_id=member_id,
                number=number,
                seat=seat.value,
                starts_on=starts_on,
                ends_on=ends_on,
                status=MandateStatus.CURRENT.value,
            )
            .returning(tables.mandates.c.id)
        )
        return int(result.scalar_one())

    async def set_ends_on(self, conn: AsyncConnection, mandate_id: int, ends_on: date) -> None:
        await conn.execute(
            update(tables.mandates)
            .where(tables.mandates.c.id == mandate_id)
            .values(ends_on=ends_on)
        )

    async def decide(
        self, conn: AsyncConnection, mandate_id: int, status: MandateStatus, by: str
    ) -> bool:
        """Only a mandate still current can be decided; False when another click did it."""
        result = await conn.execute(
            update(tables.mandates)
            .where(
                tables.mandates.c.id == mandate_id,
                tables.mandates.c.status == MandateStatus.CURRENT.value,
            )
            .values(status=status.value, decided_by=by, decided_at=to_db(utcnow()))
        )
        return result.rowcount == 1

    async def mark_ended(self, conn: AsyncConnection, mandate_id: int) -> None:
        await conn.execute(
            update(tables.mandates)
            .where(tables.mandates.c.id == mandate_id)
            .values(status=MandateStatus.ENDED.value)
        )

    async def answer(self, conn: AsyncConnection, mandate_id: int, answer: Answer) -> None:
        await conn.execute(
            update(tables.mandates)
            .where(tables.mandates.c.id == mandate_id)
            .values(answer=answer.value, answered_at=to_db(utcnow()))
        )

    async def mirror(self, conn: AsyncConnection, member: Member, mandate: Mandate) -> None:
        """The member's row shows the mandate in force (what `is_serving` reads)."""
        await conn.execute(
            update(platform.members)
            .where(platform.members.c.id == member.id)
            .values(
                mandate_starts_on=mandate.starts_on,
                mandate_ends_on=mandate.ends_on,
                updated_at=to_db(utcnow()),
            )
        )
