"""What the meetings' outbox deliveries read, once each: the channel card to post or redraw,
a member's card, the calendar event to create, move or cancel, the permission notice. Mixed
into `MeetingsService`; each returns None when there is nothing to send any more."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.meetings.rules import (
    Attendance,
    AttendanceCount,
    CalendarState,
    Meeting,
    MeetingStatus,
)
from bot.features.meetings.store import MeetingRepository
from bot.features.meetings.work import (
    CHANGE_NOTICE,
    INVITATION,
    REMINDER,
    CalendarWork,
    ChannelWork,
    MemberWork,
)
from bot.storage.committee import CommitteeTeamRepository
from bot.storage.database import Database
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import MemberRepository


class MeetingDeliveries:
    _db: Database
    _meetings: MeetingRepository
    _members: MemberRepository
    _committee: CommitteeTeamRepository
    _outbox: Outbox
    _zone: ZoneInfo
    _clock: Callable[[], datetime]

    # MeetingsService's own (the attendance count, today in the committee's time zone).
    _count: Callable[[AsyncConnection, Meeting], Awaitable[AttendanceCount]]
    _today: Callable[[], date]

    async def channel_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> ChannelWork | None:
        """The first post of a meeting's card in the channel; None when there is nowhere to
        post it (the committee moved to another channel since)."""
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        team = await self._committee.get(conn)
        if meeting is None or team is None or team.channel_id != message.payload.get("channel"):
            return None
        return ChannelWork(meeting, await self._count(conn, meeting), team)

    async def channel_refresh_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> ChannelWork | None:
        """The card to redraw in place; None when a later change will redraw it, or when it
        was never posted (its first post will show the latest)."""
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        team = await self._committee.get(conn)
        if meeting is None or team is None:
            return None
        if int(message.payload.get("revision", 0)) < meeting.revision:
            return None
        posted = await self._outbox.sent_under(
            conn, f"meetings:{meeting.id}:channel:{team.channel_id}"
        )
        activity_id = next((m.sent_activity_id for m in posted if m.sent_activity_id), None)
        if activity_id is None:
            return None
        return ChannelWork(meeting, await self._count(conn, meeting), team, activity_id)

    async def member_work(self, conn: AsyncConnection, message: OutboxMessage) -> MemberWork | None:
        """A personal card still worth sending: the meeting still ahead (or, for a change
        notice, just cancelled), the member still serving; a reminder only for the time it
        was planned for, and not to someone who said they will be absent."""
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        member = await self._members.get(conn, message.member_id or 0)
        if meeting is None or member is None or not member.is_serving(self._today()):
            return None
        if meeting.starts_at <= self._clock():
            return None
        change = str(message.payload.get("change", ""))
        if meeting.status is not MeetingStatus.SCHEDULED and change != "cancelled":
            return None
        answer = (await self._meetings.attendance(conn, meeting.id)).get(member.id or 0)
        if message.kind == REMINDER:
            if message.payload.get("starts_at") != meeting.starts_at.isoformat():
                return None
            if answer is Attendance.ABSENT:
                return None
        was = message.payload.get("was")
        replaces: tuple[str, ...] = ()
        if change in ("moved", "agenda"):
            # The cards this member got about the meeting before the change: redrawn as
            # replaced once the new one is sent, so only the current one is live.
            earlier = await self._outbox.sent_under(conn, f"meetings:{meeting.id}:", member.id)
            replaces = tuple(
                m.sent_activity_id for m in earlier
                if m.sent_activity_id and m.id != message.id
                and m.kind in (INVITATION, REMINDER, CHANGE_NOTICE)
            )  # fmt: skip
        return MemberWork(
            meeting, member, answer, change,
            was=datetime.fromisoformat(was) if isinstance(was, str) else None,
            added=tuple(str(t) for t in message.payload.get("added", [])),
            removed=tuple(str(t) for t in message.payload.get("removed", [])),
            replaces=replaces,
        )  # fmt: skip

    async def event_to_move(self, conn: AsyncConnection, message: OutboxMessage) -> Meeting | None:
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return None
        return meeting if meeting.calendar is CalendarState.CREATED and meeting.event_id else None

    async def permission_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> MemberWork | None:
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        member = await self._members.get(conn, message.member_id or 0)
        if meeting is None or member is None or meeting.calendar is not CalendarState.REFUSED:
            return None
        return MemberWork(meeting, member, None)

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
