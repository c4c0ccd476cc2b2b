"""Action items in Teams: `suivi` (a member's own items; the secretariat's view of every open
one), the owner's card and its answer, the secretariat's form, and what the bot sends on its
own (the item to its owner, reminders, the late list, the channel's summary)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.text import iso_day
from bot.features.actions import cards
from bot.features.actions.service import (
    ASSIGNED,
    DIGEST,
    LATE,
    REMINDER,
    DigestWork,
    ItemWork,
    LateWork,
)
from bot.features.context import FeatureContext
from bot.locale import Translator
from bot.scheduling.jobs import RecurringJob
from bot.services.outbox import SENT, Then, ToDo
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, FieldError, field_errors, notice
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

CSV_FILE = "actions.csv"


class ActionsFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.actions
        self._dispatcher = kit.services.dispatcher
        self._outgoing = kit.outgoing
        self._zone = kit.settings.zone
        self._poll_seconds = kit.settings.reminder_poll_seconds
        self._files = kit.files

    def spec(self) -> FeatureSpec:
        out = self._outgoing
        owner = out.to_member(self._service.reminder_work, self._reminder_card)
        return FeatureSpec(
            name="actions",
            commands=[
                Command(
                    "actions",
                    "suivi",
                    "actions",
                    "command.actions",
                    self.show,
                    MEMBERS,
                    # Teams lists ten commands at most, and the manifest has ten: help and
                    # the cards' buttons reach this one.
                    in_manifest=False,
                )
            ],
            actions=[
                Action(cards.LIST, NoData, self.listed, MEMBERS),
                Action(cards.SHOW, cards.ItemRef, self.show_item, MEMBERS),
                Action(cards.UPDATE, cards.UpdatePayload, self.update, MEMBERS),
                Action(cards.ADD_FORM, NoData, self.add_form, SECRETARIAT_PERSONAL),
                Action(cards.ADD, cards.AddPayload, self.add, SECRETARIAT_PERSONAL),
                Action(cards.EXPORT, NoData, self.export, SECRETARIAT_PERSONAL),
            ],
            files=[FileOffer(CSV_FILE, self.csv_file, SECRETARIAT_PERSONAL)],
            deliveries={
                ASSIGNED: out.to_member(self._service.assigned_work, self._assigned_card),
                REMINDER: owner,
                LATE: out.to_member(
                    self._service.late_work, self._late_card, after=self._covered_too
                ),
                DIGEST: out.to_channel(
                    self._service.digest_work, self._digest_card, team=lambda work: work.team
                ),
            },
            gathering=[LATE],
            to_dos={ASSIGNED: self._to_do, REMINDER: self._to_do},
            jobs=[RecurringJob("actions.plan", self._poll_seconds, self._service.plan)],
        )

    def _today(self) -> date:
        return self._service.today()

    # --- members ----------------------------------------------------------------------------

    async def show(self, turn: Turn) -> None:
        if not turn.is_personal:
            await turn.send_text(turn.tr.t("actions.personal_only"))
            return
        await turn.send_card(await self.listed(turn, NoData()))

    async def listed(self, turn: Turn, _data: NoData) -> Card:
        """The secretariat sees every open item; a member, their own."""
        if turn.member.is_secretariat:
            groups = await self._service.open_by_meeting()
            return cards.open_items(turn.tr, groups, self._zone, self._today())
        mine = await self._service.mine(turn.member)
        return cards.my_items(turn.tr, mine, self._zone, self._today())

    async def show_item(self, turn: Turn, data: cards.ItemRef) -> Card:
        work = await self._service.item_of(turn.member, data.item)
        if work is None:
            return notice(turn.tr, "actions.mine_title", turn.tr.t("actions.not_yours"))
        return cards.item_card(turn.tr, work, self._zone, self._today())

    async def update(self, turn: Turn, data: cards.UpdatePayload) -> Card:
        work, problems, stale = await self._service.update(
            turn.member, data.item, data.status, data.note, data.seen
        )
        if work is None:
            return notice(turn.tr, "actions.mine_title", turn.tr.t("actions.not_yours"))
        if problems:
            return cards.item_card(
                turn.tr, work, self._zone, self._today(), typed=data,
                errors=field_errors(turn.tr, problems),
            )  # fmt: skip
        return cards.item_card(
            turn.tr, work, self._zone, self._today(), saved=not stale, stale=stale
        )

    # --- the secretariat --------------------------------------------------------------------

    async def add_form(self, turn: Turn, _data: NoData) -> Card:
        return await self._form(turn, None, [])

    async def _form(
        self, turn: Turn, typed: cards.AddPayload | None, errors: list[FieldError]
    ) -> Card:
        members = sorted(await self._service.serving(), key=lambda m: m.display_name)
        meetings = await self._service.meetings_to_choose()
        return cards.add_form(turn.tr, members, meetings, self._zone, typed=typed, errors=errors)

    async def add(self, turn: Turn, data: cards.AddPayload) -> Card:
        due = iso_day(data.due)
        meeting, decision = cards.parse_origin(data.meeting)
        if data.meeting.strip() and meeting is None:
            # Not a choice the form offered: nothing is recorded against no meeting.
            said = FieldError("meeting", turn.tr.t("actions.error.meeting"))
            return await self._form(turn, data, [said])
        outcome = await self._service.add(
            # The form's organisation field is for an owner outside the registry only.
            data.what, data.owner, due, meeting, turn.member,
            "" if data.owner else data.organisation, decision=decision, contact=data.contact,
        )  # fmt: skip
        if outcome.item is None:
            return await self._form(turn, data, field_errors(turn.tr, outcome.problems))
        self._dispatcher.kick()
        return cards.added(turn.tr, outcome.item, outcome.owner, outcome.reachable, self._zone)

    async def export(self, turn: Turn, _data: NoData) -> Card:
        await self._files.offer(turn, CSV_FILE, {})
        return await self.listed(turn, NoData())

    async def csv_file(self, turn: Turn, _params: dict[str, str]) -> GeneratedFile:
        content, _ = await self._service.csv_export(turn.tr, turn.member.email)
        return GeneratedFile(
            turn.tr.t("actions.csv_name"), turn.tr.t("actions.csv_description"), content
        )

    # --- what the bot sends on its own -----------------------------------------------------

    def _assigned_card(self, tr: Translator, work: ItemWork, message: OutboxMessage) -> Card:
        return cards.item_card(tr, work, self._zone, self._today())

    def _reminder_card(self, tr: Translator, work: ItemWork, message: OutboxMessage) -> Card:
        days = int(message.payload.get("days", 0))
        return cards.item_card(
            tr, work, self._zone, self._today(), heading="actions.reminder_title", days=days
        )

    def _late_card(self, tr: Translator, work: LateWork, message: OutboxMessage) -> Card:
        return cards.late_card(tr, work.items, self._zone, self._today())

    def _covered_too(self, work: LateWork, sent: str | None) -> Then:
        async def mark(writing: AsyncConnection) -> None:
            await self._dispatcher.mark_covered(writing, work.covered, SENT, sent)

        return mark

    def _digest_card(self, tr: Translator, work: DigestWork, message: OutboxMessage) -> Card:
        return cards.digest_card(tr, work, self._zone, self._today())

    async def _to_do(self, conn: AsyncConnection, message: OutboxMessage) -> ToDo | None:
        work = await self._service.assigned_work(conn, message)
        if work is None:
            return None
        item = work.item
        return ToDo(
            6, f"action:{item.id}", "welcome.todo.action", {"what": item.what},
            "welcome.todo.action_button", cards.SHOW, {"item": item.id},
            day=item.due_on.isoformat(),
        )  # fmt: skip
