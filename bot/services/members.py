"""Finding the member behind a Teams identity, and loading the roster."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from bot.domain.audit import AuditEvent
from bot.domain.members import Member, RosterParse, RosterProblem, parse_roster
from bot.features.mandates.service import sync_from_registry
from bot.features.mandates.store import MandateRepository
from bot.storage.database import Database
from bot.storage.repositories import AuditLog, ImportReport, MemberRepository

# Asks Teams for the e-mail / UPN of the person writing (Bot Connector's member lookup).
EmailLookup = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class RosterImport:
    report: ImportReport | None
    problems: list[RosterProblem]
    # The first import did not make the one importing a serving secretariat member.
    actor_not_secretariat: bool = False


class _Undo(Exception):
    """Rolls the import's transaction back."""


class MemberDirectory:
    def __init__(
        self,
        database: Database,
        members: MemberRepository,
        audit: AuditLog,
        mandates: MandateRepository | None = None,
    ) -> None:
        self._db = database
        self._members = members
        self._audit = audit
        self._mandates = mandates or MandateRepository()

    async def identify(
        self, aad_object_id: str | None, teams_user_id: str, lookup_email: EmailLookup
    ) -> Member | None:
        """The active member writing, by aadObjectId, else by the e-mail Teams reports.

        The identity is the activity's `from`; the e-mail comes from Teams' own roster, never
        from anything the person typed or a card carried. Someone marked inactive has left
        the committee: they are refused like a stranger, secretariat rights included.
        """
        if not aad_object_id:
            return None
        async with self._db.read() as conn:
            member = await self._members.by_aad_object_id(conn, aad_object_id)
        if member is not None:
            return member if member.active else None
        email = await lookup_email()
        if not email:
            return None
        async with self._db.transaction() as conn:
            member = await self._members.by_email(conn, email)
            if (
                member is None
                or member.id is None
                or not member.active
                or member.aad_object_id not in (None, aad_object_id.lower())
            ):
                return None
            await self._members.link_teams_identity(conn, member.id, aad_object_id, teams_user_id)
            await self._audit.append(
                conn,
                AuditEvent(
                    member.email,
                    "member.linked",
                    "member",
                    str(member.id),
                    {"aad_object_id": aad_object_id.lower()},
                ),
            )
        return member.with_teams_identity(aad_object_id.lower(), teams_user_id)

    async def remember_contact(self, member: Member, teams_user_id: str, locale: str) -> Member:
        """The member as they are now: their Teams id kept current, and on first contact the
        language their Teams client speaks kept as their own."""
        if member.id is None:
            return member
        if member.teams_user_id == teams_user_id and member.preferred_locale is not None:
            return member
        async with self._db.transaction() as conn:
            await self._members.remember_contact(conn, member.id, teams_user_id, locale)
        return replace(
            member, teams_user_id=teams_user_id, preferred_locale=member.preferred_locale or locale
        )

    async def set_language(self, member: Member, locale: str) -> Member:
        if member.id is None or member.preferred_locale == locale:
            return member
        async with self._db.transaction() as conn:
            await self._members.set_language(conn, member.id, locale)
        return replace(member, preferred_locale=locale)

    async def serving_secretariat(self, email: str, today: date) -> Member | None:
        """The secretariat member with this e-mail, if active and in their mandate: who may
        act for the secretariat from the command line."""
        async with self._db.read() as conn:
            member = await self._members.by_email(conn, email)
        if member is None or not member.is_secretariat or not member.is_serving(today):
            return None
        return member

    async def by_email(self, email: str) -> Member | None:
        """Anyone in the registry, serving or not (a former member keeps their rights)."""
        async with self._db.read() as conn:
            return await self._members.by_email(conn, email)

    async def secretariat(self) -> list[Member]:
        async with self._db.read() as conn:
            return await self._members.secretariat(conn)

    async def all(self) -> list[Member]:
        async with self._db.read() as conn:
            return await self._members.all(conn)

    async def import_roster(
        self, path: Path, actor: str, *, first_import_on: date | None = None
    ) -> RosterImport:
        """All rows or none: any bad row is reported with its line and nothing is written.
        `first_import_on`: today, for the first import, before anyone serves on the
        secretariat; it is written only if it makes `actor` a serving secretariat member."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            return RosterImport(None, [RosterProblem(1, "roster.not_utf8", {})])
        reader = csv.DictReader(io.StringIO(text), delimiter=_sniff_delimiter(text))
        try:
            rows = _materialise((reader.line_num, row) for row in reader)
        except csv.Error:
            # The csv module refuses a field over 131,072 characters (or a stray NUL).
            # The reader stops before it counts the line it could not read.
            line = reader.line_num + 1
            return RosterImport(None, [RosterProblem(line, "roster.unreadable", {})])
        parsed = parse_roster(reader.fieldnames, rows)
        if parsed.problems:
            return RosterImport(None, parsed.problems)
        try:
            return await self._import(path, actor, parsed, first_import_on)
        except _Undo:
            return RosterImport(None, [], actor_not_secretariat=True)

    async def _import(
        self, path: Path, actor: str, parsed: RosterParse, first_import_on: date | None
    ) -> RosterImport:
        async with self._db.transaction() as conn:
            taken = await self._members.aad_ids_held_elsewhere(conn, parsed.members)
            if taken:
                return RosterImport(None, [_aad_taken(parsed, aad, email) for aad, email in taken])
            report = await self._members.import_roster(conn, parsed.members)
            if first_import_on is not None:
                found = await self._members.by_email(conn, actor)
                if (
                    found is None
                    or not found.is_secretariat
                    or not found.is_serving(first_import_on)
                ):
                    raise _Undo
            # The dates imported become the mandates' history (created, extended, next one).
            await sync_from_registry(conn, self._members, self._mandates)
            if report.added or report.updated:
                await self._audit.append(
                    conn,
                    AuditEvent(
                        actor,
                        "roster.imported",
                        "roster",
                        path.name,
                        {
                            "added": report.added,
                            "updated": report.updated,
                            "unchanged": report.unchanged,
                        },
                    ),
                )
        return RosterImport(report, [])


def _aad_taken(parsed: RosterParse, aad: str, holder: str) -> RosterProblem:
    line = next(m for m in parsed.lines if m[1].aad_object_id == aad)[0]
    return RosterProblem(line, "roster.aad_taken", {"value": aad, "email": holder})


def _materialise(rows: object) -> list[tuple[int, dict[str, str | None]]]:
    # DictReader's line_num is only right while iterating: capture it row by row.
    return [(line, dict(row)) for line, row in rows]  # type: ignore[attr-defined]


def _sniff_delimiter(text: str) -> str:
    """Spreadsheets set to French write semicolons; accept both."""
    first = text.splitlines()[0] if text else ""
    return ";" if first.count(";") > first.count(",") else ","
