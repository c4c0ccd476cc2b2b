"""What the bot sends on its own, as the secretariat follows it: `rappels` / `reminders`,
« Réessayer » on a failure, and a card when Teams cannot reach someone."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member
from bot.features.context import FeatureContext
from bot.features.reminders import cards
from bot.services.outbox import SENT, SKIPPED, Sent
from bot.services.reachability import UNREACHABLE_NOTICE
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import MemberRepository
from bot.teams.cards import Card, as_message
from bot.teams.platform import (
    SECRETARIAT_PERSONAL,
    Action,
    Command,
    FeatureSpec,
    NoData,
    Turn,
)


class OutboxFeature:
    def __init__(self, kit: FeatureContext) -> None:
        self._db = kit.database
        self._dispatcher = kit.services.dispatcher
        self._reachability = kit.services.reachability
        self._messenger = kit.messenger
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
            deliveries={UNREACHABLE_NOTICE: self.deliver_unreachable},
            gathering=[UNREACHABLE_NOTICE],
            on_reachable=[self.deliver_what_waited],
        )

    async def deliver_what_waited(self, member: Member) -> None:
        """A member just opened a chat (or installed again): reachable, and what waited for
        them goes out now, not at the next retry."""
        await self._reachability.reachable(member)
        if member.id is not None:
            async with self._db.transaction() as conn:
                await self._dispatcher.expedite(conn, member.id)
        self._dispatcher.kick()

    async def show(self, turn: Turn) -> None:
        await turn.send_card(await self.overview(turn, NoData()))

    async def overview(self, turn: Turn, _data: NoData) -> Card:
        async with self._db.read() as conn:
            waiting, failing, sent = await self._outbox.overview(conn, self._clock())
            names = {m.id or 0: m.display_name for m in await self._members.all(conn)}
        unreachable = await self._reachability.all()
        return cards.overview(turn.tr, waiting, failing, sent, unreachable, names, self._zone)

    async def retry(self, turn: Turn, data: cards.MessageRef) -> Card:
        async with self._db.transaction() as conn:
            await self._outbox.retry_now(conn, data.message, self._clock())
        await self._dispatcher.dispatch_due()
        return await self.overview(turn, NoData())

    async def deliver_unreachable(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> str | Sent:
        found = await self._reachability.notice_for(conn, message)
        if found is None:
            return SKIPPED
        clerk, listed, covered = found
        tr = self._catalogues.for_locale(clerk.preferred_locale, self._default_locale)
        sent = await self._messenger.send(
            conn, clerk, as_message(cards.unreachable_notice(tr, listed, self._zone))
        )

        async def covered_too(writing: AsyncConnection) -> None:
            await self._dispatcher.mark_covered(writing, covered, SENT, sent)

        return Sent(sent, covered_too)
