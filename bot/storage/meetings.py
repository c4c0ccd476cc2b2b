"""Meetings and their agenda items."""

from __future__ import annotations

from datetime import time

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.meetings import (
    AgendaItem,
    CalendarState,
    Meeting,
    MeetingKind,
    MeetingPlan,
    MeetingStatus,
)
from bot.storage import tables
from bot.storage.database import from_db, to_db, utcnow


def _meeting(row: RowMapping, agenda: list[AgendaItem]) -> Meeting:
    plan = MeetingPlan(
        title=row["title"],
        kind=MeetingKind(row["kind"]),
        day=row["day"],
        start=time.fromisoformat(row["start"]),
        minutes=row["minutes"],
        agenda=agenda,
        note=row["note"],
    )
    return Meeting(
        id=row["id"],
        plan=plan,
        starts_at=from_db(row["starts_at"]),
        status=MeetingStatus(row["status"]),
        calendar=CalendarState(row["calendar"]),
        created_by=row["created_by"],
        event_id=row["event_id"],
        join_url=row["join_url"],
        calendar_error=row["calendar_error"],
    )


class MeetingRepository:
    async def add(
        self,
        conn: AsyncConnection,
        plan: MeetingPlan,
        starts_at_utc: object,
        calendar: CalendarState,
        by: str,
    ) -> int:
        meeting_id = (
            await conn.execute(
                insert(tables.meetings)
                .values(
                    title=plan.title.strip(),
                    kind=plan.kind.value,
                    day=plan.day,
                    start=plan.start.strftime("%H:%M"),
                    minutes=plan.minutes,
                    starts_at=starts_at_utc,
                    note=plan.note,
                    status=MeetingStatus.SCHEDULED.value,
                    calendar=calendar.value,
                    created_by=by,
                    created_at=to_db(utcnow()),
                )
                .returning(tables.meetings.c.id)
            )
        ).scalar_one()
        items = [item for item in plan.agenda if item.title.strip()]
        for position, item in enumerate(items, start=1):
            await conn.execute(
                insert(tables.agenda_items).values(
                    meeting_id=meeting_id,
                    position=position,
                    title=item.title.strip(),
                    presenter=(item.presenter or "").strip() or None,
                )
            )
        return int(meeting_id)

    async def get(self, conn: AsyncConnection, meeting_id: int) -> Meeting | None:
        found = await self._load(conn, tables.meetings.c.id == meeting_id)
        return found[0] if found else None

    async def all(self, conn: AsyncConnection) -> list[Meeting]:
        return await self._load(conn, None)

    async def _load(self, conn: AsyncConnection, condition: object) -> list[Meeting]:
        query = select(tables.meetings).order_by(tables.meetings.c.starts_at)
        if condition is not None:
            query = query.where(condition)  # type: ignore[arg-type]
        rows = (await conn.execute(query)).mappings().all()
        if not rows:
            return []
        items = (
            await conn.execute(
                select(tables.agenda_items)
                .where(tables.agenda_items.c.meeting_id.in_([r["id"] for r in rows]))
                .order_by(tables.agenda_items.c.meeting_id, tables.agenda_items.c.position)
            )
        ).mappings()
        agendas: dict[int, list[AgendaItem]] = {}
        for item in items:
            agendas.setdefault(item["meeting_id"], []).append(
                AgendaItem(item["title"], item["presenter"])
            )
        return [_meeting(row, agendas.get(row["id"], [])) for row in rows]

    async def set_status(
        self, conn: AsyncConnection, meeting_id: int, status: MeetingStatus
    ) -> None:
        await conn.execute(
            update(tables.meetings)
            .where(tables.meetings.c.id == meeting_id)
            .values(status=status.value)
        )

    async def set_calendar(
        self,
        conn: AsyncConnection,
        meeting_id: int,
        state: CalendarState,
        *,
        event_id: str | None = None,
        join_url: str | None = None,
        error: str | None = None,
    ) -> None:
        await conn.execute(
            update(tables.meetings)
            .where(tables.meetings.c.id == meeting_id)
            .values(
                calendar=state.value, event_id=event_id, join_url=join_url, calendar_error=error
            )
        )
