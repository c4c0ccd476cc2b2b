"""The one way a feature's outbox message becomes a Teams message: read → render → send → mark.

A feature declares, per outbox kind, only what differs: what it reads (once, on the delivery's
read-only connection; None: nothing to send any more), how it renders the card (in the
recipient's language; None: nothing to send after all), and, when the send implies writes,
what they are (`after`). This module sends, redraws the earlier cards the new one replaces,
and returns what the outbox marks in one transaction with those writes. After the send, no
feature reads the database again: what the writes and the replaced cards need was read first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member
from bot.errors import DeliveryFailed, Undeliverable
from bot.locale import Catalogues, Translator
from bot.services.outbox import SKIPPED, Delivery, Done, Sent, Then
from bot.storage.committee import CommitteeTeam
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, as_message, bilingual
from bot.teams.delivery import ProactiveMessenger

log = logging.getLogger(__name__)

Work = TypeVar("Work")

# What a delivery reads: the message's state, once; None when nothing is to be sent any more.
Read = Callable[[AsyncConnection, OutboxMessage], Awaitable[Work | None]]
# The card in one language, from what was read and the message; None: nothing to send.
Render = Callable[[Translator, Work, OutboxMessage], Card | None]
# The writes a send implies, given what was read and the id Teams gave the message.
After = Callable[[Work, str | None], Then | None]


def _member_of(work: Any) -> Member:
    member: Member = work.member if not isinstance(work, Member) else work
    return member


class Outgoing:
    """Built once by the composition root and handed to every feature."""

    def __init__(
        self, messenger: ProactiveMessenger, catalogues: Catalogues, default_locale: str
    ) -> None:
        self._messenger = messenger
        self._catalogues = catalogues
        self._default_locale = default_locale

    def tr(self, member: Member) -> Translator:
        return self._catalogues.for_locale(member.preferred_locale, self._default_locale)

    def to_member(
        self,
        read: Read[Work],
        render: Render[Work],
        *,
        member: Callable[[Work], Member] = _member_of,
        after: After[Work] | None = None,
        replaces: Callable[[Work], Sequence[str]] | None = None,
        superseded: Render[Work] | None = None,
    ) -> Delivery:
        """A card to one person's personal chat, in their language. `member`: whom the work is
        for (by default its `member`, or the work itself when it is a Member). `replaces`: the
        earlier cards this one asks again (read with the work), redrawn as `superseded` once
        the new one is sent, so that only the newest is live."""

        async def deliver(conn: AsyncConnection, message: OutboxMessage) -> str | Sent | Done:
            work = await read(conn, message)
            if work is None:
                return SKIPPED
            person = member(work)
            tr = self.tr(person)
            card = render(tr, work, message)
            if card is None:
                return SKIPPED
            sent = await self._messenger.send(conn, person, as_message(card))
            if replaces is not None and superseded is not None:
                replaced = superseded(tr, work, message)
                for earlier in replaces(work):
                    if replaced is not None and earlier != sent:
                        await self._redraw(conn, person, earlier, replaced)
            return Sent(sent, after(work, sent) if after else None)

        return deliver

    async def _redraw(
        self, conn: AsyncConnection, person: Member, earlier: str, replaced: Card
    ) -> None:
        """Best effort: the new card is sent already, so a failure here must not send it
        again. The earlier card's buttons stay harmless anyway: each carries the version it
        showed, and a stale press changes nothing."""
        try:
            await self._messenger.update(conn, person, earlier, as_message(replaced))
        except (DeliveryFailed, Undeliverable) as error:
            log.warning("An earlier card (%s) could not be marked as replaced: %s", earlier, error)

    def replace_for_member(
        self,
        read: Read[Work],
        render: Render[Work],
        *,
        activity_id: Callable[[Work], str],
        member: Callable[[Work], Member] = _member_of,
    ) -> Delivery:
        """A card sent earlier to a person's chat, redrawn in place (superseded, answered)."""

        async def deliver(conn: AsyncConnection, message: OutboxMessage) -> str | Sent | Done:
            work = await read(conn, message)
            if work is None:
                return SKIPPED
            person, earlier = member(work), activity_id(work)
            card = render(self.tr(person), work, message)
            if card is None:
                return SKIPPED
            await self._messenger.update(conn, person, earlier, as_message(card))
            return Sent(earlier)

        return deliver

    def to_channel(
        self,
        read: Read[Work],
        render: Render[Work],
        *,
        team: Callable[[Work], CommitteeTeam],
        replacing: Callable[[Work], str | None] | None = None,
    ) -> Delivery:
        """A card in the committee's channel, French first then English (a whole channel reads
        it). `replacing`: the card posted earlier to redraw in place instead (None: skipped)."""

        def both(work: Work, message: OutboxMessage) -> Card | None:
            french = render(self._catalogues.all["fr-CA"], work, message)
            english = render(self._catalogues.all["en"], work, message)
            return bilingual(french, english) if french and english else None

        async def deliver(conn: AsyncConnection, message: OutboxMessage) -> str | Sent | Done:
            work = await read(conn, message)
            if work is None:
                return SKIPPED
            card = both(work, message)
            if card is None:
                return SKIPPED
            if replacing is None:
                return Sent(await self._messenger.send_to_channel(team(work), as_message(card)))
            earlier = replacing(work)
            if earlier is None:
                return SKIPPED
            await self._messenger.update_in_channel(team(work), earlier, as_message(card))
            return Sent(earlier)

        return deliver
