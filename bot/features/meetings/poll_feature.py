"""Date polls in Teams: `sondage` / `poll` (secretariat), each member's answer card, the
results table, and « Planifier ce créneau », which schedules through the meetings path."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.features.context import FeatureContext
from bot.features.meetings import cards as meetings_cards
from bot.features.meetings import poll_cards as cards
from bot.features.meetings.poll_service import POLL_CARD, POLL_REMINDER, PollWork
from bot.features.meetings.rules import (
    Availability,
    PollStatus,
    Slot,
    agenda_item,
    parse_duration,
)
from bot.locale import Translator
from bot.services.outbox import ToDo
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, FieldError, field_errors, notice
from bot.teams.platform import (
    MEMBERS,
    SECRETARIAT_PERSONAL,
    Action,
    Command,
    FeatureSpec,
    NoData,
    Turn,
)


class PollsFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._service = kit.services.polls
        self._dispatcher = kit.services.dispatcher
        self._outgoing = kit.outgoing
        self._catalogues = kit.catalogues
        self._default_locale = kit.settings.default_locale
        self._zone = kit.settings.zone

    def spec(self) -> FeatureSpec:
        delivery = self._outgoing.to_member(self._service.poll_work, self._card)
        return FeatureSpec(
            name="polls",
            commands=[
                Command(
                    "poll",
                    "sondage",
                    "poll",
                    "command.poll",
                    self.show,
                    SECRETARIAT_PERSONAL,
                    # No help button: Teams shows six buttons at most, and a poll is rare;
                    # help lists its words.
                )
            ],
            actions=[
                Action(cards.OPEN, cards.PollFormPayload, self.open, SECRETARIAT_PERSONAL),
                Action(cards.NEW, NoData, self.new, SECRETARIAT_PERSONAL),
                Action(cards.RESULTS, cards.PollRef, self.results, SECRETARIAT_PERSONAL),
                Action(cards.SCHEDULE, cards.SlotRef, self.preview, SECRETARIAT_PERSONAL),
                Action(cards.SCHEDULE_CONFIRM, cards.SlotRef, self.schedule, SECRETARIAT_PERSONAL),
                Action(cards.ANSWER, cards.AnswerPayload, self.answer, MEMBERS),
                Action(cards.SHOW, cards.PollRef, self.show_poll, MEMBERS),
            ],
            deliveries={POLL_CARD: delivery, POLL_REMINDER: delivery},
            to_dos={POLL_CARD: self._to_do, POLL_REMINDER: self._to_do},
        )

    # --- the secretariat -------------------------------------------------------------------

    async def show(self, turn: Turn) -> None:
        """The poll under way, if any (its results); otherwise a new poll's form."""
        latest = await self._service.latest_open()
        if latest is not None:
            await turn.send_card(await self.results(turn, cards.PollRef(poll=latest)))
            return
        await turn.send_card(cards.poll_form(turn.tr))

    async def new(self, turn: Turn, _data: NoData) -> Card:
        return cards.poll_form(turn.tr)

    async def open(self, turn: Turn, data: cards.PollFormPayload) -> Card:
        slots: list[Slot] = []
        errors: list[FieldError] = []
        for position, day_text, start_text in data.typed_slots():
            day = meetings_cards.parse_day(day_text)
            start = meetings_cards.parse_time(start_text)
            if day is None or start is None:
                said = turn.tr.t("polls.error.slot_unreadable", n=position)
                errors.append(FieldError(f"slot{position}_date", said))
            else:
                slots.append(Slot(len(slots) + 1, day, start))
        minutes = parse_duration(data.duration) or 0
        agenda = [agenda_item(line) for line in data.agenda.splitlines() if line.strip()]
        if errors:
            return cards.poll_form(turn.tr, typed=data, errors=errors)
        outcome = await self._service.open(data.title, minutes, agenda, slots, turn.member)
        if outcome.poll is None:
            named = field_errors(turn.tr, outcome.problems)
            return cards.poll_form(turn.tr, typed=data, errors=named)
        self._dispatcher.kick()
        found = await self._service.results(outcome.poll.id)
        assert found is not None
        return cards.results(turn.tr, found, self._zone, sent=True)

    async def results(self, turn: Turn, data: cards.PollRef) -> Card:
        found = await self._service.results(data.poll)
        if found is None:
            return notice(turn.tr, "polls.results_title", turn.tr.t("polls.closed"))
        return cards.results(turn.tr, found, self._zone)

    async def preview(self, turn: Turn, data: cards.SlotRef) -> Card:
        """The meeting a slot would make, before any invitation goes."""
        found = await self._service.results(data.poll)
        if found is None or found.poll.status is not PollStatus.OPEN:
            return notice(turn.tr, "polls.results_title", turn.tr.t("polls.closed"))
        if all(t.slot.position != data.position for t in found.tallies):
            return notice(turn.tr, "polls.results_title", turn.tr.t("polls.closed"))
        return cards.schedule_preview(turn.tr, found, data.position, self._zone)

    async def schedule(self, turn: Turn, data: cards.SlotRef) -> Card:
        meeting, problems = await self._service.schedule_slot(data.poll, data.position, turn.member)
        if meeting is None:
            said = " ".join(turn.tr.t(problem.message) for problem in problems)
            return notice(turn.tr, "polls.results_title", said)
        self._dispatcher.kick()
        return meetings_cards.scheduled(turn.tr, meeting, self._zone)

    # --- members ---------------------------------------------------------------------------

    async def answer(self, turn: Turn, data: cards.AnswerPayload) -> Card:
        known = {a.value: a for a in Availability}
        answers = {n: known[v] for n, v in data.answers().items() if v in known}
        shown = data.seen

        def seen(current: dict[int, Availability]) -> bool:
            return shown is None or shown == cards.answers_shown(current)

        poll, stale = await self._service.answer(turn.member, data.poll, answers, seen)
        if poll is None:
            return notice(turn.tr, "polls.closed_title", turn.tr.t("polls.not_recorded"))
        mine = await self._service.answers_of(turn.member, poll.id)
        return cards.answer_card(turn.tr, poll, self._zone, mine, thanked=not stale, stale=stale)

    async def show_poll(self, turn: Turn, data: cards.PollRef) -> Card:
        """The member's own answer card for a poll, with the answers in force."""
        poll = await self._service.get(data.poll)
        if poll is None:
            return notice(turn.tr, "polls.closed_title", turn.tr.t("polls.closed"))
        mine = await self._service.answers_of(turn.member, poll.id)
        return cards.answer_card(turn.tr, poll, self._zone, mine)

    async def _to_do(self, conn: AsyncConnection, message: OutboxMessage) -> ToDo | None:
        work = await self._service.poll_work(conn, message)
        if work is None:
            return None
        return ToDo(
            5, f"poll:{work.poll.id}", "welcome.todo.poll", {"title": work.poll.title},
            "welcome.todo.poll_button", cards.SHOW, {"poll": work.poll.id},
        )  # fmt: skip

    def _card(self, tr: Translator, work: PollWork, message: OutboxMessage) -> Card:
        heading = "polls.reminder_title" if message.kind == POLL_REMINDER else "polls.card_title"
        return cards.answer_card(tr, work.poll, self._zone, work.answers, heading=heading)
