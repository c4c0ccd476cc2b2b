"""Action items: recorded by the secretariat (from a meeting or on their own), reminded to
their owner before they fall due, answered by the owner from the card, listed to the
secretariat once when late, and summed up in the channel before each meeting.

Everything the bot sends goes through the outbox, planned by a tick that writes only what is
missing (each message has its key), read again at delivery so a settled item says nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member, normalise_email
from bot.domain.problems import Problem
from bot.features.actions import rules
from bot.features.actions.rules import ActionItem, ActionStatus, Digest, owner_label
from bot.features.actions.store import ActionRepository
from bot.features.meetings.rules import Meeting, MeetingStatus
from bot.features.meetings.store import MeetingRepository
from bot.locale import Translator
from bot.services.spreadsheet import to_csv
from bot.storage.committee import CommitteeTeam, CommitteeTeamRepository
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage, Planned, plan_missing
from bot.storage.repositories import AuditLog, ConversationReferences, MemberRepository

# To the owner: the item, as soon as it is recorded.
ASSIGNED = "actions.assigned"
# To the owner, before the due date and on it.
REMINDER = "actions.reminder"
# To each member of the secretariat, once per late item, gathered on one card.
LATE = "actions.late"
# To the channel, before a meeting: what was done, what is late, since the last one.
DIGEST = "actions.digest"
SEND_AT = time(9, 0)
CSV_COLUMNS = ("id", "what", "owner", "organisation", "due", "status", "note", "meeting")


@dataclass(frozen=True)
class AddOutcome:
    item: ActionItem | None
    problems: list[Problem] = field(default_factory=list)
    owner: Member | None = None
    # Whether the owner's chat with the bot is open: told now, or when they first open it.
    reachable: bool = False


@dataclass(frozen=True)
class ItemWork:
    """An item, the one who answers it (its owner; for an organisation outside the registry,
    a member of the secretariat), and the meeting it comes from (its title on the card)."""

    member: Member
    item: ActionItem
    meeting: Meeting | None


@dataclass(frozen=True)
class LateWork:
    """The secretariat member told, every item late now, and the other messages covered."""

    member: Member
    items: list[tuple[ActionItem, Member | None]]
    covered: list[OutboxMessage]


@dataclass(frozen=True)
class DigestWork:
    team: CommitteeTeam
    meeting: Meeting
    digest: Digest
    owners: dict[int, Member]


class ActionsService:
    def __init__(
        self,
        database: Database,
        actions: ActionRepository,
        members: MemberRepository,
        meetings: MeetingRepository,
        committee: CommitteeTeamRepository,
        audit: AuditLog,
        outbox: Outbox,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
        *,
        reminder_days: Sequence[int] = rules.DEFAULT_REMINDER_DAYS,
        digest_days: int = 2,
    ) -> None:
        self._db = database
        self._actions = actions
        self._members = members
        self._meetings = meetings
        self._committee = committee
        self._audit = audit
        self._outbox = outbox
        self._zone = zone
        self._clock = clock
        self._reminder_days = reminder_days
        self._digest_days = digest_days

    def today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    def _morning(self, day: date) -> datetime:
        return datetime.combine(day, SEND_AT, tzinfo=self._zone)

    # --- the secretariat records ------------------------------------------------------------

    async def add(
        self,
        what: str,
        owner_email: str,
        due_on: date | None,
        meeting_id: int | None,
        by: Member,
        organisation: str = "",
        decision: int | None = None,
        contact: str = "",
    ) -> AddOutcome:
        """One item, told to its owner now; nothing is recorded when a field is wrong.
        `decision`: the number of the meeting's decision it carries out. Without
        `owner_email`, the owner is `organisation`, outside the registry, reached by the
        secretariat at `contact`: the secretariat gets its reminders and keeps it up to date."""
        found = rules.problems(what, due_on, self.today())
        async with self._db.transaction() as conn:
            owner = None
            if owner_email.strip():
                owner = await self._members.by_email(conn, normalise_email(owner_email))
                if owner is None or owner.id is None or not owner.is_serving(self.today()):
                    found.append(Problem("owner", "actions.error.owner"))
                if contact.strip():
                    found.append(Problem("contact", "actions.error.both_owners"))
            elif organisation.strip() or contact.strip():
                found += rules.organisation_problems(organisation, contact)
            else:
                found.append(Problem("owner", "actions.error.no_owner"))
            meeting = await self._meetings.get(conn, meeting_id) if meeting_id else None
            if meeting_id and (meeting is None or meeting.status is MeetingStatus.CANCELLED):
                found.append(Problem("meeting", "actions.error.meeting"))
            elif decision is not None and (
                meeting is None or not 1 <= decision <= len(meeting.decisions)
            ):
                found.append(Problem("meeting", "actions.error.decision"))
            if not by.is_secretariat:
                found.append(Problem("by", "actions.error.not_secretariat"))
            if found or due_on is None:
                return AddOutcome(None, found)
            item = await self._actions.add(
                conn, what.strip(), owner.id if owner else None,
                organisation.strip() or (owner.organisation if owner else ""), due_on,
                meeting_id, decision, by.email, self._clock(),
                "" if owner else contact.strip().lower(),
            )  # fmt: skip
            await self._audit.append(
                conn,
                AuditEvent(by.email, "action.added", "action", str(item.id),
                           {"owner": owner.id if owner else None, "due": due_on.isoformat(),
                            "meeting": meeting_id, "decision": decision}),
            )  # fmt: skip
            if owner is None or owner.id is None:
                # Nobody the bot can write to: the secretariat tells the contact itself.
                return AddOutcome(item, [], None, False)
            await self._outbox.plan(
                conn, f"actions:{item.id}:assigned", ASSIGNED, owner.id, {"item": item.id},
                self._clock(),
            )  # fmt: skip
            reachable = owner.id in await ConversationReferences().reachable_members(conn)
        return AddOutcome(item, [], owner, reachable)

    # --- the owner answers ------------------------------------------------------------------

    async def update(
        self, member: Member, item_id: int, status: str, note: str, seen: int
    ) -> tuple[ItemWork | None, list[Problem], bool]:
        """The owner's answer (the secretariat's, for an organisation outside the registry),
        over the version their card showed. Returns the item as it stands, what is wrong with
        the answer, and whether the card was older than the item (then nothing changed).
        None: not theirs to answer."""
        async with self._db.transaction() as conn:
            item = await self._actions.get(conn, item_id)
            if item is None or not item.may_be_updated_by(member.id, member.is_secretariat):
                return None, [], False
            meeting = await self._meetings.get(conn, item.meeting_id) if item.meeting_id else None
            if seen != item.version:
                return ItemWork(member, item, meeting), [], True
            found = rules.update_problems(status, note)
            if found:
                return ItemWork(member, item, meeting), found, False
            moment = self._clock()
            if not await self._actions.set_status(
                conn, item_id, seen, ActionStatus(status), note.strip(), member.email, moment
            ):
                current = await self._actions.get(conn, item_id)
                assert current is not None
                return ItemWork(member, current, meeting), [], True
            await self._audit.append(
                conn,
                AuditEvent(member.email, "action.updated", "action", str(item_id),
                           {"status": status, "version": seen + 1}),
            )  # fmt: skip
            updated = await self._actions.get(conn, item_id)
        assert updated is not None
        return ItemWork(member, updated, meeting), [], False

    # --- what people read -------------------------------------------------------------------

    async def mine(self, member: Member) -> list[ItemWork]:
        async with self._db.read() as conn:
            items = await self._actions.of_owner(conn, member.id or 0)
            meetings = {m.id: m for m in await self._meetings.all(conn)}
        ordered = rules.by_urgency(items, self.today())
        return [ItemWork(member, i, meetings.get(i.meeting_id or 0)) for i in ordered]

    async def item_of(self, member: Member, item_id: int) -> ItemWork | None:
        """The item's card for the one who answers it (None for anyone else)."""
        async with self._db.read() as conn:
            item = await self._actions.get(conn, item_id)
            if item is None or not item.may_be_updated_by(member.id, member.is_secretariat):
                return None
            meeting = await self._meetings.get(conn, item.meeting_id) if item.meeting_id else None
        return ItemWork(member, item, meeting)

    async def open_by_meeting(
        self,
    ) -> list[tuple[Meeting | None, list[tuple[ActionItem, Member | None]]]]:
        """Every open item, grouped by the meeting it comes from (those with a late item
        first), late first within each group."""
        today = self.today()
        async with self._db.read() as conn:
            items = await self._actions.open_items(conn)
            meetings = {m.id: m for m in await self._meetings.all(conn)}
            owners = {m.id: m for m in await self._members.all(conn)}
        groups: dict[int | None, list[ActionItem]] = {}
        for item in rules.by_urgency(items, today):
            groups.setdefault(item.meeting_id, []).append(item)
        ordered = sorted(groups.items(), key=lambda g: (not g[1][0].is_late(today), g[1][0].due_on))
        return [
            (meetings.get(key or 0), [(i, owners.get(i.owner_id or 0)) for i in group])
            for key, group in ordered
        ]

    async def meetings_to_choose(self) -> list[Meeting]:
        """The meetings an item may come from: the last ones held and those coming."""
        async with self._db.read() as conn:
            found = await self._meetings.all(conn)
        kept = [m for m in found if m.status is MeetingStatus.SCHEDULED]
        return sorted(kept, key=lambda m: m.starts_at, reverse=True)[:8]

    async def serving(self) -> list[Member]:
        async with self._db.read() as conn:
            return [m for m in await self._members.all(conn) if m.is_serving(self.today())]

    async def csv_export(self, tr: Translator, by: str) -> tuple[bytes, int]:
        async with self._db.transaction() as conn:
            items = await self._actions.all(conn)
            owners = {m.id: m for m in await self._members.all(conn)}
            await self._audit.append(
                conn, AuditEvent(by, "actions.exported", "actions", "csv", {"rows": len(items)})
            )
        rows = [
            [
                str(i.id), i.what, owner_label(i, owners.get(i.owner_id or 0)),
                i.organisation, i.due_on.isoformat(), tr.t(f"actions.status.{i.status.value}"),
                i.note, str(i.meeting_id or ""),
            ]
            for i in items
        ]  # fmt: skip
        headers = [tr.t(f"actions.csv.{column}") for column in CSV_COLUMNS]
        return to_csv(headers, rows, french=tr.is_french), len(rows)

    # --- what the bot sends on its own ------------------------------------------------------

    async def plan(self) -> int:
        """Reminders before each open item's due date, the late items to the secretariat, and
        the channel's summary before each coming meeting. Writes only what is missing."""
        today = self.today()
        wanted: list[Planned] = []
        async with self._db.read() as conn:
            items = await self._actions.open_items(conn)
            clerks = await self._members.secretariat(conn, today)
            meetings = await self._meetings.all(conn)
            team = await self._committee.get(conn)
        for item in items:
            for days, day in rules.reminders_to_plan(item.due_on, today, self._reminder_days):
                due = max(self._morning(day), self._clock()) if day == today else self._morning(day)
                key = f"actions:{item.id}:reminder:{item.due_on.isoformat()}:{days}"
                payload = {"item": item.id, "days": days, "due": item.due_on.isoformat()}
                if item.owner_id is not None:
                    wanted.append(Planned(key, REMINDER, item.owner_id, payload, due))
                else:
                    # An organisation outside the registry: the secretariat follows it up.
                    wanted += [Planned(f"{key}:{clerk.id}", REMINDER, clerk.id, payload, due)
                               for clerk in clerks]  # fmt: skip
            if item.is_late(today):
                wanted += [
                    Planned(f"actions:{item.id}:late:{item.due_on.isoformat()}:{clerk.id}", LATE,
                            clerk.id, {"item": item.id}, self._clock())
                    for clerk in clerks
                ]  # fmt: skip
        horizon = self._clock() + timedelta(days=self._digest_days)
        if team is not None:
            wanted += [
                Planned(f"actions:digest:{m.id}", DIGEST, None, {"meeting": m.id}, self._clock())
                for m in meetings
                if m.status is MeetingStatus.SCHEDULED and self._clock() < m.starts_at <= horizon
            ]
        return await plan_missing(self._db, self._outbox, "actions:", wanted)

    async def assigned_work(self, conn: AsyncConnection, message: OutboxMessage) -> ItemWork | None:
        return await self._owner_work(conn, message)

    async def reminder_work(self, conn: AsyncConnection, message: OutboxMessage) -> ItemWork | None:
        """None once the item is done, or when its due date is no longer the one reminded."""
        work = await self._owner_work(conn, message)
        if work is None or work.item.due_on.isoformat() != message.payload.get("due"):
            return None
        return work

    async def _owner_work(self, conn: AsyncConnection, message: OutboxMessage) -> ItemWork | None:
        """The item, for the one this message goes to: its owner, or (an organisation's) a
        member of the secretariat."""
        item = await self._actions.get(conn, int(message.payload.get("item", 0)))
        if item is None or not item.is_open:
            return None
        owner = await self._members.get(conn, message.member_id or 0)
        if owner is None or not owner.is_serving(self.today()):
            return None
        if not item.may_be_updated_by(owner.id, owner.is_secretariat):
            return None
        meeting = await self._meetings.get(conn, item.meeting_id) if item.meeting_id else None
        return ItemWork(owner, item, meeting)

    async def late_work(self, conn: AsyncConnection, first: OutboxMessage) -> LateWork | None:
        """Every item still late for this secretariat member, on one card; each item is
        listed once (the messages this card covers are marked with it)."""
        clerk = await self._members.get(conn, first.member_id or 0)
        if clerk is None or not clerk.is_serving(self.today()):
            return None
        others = [
            m for m in await self._outbox.due_of_kind(conn, LATE, self._clock())
            if m.id != first.id and m.member_id == first.member_id
        ]  # fmt: skip
        listed: list[tuple[ActionItem, Member | None]] = []
        for message in (first, *others):
            item = await self._actions.get(conn, int(message.payload.get("item", 0)))
            if item is not None and item.is_late(self.today()):
                owner = await self._members.get(conn, item.owner_id) if item.owner_id else None
                listed.append((item, owner))
        if not listed:
            return None
        listed.sort(key=lambda pair: (pair[0].due_on, pair[0].id))
        return LateWork(clerk, listed, others)

    async def digest_work(self, conn: AsyncConnection, message: OutboxMessage) -> DigestWork | None:
        """Before a meeting still coming: done since the last meeting, late, coming. None when
        there is nothing to say, or the meeting was cancelled or began."""
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        team = await self._committee.get(conn)
        if meeting is None or team is None or meeting.status is not MeetingStatus.SCHEDULED:
            return None
        if meeting.starts_at <= self._clock():
            return None
        held = [
            m.starts_at for m in await self._meetings.all(conn)
            if m.status is MeetingStatus.SCHEDULED and m.starts_at < self._clock()
        ]  # fmt: skip
        found = rules.digest(await self._actions.all(conn), max(held, default=None), self.today())
        if not (found.done or found.late or found.coming):
            return None
        owners = {m.id or 0: m for m in await self._members.all(conn)}
        return DigestWork(team, meeting, found, owners)
