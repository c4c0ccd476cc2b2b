"""Mandates in Teams: the member's own (`mon mandat`), the reminders before each end with the
member's answer, the secretariat's decisions, `mandats` and `composition`."""

from __future__ import annotations

from datetime import date

from bot.domain.members import Member
from bot.features.context import FeatureContext
from bot.features.mandates import cards
from bot.features.mandates.rules import Answer, Decision, Mandate
from bot.features.mandates.service import (
    CLERK_REMINDER,
    ENDED_NOTICE,
    MEMBER_REMINDER,
    WELCOME,
    DecisionOutcome,
    ReminderWork,
)
from bot.locale import Translator
from bot.scheduling.jobs import RecurringJob
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, notice
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

REPORT = "mandates.report"


class MandatesFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.mandates
        self._dispatcher = kit.services.dispatcher
        self._outgoing = kit.outgoing
        self._files = kit.files
        self._catalogues = kit.catalogues
        self._default_locale = kit.settings.default_locale
        self._zone = kit.settings.zone
        self._poll_seconds = kit.settings.reminder_poll_seconds
        self._clock = kit.clock
        self._asked_from = max(kit.settings.mandate_reminder_days, default=0)

    def spec(self) -> FeatureSpec:
        return FeatureSpec(
            name="mandates",
            commands=[
                Command(
                    "my_mandate", "mon mandat", "my mandate", "command.my_mandate", self.show_mine
                ),
                Command(
                    "mandates",
                    "mandats",
                    "mandates",
                    "command.mandates",
                    self.show_table,
                    SECRETARIAT_PERSONAL,
                ),
                Command(
                    "composition",
                    "composition",
                    "composition",
                    "command.composition",
                    self.show_composition,
                    SECRETARIAT_PERSONAL,
                ),
            ],
            actions=[
                Action(cards.ANSWER, cards.AnswerPayload, self.answer, MEMBERS),
                Action(cards.DECIDE, cards.DecidePayload, self.decide, SECRETARIAT_PERSONAL),
                Action(
                    cards.REPLACE_FORM, cards.MandateRef, self.replace_form, SECRETARIAT_PERSONAL
                ),
                Action(cards.REPLACE, cards.ReplacePayload, self.replace, SECRETARIAT_PERSONAL),
                Action(cards.TABLE, NoData, self.table, SECRETARIAT_PERSONAL),
                Action(cards.EXPORT, NoData, self.export, SECRETARIAT_PERSONAL),
            ],
            files=[FileOffer(REPORT, self.report, SECRETARIAT_PERSONAL)],
            deliveries={
                kind: self._outgoing.to_member(
                    self._service.reminder_work, self._card, member=_recipient
                )
                for kind in (MEMBER_REMINDER, CLERK_REMINDER, ENDED_NOTICE, WELCOME)
            },
            jobs=[RecurringJob("mandates.plan", self._poll_seconds, self._service.plan)],
        )

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    # --- members -----------------------------------------------------------------------

    async def show_mine(self, turn: Turn) -> None:
        if not turn.is_personal:
            await turn.send_text(turn.tr.t("mandates.personal_only"))
            return
        mine = await self._service.mine(turn.member)
        await turn.send_card(
            cards.my_mandate(turn.tr, mine, self._today(), self._zone, self._asked_from)
        )

    async def answer(self, turn: Turn, data: cards.AnswerPayload) -> Card:
        answered, stale = await self._service.answer(
            turn.member, data.mandate, Answer(data.answer), data.known
        )
        if answered is None:
            return notice(turn.tr, "mandates.mine_title", turn.tr.t("mandates.not_yours"))
        # The secretariat's next look (`mandats`, its reminder) shows the answer.
        return cards.member_question(turn.tr, answered, self._zone, stale=stale)

    # --- the secretariat -----------------------------------------------------------------

    async def show_table(self, turn: Turn) -> None:
        await turn.send_card(await self.table(turn, NoData()))

    async def table(self, turn: Turn, _data: NoData) -> Card:
        rows = [(r.member, r.mandate) for r in await self._service.rows()]
        return cards.mandates_table(turn.tr, rows, self._today(), self._zone, self._asked_from)

    async def show_composition(self, turn: Turn) -> None:
        seats = await self._service.composition()
        ending = [(r.member, r.mandate) for r in await self._service.ending_soon()]
        await turn.send_card(cards.composition_card(turn.tr, seats, ending, self._zone))

    async def decide(self, turn: Turn, data: cards.DecidePayload) -> Card:
        decision = Decision(data.decision)
        outcome = await self._service.decide(data.mandate, decision, turn.member)
        return await self._after(turn, outcome, decision)

    async def replace_form(self, turn: Turn, data: cards.MandateRef) -> Card:
        found = await self._find(data.mandate)
        if found is None:
            return notice(turn.tr, "mandates.decided_title", turn.tr.t("mandates.refused.gone"))
        member, mandate = found
        return cards.replace_form(turn.tr, member, mandate, self._zone)

    async def replace(self, turn: Turn, data: cards.ReplacePayload) -> Card:
        outcome = await self._service.decide(
            data.mandate,
            Decision.REPLACE,
            turn.member,
            successor_name=data.name,
            successor_email=data.email,
        )
        if outcome.refusal in ("mandates.refused.successor", "mandates.refused.successor_known"):
            found = await self._find(data.mandate)
            if found is not None:
                member, mandate = found
                return cards.replace_form(
                    turn.tr, member, mandate, self._zone, typed=data,
                    errors=[turn.tr.t(outcome.refusal)],
                )  # fmt: skip
        return await self._after(turn, outcome, Decision.REPLACE)

    async def _after(self, turn: Turn, outcome: DecisionOutcome, decision: Decision) -> Card:
        if outcome.refusal is not None or outcome.mandate is None:
            return notice(
                turn.tr,
                "mandates.decided_title",
                turn.tr.t(outcome.refusal or "mandates.refused.gone"),
            )
        found = await self._find(outcome.mandate.id)
        assert found is not None
        member, mandate = found
        self._dispatcher.kick()
        return cards.decided(
            turn.tr, member, mandate, decision, self._zone, outcome.warnings, outcome.successor
        )

    async def _find(self, mandate_id: int) -> tuple[Member, Mandate] | None:
        row = await self._service.find(mandate_id)
        return (row.member, row.mandate) if row else None

    async def export(self, turn: Turn, _data: NoData) -> Card:
        await self._files.offer(turn, REPORT)
        return await self.table(turn, NoData())

    async def report(self, turn: Turn, _params: dict[str, str]) -> GeneratedFile:
        return GeneratedFile(
            turn.tr.t("mandates.csv_name"),
            turn.tr.t("mandates.csv_description"),
            await self._service.csv_report(turn.tr),
        )

    # --- on its own ------------------------------------------------------------------------

    def _tr(self, locale: str | None) -> Translator:
        return self._catalogues.for_locale(locale, self._default_locale)

    def _card(self, tr: Translator, work: ReminderWork, message: OutboxMessage) -> Card:
        # Said as it is when sent: a reminder delayed (downtime, Teams unreachable) never
        # announces more days than are left.
        days = max(work.mandate.days_left(self._today()), 0)
        if message.kind == MEMBER_REMINDER:
            return cards.member_question(tr, work.mandate, self._zone, days)
        if message.kind == CLERK_REMINDER:
            return cards.clerk_question(tr, work.member, work.mandate, self._zone, days)
        if message.kind == WELCOME:
            return cards.welcome_delegate(tr, work.member, work.mandate, self._zone)
        return cards.ended_notice(tr, work.member, work.mandate, self._zone)


def _recipient(work: ReminderWork) -> Member:
    """Whom the card goes to: the member, or the secretariat member told about them."""
    return work.recipient
