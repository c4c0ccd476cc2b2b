"""Members Teams cannot reach: recorded when a send says so, the secretariat told once with
who and what is waiting, forgotten when the member can be reached again (what waited then
goes out at once, through the outbox's expedite)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member
from bot.storage import tables
from bot.storage.database import Database, from_db, insert_if_absent, to_db, utcnow
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import MemberRepository

UNREACHABLE_NOTICE = "reach.unreachable_notice"
NOTICE_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class Unreachable:
    member: Member
    reason: str
    since: datetime
    waiting: int


class ReachabilityService:
    def __init__(
        self,
        database: Database,
        members: MemberRepository,
        outbox: Outbox,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._members = members
        self._outbox = outbox
        self._zone = zone
        self._clock = clock

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    async def unreachable(self, member_id: int, reason: str) -> bool:
        """Recorded once per spell; the secretariat is told then (True)."""
        async with self._db.transaction() as conn:
            since = self._clock()
            fresh = await insert_if_absent(
                conn,
                tables.unreachable_members,
                {"member_id": member_id, "reason": reason[:300], "since": to_db(since)},
            )
            if not fresh:
                return False
            today = self._today()
            for clerk in await self._members.secretariat(conn, serving_on=today):
                if clerk.id == member_id:
                    continue
                await self._outbox.plan(
                    conn,
                    f"reach:{member_id}:{since.isoformat()}:{clerk.id}",
                    UNREACHABLE_NOTICE,
                    clerk.id,
                    {"member": member_id},
                    # A minute later: those found unreachable in the same fan-out are
                    # listed on one card, not one card each.
                    since + NOTICE_AFTER,
                )
        return True

    async def reachable(self, member: Member) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                delete(tables.unreachable_members).where(
                    tables.unreachable_members.c.member_id == member.id
                )
            )

    async def all(self) -> list[Unreachable]:
        async with self._db.read() as conn:
            return await self._listed(conn, None)

    async def _listed(self, conn: AsyncConnection, only: set[int] | None) -> list[Unreachable]:
        table = tables.unreachable_members
        rows = (await conn.execute(select(table))).mappings().all()
        members = {m.id: m for m in await self._members.all(conn)}
        waiting: dict[int, int] = dict(
            (
                await conn.execute(
                    select(tables.outbox.c.member_id, func.count())
                    .where(tables.outbox.c.sent_at.is_(None))
                    .group_by(tables.outbox.c.member_id)
                )
            ).all()
        )
        found = [
            Unreachable(
                members[r["member_id"]],
                r["reason"],
                from_db(r["since"]),
                int(waiting.get(r["member_id"], 0)),
            )
            for r in rows
            if r["member_id"] in members and (only is None or r["member_id"] in only)
        ]
        return sorted(found, key=lambda u: u.member.display_name)

    async def notice_for(
        self, conn: AsyncConnection, first: OutboxMessage
    ) -> tuple[Member, list[Unreachable], list[OutboxMessage]] | None:
        """One card for the clerk listing everyone unreachable it is to be told about now,
        still unreachable; the other messages that card covers."""
        clerk = await self._members.get(conn, first.member_id or 0)
        if clerk is None or not clerk.is_serving(self._today()):
            return None
        batch = [first] + [
            m
            for m in await self._outbox.due_of_kind(conn, UNREACHABLE_NOTICE, self._clock())
            if m.id != first.id and m.member_id == first.member_id
        ]
        about = {int(m.payload.get("member", 0)) for m in batch}
        listed = await self._listed(conn, about)
        if not listed:
            return None
        return clerk, listed, batch[1:]
