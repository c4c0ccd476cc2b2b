"""Who may open which document: the gate applied to the registry, the listing `documents`
shows, the local download, and the tick (`reconcile`) that invites to and withdraws from
confidential SharePoint documents as entitlements move, each change audited.

A part of `DocumentsService` (a base class of it): what it reads is the service's own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.errors import DeliveryFailed
from bot.features.confidentiality.service import ConfidentialityService
from bot.features.declarations.service import DeclarationsService
from bot.features.documents import rules
from bot.features.documents.ports import (
    DocumentStore,
    DownloadLinks,
    Listed,
)
from bot.features.documents.rules import (
    Denial,
    Document,
    DocumentStatus,
    Entitlement,
    StoredFile,
    StoredIn,
)
from bot.features.documents.store import DocumentRepository
from bot.features.meetings.store import MeetingRepository
from bot.storage.database import Database
from bot.storage.repositories import AuditLog, MemberRepository

log = logging.getLogger(__name__)

# Documents shown by `documents`: the most recent.
LISTED_MAX = 40


class DocumentAccess:
    _db: Database
    _documents: DocumentRepository
    _members: MemberRepository
    _meetings: MeetingRepository
    _audit: AuditLog
    _confidentiality: ConfidentialityService
    _declarations: DeclarationsService
    _store: DocumentStore
    _clock: Callable[[], datetime]
    _lease: timedelta
    links: DownloadLinks

    _zone: ZoneInfo

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    # --- who may open what -------------------------------------------------------------------

    async def _entitlements(
        self, members: Sequence[Member], documents: Sequence[Document]
    ) -> list[Entitlement]:
        pairs = {
            (d.meeting_id, d.item)
            for d in documents
            if d.confidential and d.meeting_id is not None and d.item is not None
        }
        conflicted: dict[int, set[tuple[int, str]]] = {}
        for meeting_id, item in pairs:
            assert meeting_id is not None and item is not None
            for member_id in await self._declarations.conflicted(meeting_id, item):
                conflicted.setdefault(member_id, set()).add((meeting_id, item))
        accepted = (
            await self._confidentiality.accepted_current(members)
            if any(d.confidential for d in documents)
            else set()
        )
        return [
            Entitlement(m, m.id in accepted, frozenset(conflicted.get(m.id or 0, set())))
            for m in members
        ]

    async def denial_for(self, member: Member, document: Document) -> Denial | None:
        [who] = await self._entitlements([member], [document])
        return rules.denial(who, document, self._today())

    async def listed_for(self, member: Member) -> list[Listed]:
        """What `documents` shows this member, most recent first, each with whether they may
        open it; SharePoint asked first whether each is still there."""
        async with self._db.read() as conn:
            documents = (await self._documents.listed(conn))[:LISTED_MAX]
        documents = await self._look_again(documents)
        [who] = await self._entitlements([member], documents)
        async with self._db.read() as conn:
            names = {m.id: m.display_name for m in await self._members.all(conn)}
            meetings = {m.id: m for m in await self._meetings.all(conn)}
        now = self._clock()
        found = []
        for document in documents:
            denied = rules.denial(who, document, self._today())
            url = None
            if denied is None and document.status is DocumentStatus.READY:
                url = self.open_url(document, member, now)
            found.append(
                Listed(
                    document,
                    meetings.get(document.meeting_id) if document.meeting_id else None,
                    names.get(document.shared_by, ""),
                    denied,
                    url,
                )
            )
        return found

    def open_url(self, document: Document, member: Member, now: datetime) -> str | None:
        if document.stored_in is StoredIn.LOCAL:
            assert member.id is not None
            return self.links.for_member(document.id, member.id, now)
        return document.web_url

    async def _look_again(self, documents: list[Document]) -> list[Document]:
        """Each stored document as its store has it now: renamed or moved (a new address),
        or gone (listed as missing instead of a dead link)."""
        gate = asyncio.Semaphore(4)

        async def look(document: Document) -> Document:
            if document.stored_in is StoredIn.LINK:
                return document
            async with gate:
                try:
                    now = await self._store.look(document)
                except DeliveryFailed as error:
                    log.info("Could not check document %s: %s", document.id, error)
                    return document
            missing = now is None
            if missing == (document.status is DocumentStatus.MISSING) and (
                now is None or (now.name, now.web_url) == (document.name, document.web_url)
            ):
                return document
            async with self._db.transaction() as conn:
                await self._documents.seen_in_library(
                    conn,
                    document.id,
                    name=now.name if now else None,
                    web_url=_kept_link(document, now),
                    missing=missing,
                )
                refreshed = await self._documents.get(conn, document.id)
            return refreshed or document

        return list(await asyncio.gather(*(look(d) for d in documents)))

    async def download(self, document_id: int, member_id: int) -> tuple[Document, Path] | Denial:
        """A local download: the file when the member may open it now."""
        async with self._db.read() as conn:
            document = await self._documents.get(conn, document_id)
            member = await self._members.get(conn, member_id)
        if document is None or member is None or document.status is not DocumentStatus.READY:
            return Denial.NOT_MEMBER
        denied = await self.denial_for(member, document)
        if denied is not None:
            return denied
        path = self._store.path_of(document)
        if path is None:
            return Denial.NOT_MEMBER
        return document, path

    async def reconcile(self) -> int:
        """The tick: invitations to confidential SharePoint documents made to match who is
        entitled now (who is entitled read once for all of them). Returns how many grants
        and withdrawals were made."""
        async with self._db.read() as conn:
            documents = await self._documents.confidential_in_sharepoint(conn)
            members = await self._members.all(conn)
        if not documents:
            return 0
        people = await self._entitlements(members, documents)
        changed = 0
        for document in documents:
            try:
                changed += await self.reconcile_one(document, people)
            except DeliveryFailed as error:
                log.warning("Access to document %s not updated: %s", document.id, error)
        return changed

    async def reconcile_one(
        self, document: Document, people: Sequence[Entitlement] | None = None
    ) -> int:
        async with self._db.read() as conn:
            grants = await self._documents.grants(conn, document.id)
            members = await self._members.all(conn) if people is None else []
        if people is None:
            people = await self._entitlements(members, [document])
        # An invitation claimed by a process that died before Graph answered: claimed again
        # (Graph answers an invitation repeated with the same permission).
        stale = self._clock() - self._lease
        for member_id, (permission, since) in list(grants.items()):
            if permission is None and since < stale:
                async with self._db.transaction() as conn:
                    await self._documents.drop_grant(conn, document.id, member_id)
                del grants[member_id]
        granted = {member_id: permission for member_id, (permission, _) in grants.items()}
        wanted = rules.entitled(people, document, self._today())
        by_id = {p.member.id: p.member for p in people}
        changed = 0
        for member_id in sorted(wanted - set(granted)):
            changed += await self._grant(document, by_id[member_id])
        for member_id in sorted(set(granted) - wanted):
            permission = granted[member_id]
            if permission is None:
                # An invitation another process is sending; looked at again next tick.
                continue
            await self._store.withdraw(document, permission)
            async with self._db.transaction() as conn:
                if await self._documents.drop_grant(conn, document.id, member_id):
                    member = by_id.get(member_id)
                    await self._audit.append(
                        conn,
                        AuditEvent(
                            "bot", "document.withdrawn", "document", str(document.id),
                            {"member": member_id,
                             "email": member.email if member else ""},
                        ),
                    )  # fmt: skip
                    changed += 1
        return changed

    async def _grant(self, document: Document, member: Member) -> int:
        assert member.id is not None
        async with self._db.transaction() as conn:
            if not await self._documents.claim_grant(conn, document.id, member.id, self._clock()):
                return 0
        try:
            permission = await self._store.invite(document, member)
        except BaseException:
            async with self._db.transaction() as conn:
                await self._documents.drop_grant(conn, document.id, member.id)
            raise
        async with self._db.transaction() as conn:
            await self._documents.granted(conn, document.id, member.id, permission)
            await self._audit.append(
                conn,
                AuditEvent(
                    "bot", "document.granted", "document", str(document.id),
                    {"member": member.id, "email": member.email},
                ),
            )  # fmt: skip
        return 1


def _kept_link(document: Document, now: StoredFile | None) -> str | None:
    """A non-confidential document keeps its organisation link (it follows the file); a
    confidential one takes the item's new address."""
    if now is None:
        return None
    return document.web_url if not document.confidential else now.web_url
