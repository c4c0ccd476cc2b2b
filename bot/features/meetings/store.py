"""Meetings and their agenda items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.meetings import tables
from bot.features.meetings.rules import (
    AgendaItem,
    Attendance,
    CalendarState,
    Decision,
    Meeting,
    MeetingKind,
    MeetingPlan,
    MeetingStatus,
)
from bot.storage.database import from_db, to_db, utcnow


def _meeting(
    row: RowMapping, agenda: list[AgendaItem], decisions: list[Decision] | None = None
) -> Meeting:
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
        revision=row["revision"],
        minutes_url=row["minutes_url"],
        minutes_adopted_on=row["minutes_adopted_on"],
        decisions=decisions or [],
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
        await self._add_items(conn, int(meeting_id), plan.agenda)
        return int(meeting_id)

    async def _add_items(
        self, conn: AsyncConnection, meeting_id: int, agenda: Sequence[AgendaItem]
    ) -> None:
        items = [item for item in agenda if item.title.strip()]
        for position, item in enumerate(items, start=1):
            await conn.execute(
                insert(tables.agenda_items).values(
                    meeting_id=meeting_id,
                    position=position,
                    title=item.title.strip(),
                    presenter=(item.presenter or "").strip() or None,
                )
            )

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
        decided: dict[int, list[Decision]] = {}
        for decision in (
            await conn.execute(
                select(tables.meeting_decisions)
                .where(tables.meeting_decisions.c.meeting_id.in_([r["id"] for r in rows]))
                .order_by(
                    tables.meeting_decisions.c.meeting_id, tables.meeting_decisions.c.position
                )
            )
        ).mappings():
            decided.setdefault(decision["meeting_id"], []).append(
                Decision(decision["text"], decision["reason"])
            )
        return [_meeting(row, agendas.get(row["id"], []), decided.get(row["id"])) for row in rows]

    async def record_minutes(
        self,
        conn: AsyncConnection,
        meeting_id: int,
        minutes_url: str,
        decisions: list[Decision],
        by: str,
    ) -> None:
        """The minutes' link and the decisions as the secretariat has them now (the audit
        chain keeps each recording's fingerprint)."""
        await conn.execute(
            update(tables.meetings)
            .where(tables.meetings.c.id == meeting_id)
            .values(minutes_url=minutes_url or None)
        )
        await conn.execute(
            delete(tables.meeting_decisions).where(
                tables.meeting_decisions.c.meeting_id == meeting_id
            )
        )
        now = to_db(utcnow())
        for position, decision in enumerate(decisions, start=1):
            await conn.execute(
                insert(tables.meeting_decisions).values(
                    meeting_id=meeting_id,
                    position=position,
                    text=decision.text,
                    reason=decision.reason,
                    recorded_by=by,
                    recorded_at=now,
                )
            )

    async def adopt_minutes(
        self, conn: AsyncConnection, meeting_id: int, final_url: str, adopted_on: date
    ) -> None:
        """The committee adopted the minutes: their final link, and the day; locked from now."""
        await conn.execute(
            update(tables.meetings)
            .where(tables.meetings.c.id == meeting_id)
            .values(minutes_url=final_url, minutes_adopted_on=adopted_on)
        )

    async def set_status(
        self, conn: AsyncConnection, meeting_id: int, status: MeetingStatus
    ) -> None:
        await conn.execute(
            update(tables.meetings)
            .where(tables.meetings.c.id == meeting_id)
            .values(status=status.value)
        )

    async def move(
        self, conn: AsyncConnection, meeting_id: int, plan: MeetingPlan, starts_at_utc: object
    ) -> None:
        await conn.execute(
            update(tables.meetings)
            .where(tables.meetings.c.id == meeting_id)
            .values(
                day=plan.day,
                start=plan.start.strftime("%H:%M"),
                minutes=plan.minutes,
                starts_at=starts_at_utc,
            )
        )

    async def replace_agenda(
        self, conn: AsyncConnection, meeting_id: int, agenda: Sequence[AgendaItem]
    ) -> None:
        await conn.execute(
            delete(tables.agenda_items).where(tables.agenda_items.c.meeting_id == meeting_id)
        )
        await self._add_items(conn, meeting_id, agenda)

    async def touch(self, conn: AsyncConnection, meeting_id: int) -> int:
        """Something people see changed: the new revision."""
        result = await conn.execute(
            update(tables.meetings)
            .where(tables.meetings.c.id == meeting_id)
            .values(revision=tables.meetings.c.revision + 1)
            .returning(tables.meetings.c.revision)
        )
        return int(result.scalar_one())

    async def answer(
        self, conn: AsyncConnection, meeting_id: int, member_id: int, answer: Attendance
    ) -> bool:
        """Records the member's answer, the latest replacing theirs; False when unchanged."""
        table = tables.meeting_attendance
        found = (
            await conn.execute(
                select(table.c.answer).where(
                    table.c.meeting_id == meeting_id, table.c.member_id == member_id
                )
            )
        ).scalar_one_or_none()
        if found == answer.value:
            return False
        values = dict(
            meeting_id=meeting_id,
            member_id=member_id,
            answer=answer.value,
            answered_at=to_db(utcnow()),
        )
        # Two clicks at once from two devices: one row, the last answer wins.
        upsert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
        await conn.execute(
            upsert.values(**values).on_conflict_do_update(
                index_elements=[table.c.meeting_id, table.c.member_id],
                set_={"answer": values["answer"], "answered_at": values["answered_at"]},
            )
        )
        return True

    async def attendance(self, conn: AsyncConnection, meeting_id: int) -> dict[int, Attendance]:
        table = tables.meeting_attendance
        rows = await conn.execute(
            select(table.c.member_id, table.c.answer).where(table.c.meeting_id == meeting_id)
        )
        return {int(row.member_id): Attendance(row.answer) for row in rows}

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
                calendar=state.value,
                event_id=event_id,
                join_url=join_url,
                calendar_error=error,
            )
        )
