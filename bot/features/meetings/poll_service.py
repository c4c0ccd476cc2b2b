"""Date polls for an extra meeting: the secretariat proposes slots, members say when they can,
the best slot becomes a meeting through the same path as any other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.domain.problems import Problem
from bot.features.meetings import rules
from bot.features.meetings.poll_store import PollRepository
from bot.features.meetings.rules import (
    AgendaItem,
    Availability,
    Meeting,
    MeetingKind,
    MeetingPlan,
    Poll,
    PollStatus,
    Slot,
    SlotTally,
)
from bot.features.meetings.service import MeetingsService
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import AuditLog, MemberRepository

POLL_CARD = "polls.card"
POLL_REMINDER = "polls.reminder"
# Members who said nothing are reminded once, this long after the poll went out (or the day
# before its first slot, when that comes sooner).
REMIND_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class PollOutcome:
    poll: Poll | None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class PollResults:
    poll: Poll
    tallies: list[SlotTally]
    # (member, their answers by slot position); those who said nothing have an empty dict.
    answers: list[tuple[Member, dict[int, Availability]]]
    best: SlotTally | None


@dataclass(frozen=True)
class PollWork:
    poll: Poll
    member: Member
    answers: dict[int, Availability]


class PollsService:
    def __init__(
        self,
        database: Database,
        polls: PollRepository,
        members: MemberRepository,
        audit: AuditLog,
        outbox: Outbox,
        meetings: MeetingsService,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._polls = polls
        self._members = members
        self._audit = audit
        self._outbox = outbox
        self._meetings = meetings
        self._zone = zone
        self._clock = clock

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    async def _serving(self, conn: AsyncConnection) -> list[Member]:
        today = self._today()
        return [m for m in await self._members.all(conn) if m.is_serving(today)]

    async def open(
        self, title: str, minutes: int, agenda: list[AgendaItem], slots: list[Slot], by: Member
    ) -> PollOutcome:
        found = rules.poll_problems(title, minutes, agenda, slots, self._clock(), self._zone)
        if found:
            return PollOutcome(None, found)
        now = self._clock()
        first = min(slot.starts_at(self._zone) for slot in slots)
        remind_at = min(now + REMIND_AFTER, first - timedelta(days=1))
        async with self._db.transaction() as conn:
            poll_id = await self._polls.add(conn, title, minutes, agenda, slots, by.email)
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email,
                    "poll.opened",
                    "poll",
                    str(poll_id),
                    {"slots": [f"{s.day.isoformat()}T{s.start:%H:%M}" for s in slots]},
                ),
            )
            for member in await self._serving(conn):
                assert member.id is not None
                payload = {"poll": poll_id}
                await self._outbox.plan(
                    conn, f"polls:{poll_id}:card:{member.id}", POLL_CARD, member.id, payload, now
                )
                if remind_at > now:
                    await self._outbox.plan(
                        conn,
                        f"polls:{poll_id}:reminder:{member.id}",
                        POLL_REMINDER,
                        member.id,
                        payload,
                        remind_at,
                    )
            poll = await self._polls.get(conn, poll_id)
        return PollOutcome(poll)

    async def answer(
        self,
        member: Member,
        poll_id: int,
        answers: dict[int, Availability],
        seen: Callable[[dict[int, Availability]], bool] | None = None,
    ) -> tuple[Poll | None, bool]:
        """The member's answers (identity from the activity); None when the poll is closed
        or the slots are not this poll's: nothing is recorded then. `seen` says whether the
        answers in force are the ones the card showed; when not, nothing is recorded and the
        second value is True (stale)."""
        assert member.id is not None
        async with self._db.transaction() as conn:
            poll = await self._polls.get(conn, poll_id)
            if poll is None or poll.status is not PollStatus.OPEN:
                return None, False
            if not member.is_serving(self._today()):
                return None, False
            if not answers or set(answers) - {slot.position for slot in poll.slots}:
                return None, False
            current = (await self._polls.answers(conn, poll_id)).get(member.id, {})
            if seen is not None and not seen(current) and current != answers:
                return poll, True
            await self._polls.answer(conn, poll_id, member.id, answers)
            await self._audit.append(
                conn,
                AuditEvent(
                    member.email,
                    "poll.answered",
                    "poll",
                    str(poll_id),
                    {str(k): v.value for k, v in sorted(answers.items())},
                ),
            )
        return poll, False

    async def get(self, poll_id: int) -> Poll | None:
        async with self._db.read() as conn:
            return await self._polls.get(conn, poll_id)

    async def answers_of(self, member: Member, poll_id: int) -> dict[int, Availability]:
        async with self._db.read() as conn:
            return (await self._polls.answers(conn, poll_id)).get(member.id or 0, {})

    async def results(self, poll_id: int) -> PollResults | None:
        async with self._db.read() as conn:
            poll = await self._polls.get(conn, poll_id)
            if poll is None:
                return None
            answers = await self._polls.answers(conn, poll_id)
            serving = await self._serving(conn)
        rows = [(member, answers.get(member.id or 0, {})) for member in serving]
        tallies = [
            SlotTally(
                slot,
                sum(1 for _, said in rows if said.get(slot.position) is Availability.YES),
                sum(1 for _, said in rows if said.get(slot.position) is Availability.MAYBE),
                sum(1 for _, said in rows if said.get(slot.position) is Availability.NO),
            )
            for slot in poll.slots
        ]
        rows.sort(key=lambda row: (bool(row[1]), row[0].display_name))
        return PollResults(poll, tallies, rows, rules.best_slot(tallies))

    async def latest_open(self) -> int | None:
        async with self._db.read() as conn:
            found = await self._polls.open_ids(conn)
        return found[0] if found else None

    async def schedule_slot(
        self, poll_id: int, position: int, by: Member
    ) -> tuple[Meeting | None, list[Problem]]:
        """The chosen slot becomes an extraordinary meeting, announced like any other; the
        poll closes in the same transaction, so two clicks never make two meetings."""
        try:
            async with self._db.transaction() as conn:
                poll = await self._polls.get(conn, poll_id)
                slot = (
                    next((s for s in poll.slots if s.position == position), None) if poll else None
                )
                if poll is None or slot is None or poll.status is not PollStatus.OPEN:
                    return None, [Problem("poll", "polls.closed")]
                plan = MeetingPlan(
                    poll.title,
                    MeetingKind.EXTRAORDINARY,
                    slot.day,
                    slot.start,
                    poll.minutes,
                    poll.agenda,
                )
                found = rules.problems(plan, self._clock(), self._zone)
                if found:
                    return None, found
                meeting = await self._meetings.schedule_in(conn, plan, by)
                if not await self._polls.scheduled(conn, poll_id, meeting.id):
                    raise _Raced()
                await self._audit.append(
                    conn,
                    AuditEvent(
                        by.email, "poll.scheduled", "poll", str(poll_id), {"meeting": meeting.id}
                    ),
                )
        except _Raced:
            return None, [Problem("poll", "polls.closed")]
        return meeting, []

    async def poll_work(self, conn: AsyncConnection, message: OutboxMessage) -> PollWork | None:
        """The poll card or its reminder, while the poll is open and the member serving; the
        reminder only to a member who has not answered."""
        poll = await self._polls.get(conn, int(message.payload.get("poll", 0)))
        member = await self._members.get(conn, message.member_id or 0)
        if poll is None or member is None or poll.status is not PollStatus.OPEN:
            return None
        if not member.is_serving(self._today()):
            return None
        answers = (await self._polls.answers(conn, poll.id)).get(member.id or 0, {})
        if message.kind == POLL_REMINDER and answers:
            return None
        return PollWork(poll, member, answers)


class _Raced(Exception):
    """Another click closed the poll first: this transaction is rolled back, no meeting."""
