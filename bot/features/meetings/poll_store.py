"""Date polls: the candidate slots and each member's answer per slot."""

from __future__ import annotations

from datetime import time

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.meetings import tables
from bot.features.meetings.rules import AgendaItem, Availability, Poll, PollStatus, Slot
from bot.storage.database import to_db, utcnow


class PollRepository:
    async def add(
        self,
        conn: AsyncConnection,
        title: str,
        minutes: int,
        agenda: list[AgendaItem],
        slots: list[Slot],
        by: str,
    ) -> int:
        # The agenda is kept as the lines typed: it becomes the meeting's when a slot is chosen.
        lines = "\n".join(
            item.title + (f" — {item.presenter}" if item.presenter else "") for item in agenda
        )
        poll_id = (
            await conn.execute(
                insert(tables.polls)
                .values(
                    title=title.strip(),
                    minutes=minutes,
                    agenda=lines,
                    status=PollStatus.OPEN.value,
                    created_by=by,
                    created_at=to_db(utcnow()),
                )
                .returning(tables.polls.c.id)
            )
        ).scalar_one()
        for slot in slots:
            await conn.execute(
                insert(tables.poll_slots).values(
                    poll_id=poll_id,
                    position=slot.position,
                    day=slot.day,
                    start=slot.start.strftime("%H:%M"),
                )
            )
        return int(poll_id)

    async def get(self, conn: AsyncConnection, poll_id: int) -> Poll | None:
        row = (
            (await conn.execute(select(tables.polls).where(tables.polls.c.id == poll_id)))
            .mappings()
            .first()
        )
        if row is None:
            return None
        slots = [
            Slot(s["position"], s["day"], time.fromisoformat(s["start"]))
            for s in (
                await conn.execute(
                    select(tables.poll_slots)
                    .where(tables.poll_slots.c.poll_id == poll_id)
                    .order_by(tables.poll_slots.c.position)
                )
            ).mappings()
        ]
        agenda = []
        for line in str(row["agenda"]).splitlines():
            subject, _, presenter = line.partition(" — ")
            agenda.append(AgendaItem(subject, presenter or None))
        return Poll(
            row["id"],
            row["title"],
            row["minutes"],
            agenda,
            slots,
            PollStatus(row["status"]),
            row["created_by"],
            row["meeting_id"],
        )

    async def open_ids(self, conn: AsyncConnection) -> list[int]:
        result = await conn.execute(
            select(tables.polls.c.id)
            .where(tables.polls.c.status == PollStatus.OPEN.value)
            .order_by(tables.polls.c.id.desc())
        )
        return [int(row.id) for row in result]

    async def answer(
        self,
        conn: AsyncConnection,
        poll_id: int,
        member_id: int,
        answers: dict[int, Availability],
    ) -> None:
        table = tables.poll_answers
        upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        now = to_db(utcnow())
        for position, said in answers.items():
            await conn.execute(
                upsert(table)
                .values(
                    poll_id=poll_id,
                    position=position,
                    member_id=member_id,
                    answer=said.value,
                    answered_at=now,
                )
                .on_conflict_do_update(
                    index_elements=[table.c.poll_id, table.c.position, table.c.member_id],
                    set_={"answer": said.value, "answered_at": now},
                )
            )

    async def answers(
        self, conn: AsyncConnection, poll_id: int
    ) -> dict[int, dict[int, Availability]]:
        """member id → slot position → answer."""
        table = tables.poll_answers
        found: dict[int, dict[int, Availability]] = {}
        rows = await conn.execute(
            select(table.c.member_id, table.c.position, table.c.answer).where(
                table.c.poll_id == poll_id
            )
        )
        for row in rows:
            found.setdefault(int(row.member_id), {})[int(row.position)] = Availability(row.answer)
        return found

    async def scheduled(self, conn: AsyncConnection, poll_id: int, meeting_id: int) -> bool:
        """Marks the poll done; False when another click did it first."""
        result = await conn.execute(
            update(tables.polls)
            .where(tables.polls.c.id == poll_id, tables.polls.c.status == PollStatus.OPEN.value)
            .values(status=PollStatus.SCHEDULED.value, meeting_id=meeting_id)
        )
        return result.rowcount == 1
