"""Delivers the outbox: each due message once, by the delivery registered for its kind.

A delivery returns SENT only once Teams took the message; any failure raises, and what to do
about it (when to try again, what to log) is `bot.errors.for_delivery`'s decision: the row is
postponed with the error stored, never marked sent.

Each message goes through three steps, none of them holding the database during a send:

1. **claim**: a short transaction sets the row's lease (`claimed_until`) by a conditional
   update, so of two replicas reading the same row only one takes it; other dispatchers
   skip a leased row. Nothing is locked beyond the rows taken: a gathering delivery reading
   its kind's due rows meanwhile sees every one not taken;
2. **deliver**: on a read-only connection (SQLite: no write lock, so card actions never wait
   behind a fan-out), the delivery reads what it needs and sends;
3. **mark**: a short transaction records the outcome with the writes the send implies (an
   event id, the messages a card covered), and releases the lease. A plain outcome is
   marked in the transaction that claims the next messages, the moment one is done.

The failure window, written down: a process that dies after Teams took a message and before
step 3 committed leaves the row leased; when the lease runs out the message is sent again.
Nothing is lost; at most the messages in flight or just done when a process dies (about
PARALLEL of them) are sent twice (tests/test_restart.py kills one in the middle of a fan-out).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot import errors, logs
from bot.errors import DeliveryFailed, Undeliverable
from bot.metrics import Metrics
from bot.services.pace import TokenBucket
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage

log = logging.getLogger(__name__)

SENT = "sent"
SKIPPED = "skipped"
# Handed on to other outbox rows (one per recipient), each sent once on its own.
FANNED_OUT = "fanned_out"
# Folded into a newcomer's welcome: one card lists what waited, instead of each on its own.
GATHERED = "gathered"
POSTPONED = "postponed"
THROTTLED = "throttled"
# Messages sent at once: Teams' answer and the database overlap, one person at a time each.
PARALLEL = 6


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


@dataclass(frozen=True)
class ToDo:
    """One line of a newcomer's welcome: what is expected of them, and the button that opens
    it. Lines are shown by `order`; one per `key` (several messages may ask the same)."""

    order: int
    key: str
    text: str  # catalogue key
    values: dict[str, str]
    button: str  # catalogue key
    verb: str
    data: dict[str, Any]
    # A moment (ISO, aware) and a day (ISO) the line names, written in the reader's language
    # when the card is drawn, as {when} and {day}.
    when: str = ""
    day: str = ""


# What a waiting message asks of a newcomer, read when they first open the chat; None: nothing
# any more (answered, over, a notice about a change they never saw), so it is dropped.
ToDoReader = Callable[[AsyncConnection, OutboxMessage], Awaitable[ToDo | None]]
# How long a claimed message is left to its dispatcher before another may take it
# (OUTBOX_LEASE_SECONDS): longer than any send takes.
LEASE = timedelta(minutes=2)


class HeldBack(DeliveryFailed):
    """A send not yet on the wire when Teams said 429: it waits for Retry-After, untried.
    A throttled failure to anyone else who sends through the messenger (a turn sending a
    card to the person's own chat), who handles it as Teams' own 429."""

    def __init__(self) -> None:
        super().__init__("held back: Teams said to wait", status=429)


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
        metrics: Metrics | None = None,
        on_unreachable: Callable[[int, str], Awaitable[object]] | None = None,
    ) -> None:
        self._metrics = metrics
        self._parallel = parallel
        self._lease = lease
        self._bucket = bucket or TokenBucket(50)
        # After a 429 nothing is sent before Teams said; the rest waits for the next round.
        self._quiet_until: datetime | None = None
        # Told when a send says its person cannot be reached (member id, reason).
        self._on_unreachable = on_unreachable
        self._db = database
        self._outbox = outbox
        self._clock = clock
        self._deliveries: dict[str, Delivery] = {}
        self._to_dos: dict[str, ToDoReader] = {}
        self._gathering: frozenset[str] = frozenset()
        self._running = asyncio.Lock()
        self._kicks: set[asyncio.Task[DispatchReport]] = set()
        # Rounds under way (the scheduler's tick and kicks alike), and whether the process is
        # stopping: then nothing more is claimed.
        self._rounds: set[asyncio.Task[Any]] = set()
        self._stopping = False

    def register(
        self,
        kind: str,
        delivery: Delivery,
        *,
        gathering: bool = False,
        to_do: ToDoReader | None = None,
    ) -> None:
        """`gathering`: its delivery puts the other due messages of its kind on one card, so
        two of them are never delivered at once. `to_do`: what the message asks, for a
        newcomer's welcome (`gather_for_newcomer`)."""
        if kind in self._deliveries:
            raise ValueError(f"outbox kind {kind!r} is registered twice")
        self._deliveries[kind] = delivery
        if to_do is not None:
            self._to_dos[kind] = to_do
        if gathering:
            self._gathering = self._gathering | {kind}

    async def still_asks(self, conn: AsyncConnection, message: OutboxMessage) -> bool:
        """Whether a waiting message still has a reason to go (for the kinds that can tell:
        those with a newcomer's to-do); a reminder for an accepted commitment has none."""
        read = self._to_dos.get(message.kind)
        return read is None or await read(conn, message) is not None

    async def gather_for_newcomer(self, conn: AsyncConnection, member_id: int) -> list[ToDo]:
        """What waited for someone who could not be reached, now that they can: each waiting
        message that says what it asks is folded (GATHERED, never sent on its own) into the
        lines of one welcome: the newest question of each kind of thing only, in order. What
        no longer asks anything (answered, over, a change they never saw) is dropped too.
        A single message waiting goes as it is (its own card is better than a list of one)."""
        lines: dict[str, ToDo] = {}
        folded: list[OutboxMessage] = []
        for message in await self._outbox.waiting_for(conn, member_id, self._clock()):
            read = self._to_dos.get(message.kind)
            if read is None:
                continue
            folded.append(message)
            line = await read(conn, message)
            if line is not None:
                lines[line.key] = line
        if len(folded) < 2:
            return []
        for message in folded:
            await self._outbox.mark(conn, message.id, GATHERED)
        return sorted(lines.values(), key=lambda line: (line.order, line.key))

    @property
    def kinds(self) -> set[str]:
        return set(self._deliveries)

    async def dispatch_due(self, limit: int = 200) -> DispatchReport:
        """Sends what is due at Teams' pace, `parallel` messages in flight: as soon as one is
        done the next is claimed (a slow send holds nobody but its own person). Never two
        for one person at once, so each person's messages keep their order. What is done is
        marked in the transaction that claims the next ones."""
        tally = {SENT: 0, SKIPPED: 0, FANNED_OUT: 0, POSTPONED: 0}
        if self._stopping:
            return DispatchReport(0, 0, 0)
        # The task this round runs in, while it runs (a caller's own task, a tick's, a
        # kick's), so that a stop can wait for it, or cancel it past its patience.
        this = asyncio.current_task()
        if this is not None:
            self._rounds.add(this)
        try:
            return await self._dispatch_due(tally, limit)
        finally:
            if this is not None:
                self._rounds.discard(this)

    async def _dispatch_due(self, tally: dict[str, int], limit: int) -> DispatchReport:
        async with self._running:
            flying: dict[asyncio.Task[_Result], OutboxMessage] = {}
            done: list[_Result] = []
            try:
                await self._round(tally, flying, done, limit)
            except asyncio.CancelledError:
                # Stopped past the shutdown's patience: what was done is marked, and what was
                # still in flight is stopped and released, so that the next process sends it
                # at once rather than after the lease (it may then go twice: it may have
                # been on the wire).
                for task in flying:
                    task.cancel()
                await asyncio.shield(self._give_back(done, list(flying.values())))
                raise
        return DispatchReport(tally[SENT], tally[SKIPPED], tally[POSTPONED])

    async def _round(
        self,
        tally: dict[str, int],
        flying: dict[asyncio.Task[_Result], OutboxMessage],
        done: list[_Result],
        limit: int,
    ) -> None:
        """`flying` and `done` are the caller's, so that a cancelled round can give back what
        it holds."""
        claimed = 0
        # Nothing more to claim now (none due, the round's limit, Teams said wait).
        stop = False
        while True:
            now = self._clock()
            quiet = self._quiet_until is not None and now < self._quiet_until
            room = self._parallel - len(flying)
            # A message to nobody in particular (a calendar event, the channel) goes
            # alone: what was planned after it may depend on it (the Teams link).
            alone = any(m.member_id is None for m in flying.values())
            if (
                room > 0
                and not stop
                and not quiet
                and not alone
                and claimed < limit
                and not self._stopping
            ):
                batch = await self._mark_and_claim(done, now, min(room, limit - claimed), flying)
                done.clear()
                for message in batch:
                    flying[asyncio.ensure_future(self._deliver(message, now))] = message
                claimed += len(batch)
                # Nothing claimable while nothing flies: nothing due (what is due but
                # waits for a busy person is claimed when that person's send is done).
                stop = not batch and not flying
            if not flying:
                break
            finished, _ = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                del flying[task]
                result = task.result()
                tally[result.kind if result.kind in tally else POSTPONED] += 1
                if result.to_mark:
                    done.append(result)
                if result.kind == THROTTLED:
                    stop = True  # the rest when Teams said (`_throttled` comes back)
        if done:
            await self._mark_and_claim(done, self._clock(), 0, {})
            done.clear()
        if claimed >= limit and not self._stopping:
            # The round's limit reached with more due: the rest in a round of its own,
            # now, not at the next tick (a minute away in production).
            self._come_back_in(0)

    async def waiting_since(self) -> timedelta | None:
        """How long the longest-waiting due message has waited (None: nothing is due): a
        dispatcher that runs keeps this within a tick or two, whatever fails (a failure
        postpones the message, so it is no longer due)."""
        now = self._clock()
        async with self._db.read() as conn:
            oldest = await self._outbox.oldest_due(conn, now)
            if self._metrics is not None:
                self._metrics.outbox_due.set(await self._outbox.due_count(conn, now))
        waited = None if oldest is None else now - oldest
        if self._metrics is not None:
            self._metrics.outbox_oldest_due_seconds.set(waited.total_seconds() if waited else 0)
        return waited

    async def stop(self, within: float) -> None:
        """At shutdown: nothing more is claimed; the rounds under way finish what is in flight
        (each marked as usual) within `within` seconds, or are cancelled and give their
        messages back."""
        self._stopping = True
        rounds = {t for t in (*self._rounds, *self._kicks) if not t.done()}
        if not rounds:
            return
        _, late = await asyncio.wait(rounds, timeout=within)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _give_back(self, done: list[_Result], flying: list[OutboxMessage]) -> None:
        now = self._clock()
        async with self._db.transaction() as conn:
            for result in done:
                await self._outbox.mark(conn, result.message.id, result.kind, result.activity_id)
            for message in flying:
                await self._outbox.release(conn, message.id, now)

    async def _mark_and_claim(
        self,
        done: list[_Result],
        now: datetime,
        size: int,
        flying: dict[asyncio.Task[_Result], OutboxMessage],
    ) -> list[OutboxMessage]:
        """One short transaction: what was sent is marked, the next ones are leased."""
        async with self._db.transaction() as conn:
            for result in done:
                await self._outbox.mark(conn, result.message.id, result.kind, result.activity_id)
            if size <= 0:
                return []
            return await self._outbox.claim_batch(
                conn, now, now + self._lease, size, self._gathering,
                busy=frozenset(m.member_id for m in flying.values() if m.member_id is not None),
                busy_kinds=frozenset(
                    m.kind for m in flying.values() if m.kind in self._gathering
                ),
            )  # fmt: skip

    async def _deliver(self, message: OutboxMessage, now: datetime) -> _Result:
        """One message, logged with its key, its feature and how long it took."""
        started = time.perf_counter()
        with logs.about(outbox=message.dedupe_key, feature=message.kind.split(".")[0]):
            result = await self._deliver_one(message, now)
            if self._metrics is not None:
                self._metrics.sends.labels(result.kind).inc()
            log.info(
                "Delivered %s: %s",
                message.kind,
                result.kind,
                extra={
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "kind": message.kind,
                    "outcome": result.kind,
                },
            )
        return result

    async def _deliver_one(self, message: OutboxMessage, now: datetime) -> _Result:
        """One message: sent (or skipped, or handed on), or postponed as the error policy
        says. An outcome that brings writes is marked here, with them; the others are left
        for the caller to mark together."""
        delivery = self._deliveries.get(message.kind)
        try:
            if delivery is None:
                raise Undeliverable(f"no delivery registered for {message.kind}")
            async with self._db.read() as conn:
                outcome = await delivery(conn, message)
        except HeldBack:
            async with self._db.transaction() as conn:
                await self._outbox.release(conn, message.id, self._quiet_until or now)
            return _Result(message, THROTTLED)
        except Exception as error:
            decision = errors.for_delivery(error, message.attempts)
            errors.report(decision, f"outbox {message.dedupe_key}", error)
            retry_in = decision.retry_in or errors.MAX_BACKOFF
            async with self._db.transaction() as conn:
                await self._outbox.postpone(conn, message.id, now + retry_in, decision.summary)
            reason = errors.unreachable_reason(error)
            if reason and message.member_id and self._on_unreachable is not None:
                await self._on_unreachable(message.member_id, reason)
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

    async def pace(self) -> None:
        """Waits until one more request to Teams fits its limit (a fraction of a second when
        it says so). Awaited by the messenger right before each request goes on the wire,
        not before a delivery's reading and card building, whose varying length would let
        requests bunch up and overrun Teams' second."""
        while (wait := self._bucket.take()) > 0:
            await asyncio.sleep(wait)
        if self._quiet_until is not None and self._clock() < self._quiet_until:
            # Teams said 429 while this one waited its turn: it does not go into the throttle.
            raise HeldBack()

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
