"""What the bot sends on its own, as the secretariat follows it: `rappels` / `reminders`,
« Réessayer » on a failure, and a card when Teams cannot reach someone."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member
from bot.features.context import FeatureContext
from bot.features.reminders import cards
from bot.locale import Translator
from bot.services.outbox import SENT, Then, ToDo
from bot.services.reachability import UNREACHABLE_NOTICE, Unreachable
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import MemberRepository
from bot.teams.cards import Card
from bot.teams.platform import (
    SECRETARIAT_PERSONAL,
    Action,
    Command,
    FeatureSpec,
    NoData,
    Turn,
)

# The secretariat member to tell, the people listed, and the notices the card covers.
UnreachableNotice = tuple[Member, list[Unreachable], list[OutboxMessage]]
# What waited for someone the bot could not reach, on one card when they first open the chat.
NEWCOMER = "outbox.newcomer"


class OutboxFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._db = kit.database
        self._dispatcher = kit.services.dispatcher
        self._reachability = kit.services.reachability
        self._outgoing = kit.outgoing
        self._catalogues = kit.catalogues
        self._default_locale = kit.settings.default_locale
        self._zone = kit.settings.zone
        self._clock = kit.clock
        self._outbox = Outbox()
        self._members = MemberRepository()

    def spec(self) -> FeatureSpec:
        return FeatureSpec(
            name="outbox",
            commands=[
                Command(
                    "reminders",
                    "rappels",
                    "reminders",
                    "command.reminders",
                    self.show,
                    SECRETARIAT_PERSONAL,
                )
            ],
            actions=[
                Action(cards.OVERVIEW, NoData, self.overview, SECRETARIAT_PERSONAL),
                Action(cards.RETRY, cards.MessageRef, self.retry, SECRETARIAT_PERSONAL),
            ],
            deliveries={
                NEWCOMER: self._outgoing.to_member(
                    self._newcomer_work,
                    lambda tr, work, _: cards.newcomer(tr, work[0], work[1], self._zone),
                    member=lambda work: work[0],
                ),
                UNREACHABLE_NOTICE: self._outgoing.to_member(
                    self._reachability.notice_for,
                    self._unreachable_card,
                    member=lambda found: found[0],
                    after=self._covered_too,
                ),
            },
            gathering=[UNREACHABLE_NOTICE],
            on_reachable=[self.deliver_what_waited],
        )

    async def deliver_what_waited(self, member: Member) -> None:
        """A member just opened a chat (or installed again): reachable, and what waited for
        them goes out now, not at the next retry. The questions that waited are not sent one
        by one: one card lists them, in order, each with its button (a newcomer is welcomed,
        not flooded); notices about changes they never saw are dropped."""
        await self._reachability.reachable(member)
        if member.id is not None:
            async with self._db.transaction() as conn:
                lines = await self._dispatcher.gather_for_newcomer(conn, member.id)
                if lines:
                    now = self._clock()
                    await self._outbox.plan(
                        conn,
                        f"outbox:newcomer:{member.id}:{now.isoformat()}",
                        NEWCOMER,
                        member.id,
                        {"lines": [asdict(line) for line in lines]},
                        now,
                    )
                await self._dispatcher.expedite(conn, member.id)
        self._dispatcher.kick()

    async def _newcomer_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> tuple[Member, list[ToDo]] | None:
        member = await self._members.get(conn, message.member_id or 0)
        if member is None:
            return None
        lines = [ToDo(**line) for line in message.payload.get("lines", [])]
        return (member, lines) if lines else None

    async def show(self, turn: Turn) -> None:
        await turn.send_card(await self.overview(turn, NoData()))

    async def overview(self, turn: Turn, _data: NoData, retried: str | None = None) -> Card:
        now = self._clock()
        async with self._db.read() as conn:
            waiting, failing, sent = await self._outbox.overview(conn, now)
            # What no longer asks anything (the commitment accepted meanwhile) is not listed:
            # it will be skipped, not sent.
            waiting = [m for m in waiting if await self._dispatcher.still_asks(conn, m)]
            failing = [m for m in failing if await self._dispatcher.still_asks(conn, m)]
            names = {m.id or 0: m.display_name for m in await self._members.all(conn)}
        unreachable = await self._reachability.all()
        return cards.overview(
            turn.tr, waiting, failing, sent, unreachable, names, self._zone, now, retried=retried
        )

    async def retry(self, turn: Turn, data: cards.MessageRef) -> Card:
        """« Réessayer »: the message tried at once, and the card says what became of it."""
        async with self._db.transaction() as conn:
            await self._outbox.retry_now(conn, data.message, self._clock())
        await self._dispatcher.dispatch_due()
        async with self._db.read() as conn:
            after = await self._outbox.get(conn, data.message)
        if after is not None and after.outcome == "sent":
            said = turn.tr.t("outbox.retried.sent")
        elif after is not None and after.sent_at is not None:
            said = turn.tr.t("outbox.retried.skipped")
        else:
            reason = (after.last_error if after else "") or ""
            said = turn.tr.t("outbox.retried.failed", reason=reason.split(":", 1)[0])
        return await self.overview(turn, NoData(), retried=said)

    def _unreachable_card(self, tr: Translator, found: UnreachableNotice, _: OutboxMessage) -> Card:
        return cards.unreachable_notice(tr, found[1], self._zone)

    def _covered_too(self, found: UnreachableNotice, sent: str | None) -> Then:
        """The notices the card listed are sent with it (one card for all of them)."""

        async def mark(writing: AsyncConnection) -> None:
            await self._dispatcher.mark_covered(writing, found[2], SENT, sent)

        return mark
