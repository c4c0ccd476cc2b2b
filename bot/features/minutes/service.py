"""Minutes, adopted. The secretariat submits the draft of a held meeting's minutes (its link,
as recorded after the meeting, and a deadline: by default the day before the next meeting, two
weeks at most); each serving member who is not the secretariat is told and may propose
corrections, kept with their author. The adoption records the day, the final link and, for
each correction, whether it was taken (the reason when not); it writes the final link and the
day on the meeting, which locks its minutes and publishes them in `meetings export`. A change
afterwards is a new submission, adopted in turn."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent, fingerprint
from bot.domain.members import Member
from bot.domain.problems import Problem
from bot.features.meetings.rules import Meeting, MeetingStatus
from bot.features.meetings.store import MeetingRepository
from bot.features.minutes import rules
from bot.features.minutes.rules import Correction, Review, ReviewStatus, Verdict
from bot.features.minutes.store import MinutesRepository
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import AuditLog, ConversationReferences, MemberRepository

# To each serving member who is not the secretariat: the draft, and the way to correct it.
DRAFT = "minutes.draft"
# To each serving member: the minutes adopted, and what became of their corrections.
ADOPTED = "minutes.adopted"
# How long members have at most, when no meeting comes sooner.
DEFAULT_DAYS = 14


@dataclass(frozen=True)
class MinutesRow:
    meeting: Meeting
    review: Review | None
    corrections: int


@dataclass(frozen=True)
class Opened:
    review: Review | None
    problems: list[Problem] = field(default_factory=list)
    told: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class MemberView:
    """What one member sees of a submission: it, its meeting, their own corrections."""

    member: Member
    review: Review
    meeting: Meeting
    mine: list[Correction]


@dataclass(frozen=True)
class AdoptionView:
    review: Review
    meeting: Meeting
    corrections: list[tuple[Correction, Member | None]]


class MinutesService:
    def __init__(
        self,
        database: Database,
        minutes: MinutesRepository,
        members: MemberRepository,
        meetings: MeetingRepository,
        audit: AuditLog,
        outbox: Outbox,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._minutes = minutes
        self._members = members
        self._meetings = meetings
        self._audit = audit
        self._outbox = outbox
        self._zone = zone
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    # --- the secretariat --------------------------------------------------------------------

    async def rows(self) -> list[MinutesRow]:
        """The meetings held, the latest first, each with where its minutes stand."""
        async with self._db.read() as conn:
            meetings = await self._meetings.all(conn)
            latest = await self._minutes.latest_by_meeting(conn)
            counts = await self._minutes.correction_counts(conn)
        held = [
            m for m in meetings
            if m.status is MeetingStatus.SCHEDULED and m.starts_at <= self._clock()
        ]  # fmt: skip
        return [
            MinutesRow(m, latest.get(m.id), counts.get(latest[m.id].id, 0) if m.id in latest else 0)
            for m in sorted(held, key=lambda m: m.starts_at, reverse=True)
        ]

    async def meeting(self, meeting_id: int) -> Meeting | None:
        async with self._db.read() as conn:
            return await self._meetings.get(conn, meeting_id)

    async def _next_meeting_day(self, conn: AsyncConnection) -> date | None:
        coming = [
            m.starts_at.astimezone(self._zone).date() for m in await self._meetings.all(conn)
            if m.status is MeetingStatus.SCHEDULED and m.starts_at > self._clock()
        ]  # fmt: skip
        return min(coming, default=None)

    async def default_deadline(self) -> date:
        """The day before the next meeting, two weeks at most, today at the earliest."""
        async with self._db.read() as conn:
            next_day = await self._next_meeting_day(conn)
        limit = self.today() + timedelta(days=DEFAULT_DAYS)
        before_next = next_day - timedelta(days=1) if next_day else limit
        return max(self.today(), min(limit, before_next))

    async def open(self, meeting_id: int, url: str, deadline: date | None, by: Member) -> Opened:
        """Submits a held meeting's minutes for corrections; refused while a draft is open."""
        found = rules.draft_problems(url.strip(), deadline, self.today())
        async with self._db.transaction() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
                return Opened(None, [Problem("meeting", "minutes.error.meeting")])
            if meeting.starts_at > self._clock():
                return Opened(None, [Problem("meeting", "minutes.error.not_held")])
            latest = (await self._minutes.latest_by_meeting(conn)).get(meeting_id)
            if latest is not None and latest.status is ReviewStatus.DRAFT:
                found.append(Problem("meeting", "minutes.error.draft_open"))
            next_day = await self._next_meeting_day(conn)
            if deadline is not None and next_day is not None and deadline >= next_day:
                # Corrections close before the meeting where the committee adopts them.
                found.append(Problem("deadline", "minutes.error.deadline_after_meeting"))
            if not by.is_secretariat:
                found.append(Problem("by", "minutes.error.not_secretariat"))
            if found or deadline is None:
                return Opened(None, found)
            review = await self._minutes.open(
                conn, meeting_id, url.strip(), deadline, by.email, self._clock()
            )
            await self._audit.append(
                conn,
                AuditEvent(by.email, "minutes.submitted", "meeting", str(meeting_id),
                           {"revision": review.revision, "deadline": deadline.isoformat(),
                            "sha256": fingerprint(review.draft_url)}),
            )  # fmt: skip
            reachable = await ConversationReferences().reachable_members(conn)
            told = waiting = 0
            for member in await self._members.all(conn):
                if (
                    member.id is None
                    or member.is_secretariat
                    or not member.is_serving(self.today())
                ):
                    continue
                await self._outbox.plan(
                    conn, f"minutes:{review.id}:draft:{member.id}", DRAFT, member.id,
                    {"review": review.id}, self._clock(),
                )  # fmt: skip
                told, waiting = (
                    (told + 1, waiting) if member.id in reachable else (told, waiting + 1)
                )
        return Opened(review, [], told, waiting)

    async def adoption_view(self, review_id: int) -> AdoptionView | None:
        async with self._db.read() as conn:
            found = await self._submission(conn, review_id)
            if found is None:
                return None
            corrections = await self._minutes.corrections(conn, review_id)
            return AdoptionView(
                *found, [(c, await self._members.get(conn, c.member_id)) for c in corrections]
            )

    async def adopt(
        self,
        review_id: int,
        adopted_on: date | None,
        final_url: str,
        verdicts: Mapping[int, tuple[str, str]],
        by: Member,
    ) -> tuple[Review | None, list[Problem]]:
        """The committee's adoption, recorded once: the meeting gets the final link and the
        day (locked and published from now), every serving member is told."""
        async with self._db.transaction() as conn:
            review = await self._minutes.get(conn, review_id)
            if review is None or review.status is not ReviewStatus.DRAFT:
                return None, [Problem("review", "minutes.error.adopted_already")]
            corrections = await self._minutes.corrections(conn, review_id)
            found = rules.adoption_problems(
                adopted_on, final_url.strip(), self.today(), corrections, verdicts
            )
            if not by.is_secretariat:
                found.append(Problem("by", "minutes.error.not_secretariat"))
            if found or adopted_on is None:
                return review, found
            decided = {
                c.id: (Verdict(verdicts[c.id][0]), verdicts[c.id][1].strip()) for c in corrections
            }
            if not await self._minutes.adopt(
                conn, review_id, adopted_on, final_url.strip(), decided, by.email, self._clock()
            ):
                return None, [Problem("review", "minutes.error.adopted_already")]
            await self._meetings.adopt_minutes(
                conn, review.meeting_id, final_url.strip(), adopted_on
            )
            taken = sum(1 for v, _ in decided.values() if v is Verdict.TAKEN)
            await self._audit.append(
                conn,
                AuditEvent(by.email, "minutes.adopted", "meeting", str(review.meeting_id),
                           {"revision": review.revision, "adopted_on": adopted_on.isoformat(),
                            "sha256": fingerprint(final_url.strip()), "corrections": len(decided),
                            "taken": taken}),
            )  # fmt: skip
            for member in await self._members.all(conn):
                if member.id is None or not member.is_serving(self.today()):
                    continue
                await self._outbox.plan(
                    conn, f"minutes:{review.id}:adopted:{member.id}", ADOPTED, member.id,
                    {"review": review.id}, self._clock(),
                )  # fmt: skip
            adopted = await self._minutes.get(conn, review_id)
        return adopted, []

    # --- members ----------------------------------------------------------------------------

    async def view(self, member: Member, review_id: int) -> MemberView | None:
        async with self._db.read() as conn:
            return await self._view(conn, member, review_id)

    async def _view(
        self, conn: AsyncConnection, member: Member, review_id: int
    ) -> MemberView | None:
        found = await self._submission(conn, review_id)
        if found is None:
            return None
        mine = [
            c for c in await self._minutes.corrections(conn, review_id) if c.member_id == member.id
        ]
        return MemberView(member, *found, mine)

    async def _submission(
        self, conn: AsyncConnection, review_id: int
    ) -> tuple[Review, Meeting] | None:
        """A submission and the meeting it is the minutes of."""
        review = await self._minutes.get(conn, review_id)
        meeting = await self._meetings.get(conn, review.meeting_id) if review else None
        return (review, meeting) if review and meeting else None

    async def correct(
        self, member: Member, review_id: int, text: str
    ) -> tuple[MemberView | None, list[Problem]]:
        """One more correction, kept with its author; refused once the deadline passed or the
        minutes were adopted."""
        async with self._db.transaction() as conn:
            view = await self._view(conn, member, review_id)
            if view is None or member.id is None:
                return None, []
            if not member.is_serving(self.today()):
                return view, [Problem("text", "minutes.error.not_serving")]
            if not view.review.takes_corrections(self.today()):
                return view, [Problem("text", "minutes.error.closed")]
            found = rules.correction_problems(text)
            if found:
                return view, found
            correction = await self._minutes.add_correction(
                conn, review_id, member.id, text.strip(), self._clock()
            )
            await self._audit.append(
                conn,
                AuditEvent(member.email, "minutes.correction", "meeting",
                           str(view.review.meeting_id),
                           {"correction": correction.id, "sha256": fingerprint(correction.text)}),
            )  # fmt: skip
            updated = await self._view(conn, member, review_id)
        return updated, []

    # --- what the bot sends on its own ------------------------------------------------------

    async def draft_work(self, conn: AsyncConnection, message: OutboxMessage) -> MemberView | None:
        """None once the deadline passed or the minutes were adopted: nothing left to ask."""
        member = await self._members.get(conn, message.member_id or 0)
        if member is None or not member.is_serving(self.today()):
            return None
        view = await self._view(conn, member, int(message.payload.get("review", 0)))
        if view is None or not view.review.takes_corrections(self.today()):
            return None
        return view

    async def adopted_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> MemberView | None:
        member = await self._members.get(conn, message.member_id or 0)
        if member is None or not member.is_serving(self.today()):
            return None
        return await self._view(conn, member, int(message.payload.get("review", 0)))
