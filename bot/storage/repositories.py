"""Repositories: each takes the transaction's connection, so callers decide what commits together."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import audit as audit_rules
from bot.domain.members import Member, Role, SeatCategory, normalise_email
from bot.storage import tables
from bot.storage.database import fit_key, from_db, insert_if_absent, to_db, utcnow

# The stored form of an activity key: channel | conversation | activity id, hashed beyond this.
ACTIVITY_KEY_LENGTH = 200

# Any constant: PostgreSQL's advisory lock that makes audit appends take turns.
_AUDIT_LOCK_ID = 7_303_117


def _member_from_row(row: RowMapping) -> Member:
    return Member(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        organisation=row["organisation"],
        seat=SeatCategory(row["seat"]),
        role=Role(row["role"]),
        active=bool(row["active"]),
        aad_object_id=row["aad_object_id"],
        teams_user_id=row["teams_user_id"],
        preferred_locale=row["preferred_locale"],
        mandate_starts_on=row["mandate_starts_on"],
        mandate_ends_on=row["mandate_ends_on"],
    )


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int


class MemberRepository:
    async def all(self, conn: AsyncConnection) -> list[Member]:
        result = await conn.execute(
            select(tables.members).order_by(tables.members.c.display_name, tables.members.c.id)
        )
        return [_member_from_row(row) for row in result.mappings()]

    async def _one(self, conn: AsyncConnection, condition: ColumnElement[bool]) -> Member | None:
        row = (await conn.execute(select(tables.members).where(condition))).mappings().first()
        return _member_from_row(row) if row else None

    async def get(self, conn: AsyncConnection, member_id: int) -> Member | None:
        return await self._one(conn, tables.members.c.id == member_id)

    async def by_aad_object_id(self, conn: AsyncConnection, aad_object_id: str) -> Member | None:
        return await self._one(conn, tables.members.c.aad_object_id == aad_object_id.lower())

    async def by_email(self, conn: AsyncConnection, email: str) -> Member | None:
        return await self._one(conn, tables.members.c.email == normalise_email(email))

    async def secretariat(
        self, conn: AsyncConnection, serving_on: date | None = None
    ) -> list[Member]:
        """The secretariat's active members; with `serving_on`, only those serving that day
        (whom the bot's notices go to)."""
        return [
            m
            for m in await self.all(conn)
            if m.is_secretariat
            and m.active
            and (serving_on is None or (m.id is not None and m.is_serving(serving_on)))
        ]

    async def link_teams_identity(
        self, conn: AsyncConnection, member_id: int, aad_object_id: str, teams_user_id: str | None
    ) -> None:
        await conn.execute(
            update(tables.members)
            .where(tables.members.c.id == member_id)
            .values(
                aad_object_id=aad_object_id.lower(),
                teams_user_id=teams_user_id,
                updated_at=to_db(utcnow()),
            )
        )

    async def remember_contact(
        self, conn: AsyncConnection, member_id: int, teams_user_id: str, first_locale: str
    ) -> None:
        """The Teams id the member writes from; their language only if none is known yet
        (their first contact): afterwards it changes only when they ask."""
        members = tables.members
        await conn.execute(
            update(members)
            .where(
                and_(
                    members.c.id == member_id,
                    or_(
                        members.c.teams_user_id.is_(None),
                        members.c.teams_user_id != teams_user_id,
                        members.c.preferred_locale.is_(None),
                    ),
                )
            )
            .values(
                teams_user_id=teams_user_id,
                preferred_locale=func.coalesce(members.c.preferred_locale, first_locale),
                updated_at=to_db(utcnow()),
            )
        )

    async def set_language(self, conn: AsyncConnection, member_id: int, locale: str) -> None:
        await conn.execute(
            update(tables.members)
            .where(tables.members.c.id == member_id)
            .values(preferred_locale=locale, updated_at=to_db(utcnow()))
        )

    async def aad_ids_held_elsewhere(
        self, conn: AsyncConnection, roster: Sequence[Member]
    ) -> list[tuple[str, str]]:
        """(Entra id, the e-mail of who holds it) for each id of the roster that the registry
        gives to someone else: importing it would take one person's identity for another."""
        wanted = {m.aad_object_id: m.email for m in roster if m.aad_object_id}
        if not wanted:
            return []
        found = await conn.execute(
            select(tables.members.c.aad_object_id, tables.members.c.email).where(
                tables.members.c.aad_object_id.in_(list(wanted))
            )
        )
        return [
            (row.aad_object_id, row.email)
            for row in found
            if wanted[row.aad_object_id] != row.email
        ]

    async def import_roster(self, conn: AsyncConnection, roster: Sequence[Member]) -> ImportReport:
        """Upsert by e-mail. Running the same file twice changes nothing the second time."""
        added = updated = unchanged = 0
        now = to_db(utcnow())
        for member in roster:
            current = await self.by_email(conn, member.email)
            values: dict[str, Any] = {
                "display_name": member.display_name,
                "organisation": member.organisation,
                "seat": member.seat.value,
                "role": member.role.value,
                "active": member.active,
                "mandate_starts_on": member.mandate_starts_on,
                "mandate_ends_on": member.mandate_ends_on,
            }
            if member.aad_object_id:
                values["aad_object_id"] = member.aad_object_id
            if current is None:
                await conn.execute(
                    insert(tables.members).values(
                        email=member.email, created_at=now, updated_at=now, **values
                    )
                )
                added += 1
                continue
            before = {
                "display_name": current.display_name,
                "organisation": current.organisation,
                "seat": current.seat.value,
                "role": current.role.value,
                "active": current.active,
                "mandate_starts_on": current.mandate_starts_on,
                "mandate_ends_on": current.mandate_ends_on,
                "aad_object_id": current.aad_object_id,
            }
            if all(before.get(key) == value for key, value in values.items()):
                unchanged += 1
                continue
            await conn.execute(
                update(tables.members)
                .where(tables.members.c.id == current.id)
                .values(updated_at=now, **values)
            )
            updated += 1
        return ImportReport(added, updated, unchanged)


class AuditLog:
    """Append-only. There is deliberately no update or delete here."""

    async def append(
        self, conn: AsyncConnection, event: audit_rules.AuditEvent, at: datetime | None = None
    ) -> audit_rules.AuditEntry:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _AUDIT_LOCK_ID})
        last = await self.last(conn)
        entry = audit_rules.chain(last, at or utcnow(), event)
        await conn.execute(
            insert(tables.audit_log).values(
                seq=entry.seq,
                occurred_at=to_db(entry.occurred_at),
                actor=entry.actor,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                details=audit_rules.canonical_details(entry.details),
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
        )
        return entry

    async def last(self, conn: AsyncConnection) -> audit_rules.AuditEntry | None:
        row = (
            (
                await conn.execute(
                    select(tables.audit_log).order_by(tables.audit_log.c.seq.desc()).limit(1)
                )
            )
            .mappings()
            .first()
        )
        return _audit_from_row(row) if row else None

    async def entries(self, conn: AsyncConnection) -> list[audit_rules.AuditEntry]:
        result = await conn.execute(select(tables.audit_log).order_by(tables.audit_log.c.seq))
        return [_audit_from_row(row) for row in result.mappings()]


def _audit_from_row(row: RowMapping) -> audit_rules.AuditEntry:
    return audit_rules.AuditEntry(
        seq=row["seq"],
        occurred_at=from_db(row["occurred_at"]),
        actor=row["actor"],
        action=row["action"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        details=json.loads(row["details"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


class ConversationReferences:
    async def save(
        self,
        conn: AsyncConnection,
        conversation_id: str,
        scope: str,
        reference: dict[str, Any],
        member_id: int | None,
    ) -> bool:
        """Keeps the latest reference; True when this conversation was not known before."""
        document = json.dumps(reference, sort_keys=True)
        existing = await self.get(conn, conversation_id)
        now = to_db(utcnow())
        if existing is None:
            # Teams delivers install activities together: both may try to insert.
            return await insert_if_absent(
                conn,
                tables.conversation_references,
                dict(
                    conversation_id=conversation_id,
                    member_id=member_id,
                    scope=scope,
                    reference=document,
                    updated_at=now,
                ),
            )
        if existing != (reference, member_id):
            await conn.execute(
                update(tables.conversation_references)
                .where(tables.conversation_references.c.conversation_id == conversation_id)
                .values(reference=document, member_id=member_id, scope=scope, updated_at=now)
            )
        return False

    async def get(
        self, conn: AsyncConnection, conversation_id: str
    ) -> tuple[dict[str, Any], int | None] | None:
        row = (
            await conn.execute(
                select(
                    tables.conversation_references.c.reference,
                    tables.conversation_references.c.member_id,
                ).where(tables.conversation_references.c.conversation_id == conversation_id)
            )
        ).first()
        return (json.loads(row.reference), row.member_id) if row else None

    async def reachable_members(self, conn: AsyncConnection) -> set[int]:
        """Members who have a personal chat with the bot: it can write to them first."""
        table = tables.conversation_references
        result = await conn.execute(
            select(table.c.member_id).where(
                table.c.scope == "personal", table.c.member_id.is_not(None)
            )
        )
        return {int(row.member_id) for row in result}

    async def personal_for(self, conn: AsyncConnection, member_id: int) -> dict[str, Any] | None:
        row = (
            await conn.execute(
                select(tables.conversation_references.c.reference)
                .where(
                    and_(
                        tables.conversation_references.c.member_id == member_id,
                        tables.conversation_references.c.scope == "personal",
                    )
                )
                .order_by(tables.conversation_references.c.updated_at.desc())
                .limit(1)
            )
        ).first()
        return json.loads(row.reference) if row else None


@dataclass(frozen=True)
class Claim:
    """What the first sight of an activity key tells: process it, wait, or replay."""

    kind: str  # "new", "in_progress" or "done"
    status: int | None = None
    response: Any = None


class ProcessedActivities:
    """Remembers which activities were handled, and what an invoke answered."""

    async def claim(
        self, conn: AsyncConnection, activity_key: str, *, abandoned_after: timedelta
    ) -> Claim:
        activity_key = fit_key(activity_key, ACTIVITY_KEY_LENGTH)
        table = tables.processed_activities
        now = utcnow()
        if await insert_if_absent(
            conn, table, {"activity_key": activity_key, "received_at": to_db(now)}
        ):
            return Claim("new")
        row = (
            await conn.execute(
                select(table.c.status, table.c.response, table.c.received_at).where(
                    table.c.activity_key == activity_key
                )
            )
        ).one()
        if row.status is not None:
            response = json.loads(row.response) if row.response else None
            return Claim("done", int(row.status), response)
        if from_db(row.received_at) > now - abandoned_after:
            return Claim("in_progress")
        # Claimed long ago and never answered: the process died. Take it over.
        await conn.execute(
            update(table).where(table.c.activity_key == activity_key).values(received_at=to_db(now))
        )
        return Claim("new")

    async def answer(self, conn: AsyncConnection, activity_key: str) -> Claim | None:
        """The recorded answer to an activity, if its first delivery has finished."""
        activity_key = fit_key(activity_key, ACTIVITY_KEY_LENGTH)
        table = tables.processed_activities
        row = (
            await conn.execute(
                select(table.c.status, table.c.response).where(table.c.activity_key == activity_key)
            )
        ).first()
        if row is None or row.status is None:
            return None
        return Claim("done", int(row.status), json.loads(row.response) if row.response else None)

    async def first_time(self, conn: AsyncConnection, key: str) -> bool:
        """Records a one-time event (a welcome); True only for the caller that recorded it."""
        return await insert_if_absent(
            conn,
            tables.processed_activities,
            dict(
                activity_key=fit_key(key, ACTIVITY_KEY_LENGTH),
                received_at=to_db(utcnow()),
                status=200,
            ),
        )

    async def release(self, conn: AsyncConnection, activity_key: str) -> None:
        activity_key = fit_key(activity_key, ACTIVITY_KEY_LENGTH)
        await conn.execute(
            delete(tables.processed_activities).where(
                tables.processed_activities.c.activity_key == activity_key
            )
        )

    async def record_response(
        self, conn: AsyncConnection, activity_key: str, status: int, body: Any
    ) -> None:
        activity_key = fit_key(activity_key, ACTIVITY_KEY_LENGTH)
        await conn.execute(
            update(tables.processed_activities)
            .where(tables.processed_activities.c.activity_key == activity_key)
            .values(status=status, response=json.dumps(body) if body is not None else None)
        )

    async def forget_before(self, conn: AsyncConnection, moment: datetime) -> int:
        result = await conn.execute(
            delete(tables.processed_activities).where(
                tables.processed_activities.c.received_at < to_db(moment)
            )
        )
        return int(result.rowcount or 0)
