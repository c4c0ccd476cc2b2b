"""Mandates: the history kept from the registry, reminders before each end, the member's
answer, the secretariat's decision, the committee's composition.

Reminders go through the outbox like everything the bot sends on its own: planned by a tick
that reads what is already planned, sent once, skipped when a decision made them pointless.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member, Role, SeatCategory, normalise_email
from bot.features.mandates import rules
from bot.features.mandates.rules import Answer, Decision, Mandate, MandateStatus, Seats
from bot.features.mandates.store import MandateRepository
from bot.locale import Translator
from bot.services.spreadsheet import to_csv
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage, Planned, plan_missing
from bot.storage.repositories import AuditLog, MemberRepository

MEMBER_REMINDER = "mandates.member_reminder"
CLERK_REMINDER = "mandates.clerk_reminder"
ENDED_NOTICE = "mandates.ended_notice"
# To an organisation's new delegate, as soon as Teams can reach them.
WELCOME = "mandates.welcome"
# Reminders go out in the morning, committee time, not at midnight.
SEND_AT = time(9, 0)


@dataclass(frozen=True)
class MandateRow:
    member: Member
    mandate: Mandate


@dataclass(frozen=True)
class DecisionOutcome:
    """The decision recorded (with the composition warnings it causes), or refused."""

    mandate: Mandate | None
    refusal: str | None = None
    warnings: list[Seats] = field(default_factory=list)
    successor: Member | None = None


@dataclass(frozen=True)
class ReminderWork:
    recipient: Member
    member: Member
    mandate: Mandate
    days: int


async def sync_from_registry(
    conn: AsyncConnection, members: MemberRepository, mandates: MandateRepository
) -> int:
    """The registry's dates become mandates: a first one is created, the current one is
    extended, a later start opens the next one. Nothing recorded is ever removed."""
    changed = 0
    for member in await members.all(conn):
        if member.id is None or member.mandate_starts_on is None or member.mandate_ends_on is None:
            continue
        latest = await mandates.latest(conn, member.id)
        starts, ends = member.mandate_starts_on, member.mandate_ends_on
        if latest is None:
            await mandates.add(conn, member.id, 0, member.seat, starts, ends)
            changed += 1
        elif latest.starts_on == starts and latest.ends_on != ends:
            await mandates.set_ends_on(conn, latest.id, ends)
            changed += 1
        elif starts > latest.starts_on:
            await mandates.decide(conn, latest.id, MandateStatus.RENEWED, "roster")
            await mandates.add(conn, member.id, latest.number + 1, member.seat, starts, ends)
            changed += 1
    return changed


class MandatesService:
    def __init__(
        self,
        database: Database,
        mandates: MandateRepository,
        members: MemberRepository,
        audit: AuditLog,
        outbox: Outbox,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
        *,
        reminder_days: Sequence[int] = rules.DEFAULT_REMINDER_DAYS,
        years: int = rules.DEFAULT_YEARS,
        max_renewals: int = 0,
        bounds: Mapping[SeatCategory, tuple[int, int]] = rules.DEFAULT_BOUNDS,
    ) -> None:
        self._db = database
        self._mandates = mandates
        self._members = members
        self._audit = audit
        self._outbox = outbox
        self._zone = zone
        self._clock = clock
        self._reminder_days = sorted(set(reminder_days), reverse=True)
        self._years = years
        self._max_renewals = max_renewals
        self._bounds = bounds

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    def _morning(self, day: date) -> datetime:
        return datetime.combine(day, SEND_AT, tzinfo=self._zone)

    # --- what members and the secretariat read ----------------------------------------

    async def rows(self) -> list[MandateRow]:
        """Every mandate in force or awaiting its end, the nearest end first."""
        async with self._db.read() as conn:
            members = {m.id: m for m in await self._members.all(conn)}
            found = [
                MandateRow(members[m.member_id], m)
                for m in await self._mandates.all(conn)
                if m.member_id in members and m.status is not MandateStatus.RENEWED
                and m.ends_on >= self._today() - timedelta(days=90)
            ]  # fmt: skip
        return sorted(found, key=lambda r: (r.mandate.ends_on, r.member.display_name))

    async def find(self, mandate_id: int) -> MandateRow | None:
        async with self._db.read() as conn:
            mandate = await self._mandates.get(conn, mandate_id)
            member = await self._members.get(conn, mandate.member_id) if mandate else None
        return MandateRow(member, mandate) if member and mandate else None

    async def mine(self, member: Member) -> list[Mandate]:
        async with self._db.read() as conn:
            return await self._mandates.all(conn, member.id)

    async def composition(self, on: date | None = None) -> list[Seats]:
        async with self._db.read() as conn:
            members = await self._members.all(conn)
        return rules.composition(members, on or self._today(), self._bounds)

    async def ending_soon(self, days: int = 90) -> list[MandateRow]:
        today = self._today()
        async with self._db.read() as conn:
            members = {m.id: m for m in await self._members.all(conn)}
            found = await self._mandates.current_ending_between(
                conn, today, today + timedelta(days=days)
            )
        return sorted(
            (MandateRow(members[m.member_id], m) for m in found if m.member_id in members),
            key=lambda r: r.mandate.ends_on,
        )

    async def csv_report(self, tr: Translator) -> bytes:
        today = self._today()
        header = [
            tr.t(f"mandates.csv.{c}")
            for c in (
                "member",
                "organisation",
                "seat",
                "starts",
                "ends",
                "days_left",
                "answer",
                "status",
            )
        ]
        body = [
            [
                r.member.display_name,
                r.member.organisation,
                tr.t(f"seat.{r.mandate.seat.value}"),
                r.mandate.starts_on.isoformat(),
                r.mandate.ends_on.isoformat(),
                str(r.mandate.days_left(today)),
                tr.t(f"mandates.answer.{r.mandate.answer.value}") if r.mandate.answer else "",
                tr.t(f"mandates.status.{r.mandate.status.value}"),
            ]
            for r in await self.rows()
        ]
        return to_csv(header, body, french=tr.is_french)

    # --- the member's answer ------------------------------------------------------------

    async def answer(
        self, member: Member, mandate_id: int, answer: Answer, known: str | None = None
    ) -> tuple[Mandate | None, bool]:
        """The member's wish for their own mandate in force (who answers comes from the
        activity); None when it is not theirs or was decided already. `known`: the answer the
        card showed; when another was given since, nothing is recorded (True: stale)."""
        async with self._db.transaction() as conn:
            mandate = await self._mandates.get(conn, mandate_id)
            if mandate is None or mandate.member_id != member.id:
                return None, False
            if mandate.status is not MandateStatus.CURRENT:
                return None, False
            in_force = mandate.answer.value if mandate.answer else "none"
            if known is not None and known != in_force and in_force != answer.value:
                return mandate, True
            await self._mandates.answer(conn, mandate_id, answer)
            await self._audit.append(
                conn,
                AuditEvent(
                    member.email, "mandate.answered", "mandate", str(mandate_id),
                    {"answer": answer.value},
                ),
            )  # fmt: skip
            return await self._mandates.get(conn, mandate_id), False

    # --- the secretariat's decision -------------------------------------------------------

    async def decide(
        self,
        mandate_id: int,
        decision: Decision,
        by: Member,
        *,
        successor_name: str = "",
        successor_email: str = "",
    ) -> DecisionOutcome:
        """Renew (a new mandate from the day after; commitment and declaration asked again
        through the new dates), replace (this one ends on its date; the new delegate is
        registered for the next day), or end (the seat becomes vacant on that date)."""
        async with self._db.transaction() as conn:
            mandate = await self._mandates.get(conn, mandate_id)
            member = await self._members.get(conn, mandate.member_id) if mandate else None
            if mandate is None or member is None:
                return DecisionOutcome(None, "mandates.refused.gone")
            successor: Member | None = None
            if decision is Decision.RENEW:
                refusal = rules.renewal_refusal(mandate, self._max_renewals)
                if refusal:
                    return DecisionOutcome(mandate, refusal)
                if not await self._mandates.decide(
                    conn, mandate_id, MandateStatus.RENEWED, by.email
                ):
                    return DecisionOutcome(mandate, "mandates.refused.decided")
                starts, ends = rules.next_mandate_dates(mandate, self._years)
                new_id = await self._mandates.add(
                    conn, mandate.member_id, mandate.number + 1, mandate.seat, starts, ends
                )
                new = await self._mandates.get(conn, new_id)
                assert new is not None
                await self._mandates.mirror(conn, member, new)
            elif decision is Decision.REPLACE:
                email = normalise_email(successor_email)
                if not successor_name.strip() or "@" not in email or len(email) > 320:
                    return DecisionOutcome(mandate, "mandates.refused.successor")
                if await self._members.by_email(conn, email) is not None:
                    return DecisionOutcome(mandate, "mandates.refused.successor_known")
                if not await self._mandates.decide(
                    conn, mandate_id, MandateStatus.REPLACED, by.email
                ):
                    return DecisionOutcome(mandate, "mandates.refused.decided")
                starts, ends = rules.next_mandate_dates(mandate, self._years)
                successor = Member(
                    email, successor_name.strip()[:200], member.organisation, mandate.seat,
                    Role.MEMBER, mandate_starts_on=starts, mandate_ends_on=ends,
                )  # fmt: skip
                await self._members.import_roster(conn, [successor])
                successor = await self._members.by_email(conn, email)
                assert successor is not None and successor.id is not None
                first = await self._mandates.add(conn, successor.id, 0, mandate.seat, starts, ends)
                # Waits in the outbox until they can be reached: their first chat with the
                # bot, or the app installed for them (Graph), whichever comes first.
                await self._outbox.plan(
                    conn, f"mandates:{first}:welcome", WELCOME, successor.id,
                    {"mandate": first}, self._clock(),
                )  # fmt: skip
            else:
                if not await self._mandates.decide(
                    conn, mandate_id, MandateStatus.ENDING, by.email
                ):
                    return DecisionOutcome(mandate, "mandates.refused.decided")
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email,
                    f"mandate.{decision.value}",
                    "mandate",
                    str(mandate_id),
                    {
                        "member": member.id,
                        "ends_on": mandate.ends_on.isoformat(),
                        **({"successor": successor.id} if successor else {}),
                    },
                ),
            )
            decided = await self._mandates.get(conn, mandate_id)
            after = mandate.ends_on + timedelta(days=1)
            members = await self._members.all(conn)
        warnings = rules.out_of_bounds(rules.composition(members, after, self._bounds))
        return DecisionOutcome(decided, warnings=warnings, successor=successor)

    # --- on its own -----------------------------------------------------------------------

    async def plan(self) -> int:
        """Reminders for each mandate in force (to the member and to each member of the
        secretariat), and the end of undecided mandates whose date has passed. Reads, then
        writes only what is missing."""
        today = self._today()
        wanted: list[Planned] = []
        async with self._db.read() as conn:
            members = {m.id: m for m in await self._members.all(conn)}
            clerks = [m for m in members.values() if m.is_secretariat and m.is_serving(today)]
            # Planned well before they fall due, so that a bot down on that day still finds
            # them at restart and sends each once.
            horizon = today + timedelta(days=max(self._reminder_days, default=0) + 60)
            ending = await self._mandates.current_ending_between(conn, today, horizon)
            ended = await self._mandates.undecided_ending(conn, today - timedelta(days=1))
        for mandate in ending:
            member = members.get(mandate.member_id)
            if member is None or not member.active:
                continue
            for days, day in rules.reminders_to_plan(mandate.ends_on, today, self._reminder_days):
                due = max(self._morning(day), self._clock()) if day == today else self._morning(day)
                key = f"mandates:{mandate.id}:{days}"
                payload = {"mandate": mandate.id, "days": days}
                wanted.append(Planned(f"{key}:member", MEMBER_REMINDER, member.id, payload, due))
                wanted += [
                    Planned(f"{key}:clerk:{clerk.id}", CLERK_REMINDER, clerk.id, payload, due)
                    for clerk in clerks
                ]
        planned = await plan_missing(self._db, self._outbox, "mandates:", wanted)
        if not ended:
            return planned
        async with self._db.transaction() as conn:
            for mandate in ended:
                await self._mandates.mark_ended(conn, mandate.id)
                await self._audit.append(
                    conn,
                    AuditEvent("system", "mandate.ended", "mandate", str(mandate.id),
                               {"member": mandate.member_id, "ends_on": mandate.ends_on.isoformat()}),
                )  # fmt: skip
                if mandate.ends_on < today - timedelta(days=7):
                    continue  # an old date found at import: history, not news
                for clerk in clerks:
                    planned += await self._outbox.plan(
                        conn, f"mandates:{mandate.id}:ended:{clerk.id}", ENDED_NOTICE, clerk.id,
                        {"mandate": mandate.id}, self._clock(),
                    )  # fmt: skip
        return planned

    async def reminder_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> ReminderWork | None:
        """None once a decision was made (a reminder would ask a settled question) or the
        recipient no longer serves."""
        mandate = await self._mandates.get(conn, int(message.payload.get("mandate", 0)))
        recipient = await self._members.get(conn, message.member_id or 0)
        if mandate is None or recipient is None:
            return None
        member = await self._members.get(conn, mandate.member_id)
        if member is None:
            return None
        if message.kind == WELCOME:
            # A delegate whose mandate has not started yet is welcomed all the same.
            return ReminderWork(recipient, member, mandate, 0) if recipient.active else None
        if not recipient.is_serving(self._today()):
            return None
        if message.kind != ENDED_NOTICE and mandate.status is not MandateStatus.CURRENT:
            return None
        return ReminderWork(recipient, member, mandate, int(message.payload.get("days", 0)))
