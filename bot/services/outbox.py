"""Delivers the outbox: each due message once, by the delivery registered for its kind.

This is the reminder engine for now; the mandates feature registers its own kinds here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage

log = logging.getLogger(__name__)

SENT = "sent"
SKIPPED = "skipped"
# A delivery uses the claim's connection for any reading: on SQLite a second connection
# would wait for the write lock this transaction holds.
Delivery = Callable[[AsyncConnection, OutboxMessage], Awaitable[str]]


class Undeliverable(Exception):
    """Not now (no conversation with that person yet, Teams unreachable): try again later."""


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    skipped: int = 0
    postponed: int = 0


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour between tries."""
    return timedelta(minutes=min(60, 2 ** min(attempts, 6)))


class OutboxDispatcher:
    def __init__(
        self, database: Database, outbox: Outbox, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = database
        self._outbox = outbox
        self._clock = clock
        self._deliveries: dict[str, Delivery] = {}
        self._running = asyncio.Lock()
        self._kicks: set[asyncio.Task[DispatchReport]] = set()

    def register(self, kind: str, delivery: Delivery) -> None:
        self._deliveries[kind] = delivery

    async def dispatch_due(self, limit: int = 200) -> DispatchReport:
        sent = skipped = postponed = 0
        async with self._running:
            for _ in range(limit):
                now = self._clock()
                async with self._db.transaction() as conn:
                    message = await self._outbox.claim_next_due(conn, now)
                    if message is None:
                        break
                    delivery = self._deliveries.get(message.kind)
                    try:
                        if delivery is None:
                            raise Undeliverable(f"no delivery registered for {message.kind}")
                        outcome = await delivery(conn, message)
                    except Exception as error:
                        if not isinstance(error, Undeliverable):
                            log.exception("Delivering %s failed", message.dedupe_key)
                        await self._outbox.postpone(
                            conn, message.id, now + backoff(message.attempts), str(error)
                        )
                        postponed += 1
                        continue
                    await self._outbox.mark(conn, message.id, outcome)
                    sent += outcome == SENT
                    skipped += outcome == SKIPPED
        return DispatchReport(sent, skipped, postponed)

    def kick(self) -> None:
        """Deliver now, in the background, what became deliverable (a person just arrived)."""
        task = asyncio.get_running_loop().create_task(self.dispatch_due())
        self._kicks.add(task)
        task.add_done_callback(self._kicks.discard)

    async def expedite(self, conn: AsyncConnection, member_id: int) -> int:
        return await self._outbox.expedite(conn, member_id, self._clock())

    async def drain(self) -> None:
        """Wait for background deliveries (at shutdown, and in tests)."""
        while self._kicks:
            await asyncio.gather(*list(self._kicks), return_exceptions=True)
