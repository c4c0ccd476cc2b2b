"""Declarations of interests, as versions that are added and never changed."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.declarations import tables
from bot.features.declarations.rules import (
    Conflict,
    GeneralDeclaration,
    Interest,
    InterestKind,
    ItemAnswer,
    Measure,
    MeetingDeclaration,
)
from bot.storage.database import from_db, insert_if_absent, to_db, utcnow


def _interests(document: str) -> list[Interest]:
    return [
        Interest(
            InterestKind(i["kind"]),
            i["organisation"],
            i["description"],
            date.fromisoformat(i["since"]) if i.get("since") else None,
        )
        for i in json.loads(document)
    ]


def _general(row: RowMapping) -> GeneralDeclaration:
    return GeneralDeclaration(
        row["member_id"],
        row["version"],
        _interests(row["interests"]),
        from_db(row["declared_at"]),
        row["sha256"],
    )


def _meeting(row: RowMapping) -> MeetingDeclaration:
    answers = [
        ItemAnswer(a["item"], Conflict(a["conflict"]), a.get("description", ""))
        for a in json.loads(row["answers"])
    ]
    return MeetingDeclaration(
        row["member_id"],
        row["meeting_id"],
        row["version"],
        answers,
        from_db(row["declared_at"]),
        bool(row["after_start"]),
        row["sha256"],
    )


class DeclarationRepository:
    async def add_general(
        self,
        conn: AsyncConnection,
        member_id: int,
        interests: list[Interest],
        sha256: str,
        language: str,
    ) -> int:
        """The next version; two submissions at once each get their own number."""
        table = tables.general_declarations
        document = json.dumps(
            [{**asdict(i), "since": i.since.isoformat() if i.since else None} for i in interests],
            ensure_ascii=False,
        )
        for _ in range(5):
            version = await self._next(conn, table, table.c.member_id == member_id)
            values = dict(
                member_id=member_id,
                version=version,
                interests=document,
                sha256=sha256,
                language=language,
                declared_at=to_db(utcnow()),
            )
            if await insert_if_absent(conn, table, values):
                return version
        raise RuntimeError("could not number the declaration")

    async def add_meeting(
        self,
        conn: AsyncConnection,
        member_id: int,
        meeting_id: int,
        answers: list[ItemAnswer],
        sha256: str,
        after_start: bool,
    ) -> int:
        table = tables.meeting_declarations
        document = json.dumps([asdict(a) for a in answers], ensure_ascii=False)
        for _ in range(5):
            version = await self._next(
                conn, table, (table.c.member_id == member_id) & (table.c.meeting_id == meeting_id)
            )
            values = dict(
                member_id=member_id,
                meeting_id=meeting_id,
                version=version,
                answers=document,
                sha256=sha256,
                after_start=after_start,
                declared_at=to_db(utcnow()),
            )
            if await insert_if_absent(conn, table, values):
                return version
        raise RuntimeError("could not number the declaration")

    @staticmethod
    async def _next(conn: AsyncConnection, table: object, condition: object) -> int:
        column = table.c.version  # type: ignore[attr-defined]
        found = (
            await conn.execute(select(func.max(column)).where(condition))  # type: ignore[arg-type]
        ).scalar_one()
        return int(found or 0) + 1

    async def general_history(
        self, conn: AsyncConnection, member_id: int | None = None
    ) -> list[GeneralDeclaration]:
        table = tables.general_declarations
        query = select(table).order_by(table.c.member_id, table.c.version)
        if member_id is not None:
            query = query.where(table.c.member_id == member_id)
        return [_general(row) for row in (await conn.execute(query)).mappings()]

    async def meeting_history(
        self, conn: AsyncConnection, *, meeting_id: int | None = None, member_id: int | None = None
    ) -> list[MeetingDeclaration]:
        table = tables.meeting_declarations
        query = select(table).order_by(table.c.meeting_id, table.c.member_id, table.c.version)
        if meeting_id is not None:
            query = query.where(table.c.meeting_id == meeting_id)
        if member_id is not None:
            query = query.where(table.c.member_id == member_id)
        return [_meeting(row) for row in (await conn.execute(query)).mappings()]

    async def add_measure(
        self,
        conn: AsyncConnection,
        meeting_id: int,
        member_id: int,
        item: str,
        measure: Measure,
        reason: str,
        by: str,
    ) -> None:
        await conn.execute(
            insert(tables.conflict_measures).values(
                meeting_id=meeting_id,
                member_id=member_id,
                item=item,
                measure=measure.value,
                reason=reason,
                recorded_by=by,
                recorded_at=to_db(utcnow()),
            )
        )

    async def measures(
        self, conn: AsyncConnection, meeting_id: int
    ) -> dict[tuple[int, str], tuple[Measure, str]]:
        """(member, item) → the latest measure and its reason."""
        table = tables.conflict_measures
        rows = await conn.execute(
            select(table).where(table.c.meeting_id == meeting_id).order_by(table.c.id)
        )
        return {(row.member_id, row.item): (Measure(row.measure), row.reason) for row in rows}

    async def purge(self, conn: AsyncConnection, member_id: int) -> int:
        """Deletes everything declared by this member; how many rows went."""
        gone = 0
        for table in (
            tables.general_declarations,
            tables.meeting_declarations,
            tables.conflict_measures,
        ):
            result = await conn.execute(delete(table).where(table.c.member_id == member_id))
            gone += result.rowcount or 0
        return gone

    async def holders(self, conn: AsyncConnection) -> set[int]:
        """Members with anything declared (candidates for a purge)."""
        found: set[int] = set()
        for table in (tables.general_declarations, tables.meeting_declarations):
            found |= {int(r.member_id) for r in await conn.execute(select(table.c.member_id))}
        return found
