"""Scheduling the committee's meetings: saved first, then put in the organiser's calendar.

A meeting is saved before anything reaches Graph. Its calendar event is an outbox message
(`meetings.calendar`): sent once Graph took it, postponed and tried again when Graph throttles,
fails or cannot be reached, and created once whatever happens, thanks to its `transactionId`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import meetings as rules
from bot.domain.audit import AuditEvent
from bot.domain.meetings import CalendarState, Meeting, MeetingPlan, MeetingStatus, Problem
from bot.domain.members import Member
from bot.storage.database import Database, to_db, utcnow
from bot.storage.meetings import MeetingRepository
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import AuditLog, MemberRepository

CALENDAR = "meetings.calendar"
# A cancelled meeting's event cancelled in the organiser's calendar (attendees are told).
CALENDAR_CANCEL = "meetings.calendar_cancel"


@dataclass(frozen=True)
class ScheduleOutcome:
    """The meeting saved; or nothing saved, with the problems to fix or the warnings to
    confirm (a weekend, a holiday)."""

    meeting: Meeting | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarWork:
    """What the calendar delivery needs: the meeting, and who is invited."""

    meeting: Meeting
    attendees: list[Member]


class MeetingsService:
    def __init__(
        self,
        database: Database,
        meetings: MeetingRepository,
        members: MemberRepository,
        audit: AuditLog,
        outbox: Outbox,
        zone: ZoneInfo,
        calendar_enabled: bool,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._meetings = meetings
        self._members = members
        self._audit = audit
        self._outbox = outbox
        self._zone = zone
        self._calendar_enabled = calendar_enabled
        self._clock = clock

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    async def schedule(
        self, plan: MeetingPlan, by: Member, *, confirmed: bool = False
    ) -> ScheduleOutcome:
        found = rules.problems(plan, self._clock(), self._zone)
        if found:
            return ScheduleOutcome(None, problems=found)
        cautions = rules.warnings(plan)
        if cautions and not confirmed:
            return ScheduleOutcome(None, warnings=cautions)
        calendar = CalendarState.PENDING if self._calendar_enabled else CalendarState.NONE
        starts_at = plan.starts_at(self._zone)
        async with self._db.transaction() as conn:
            meeting_id = await self._meetings.add(conn, plan, to_db(starts_at), calendar, by.email)
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email,
                    "meeting.scheduled",
                    "meeting",
                    str(meeting_id),
                    {
                        "starts_at": starts_at.isoformat(),
                        "minutes": plan.minutes,
                        "kind": plan.kind.value,
                        "agenda_items": len([i for i in plan.agenda if i.title.strip()]),
                    },
                ),
            )
            if calendar is CalendarState.PENDING:
                await self._outbox.plan(
                    conn,
                    f"meetings:{meeting_id}:calendar-create",
                    CALENDAR,
                    None,
                    {"meeting": meeting_id},
                    self._clock(),
                )
            meeting = await self._meetings.get(conn, meeting_id)
        return ScheduleOutcome(meeting)

    async def cancel(self, meeting_id: int, by: Member) -> Meeting | None:
        """The meeting cancelled (audited); None when there is no such scheduled meeting."""
        async with self._db.transaction() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if meeting is None or meeting.status is MeetingStatus.CANCELLED:
                return None
            await self._meetings.set_status(conn, meeting_id, MeetingStatus.CANCELLED)
            await self._audit.append(
                conn, AuditEvent(by.email, "meeting.cancelled", "meeting", str(meeting_id), {})
            )
            if meeting.calendar in (CalendarState.PENDING, CalendarState.CREATED):
                # Planned after its creation, so the outbox sends them in that order; an event
                # never created is skipped by both.
                await self._outbox.plan(
                    conn,
                    f"meetings:{meeting_id}:calendar-cancel",
                    CALENDAR_CANCEL,
                    None,
                    {"meeting": meeting_id},
                    self._clock(),
                )
            return await self._meetings.get(conn, meeting_id)

    async def all(self) -> list[Meeting]:
        async with self._db.read() as conn:
            return await self._meetings.all(conn)

    async def proposed_day(self) -> date:
        """Where the next regular meeting would fit: the first quarter without one."""
        days = [m.plan.day for m in await self.all() if m.status is MeetingStatus.SCHEDULED]
        return rules.proposed_day(days, self._today())

    # --- the calendar, through the outbox ------------------------------------------------

    async def calendar_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> CalendarWork | None:
        """None when there is nothing to put in a calendar any more (cancelled, done)."""
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return None
        if meeting.calendar is not CalendarState.PENDING:
            return None
        today = self._today()
        invited = [m for m in await self._members.all(conn) if m.is_serving(today)]
        return CalendarWork(meeting, invited)

    async def event_to_cancel(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> Meeting | None:
        """The cancelled meeting whose calendar event still stands, or None."""
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        if meeting is None or meeting.status is not MeetingStatus.CANCELLED:
            return None
        return meeting if meeting.calendar is CalendarState.CREATED and meeting.event_id else None

    async def calendar_cancelled(self, conn: AsyncConnection, meeting: Meeting) -> None:
        await self._meetings.set_calendar(
            conn,
            meeting.id,
            CalendarState.CANCELLED,
            event_id=meeting.event_id,
            join_url=meeting.join_url,
        )

    async def calendar_created(
        self, conn: AsyncConnection, meeting: Meeting, event_id: str, join_url: str | None
    ) -> None:
        await self._meetings.set_calendar(
            conn, meeting.id, CalendarState.CREATED, event_id=event_id, join_url=join_url
        )

    async def calendar_refused(self, conn: AsyncConnection, meeting: Meeting, why: str) -> None:
        await self._meetings.set_calendar(conn, meeting.id, CalendarState.REFUSED, error=why)
