"""Declarations of interests in Teams: always in personal chat, never in a channel.

`déclarer` opens the general declaration pre-filled; `mes déclarations` shows every version;
each coming meeting brings a card listing its agenda items; the secretariat follows up with
`déclarations`. Who declares is the activity's sender, never something the card carries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member
from bot.errors import DeliveryFailed, Undeliverable
from bot.features.context import FeatureContext
from bot.features.declarations import cards
from bot.features.declarations.rules import Conflict, Interest, InterestKind, ItemAnswer, Measure
from bot.features.declarations.service import (
    GENERAL_CARD,
    GENERAL_ESCALATION,
    GENERAL_REMINDER,
    MEASURE_NOTICE,
    MEETING_CARD,
    MEETING_REMINDER,
    FollowUp,
    MeetingCardWork,
)
from bot.features.meetings.rules import Meeting
from bot.locale import Translator
from bot.scheduling.jobs import RecurringJob
from bot.services.outbox import SENT, Then, ToDo
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, as_message, notice
from bot.teams.platform import (
    MEMBERS,
    SECRETARIAT_PERSONAL,
    Action,
    Command,
    FeatureSpec,
    FileOffer,
    GeneratedFile,
    NoData,
    Turn,
)

REPORT = "declarations.report"


# The secretariat member told, everyone overdue now, and the escalations the card covers.
Overdue = tuple[Member, list[Member], list[OutboxMessage]]


class DeclarationsFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._db = kit.database
        self._clock = kit.clock
        self._service = kit.services.declarations
        self._meetings = kit.services.meetings
        self._dispatcher = kit.services.dispatcher
        self._messenger = kit.messenger
        self._outgoing = kit.outgoing
        self._files = kit.files
        self._catalogues = kit.catalogues
        self._default_locale = kit.settings.default_locale
        self._zone = kit.settings.zone
        self._poll_seconds = kit.settings.reminder_poll_seconds

    def spec(self) -> FeatureSpec:
        out, service = self._outgoing, self._service
        general = out.to_member(service.general_follow_up, self._general_card)
        meeting = out.to_member(
            service.meeting_follow_up,
            self._meeting_card,
            replaces=lambda work: work.replaces,
            superseded=lambda tr, _work, _message: cards.meeting_form_replaced(tr),
        )
        return FeatureSpec(
            name="declarations",
            commands=[
                Command(
                    "declare",
                    "déclarer",
                    "declare",
                    "command.declare",
                    self.show_form,
                    MEMBERS,
                    button="button.declare",
                ),
                Command(
                    "my_declarations",
                    "mes déclarations",
                    "my declarations",
                    "command.my_declarations",
                    self.show_history,
                    MEMBERS,
                ),
                Command(
                    "declarations_status",
                    "déclarations",
                    "declarations",
                    "command.declarations_status",
                    self.show_status,
                    SECRETARIAT_PERSONAL,
                ),
            ],
            actions=[
                Action(cards.OPEN, NoData, self.open, MEMBERS),
                Action(cards.MORE, cards.GeneralPayload, self.more, MEMBERS),
                Action(cards.SUBMIT, cards.GeneralPayload, self.submit, MEMBERS),
                Action(cards.OPEN_MEETING, cards.MeetingRef, self.open_meeting, MEMBERS),
                Action(cards.MEETING, cards.MeetingPayload, self.declare_meeting, MEMBERS),
                Action(cards.NO_CONFLICT, cards.MeetingPayload, self.no_conflict, MEMBERS),
                Action(cards.STATUS, NoData, self.status, SECRETARIAT_PERSONAL),
                Action(cards.EXPORT, NoData, self.export, SECRETARIAT_PERSONAL),
                Action(
                    cards.MEASURE_FORM,
                    cards.MeasurePayload,
                    self.measure_form,
                    SECRETARIAT_PERSONAL,
                ),
                Action(cards.MEASURE, cards.MeasurePayload, self.measure, SECRETARIAT_PERSONAL),
            ],
            files=[FileOffer(REPORT, self.report, SECRETARIAT_PERSONAL)],
            deliveries={
                GENERAL_CARD: general,
                GENERAL_REMINDER: general,
                GENERAL_ESCALATION: out.to_member(
                    self._overdue,
                    self._overdue_card,
                    member=lambda batch: batch[0],
                    after=self._covered_too,
                ),
                MEETING_CARD: meeting,
                MEETING_REMINDER: meeting,
                MEASURE_NOTICE: out.to_member(
                    service.measure_notice, self._measure_card, member=_first
                ),
            },
            gathering=[GENERAL_ESCALATION],
            to_dos={
                GENERAL_CARD: self._general_to_do,
                GENERAL_REMINDER: self._general_to_do,
                MEETING_CARD: self._meeting_to_do,
                MEETING_REMINDER: self._meeting_to_do,
            },
            jobs=[
                RecurringJob(
                    "declarations.plan-follow-ups",
                    self._poll_seconds,
                    self._service.plan_follow_ups,
                )
            ],
        )

    # --- privacy: a declaration is only ever shown in the person's own chat ----------------

    async def _privately(self, turn: Turn, content: Card) -> None:
        """In personal chat, here; asked in a channel or a group chat, the answer goes to the
        person's personal chat and the channel only hears that it did."""
        if turn.is_personal:
            await turn.send_card(content)
            return
        async with self._db.read() as conn:
            try:
                await self._messenger.send(conn, turn.member, as_message(content))
                said = "declarations.sent_privately"
            except (Undeliverable, DeliveryFailed):
                # No personal chat yet, or Teams refused: say how to get it.
                said = "declarations.open_private_chat"
        await turn.send_text(turn.tr.t(said))

    # --- the general declaration -------------------------------------------------------

    async def show_form(self, turn: Turn) -> None:
        await self._privately(turn, await self._form(turn))

    async def _form(self, turn: Turn) -> Card:
        current = await self._service.current(turn.member)
        return cards.general_form(turn.tr, current.interests if current else [])

    async def open(self, turn: Turn, _data: NoData) -> Card:
        if not turn.is_personal:
            await self._privately(turn, await self._form(turn))
            return notice(
                turn.tr, "declarations.form_title", turn.tr.t("declarations.sent_privately")
            )
        return await self._form(turn)

    async def more(self, turn: Turn, data: cards.GeneralPayload) -> Card:
        """One more interest: the card again, with what was typed."""
        current = await self._service.current(turn.member)
        return cards.general_form(turn.tr, current.interests if current else [], typed=data)

    async def submit(self, turn: Turn, data: cards.GeneralPayload) -> Card:
        if not turn.is_personal:
            return notice(
                turn.tr, "declarations.form_title", turn.tr.t("declarations.personal_only")
            )
        interests, errors = _interests(turn.tr, data)
        nothing = data.nothing == "true"
        current = await self._service.current(turn.member)
        if errors:
            return cards.general_form(turn.tr, [], typed=data, errors=errors)
        outcome = await self._service.declare(turn.member, interests, nothing, turn.tr.locale)
        if outcome.kind == "refused":
            said = [_problem(turn.tr, p.message, p.entry) for p in outcome.problems]
            return cards.general_form(
                turn.tr, current.interests if current else [], typed=data, errors=said
            )
        recorded = await self._service.current(turn.member)
        assert recorded is not None
        return cards.general_recorded(
            turn.tr, recorded, self._zone, unchanged=outcome.kind == "unchanged"
        )

    async def show_history(self, turn: Turn) -> None:
        general, per_meeting = await self._service.history(turn.member)
        await self._privately(turn, cards.history(turn.tr, general, per_meeting, self._zone))

    # --- per meeting ---------------------------------------------------------------------

    async def open_meeting(self, turn: Turn, data: cards.MeetingRef) -> Card:
        ask = await self._service.ask(turn.member, data.meeting)
        if ask is None or not turn.is_personal:
            return notice(
                turn.tr, "declarations.meeting_title", turn.tr.t("declarations.meeting_gone")
            )
        return cards.meeting_form(turn.tr, ask, self._zone)

    async def declare_meeting(self, turn: Turn, data: cards.MeetingPayload) -> Card:
        answers = []
        for n, item in enumerate(data.items, start=1):
            conflict = data.field("conflict", n)
            known = {c.value: c for c in Conflict}
            if conflict not in known:
                ask = await self._service.ask(turn.member, data.meeting)
                if ask is None:
                    break
                error = turn.tr.t("declarations.error.unanswered_n", n=n)
                return cards.meeting_form(turn.tr, ask, self._zone, typed=data, errors=[error])
            answers.append(ItemAnswer(item, known[conflict], data.field("description", n).strip()))
        return await self._record(turn, data, answers)

    async def no_conflict(self, turn: Turn, data: cards.MeetingPayload) -> Card:
        """« Aucun conflit pour cette réunion »: one answer for every item the card asked."""
        answers = [ItemAnswer(item, Conflict.NONE) for item in data.items]
        return await self._record(turn, data, answers)

    async def _record(
        self, turn: Turn, data: cards.MeetingPayload, answers: list[ItemAnswer]
    ) -> Card:
        if not turn.is_personal:
            return notice(
                turn.tr, "declarations.meeting_title", turn.tr.t("declarations.personal_only")
            )
        outcome = await self._service.declare_for_meeting(
            turn.member, data.meeting, answers, data.seen
        )
        ask = await self._service.ask(turn.member, data.meeting)
        if outcome.kind == "stale" and ask is not None:
            return cards.meeting_form(turn.tr, ask, self._zone, stale=True)
        if outcome.kind == "refused" or ask is None:
            said = [
                _problem(turn.tr, p.message, p.entry, "declarations.error.item")
                for p in outcome.problems
            ]
            if ask is None or said[0] == turn.tr.t("declarations.forged_items"):
                return notice(turn.tr, "declarations.meeting_title", " ".join(said))
            return cards.meeting_form(turn.tr, ask, self._zone, typed=data, errors=said)
        return cards.meeting_recorded(
            turn.tr,
            ask.meeting,
            list(ask.answers.values()),
            self._zone,
            amendment=ask.started,
            unchanged=outcome.kind == "unchanged",
        )

    # --- the secretariat -----------------------------------------------------------------

    async def show_status(self, turn: Turn) -> None:
        await turn.send_card(await self.status(turn, NoData()))

    async def status(self, turn: Turn, _data: NoData) -> Card:
        general = await self._service.general_rows()
        upcoming = [m for m in await self._meetings.all() if m.status.value == "scheduled"]
        now = self._clock()
        coming = [m for m in upcoming if m.starts_at > now]
        meeting = coming[0] if coming else (upcoming[-1] if upcoming else None)
        rows = (await self._service.meeting_rows(meeting.id))[1] if meeting else []
        return cards.status(turn.tr, general, meeting, rows, self._zone)

    async def export(self, turn: Turn, _data: NoData) -> Card:
        await self._files.offer(turn, REPORT)
        return await self.status(turn, NoData())

    async def report(self, turn: Turn, _params: dict[str, str]) -> GeneratedFile:
        return GeneratedFile(
            turn.tr.t("declarations.csv_name"),
            turn.tr.t("declarations.csv_description"),
            await self._service.csv_report(turn.tr),
        )

    async def measure_form(self, turn: Turn, data: cards.MeasurePayload) -> Card:
        meeting, rows = await self._service.meeting_rows(data.meeting)
        row = next((r for r in rows if r.member.id == data.member), None)
        if meeting is None or row is None:
            return notice(
                turn.tr, "declarations.measure_title", turn.tr.t("declarations.no_such_conflict")
            )
        return cards.measure_form(turn.tr, meeting, row.member.display_name, data)

    async def measure(self, turn: Turn, data: cards.MeasurePayload) -> Card:
        known = {m.value: m for m in Measure}
        measure = known.get(data.measure, Measure.DISCUSSION)
        outcome = await self._service.record_measure(
            data.meeting, data.member, data.item, measure, data.reason, turn.member
        )
        if outcome.kind == "refused":
            meeting, rows = await self._service.meeting_rows(data.meeting)
            row = next((r for r in rows if r.member.id == data.member), None)
            said = [turn.tr.t(p.message) for p in outcome.problems]
            if meeting is None or row is None:
                return notice(turn.tr, "declarations.measure_title", " ".join(said))
            return cards.measure_form(turn.tr, meeting, row.member.display_name, data, said)
        self._dispatcher.kick()
        return await self.status(turn, NoData())

    # --- what the bot sends on its own ---------------------------------------------------

    def _tr(self, locale: str | None) -> Translator:
        return self._catalogues.for_locale(locale, self._default_locale)

    async def _overdue(self, conn: AsyncConnection, message: OutboxMessage) -> Overdue | None:
        """The secretariat member told, everyone overdue now, and the escalations one card
        covers (marked for each only once Teams took it)."""
        if await self._service.general_follow_up(conn, message) is None:
            return None
        return await self._service.overdue_for(conn, message)

    def _overdue_card(self, tr: Translator, batch: Overdue, message: OutboxMessage) -> Card:
        days = int(message.payload.get("days", 0))
        names = ", ".join(member.display_name for member in batch[1])
        return cards.general_due(tr, "", about=names, days=days)

    def _covered_too(self, batch: Overdue, sent: str | None) -> Then:
        async def mark(writing: AsyncConnection) -> None:
            await self._dispatcher.mark_covered(writing, batch[2], SENT, sent)

        return mark

    async def _general_to_do(self, conn: AsyncConnection, message: OutboxMessage) -> ToDo | None:
        if await self._service.general_follow_up(conn, message) is None:
            return None
        return ToDo(
            2, "declaration", "welcome.todo.declaration", {}, "welcome.todo.declaration_button",
            cards.OPEN, {},
        )  # fmt: skip

    async def _meeting_to_do(self, conn: AsyncConnection, message: OutboxMessage) -> ToDo | None:
        work = await self._service.meeting_follow_up(conn, message)
        if work is None:
            return None
        meeting = work.ask.meeting
        return ToDo(
            4, f"conflicts:{meeting.id}", "welcome.todo.conflicts", {},
            "welcome.todo.conflicts_button", cards.OPEN_MEETING, {"meeting": meeting.id},
            when=meeting.starts_at.isoformat(),
        )  # fmt: skip

    def _general_card(self, tr: Translator, follow_up: FollowUp, message: OutboxMessage) -> Card:
        if message.kind == GENERAL_REMINDER:
            return cards.general_due(tr, "declarations.reminder_title")
        current = follow_up.current.interests if follow_up.current else []
        return cards.general_form(tr, current, heading="declarations.due_title")

    def _meeting_card(self, tr: Translator, work: MeetingCardWork, message: OutboxMessage) -> Card:
        heading = (
            "declarations.meeting_reminder_title"
            if message.kind == MEETING_REMINDER
            else "declarations.meeting_title"
        )
        return cards.meeting_form(tr, work.ask, self._zone, heading=heading)

    def _measure_card(
        self, tr: Translator, found: tuple[Member, Meeting], message: OutboxMessage
    ) -> Card:
        return cards.measure_notice(
            tr,
            found[1],
            str(message.payload.get("item")),
            Measure(str(message.payload.get("measure"))),
            str(message.payload.get("reason")),
            self._zone,
        )


def _interests(tr: Translator, data: cards.GeneralPayload) -> tuple[list[Interest], list[str]]:
    """The blocks where something was typed, as interests; or what is unreadable."""
    kinds = {k.value: k for k in InterestKind}
    found: list[Interest] = []
    errors: list[str] = []
    for n in range(1, data.blocks() + 1):
        organisation = data.field("organisation", n).strip()
        description = data.field("description", n).strip()
        since_text = data.field("since", n)
        if not (organisation or description):
            continue
        since = cards.parse_since(since_text)
        if since_text.strip() and since is None:
            errors.append(tr.t("declarations.error.since", n=n))
        kind = kinds.get(data.field("kind", n), InterestKind.OTHER)
        found.append(Interest(kind, organisation, description, since))
    return found, errors


def _problem(tr: Translator, key: str, entry: int, where: str = "declarations.error.entry") -> str:
    """The problem, named by the block (an interest, an agenda item) it is about."""
    said = tr.t(key)
    return tr.t(where, n=entry, detail=said) if entry else said


def _first(found: tuple[Member, Any]) -> Member:
    """Whom a (member, what about) pair is for."""
    return found[0]
