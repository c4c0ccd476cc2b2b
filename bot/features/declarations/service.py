"""Declarations of interests: collected where members are, kept private and permanent,
followed up, and asked by other features ("who has a conflict on this item?").

Only the member and the secretariat ever see a declaration. The audit chain records that a
declaration was made (ids, counts, a fingerprint), never what it says, so a purge after the
retention period leaves the chain whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.features.declarations import rules
from bot.features.declarations.rules import (
    Conflict,
    GeneralDeclaration,
    GeneralStatus,
    Interest,
    ItemAnswer,
    Measure,
    MeetingDeclaration,
    Problem,
)
from bot.features.declarations.store import DeclarationRepository
from bot.features.meetings.rules import Meeting, MeetingStatus
from bot.features.meetings.store import MeetingRepository
from bot.locale import Translator, format_moment
from bot.services.spreadsheet import to_csv
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage, Planned, plan_missing
from bot.storage.repositories import AuditLog, MemberRepository

GENERAL_CARD = "declarations.general_card"
GENERAL_REMINDER = "declarations.general_reminder"
GENERAL_ESCALATION = "declarations.general_escalation"
MEETING_CARD = "declarations.meeting_card"
MEETING_REMINDER = "declarations.meeting_reminder"
MEASURE_NOTICE = "declarations.measure_notice"


@dataclass(frozen=True)
class Outcome:
    """recorded, unchanged (the same again: nothing added), stale (from a card older than the
    answers in force: nothing changed), or refused with the problems."""

    kind: str
    problems: list[Problem] = field(default_factory=list)
    version: int | None = None


@dataclass(frozen=True)
class MeetingAsk:
    """What a member's card for a meeting shows: the items to answer (only the new ones
    once answered), the answers so far, and whether the meeting has started."""

    meeting: Meeting
    items: list[str]
    answers: dict[str, ItemAnswer]
    started: bool
    # The member's latest declaration for this meeting (0: none yet), and when it was made:
    # what a card shows, so that pressing an older card changes nothing.
    version: int = 0
    answered_at: datetime | None = None


@dataclass(frozen=True)
class MeetingCardWork:
    """A meeting's conflicts card to send, and the earlier ones it replaces in that chat."""

    member: Member
    ask: MeetingAsk
    replaces: list[str]


@dataclass(frozen=True)
class MeetingRow:
    member: Member
    status: str  # "none", "conflict" or "pending"
    conflicts: list[ItemAnswer]
    measures: dict[str, tuple[Measure, str]]


@dataclass(frozen=True)
class GeneralRow:
    member: Member
    status: GeneralStatus
    latest: GeneralDeclaration | None


@dataclass(frozen=True)
class Purge:
    member: Member
    rows: int


@dataclass(frozen=True)
class FollowUp:
    member: Member
    current: GeneralDeclaration | None
    about: Member | None = None  # for an escalation: the member who has not declared


class DeclarationsService:
    def __init__(
        self,
        database: Database,
        declarations: DeclarationRepository,
        members: MemberRepository,
        meetings: MeetingRepository,
        audit: AuditLog,
        outbox: Outbox,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
        *,
        reminder_days: Sequence[int] = (3, 7),
        escalation_days: int = 14,
        meeting_reminder_days: Sequence[int] = (7, 2),
        renewal: timedelta = rules.DEFAULT_RENEWAL,
        keep_years: int = 7,
    ) -> None:
        self._db = database
        self._declarations = declarations
        self._members = members
        self._meetings = meetings
        self._audit = audit
        self._outbox = outbox
        self._zone = zone
        self._clock = clock
        self._reminder_days = sorted(set(reminder_days))
        self._escalation_days = escalation_days
        self._meeting_reminder_days = sorted(set(meeting_reminder_days), reverse=True)
        self._renewal = renewal
        self._keep_years = keep_years

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    # --- the general declaration ---------------------------------------------------------

    async def current(self, member: Member) -> GeneralDeclaration | None:
        async with self._db.read() as conn:
            history = await self._declarations.general_history(conn, member.id)
        return history[-1] if history else None

    def status_of(self, member: Member, latest: GeneralDeclaration | None) -> GeneralStatus:
        return rules.general_status(
            latest.declared_at if latest else None,
            member.mandate_starts_on,
            self._today(),
            self._renewal,
        )

    async def declare(
        self, member: Member, interests: list[Interest], nothing: bool, language: str
    ) -> Outcome:
        """A new version, unless it says what the one in force says and that one is not due
        (a double click, a card sent twice): nothing is added then."""
        assert member.id is not None
        problems = rules.interest_problems(interests, nothing)
        if problems:
            return Outcome("refused", problems)
        sha256 = rules.interests_fingerprint(interests)
        async with self._db.transaction() as conn:
            history = await self._declarations.general_history(conn, member.id)
            latest = history[-1] if history else None
            if (
                latest is not None
                and latest.sha256 == sha256
                and self.status_of(member, latest) is GeneralStatus.UP_TO_DATE
            ):
                return Outcome("unchanged", version=latest.version)
            version = await self._declarations.add_general(
                conn, member.id, interests, sha256, language
            )
            await self._audit.append(
                conn,
                AuditEvent(
                    member.email,
                    "declaration.general",
                    "member",
                    str(member.id),
                    {"version": version, "interests": len(interests), "sha256": sha256},
                ),
            )
        return Outcome("recorded", version=version)

    async def history(
        self, member: Member
    ) -> tuple[list[GeneralDeclaration], list[tuple[MeetingDeclaration, Meeting | None]]]:
        """The member's own declarations, every version, for `mes déclarations`."""
        async with self._db.read() as conn:
            general = await self._declarations.general_history(conn, member.id)
            per_meeting = await self._declarations.meeting_history(conn, member_id=member.id)
            meetings = {m.id: m for m in await self._meetings.all(conn)}
        return general, [(d, meetings.get(d.meeting_id)) for d in per_meeting]

    # --- per meeting ---------------------------------------------------------------------

    async def ask(self, member: Member, meeting_id: int) -> MeetingAsk | None:
        async with self._db.read() as conn:
            return await self._ask(conn, member, meeting_id)

    async def _ask(
        self, conn: AsyncConnection, member: Member, meeting_id: int
    ) -> MeetingAsk | None:
        meeting = await self._meetings.get(conn, meeting_id)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return None
        mine = await self._declarations.meeting_history(
            conn, meeting_id=meeting_id, member_id=member.id
        )
        agenda = [item.title for item in meeting.plan.agenda]
        latest = max(mine, key=lambda d: d.version, default=None)
        return MeetingAsk(
            meeting,
            rules.items_to_ask(agenda, mine),
            rules.latest_answers(mine),
            meeting.starts_at <= self._clock(),
            latest.version if latest else 0,
            latest.declared_at if latest else None,
        )

    async def declare_for_meeting(
        self, member: Member, meeting_id: int, answers: list[ItemAnswer], seen: int | None = None
    ) -> Outcome:
        """The member's answers for items of this meeting's agenda (identity from the
        activity). An item that is not on this meeting's agenda records nothing. After the
        meeting started it is an amendment, kept beside the original. `seen`: the version the
        card showed; from a card older than the answers in force, nothing is recorded."""
        assert member.id is not None
        async with self._db.transaction() as conn:
            ask = await self._ask(conn, member, meeting_id)
            if ask is None:
                return Outcome("refused", [Problem(0, "declarations.meeting_gone")])
            if seen is not None and seen != ask.version:
                return Outcome("stale", version=ask.version)
            agenda = {item.title for item in ask.meeting.plan.agenda}
            if not answers or any(answer.item not in agenda for answer in answers):
                return Outcome("refused", [Problem(0, "declarations.forged_items")])
            problems = rules.answer_problems(answers, ask.items)
            if problems:
                return Outcome("refused", problems)
            if all(ask.answers.get(a.item) == a for a in answers):
                return Outcome("unchanged")
            sha256 = rules.answers_fingerprint(answers)
            version = await self._declarations.add_meeting(
                conn, member.id, meeting_id, answers, sha256, ask.started
            )
            conflicts = sum(1 for a in answers if a.conflict is not Conflict.NONE)
            await self._audit.append(
                conn,
                AuditEvent(
                    member.email,
                    "declaration.amendment" if ask.started else "declaration.meeting",
                    "meeting",
                    str(meeting_id),
                    {
                        "version": version,
                        "items": len(answers),
                        "conflicts": conflicts,
                        "sha256": sha256,
                    },
                ),
            )
        return Outcome("recorded", version=version)

    async def conflicted(self, meeting_id: int, item: str) -> set[int]:
        """Who has declared a conflict on this item of this meeting (documents use it)."""
        async with self._db.read() as conn:
            by_member: dict[int, list[MeetingDeclaration]] = {}
            for d in await self._declarations.meeting_history(conn, meeting_id=meeting_id):
                by_member.setdefault(d.member_id, []).append(d)
        return rules.conflicted_on(item, by_member)

    async def my_conflicts(self, member: Member, meeting_id: int) -> list[ItemAnswer]:
        async with self._db.read() as conn:
            mine = await self._declarations.meeting_history(
                conn, meeting_id=meeting_id, member_id=member.id
            )
        return [a for a in rules.latest_answers(mine).values() if a.conflict is not Conflict.NONE]

    async def conflict_items(self, member: Member, meeting_id: int) -> list[str]:
        return [answer.item for answer in await self.my_conflicts(member, meeting_id)]

    # --- the secretariat -----------------------------------------------------------------

    async def general_rows(self) -> list[GeneralRow]:
        async with self._db.read() as conn:
            history = await self._declarations.general_history(conn)
            serving = [m for m in await self._members.all(conn) if m.is_serving(self._today())]
        latest = {d.member_id: d for d in history}
        rows = [
            GeneralRow(m, self.status_of(m, latest.get(m.id or 0)), latest.get(m.id or 0))
            for m in serving
        ]
        order = {GeneralStatus.NEVER: 0, GeneralStatus.DUE: 1, GeneralStatus.UP_TO_DATE: 2}
        return sorted(rows, key=lambda r: (order[r.status], r.member.display_name))

    async def meeting_rows(self, meeting_id: int) -> tuple[Meeting | None, list[MeetingRow]]:
        async with self._db.read() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if meeting is None:
                return None, []
            declared = await self._declarations.meeting_history(conn, meeting_id=meeting_id)
            measures = await self._declarations.measures(conn, meeting_id)
            serving = [m for m in await self._members.all(conn) if m.is_serving(self._today())]
        agenda = [item.title for item in meeting.plan.agenda]
        rows = []
        for member in serving:
            mine = [d for d in declared if d.member_id == member.id]
            latest = rules.latest_answers(mine)
            conflicts = [
                latest[i] for i in agenda if i in latest and latest[i].conflict is not Conflict.NONE
            ]
            if rules.items_to_ask(agenda, mine):
                status = "pending"
            else:
                status = "conflict" if conflicts else "none"
            their = {item: m for (who, item), m in measures.items() if who == member.id}
            rows.append(MeetingRow(member, status, conflicts, their))
        order = {"pending": 0, "conflict": 1, "none": 2}
        return meeting, sorted(rows, key=lambda r: (order[r.status], r.member.display_name))

    async def record_measure(
        self, meeting_id: int, member_id: int, item: str, measure: Measure, reason: str, by: Member
    ) -> Outcome:
        """What follows a declared conflict; the member is told in personal chat."""
        if not reason.strip():
            return Outcome("refused", [Problem(0, "declarations.error.reason")])
        if len(reason) > rules.MAX_DESCRIPTION:
            return Outcome("refused", [Problem(0, "declarations.error.description_long")])
        async with self._db.transaction() as conn:
            mine = await self._declarations.meeting_history(
                conn, meeting_id=meeting_id, member_id=member_id
            )
            answer = rules.latest_answers(mine).get(item)
            if answer is None or answer.conflict is Conflict.NONE:
                return Outcome("refused", [Problem(0, "declarations.no_such_conflict")])
            await self._declarations.add_measure(
                conn, meeting_id, member_id, item, measure, reason.strip(), by.email
            )
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email,
                    "declaration.measure",
                    "meeting",
                    str(meeting_id),
                    {
                        "member": member_id,
                        "measure": measure.value,
                        "item_sha256": rules.fingerprint(item),
                    },
                ),
            )
            stamp = self._clock().isoformat()
            await self._outbox.plan(
                conn,
                f"declarations:measure:{meeting_id}:{member_id}:{rules.fingerprint(item)[:16]}:{stamp}",
                MEASURE_NOTICE,
                member_id,
                {
                    "meeting": meeting_id,
                    "item": item,
                    "measure": measure.value,
                    "reason": reason.strip(),
                },
                self._clock(),
            )
        return Outcome("recorded")

    async def csv_report(self, tr: Translator, meeting_id: int | None = None) -> bytes:
        """The general declarations' status, or a meeting's; never what was declared."""
        if meeting_id is None:
            rows = await self.general_rows()
            header = [
                tr.t(f"declarations.csv.{c}")
                for c in ("member", "organisation", "status", "declared_at")
            ]
            body = [
                [
                    r.member.display_name,
                    r.member.organisation,
                    tr.t(f"declarations.general.{r.status.value}"),
                    format_moment(tr, r.latest.declared_at, self._zone) if r.latest else "",
                ]
                for r in rows
            ]
            return to_csv(header, body, french=tr.is_french)
        _, meeting_rows = await self.meeting_rows(meeting_id)
        header = [
            tr.t(f"declarations.csv.{c}") for c in ("member", "organisation", "status", "items")
        ]
        body = [
            [
                r.member.display_name,
                r.member.organisation,
                tr.t(f"declarations.meeting_status.{r.status}"),
                " | ".join(a.item for a in r.conflicts),
            ]
            for r in meeting_rows
        ]
        return to_csv(header, body, french=tr.is_french)

    # --- follow-ups ----------------------------------------------------------------------

    async def plan_follow_ups(self) -> int:
        """What each member should be asked, planned once per occasion: the general
        declaration when due (the card, reminders, then the secretariat), and each coming
        meeting's items not answered yet (the card, reminders before it starts). Reads, then
        writes only what is missing."""
        now = self._clock()
        today = self._today()
        wanted: list[Planned] = []
        async with self._db.read() as conn:
            members = [m for m in await self._members.all(conn) if m.is_serving(today)]
            clerks = [m for m in members if m.is_secretariat]
            history = await self._declarations.general_history(conn)
            latest = {d.member_id: d for d in history}
            coming = [
                m
                for m in await self._meetings.all(conn)
                if m.status is MeetingStatus.SCHEDULED and m.starts_at > now and m.plan.agenda
            ]
            declared = {
                meeting.id: await self._declarations.meeting_history(conn, meeting_id=meeting.id)
                for meeting in coming
            }
        for member in members:
            assert member.id is not None
            last = latest.get(member.id)
            if self.status_of(member, last) is not GeneralStatus.UP_TO_DATE:
                occasion = rules.due_occasion(
                    last.declared_at if last else None, member.mandate_starts_on, self._renewal
                )
                key = f"declarations:general:{member.id}:{occasion}"
                payload = {"occasion": occasion}
                wanted.append(Planned(f"{key}:card", GENERAL_CARD, member.id, payload, now))
                for days in self._reminder_days:
                    wanted.append(
                        Planned(
                            f"{key}:reminder:{days}", GENERAL_REMINDER, member.id,
                            {**payload, "days": days}, now + timedelta(days=days),
                        )
                    )  # fmt: skip
                for clerk in clerks:
                    wanted.append(
                        Planned(
                            f"{key}:escalation:{clerk.id}", GENERAL_ESCALATION, clerk.id,
                            {**payload, "about": member.id, "days": self._escalation_days},
                            now + timedelta(days=self._escalation_days),
                        )
                    )  # fmt: skip
            for meeting in coming:
                mine = [d for d in declared[meeting.id] if d.member_id == member.id]
                items = rules.items_to_ask([i.title for i in meeting.plan.agenda], mine)
                if not items:
                    continue
                asked = rules.fingerprint(items)[:16]
                key = f"declarations:meeting:{meeting.id}:{member.id}"
                payload2 = {"meeting": meeting.id}
                wanted.append(
                    Planned(f"{key}:card:{asked}", MEETING_CARD, member.id, payload2, now)
                )
                starts = meeting.starts_at.isoformat()
                for days in self._meeting_reminder_days:
                    due = meeting.starts_at - timedelta(days=days)
                    if due > now:
                        wanted.append(
                            Planned(
                                f"{key}:reminder:{days}:{starts}", MEETING_REMINDER, member.id,
                                {**payload2, "days": days}, due,
                            )
                        )  # fmt: skip
        return await plan_missing(self._db, self._outbox, "declarations:", wanted)

    async def general_follow_up(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> FollowUp | None:
        """None once the declaration is made (or the member no longer serves)."""
        member = await self._members.get(conn, message.member_id or 0)
        if member is None or not member.is_serving(self._today()):
            return None
        about = member
        if message.kind == GENERAL_ESCALATION:
            found = await self._members.get(conn, int(message.payload.get("about", 0)))
            if found is None or not found.is_serving(self._today()):
                return None
            about = found
        history = await self._declarations.general_history(conn, about.id)
        last = history[-1] if history else None
        if self.status_of(about, last) is GeneralStatus.UP_TO_DATE:
            return None
        return FollowUp(member, last, about if message.kind == GENERAL_ESCALATION else None)

    async def overdue_for(
        self, conn: AsyncConnection, first: OutboxMessage
    ) -> tuple[Member, list[Member], list[OutboxMessage]] | None:
        """Everyone overdue this clerk is to be told about now, as one card: the clerk, the
        members still overdue (by name), and the other messages that card covers."""
        follow_up = await self.general_follow_up(conn, first)
        if follow_up is None or follow_up.about is None:
            return None
        overdue = [follow_up.about]
        covered = []
        for other in await self._outbox.due_of_kind(conn, GENERAL_ESCALATION, self._clock()):
            if other.id == first.id or other.member_id != first.member_id:
                continue
            found = await self.general_follow_up(conn, other)
            covered.append(other)
            if found is not None and found.about is not None and found.about not in overdue:
                overdue.append(found.about)
        return follow_up.member, sorted(overdue, key=lambda m: m.display_name), covered

    async def meeting_follow_up(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> MeetingCardWork | None:
        member = await self._members.get(conn, message.member_id or 0)
        if member is None or not member.is_serving(self._today()):
            return None
        ask = await self._ask(conn, member, int(message.payload.get("meeting", 0)))
        if ask is None or ask.started or not ask.items:
            return None
        # Every earlier card (or reminder) about this meeting in this chat asks a question
        # this one asks again, or one already answered: they are redrawn as replaced.
        earlier = await self._outbox.sent_under(
            conn, f"declarations:meeting:{ask.meeting.id}:{member.id}:"
        )
        replaces = [
            m.sent_activity_id for m in earlier if m.sent_activity_id and m.id != message.id
        ]
        return MeetingCardWork(member, ask, replaces)

    async def measure_notice(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> tuple[Member, Meeting] | None:
        member = await self._members.get(conn, message.member_id or 0)
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        if member is None or meeting is None:
            return None
        return member, meeting

    # --- retention -----------------------------------------------------------------------

    async def purge(self, *, dry_run: bool, actor: str) -> list[Purge]:
        """Declarations of members whose last mandate ended more than the retention period
        ago (Law 25, s. 73); one audit entry per member purged."""
        today = self._today()
        found: list[Purge] = []
        async with self._db.transaction() as conn:
            holders = await self._declarations.holders(conn)
            for member in await self._members.all(conn):
                if member.id not in holders or member.is_serving(today):
                    continue
                if not rules.purge_due(member.mandate_ends_on, today, self._keep_years):
                    continue
                if dry_run:
                    general = await self._declarations.general_history(conn, member.id)
                    meetings = await self._declarations.meeting_history(conn, member_id=member.id)
                    found.append(Purge(member, len(general) + len(meetings)))
                    continue
                gone = await self._declarations.purge(conn, member.id)
                await self._audit.append(
                    conn,
                    AuditEvent(
                        actor, "declarations.purged", "member", str(member.id), {"rows": gone}
                    ),
                )
                found.append(Purge(member, gone))
        return found
