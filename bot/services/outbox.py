"""Delivers the outbox: each due message once, by the delivery registered for its kind.

A delivery returns SENT only once Teams took the message; any failure raises, and what to do
about it (when to try again, what to log) is `bot.errors.for_delivery`'s decision: the row is
postponed with the error stored, never marked sent.

Each message goes through three steps, none of them holding the database during a send:

1. **claim**: a short transaction sets the row's lease (`claimed_until`); other dispatchers,
   in this process or another replica, skip a leased row (PostgreSQL: `SKIP LOCKED` too);
2. **deliver**: on a read-only connection (SQLite: no write lock, so card actions never wait
   behind a fan-out), the delivery reads what it needs and sends;
3. **mark**: a short transaction records the outcome with the writes the send implies (an
   event id, the messages a card covered), and releases the lease.

The failure window, written down: a process that dies after Teams took a message and before
step 3 committed leaves the row leased; when the lease runs out the message is sent again.
Nothing is lost; at most the messages in flight when a process dies (PARALLEL of them) are
sent twice (tests/test_restart.py kills one in the middle of a fan-out).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import errors
from bot.errors import DeliveryFailed, Undeliverable
from bot.services.pace import TokenBucket
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage

log = logging.getLogger(__name__)

SENT = "sent"
SKIPPED = "skipped"
# Handed on to other outbox rows (one per recipient), each sent once on its own.
FANNED_OUT = "fanned_out"
POSTPONED = "postponed"
THROTTLED = "throttled"
# Messages sent at once: Teams' answer and the database overlap, one person at a time each.
PARALLEL = 4


# Writes that follow from a delivery, made with the outbox row's mark in one transaction.
Then = Callable[[AsyncConnection], Awaitable[object]]


@dataclass(frozen=True)
class Sent:
    """Teams took the message and gave it this id (kept, to update the message later)."""

    activity_id: str | None
    then: Then | None = None


@dataclass(frozen=True)
class Done:
    """Nothing sent (SKIPPED) or handed on (FANNED_OUT), with writes to make."""

    kind: str
    then: Then | None = None


# A delivery reads on the connection it is given (read-only: it must not write there) and
# returns SKIPPED, FANNED_OUT, Done, or Sent once Teams took the message; writes go in the
# `then` of what it returns. It raises on any failure.
Delivery = Callable[[AsyncConnection, OutboxMessage], Awaitable[str | Sent | Done]]
# How long a claimed message is left to its dispatcher before another may take it
# (OUTBOX_LEASE_SECONDS): longer than any send takes.
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class _Result:
    """What became of one message of a batch (THROTTLED when Teams said too many)."""

    message: OutboxMessage
    kind: str
    activity_id: str | None = None
    # Sent or skipped with nothing else to write: marked with the rest of its batch.
    to_mark: bool = False


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    skipped: int = 0
    postponed: int = 0


class OutboxDispatcher:
    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = LEASE,
        bucket: TokenBucket | None = None,
        parallel: int = PARALLEL,
    ) -> None:
        self._parallel = parallel
        self._lease = lease
        self._bucket = bucket or TokenBucket(50)
        # After a 429 nothing is sent before Teams said; the rest waits for the next round.
        self._quiet_until: datetime | None = None
        # Told when a send says its person cannot be reached (member id, reason).
        self.on_unreachable: Callable[[int, str], Awaitable[object]] | None = None
        self._db = database
        self._outbox = outbox
        self._clock = clock
        self._deliveries: dict[str, Delivery] = {}
        self._gathering: frozenset[str] = frozenset()
        self._running = asyncio.Lock()
        self._kicks: set[asyncio.Task[DispatchReport]] = set()

    def register(self, kind: str, delivery: Delivery, *, gathering: bool = False) -> None:
        """`gathering`: its delivery puts the other due messages of its kind on one card, so
        two of them are never delivered at once."""
        if kind in self._deliveries:
            raise ValueError(f"outbox kind {kind!r} is registered twice")
        self._deliveries[kind] = delivery
        if gathering:
            self._gathering = self._gathering | {kind}

    @property
    def kinds(self) -> set[str]:
        return set(self._deliveries)

    async def dispatch_due(self, limit: int = 200) -> DispatchReport:
        """Sends what is due, a few messages at a time (never two for one person at once, so
        each person's messages keep their order), at Teams' pace."""
        tally = {SENT: 0, SKIPPED: 0, FANNED_OUT: 0, POSTPONED: 0}
        async with self._running:
            while sum(tally.values()) < limit:
                now = self._clock()
                if self._quiet_until is not None and now < self._quiet_until:
                    break
                async with self._db.transaction() as conn:
                    batch = await self._outbox.claim_batch(
                        conn, now, now + self._lease, self._parallel, self._gathering
                    )
                if not batch:
                    break
                results = await asyncio.gather(*(self._deliver(m, now) for m in batch))
                # What is left to mark is marked together: one short transaction a batch.
                unmarked = [r for r in results if r.to_mark]
                if unmarked:
                    async with self._db.transaction() as conn:
                        for result in unmarked:
                            await self._outbox.mark(
                                conn, result.message.id, result.kind, result.activity_id
                            )
                outcomes = [result.kind for result in results]
                for outcome in outcomes:
                    tally[outcome if outcome in tally else POSTPONED] += 1
                if THROTTLED in outcomes:
                    break
            else:
                # The round's limit reached with more due: the rest in a round of its own, now,
                # not at the next tick (a minute away in production).
                self._come_back_in(0)
        return DispatchReport(tally[SENT], tally[SKIPPED], tally[POSTPONED])

    async def _deliver(self, message: OutboxMessage, now: datetime) -> _Result:
        """One message: sent (or skipped, or handed on), or postponed as the error policy
        says. An outcome that brings writes is marked here, with them; the others are left
        for the caller to mark together."""
        # Never faster than Teams allows: a fraction of a second when it says so.
        while (wait := self._bucket.take()) > 0:
            await asyncio.sleep(wait)
        delivery = self._deliveries.get(message.kind)
        try:
            if delivery is None:
                raise Undeliverable(f"no delivery registered for {message.kind}")
            async with self._db.read() as conn:
                outcome = await delivery(conn, message)
        except Exception as error:
            decision = errors.for_delivery(error, message.attempts)
            errors.report(decision, f"outbox {message.dedupe_key}", error)
            retry_in = decision.retry_in or errors.MAX_BACKOFF
            async with self._db.transaction() as conn:
                await self._outbox.postpone(conn, message.id, now + retry_in, decision.summary)
            reason = errors.unreachable_reason(error)
            if reason and message.member_id and self.on_unreachable is not None:
                await self.on_unreachable(message.member_id, reason)
            if isinstance(error, DeliveryFailed) and error.throttled:
                self._throttled(now, retry_in)
                return _Result(message, THROTTLED)
            return _Result(message, POSTPONED)
        self._bucket.recover()
        if isinstance(outcome, Sent):
            kind, activity_id, then = SENT, outcome.activity_id, outcome.then
        elif isinstance(outcome, Done):
            kind, activity_id, then = outcome.kind, None, outcome.then
        else:
            kind, activity_id, then = outcome, None, None
        if then is None:
            return _Result(message, kind, activity_id, to_mark=True)
        async with self._db.transaction() as conn:
            await then(conn)
            await self._outbox.mark(conn, message.id, kind, activity_id)
        return _Result(message, kind, activity_id)

    def _throttled(self, now: datetime, retry_in: timedelta) -> None:
        """Teams said too many: slower from now on, nothing more until it said, then a round
        of its own (not the next minute's tick)."""
        self._bucket.slow_down()
        self._quiet_until = now + retry_in
        self._come_back_in(retry_in.total_seconds())

    def _come_back_in(self, seconds: float) -> None:
        with contextlib.suppress(RuntimeError):  # no loop running: the next tick will do
            asyncio.get_running_loop().call_later(seconds + 0.01, self._kick_if_running)

    def _kick_if_running(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.kick()

    async def mark_covered(
        self,
        conn: AsyncConnection,
        messages: list[OutboxMessage],
        outcome: str,
        activity_id: str | None = None,
    ) -> None:
        await self._outbox.mark_covered(conn, messages, outcome, activity_id)

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
