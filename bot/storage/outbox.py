"""Messages the bot sends on its own, written down before they are due.

A row is planned once (its `dedupe_key` is unique), claimed by one process at a time
(PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the write lock of BEGIN IMMEDIATE), and marked
sent in the same transaction as the send: a crash before the commit leaves it due again,
a second process never sees it while it is being sent.

The price, on SQLite: while a message goes out, other writers of the bot wait (the write lock
is the claim). At a committee's size that is a few hundred milliseconds on the days reminders
go out; a lease column would lift it if the bot ever serves many committees on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage import tables
from bot.storage.database import (
    fit_key,
    from_db,
    insert_if_absent,
    insert_many_if_absent,
    to_db,
    utcnow,
)


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    dedupe_key: str
    kind: str
    member_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    sent_activity_id: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    # sent, skipped, fanned_out, gathered…; None while it waits.
    outcome: str | None = None


@dataclass(frozen=True)
class Planned:
    """A message a planner wants to exist (planned once, by its key)."""

    key: str
    kind: str
    member_id: int | None
    payload: dict[str, Any]
    due_at: datetime


def _message(row: RowMapping) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        kind=row["kind"],
        member_id=row["member_id"],
        payload=json.loads(row["payload"]),
        due_at=from_db(row["due_at"]),
        attempts=row["attempts"],
        sent_activity_id=row["sent_activity_id"],
        last_error=row["last_error"],
        sent_at=from_db(row["sent_at"]) if row["sent_at"] else None,
        outcome=row["outcome"],
    )


class Outbox:
    async def plan(
        self,
        conn: AsyncConnection,
        dedupe_key: str,
        kind: str,
        member_id: int | None,
        payload: dict[str, Any],
        due_at: datetime,
    ) -> bool:
        """True if planned now; False if a message with this key was already planned."""
        return await insert_if_absent(
            conn,
            tables.outbox,
            dict(
                dedupe_key=dedupe_key,
                kind=kind,
                member_id=member_id,
                payload=json.dumps(payload, sort_keys=True),
                due_at=to_db(due_at),
                created_at=to_db(utcnow()),
                attempts=0,
            ),
        )

    async def plan_many(
        self,
        conn: AsyncConnection,
        rows: Sequence[tuple[str, str, int | None, dict[str, Any], datetime]],
    ) -> int:
        """`plan` for many (dedupe key, kind, member, payload, due) at once: how many were new."""
        created = to_db(utcnow())
        return await insert_many_if_absent(
            conn,
            tables.outbox,
            [
                dict(
                    dedupe_key=key,
                    kind=kind,
                    member_id=member_id,
                    payload=json.dumps(payload, sort_keys=True),
                    due_at=to_db(due_at),
                    created_at=created,
                    attempts=0,
                )
                for key, kind, member_id, payload, due_at in rows
            ],
        )

    async def claim_batch(
        self,
        conn: AsyncConnection,
        now: datetime,
        lease_until: datetime,
        size: int,
        gathering: frozenset[str] = frozenset(),
        busy: frozenset[int] = frozenset(),
        busy_kinds: frozenset[str] = frozenset(),
    ) -> list[OutboxMessage]:
        """Up to `size` due messages nobody holds, at most one per person (and one of those
        addressed to nobody in particular, a channel or a calendar), leased to the caller:
        a person's messages keep their order. At most one of each `gathering` kind, whose
        delivery gathers the others of its kind onto one card. A message addressed to
        nobody in particular (a calendar event, a channel) goes alone, in its turn.

        `busy`: people whose message this dispatcher is sending now, and `busy_kinds` the
        gathering kinds it is delivering: skipped, so a person's next message waits for the
        one before. With anything busy, a message addressed to nobody waits too (it goes
        alone)."""
        table = tables.outbox
        query = (
            select(table)
            .where(
                table.c.sent_at.is_(None),
                table.c.due_at <= to_db(now),
                or_(table.c.claimed_until.is_(None), table.c.claimed_until <= to_db(now)),
            )
            .order_by(table.c.due_at, table.c.id)
            .limit(size * 4)
        )
        # No row lock on what is read: a claim must not hide, for the length of its
        # transaction, the rows it does not take (a gathering delivery reading its kind's due
        # rows meanwhile would miss them). The conditional update below is the claim.
        picked: list[OutboxMessage] = []
        people: set[int] = set(busy)
        kinds: set[str] = set(busy_kinds)
        for row in (await conn.execute(query)).mappings():
            if row["member_id"] is None:
                # Addressed to nobody in particular (a calendar event, the channel): what the
                # messages planned after it depend on (the Teams link), so it goes alone,
                # and nothing planned after it goes before it.
                if not picked and not busy and not busy_kinds:
                    picked.append(_message(row))
                break
            if row["member_id"] in people or row["kind"] in kinds:
                continue
            people.add(row["member_id"])
            if row["kind"] in gathering:
                kinds.add(row["kind"])
            picked.append(_message(row))
            if len(picked) == size:
                break
        if not picked:
            return []
        # Only rows nobody took since they were read: another replica's claim of the same
        # row commits first and this update then finds it taken (PostgreSQL re-reads the row
        # after waiting for that claim; SQLite has one writer at a time).
        won = await conn.execute(
            update(table)
            .where(
                table.c.id.in_([m.id for m in picked]),
                table.c.sent_at.is_(None),
                or_(table.c.claimed_until.is_(None), table.c.claimed_until <= to_db(now)),
            )
            .values(claimed_until=to_db(lease_until))
            .returning(table.c.id)
        )
        taken = {row[0] for row in won}
        return [m for m in picked if m.id in taken]

    async def due_of_kind(
        self, conn: AsyncConnection, kind: str, now: datetime
    ) -> list[OutboxMessage]:
        """Every unsent message of this kind that is due and nobody holds (PostgreSQL: locked
        for this transaction, as a claim is)."""
        query = (
            select(tables.outbox)
            .where(
                tables.outbox.c.kind == kind,
                tables.outbox.c.sent_at.is_(None),
                tables.outbox.c.due_at <= to_db(now),
                or_(
                    tables.outbox.c.claimed_until.is_(None),
                    tables.outbox.c.claimed_until <= to_db(now),
                ),
            )
            .order_by(tables.outbox.c.due_at, tables.outbox.c.id)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_message(row) for row in (await conn.execute(query)).mappings()]

    async def mark(
        self,
        conn: AsyncConnection,
        message_id: int,
        outcome: str,
        activity_id: str | None = None,
    ) -> None:
        """`sent` (with the id Teams gave it), or `skipped` when the reason for the message has
        gone (the member accepted)."""
        await conn.execute(
            update(tables.outbox)
            .where(tables.outbox.c.id == message_id)
            .values(
                sent_at=to_db(utcnow()),
                outcome=outcome,
                sent_activity_id=fit_key(activity_id, 300) if activity_id else None,
                claimed_until=None,
            )
        )

    async def mark_covered(
        self,
        conn: AsyncConnection,
        messages: list[OutboxMessage],
        outcome: str,
        activity_id: str | None = None,
    ) -> None:
        """Messages another one's card covered (an escalation, a list of who is overdue or
        unreachable): marked with that card's outcome, never sent on their own."""
        for message in messages:
            await self.mark(conn, message.id, outcome, activity_id)

    async def sent_under(
        self, conn: AsyncConnection, prefix: str, member_id: int | None = None
    ) -> list[OutboxMessage]:
        """The messages sent (Teams took them) whose keys start with `prefix`; only those to
        `member_id` when it is given."""
        key = tables.outbox.c.dedupe_key
        query = select(tables.outbox).where(
            key.startswith(prefix, autoescape=True), tables.outbox.c.outcome == "sent"
        )
        if member_id is not None:
            query = query.where(tables.outbox.c.member_id == member_id)
        return [_message(row) for row in (await conn.execute(query)).mappings()]

    async def postpone(
        self, conn: AsyncConnection, message_id: int, until: datetime, error: str
    ) -> None:
        await conn.execute(
            update(tables.outbox)
            .where(tables.outbox.c.id == message_id)
            .values(
                due_at=to_db(until),
                attempts=tables.outbox.c.attempts + 1,
                last_error=error[:2000],
                claimed_until=None,
            )
        )

    async def oldest_due(self, conn: AsyncConnection, now: datetime) -> datetime | None:
        """When the longest-waiting unsent message fell due (None: nothing is due)."""
        table = tables.outbox
        found = await conn.execute(
            select(func.min(table.c.due_at)).where(
                table.c.sent_at.is_(None), table.c.due_at <= to_db(now)
            )
        )
        oldest = found.scalar_one_or_none()
        return from_db(oldest) if oldest is not None else None

    async def due_count(self, conn: AsyncConnection, now: datetime) -> int:
        table = tables.outbox
        found = await conn.execute(
            select(func.count()).where(table.c.sent_at.is_(None), table.c.due_at <= to_db(now))
        )
        return int(found.scalar_one())

    async def release(self, conn: AsyncConnection, message_id: int, until: datetime) -> None:
        """Back to the queue, unsent and not tried, due again `until` (held back by the pace)."""
        await conn.execute(
            update(tables.outbox)
            .where(tables.outbox.c.id == message_id)
            .values(due_at=to_db(until), claimed_until=None)
        )

    async def keys_starting(self, conn: AsyncConnection, prefix: str) -> set[str]:
        """The keys already planned under a prefix, sent or not."""
        key = tables.outbox.c.dedupe_key
        result = await conn.execute(select(key).where(key.startswith(prefix, autoescape=True)))
        return {row.dedupe_key for row in result}

    async def waiting_for(
        self, conn: AsyncConnection, member_id: int, now: datetime
    ) -> list[OutboxMessage]:
        """What waits for this member now: due, or held back because they could not be
        reached (what `expedite` would make due), unsent and held by no dispatcher."""
        table = tables.outbox
        query = (
            select(table)
            .where(
                table.c.member_id == member_id,
                table.c.sent_at.is_(None),
                or_(table.c.due_at <= to_db(now), table.c.attempts > 0),
                or_(table.c.claimed_until.is_(None), table.c.claimed_until <= to_db(now)),
            )
            .order_by(table.c.due_at, table.c.id)
        )
        return [_message(row) for row in (await conn.execute(query)).mappings()]

    async def expedite(self, conn: AsyncConnection, member_id: int, now: datetime) -> int:
        """Make due now what was postponed for lack of a way to reach this member."""
        result = await conn.execute(
            update(tables.outbox)
            .where(
                tables.outbox.c.member_id == member_id,
                tables.outbox.c.sent_at.is_(None),
                tables.outbox.c.attempts > 0,
                tables.outbox.c.due_at > to_db(now),
            )
            .values(due_at=to_db(now))
        )
        return int(result.rowcount or 0)

    # --- what the secretariat sees (`rappels`) ---------------------------------------------

    async def overview(
        self, conn: AsyncConnection, now: datetime, limit: int = 12
    ) -> tuple[list[OutboxMessage], list[OutboxMessage], list[OutboxMessage]]:
        """Waiting (the next due first), failing (tried, not sent), and the latest sent."""
        table = tables.outbox
        waiting = select(table).where(table.c.sent_at.is_(None), table.c.attempts == 0)
        failing = select(table).where(table.c.sent_at.is_(None), table.c.attempts > 0)
        sent = select(table).where(table.c.outcome == "sent")
        return (
            await self._rows(conn, waiting.order_by(table.c.due_at).limit(limit)),
            await self._rows(conn, failing.order_by(table.c.due_at).limit(limit)),
            await self._rows(conn, sent.order_by(table.c.sent_at.desc()).limit(limit)),
        )

    async def _rows(self, conn: AsyncConnection, query: Any) -> list[OutboxMessage]:
        return [_message(row) for row in (await conn.execute(query)).mappings()]

    async def get(self, conn: AsyncConnection, message_id: int) -> OutboxMessage | None:
        row = (
            (await conn.execute(select(tables.outbox).where(tables.outbox.c.id == message_id)))
            .mappings()
            .first()
        )
        return _message(row) if row else None

    async def retry_now(self, conn: AsyncConnection, message_id: int, now: datetime) -> bool:
        """A failing message made due now (« Réessayer »); False when it was sent meanwhile."""
        result = await conn.execute(
            update(tables.outbox)
            .where(tables.outbox.c.id == message_id, tables.outbox.c.sent_at.is_(None))
            .values(due_at=to_db(now), claimed_until=None)
        )
        return result.rowcount == 1


async def plan_missing(database: Any, outbox: Outbox, prefix: str, wanted: list[Planned]) -> int:
    """Plans what is not planned yet: the keys under `prefix` are read once, and a write
    transaction is opened only when something is missing. A planner runs every tick; with
    thousands of members it must not hold the write lock to re-insert what is already there."""
    async with database.read() as conn:
        existing = await outbox.keys_starting(conn, prefix)
    missing = [p for p in wanted if p.key not in existing]
    if not missing:
        return 0
    planned = 0
    async with database.transaction() as conn:
        for p in missing:
            planned += await outbox.plan(conn, p.key, p.kind, p.member_id, p.payload, p.due_at)
    return planned
