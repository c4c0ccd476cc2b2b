"""Minutes adopted, in Teams: `procès-verbal` (the secretariat's list of meetings held, with
where their minutes stand), the submission and adoption forms, the member's draft card with
their corrections, and the adoption told to everyone."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.text import iso_day
from bot.features.context import FeatureContext
from bot.features.minutes import cards
from bot.features.minutes.service import ADOPTED, DRAFT, MemberView
from bot.locale import Translator
from bot.services.outbox import ToDo
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, field_errors, notice
from bot.teams.platform import (
    MEMBERS,
    SECRETARIAT_PERSONAL,
    Action,
    Command,
    FeatureSpec,
    NoData,
    Turn,
)


class MinutesFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.minutes
        self._dispatcher = kit.services.dispatcher
        self._outgoing = kit.outgoing
        self._zone = kit.settings.zone

    def spec(self) -> FeatureSpec:
        out = self._outgoing
        return FeatureSpec(
            name="minutes",
            commands=[
                Command(
                    "minutes",
                    "procès-verbal",
                    "minutes",
                    "command.minutes",
                    self.show,
                    SECRETARIAT_PERSONAL,
                    # Teams lists ten commands at most: help reaches this one.
                    in_manifest=False,
                )
            ],
            actions=[
                Action(cards.LIST, NoData, self.listed, SECRETARIAT_PERSONAL),
                Action(cards.OPEN_FORM, cards.MeetingRef, self.open_form, SECRETARIAT_PERSONAL),
                Action(cards.OPEN, cards.OpenPayload, self.open, SECRETARIAT_PERSONAL),
                Action(cards.ADOPT_FORM, cards.ReviewRef, self.adopt_form, SECRETARIAT_PERSONAL),
                Action(cards.ADOPT, cards.AdoptPayload, self.adopt, SECRETARIAT_PERSONAL),
                Action(cards.SHOW, cards.ReviewRef, self.show_draft, MEMBERS),
                Action(cards.CORRECT, cards.CorrectPayload, self.correct, MEMBERS),
            ],
            deliveries={
                DRAFT: out.to_member(self._service.draft_work, self._draft_card),
                ADOPTED: out.to_member(self._service.adopted_work, self._adopted_card),
            },
            to_dos={DRAFT: self._to_do},
        )

    # --- the secretariat --------------------------------------------------------------------

    async def show(self, turn: Turn) -> None:
        await turn.send_card(await self.listed(turn, NoData()))

    async def listed(self, turn: Turn, _data: NoData) -> Card:
        return cards.overview(turn.tr, await self._service.rows(), self._zone)

    async def open_form(self, turn: Turn, data: cards.MeetingRef) -> Card:
        meeting = await self._service.meeting(data.meeting)
        if meeting is None:
            return notice(turn.tr, "minutes.title", turn.tr.t("minutes.error.meeting"))
        deadline = await self._service.default_deadline()
        return cards.open_form(turn.tr, meeting, deadline, self._zone)

    async def open(self, turn: Turn, data: cards.OpenPayload) -> Card:
        outcome = await self._service.open(
            data.meeting, data.url, iso_day(data.deadline), turn.member
        )
        meeting = await self._service.meeting(data.meeting)
        if meeting is None:
            return notice(turn.tr, "minutes.title", turn.tr.t("minutes.error.meeting"))
        if outcome.review is None:
            deadline = await self._service.default_deadline()
            return cards.open_form(
                turn.tr, meeting, deadline, self._zone, typed=data,
                errors=field_errors(turn.tr, outcome.problems),
            )  # fmt: skip
        self._dispatcher.kick()
        return cards.opened(
            turn.tr, outcome.review, meeting, outcome.told, outcome.waiting, self._zone
        )

    async def adopt_form(self, turn: Turn, data: cards.ReviewRef) -> Card:
        view = await self._service.adoption_view(data.review)
        if view is None:
            return notice(turn.tr, "minutes.title", turn.tr.t("minutes.error.meeting"))
        return cards.adopt_form(turn.tr, view, self._service.today(), self._zone)

    async def adopt(self, turn: Turn, data: cards.AdoptPayload) -> Card:
        adopted, problems = await self._service.adopt(
            data.review, iso_day(data.adopted_on), data.final_url, data.verdicts(), turn.member
        )
        view = await self._service.adoption_view(data.review)
        if view is None:
            return notice(turn.tr, "minutes.title", turn.tr.t("minutes.error.meeting"))
        if adopted is None and problems:
            # Adopted already (another click, another member of the secretariat).
            return notice(turn.tr, "minutes.title", turn.tr.t(problems[0].message))
        if problems or adopted is None:
            return cards.adopt_form(
                turn.tr, view, self._service.today(), self._zone, typed=data,
                errors=field_errors(turn.tr, problems),
            )  # fmt: skip
        self._dispatcher.kick()
        return cards.adopted_for_secretariat(turn.tr, adopted, view.meeting, self._zone)

    # --- members ----------------------------------------------------------------------------

    async def show_draft(self, turn: Turn, data: cards.ReviewRef) -> Card:
        view = await self._service.view(turn.member, data.review)
        if view is None:
            return notice(turn.tr, "minutes.title", turn.tr.t("minutes.error.meeting"))
        return cards.draft_card(turn.tr, view, self._zone, self._service.today())

    async def correct(self, turn: Turn, data: cards.CorrectPayload) -> Card:
        view, problems = await self._service.correct(turn.member, data.review, data.text)
        if view is None:
            return notice(turn.tr, "minutes.title", turn.tr.t("minutes.error.meeting"))
        today = self._service.today()
        if problems:
            return cards.draft_card(
                turn.tr, view, self._zone, today, typed=data,
                errors=field_errors(turn.tr, problems),
            )  # fmt: skip
        return cards.draft_card(turn.tr, view, self._zone, today, saved=True)

    # --- what the bot sends on its own -----------------------------------------------------

    def _draft_card(self, tr: Translator, view: MemberView, message: OutboxMessage) -> Card:
        return cards.draft_card(tr, view, self._zone, self._service.today())

    def _adopted_card(self, tr: Translator, view: MemberView, message: OutboxMessage) -> Card:
        return cards.adopted(tr, view, self._zone)

    async def _to_do(self, conn: AsyncConnection, message: OutboxMessage) -> ToDo | None:
        view = await self._service.draft_work(conn, message)
        if view is None:
            return None
        return ToDo(
            5, f"minutes:{view.review.id}", "welcome.todo.minutes", {}, "welcome.todo.minutes_button",
            cards.SHOW, {"review": view.review.id}, day=view.review.deadline.isoformat(),
            when=view.meeting.starts_at.isoformat(),
        )  # fmt: skip
