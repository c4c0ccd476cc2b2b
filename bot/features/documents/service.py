"""Documents: a file or link received, placed by its sharer (meeting, item, confidential),
stored where the committee works, announced, listed, and opened only by those entitled.

The steps, each surviving a crash:

1. A file or link arrives in personal chat: a draft row, and the sharer's card.
2. The sharer's answer turns the draft into an upload (one click wins: `start_upload`).
3. The upload runs in the background (a large file takes longer than a card may wait): the
   file is fetched from Teams, stored (SharePoint, or the data directory in local mode), and
   in one transaction marked ready, audited with its SHA-256, and the channel card and the
   sharer's confirmation planned in the outbox. A failure marks it failed and the sharer's
   card offers to retry. A process that dies mid-upload leaves it `uploading`; after the
   lease another process (or the same one restarted) takes it over and resumes.
4. Who may open a confidential SharePoint document is recomputed by a tick (`reconcile`):
   invitations for those newly entitled, withdrawals for those no longer, each audited.
   The entitlements move when a commitment is accepted or published, a conflict is declared,
   a mandate ends — all written elsewhere, so a tick that compares is the one place that
   cannot miss one. In local mode the same gate is checked at each download instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.errors import DeliveryFailed
from bot.features.confidentiality.service import ConfidentialityService
from bot.features.declarations.service import DeclarationsService
from bot.features.documents import rules
from bot.features.documents.rules import (
    DESCRIPTION_MAX,
    Denial,
    Document,
    DocumentStatus,
    Entitlement,
    NoLibrary,
    OutsideLibrary,
    SourceRefused,
    StoredFile,
    StoredIn,
    TooLarge,
)
from bot.features.documents.store import DocumentRepository
from bot.features.meetings.rules import Meeting, MeetingStatus
from bot.features.meetings.store import MeetingRepository
from bot.storage.committee import CommitteeTeam, CommitteeTeamRepository
from bot.storage.database import Database
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import AuditLog, MemberRepository

log = logging.getLogger(__name__)

CHANNEL_CARD = "documents.channel"
STORED_NOTICE = "documents.stored"
FAILED_NOTICE = "documents.failed"
EXPOSED_NOTICE = "documents.exposed"
# Meetings offered on the sharer's card: those ahead, and those of the last weeks (minutes,
# follow-up documents).
PLACES_BACK = timedelta(days=45)
PLACES_MAX = 6
# Documents shown by `documents`: the most recent.
LISTED_MAX = 40


class DocumentStore(Protocol):
    """Where documents are kept: the team's SharePoint library, or the data directory."""

    kind: StoredIn

    async def put(
        self,
        document: Document,
        folder: str,
        source: Path,
        session_url: str | None,
        remember_session: Callable[[str], Awaitable[None]],
        team: CommitteeTeam | None,
    ) -> StoredFile: ...

    async def look(self, document: Document) -> StoredFile | None:
        """The document as its store has it now; None when it is gone."""

    async def resolve(self, url: str, team: CommitteeTeam | None) -> StoredFile | None:
        """The file a pasted link names, when the store can reach it."""

    async def share_with_organisation(self, document: Document) -> str | None: ...

    async def exposed(self, document: Document) -> bool:
        """Whether people the bot never invited can open it (inherited permissions)."""

    def path_of(self, document: Document) -> Path | None:
        """The file on this machine, for the bot to serve (local mode); None elsewhere."""

    async def invite(self, document: Document, member: Member) -> str: ...

    async def withdraw(self, document: Document, permission_id: str) -> None: ...


class Fetch(Protocol):
    def check(self, url: str) -> None:
        """Raises SourceRefused unless the bot downloads from this address."""

    async def __call__(self, url: str, target: Path, max_bytes: int) -> tuple[str, int]:
        """Fetches `url` into `target`, at most `max_bytes`: returns the SHA-256 and the
        size."""


@dataclass(frozen=True)
class Place:
    """Where a document can belong: the committee in general, a meeting, an agenda item."""

    key: str
    meeting: Meeting | None = None
    item: str | None = None


@dataclass(frozen=True)
class Received:
    draft_id: int | None = None
    refusal: str | None = None


@dataclass(frozen=True)
class ShareOutcome:
    started: bool
    refusal: str | None = None


@dataclass(frozen=True)
class Listed:
    document: Document
    meeting: Meeting | None
    shared_by: str
    denial: Denial | None
    open_url: str | None


@dataclass(frozen=True)
class NoticeWork:
    member: Member
    document: Document
    meeting: Meeting | None
    shared_by: str
    # Whether the committee's channel is told (False: no channel was known when it was stored).
    announced: bool = True


@dataclass(frozen=True)
class DownloadLinks:
    """Signed, expiring links to the files kept in local mode."""

    secret: bytes
    base_url: str
    lifetime: timedelta

    def for_member(self, document_id: int, member_id: int, now: datetime) -> str:
        expires = int((now + self.lifetime).timestamp())
        signature = rules.link_signature(self.secret, document_id, member_id, expires)
        query = urlencode({"m": member_id, "e": expires, "s": signature})
        return f"{self.base_url.rstrip('/')}/documents/{document_id}?{query}"


class DocumentsService:
    def __init__(
        self,
        database: Database,
        documents: DocumentRepository,
        members: MemberRepository,
        meetings: MeetingRepository,
        committee: CommitteeTeamRepository,
        audit: AuditLog,
        outbox: Outbox,
        confidentiality: ConfidentialityService,
        declarations: DeclarationsService,
        store: DocumentStore,
        fetch: Fetch,
        workdir: Path,
        links: DownloadLinks,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
        *,
        max_bytes: int,
        upload_lease: timedelta = timedelta(minutes=15),
    ) -> None:
        self._db = database
        self._documents = documents
        self._members = members
        self._meetings = meetings
        self._committee = committee
        self._audit = audit
        self._outbox = outbox
        self._confidentiality = confidentiality
        self._declarations = declarations
        self._store = store
        self._fetch = fetch
        self._workdir = workdir
        self.links = links
        self._zone = zone
        self._clock = clock
        self.max_bytes = max_bytes
        self._lease = upload_lease
        self._running: set[asyncio.Task[None]] = set()
        # Called when an upload ends (stored or failed), so the outbox sends at once.
        self.on_settled: Callable[[], None] = lambda: None

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    # --- receiving -------------------------------------------------------------------------

    async def receive_file(
        self, member: Member, name: str, download_url: str, size: int | None
    ) -> Received:
        refusal = rules.file_refusal(name, size, self.max_bytes)
        if refusal is not None:
            return Received(refusal=refusal)
        try:
            self._fetch.check(download_url)
        except SourceRefused as refused:
            log.warning("A file's download address was refused: %s", refused)
            return Received(refusal="documents.refused.source")
        assert member.id is not None
        async with self._db.transaction() as conn:
            draft = await self._documents.add_draft(
                conn,
                name=rules.clean_name(name),
                shared_by=member.id,
                stored_in=self._store.kind,
                source_url=download_url,
                size=size,
            )
        return Received(draft_id=draft)

    async def receive_link(self, member: Member, url: str) -> Received:
        """A pasted SharePoint or OneDrive link: the file stays where it is; with SharePoint
        the bot still manages who may open it."""
        assert member.id is not None
        if not rules.is_microsoft_file_link(url):
            return Received(refusal="documents.refused.lookalike")
        async with self._db.read() as conn:
            team = await self._committee.get(conn)
        try:
            found = await self._store.resolve(url, team)
        except OutsideLibrary as outside:
            log.info("A pasted link was refused: %s", outside)
            return Received(refusal="documents.refused.outside_library")
        except NoLibrary:
            return Received(refusal="documents.refused.no_team")
        async with self._db.transaction() as conn:
            if found is None:
                draft = await self._documents.add_draft(
                    conn,
                    name=rules.clean_name(_name_of_link(url)) or url[:200],
                    shared_by=member.id,
                    stored_in=StoredIn.LINK,
                    source_url=url,
                    size=None,
                )
            else:
                if (
                    rules.extension_of(found.name)
                    and rules.file_refusal(found.name, found.size, self.max_bytes)
                    == "documents.refused.type"
                ):
                    return Received(refusal="documents.refused.type")
                draft = await self._documents.add_draft(
                    conn,
                    name=found.name,
                    shared_by=member.id,
                    stored_in=self._store.kind,
                    source_url="",
                    size=found.size,
                    drive_id=found.drive_id,
                    item_id=found.item_id,
                    web_url=found.web_url,
                )
        return Received(draft_id=draft)

    async def draft(self, member: Member, draft_id: int) -> Document | None:
        """The sharer's own draft or failed upload (anyone else's is None)."""
        async with self._db.read() as conn:
            found = await self._documents.get(conn, draft_id)
        if found is None or found.shared_by != member.id:
            return None
        return found

    async def places(self) -> list[Place]:
        now = self._clock()
        async with self._db.read() as conn:
            meetings = [
                m
                for m in await self._meetings.all(conn)
                if m.status is MeetingStatus.SCHEDULED and m.starts_at >= now - PLACES_BACK
            ]
        meetings.sort(key=lambda m: m.starts_at)
        found = [Place("general")]
        for meeting in meetings[:PLACES_MAX]:
            found.append(Place(f"m{meeting.id}", meeting))
            for index, item in enumerate(meeting.plan.agenda):
                found.append(Place(f"m{meeting.id}i{index}", meeting, item.title))
        return found

    # --- sharing ---------------------------------------------------------------------------

    async def share(
        self,
        member: Member,
        draft_id: int,
        place_key: str,
        confidential: bool,
        description: str,
    ) -> ShareOutcome:
        description = description.strip()
        if len(description) > DESCRIPTION_MAX:
            return ShareOutcome(False, "documents.refused.description")
        place = next((p for p in await self.places() if p.key == place_key), None)
        if place is None:
            return ShareOutcome(False, "documents.refused.place")
        found = await self.draft(member, draft_id)
        if found is None:
            return ShareOutcome(False, "documents.refused.not_yours")
        if found.stored_in is StoredIn.SHAREPOINT and await self.team() is None:
            return ShareOutcome(False, "documents.refused.no_team")
        return await self._upload(
            member, draft_id, place.meeting.id if place.meeting else None, place.item,
            confidential, description,
        )  # fmt: skip

    async def retry(self, member: Member, document_id: int) -> ShareOutcome:
        """A failed upload, again, where its sharer put it."""
        found = await self.draft(member, document_id)
        if found is None or found.status is not DocumentStatus.FAILED:
            return ShareOutcome(False, "documents.refused.already")
        return await self._upload(
            member, document_id, found.meeting_id, found.item, found.confidential,
            found.description,
        )  # fmt: skip

    async def _upload(
        self,
        member: Member,
        document_id: int,
        meeting_id: int | None,
        item: str | None,
        confidential: bool,
        description: str,
    ) -> ShareOutcome:
        """The draft (or failed upload) becomes an upload, for one click only, then runs."""
        assert member.id is not None
        async with self._db.transaction() as conn:
            won = await self._documents.start_upload(
                conn, document_id, member.id, meeting_id=meeting_id, item=item,
                confidential=confidential, description=description, now=self._clock(),
            )  # fmt: skip
        if not won:
            return ShareOutcome(False, "documents.refused.already")
        self._start(document_id)
        return ShareOutcome(True)

    async def document(self, document_id: int) -> Document | None:
        """A document once shared (ready or missing); a draft is nobody else's business."""
        async with self._db.read() as conn:
            found = await self._documents.get(conn, document_id)
        if found is None or found.status not in (DocumentStatus.READY, DocumentStatus.MISSING):
            return None
        return found

    async def team(self) -> CommitteeTeam | None:
        async with self._db.read() as conn:
            return await self._committee.get(conn)

    def _start(self, document_id: int) -> None:
        task = asyncio.create_task(self._transfer(document_id))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def settle(self) -> None:
        """Waits for the uploads under way (tests, and a clean stop)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def stop(self) -> None:
        """Stops the uploads under way: each stays `uploading` and is taken over after the
        lease, resuming its upload session."""
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*list(self._running), return_exceptions=True)

    async def resume_stalled(self) -> None:
        """The tick: uploads left `uploading` by a process that stopped are taken over."""
        now = self._clock()
        async with self._db.read() as conn:
            stalled = await self._documents.stalled(conn, now - self._lease)
        for document_id in stalled:
            async with self._db.transaction() as conn:
                taken = await self._documents.take_stalled(
                    conn, document_id, now - self._lease, now
                )
            if taken:
                self._start(document_id)

    async def _transfer(self, document_id: int) -> None:
        async with self._db.read() as conn:
            document = await self._documents.get(conn, document_id)
            source, session_url = await self._documents.source_of(conn, document_id)
            meeting = (
                await self._meetings.get(conn, document.meeting_id)
                if document and document.meeting_id
                else None
            )
            team = await self._committee.get(conn)
        if document is None or document.status is not DocumentStatus.UPLOADING:
            return
        part = self._workdir / f"upload-{document_id}-{document.attempt}"
        fingerprint = ""
        try:
            if document.item_id or document.stored_in is StoredIn.LINK:
                # A pasted link: the file stays where it is.
                stored = StoredFile(
                    document.name, document.web_url or source, document.size,
                    document.drive_id, document.item_id,
                )  # fmt: skip
            else:
                self._workdir.mkdir(parents=True, exist_ok=True)
                fingerprint, size = await self._fetch(source, part, self.max_bytes)
                folder = rules.folder_for(
                    meeting.plan.day if meeting else None,
                    meeting.plan.title if meeting else None,
                    document.confidential,
                )
                stored = await self._store.put(
                    document, folder, part, session_url, self._remember(document_id), team
                )
                stored = StoredFile(
                    stored.name, stored.web_url, stored.size or size,
                    stored.drive_id, stored.item_id,
                )  # fmt: skip
            if not document.confidential and stored.item_id:
                shared = await self._store.share_with_organisation(_with(document, stored))
                stored = StoredFile(
                    stored.name, shared or stored.web_url, stored.size,
                    stored.drive_id, stored.item_id,
                )  # fmt: skip
        except Exception as error:
            await self._failed(document, error)
            return
        finally:
            with contextlib.suppress(OSError):
                part.unlink()
        await self._stored(document, stored, fingerprint)
        if document.confidential and stored.item_id:
            try:
                await self.reconcile_one(_with(document, stored))
                if await self._store.exposed(_with(document, stored)):
                    await self._tell_exposed(document)
            except DeliveryFailed as error:
                log.warning("Access to document %s waits for the next tick: %s", document_id, error)
        self.on_settled()

    async def _tell_exposed(self, document: Document) -> None:
        """The confidential folder still inherits the team's permissions: the secretariat is
        told at once, with the way to close it, rather than trusting invitations that
        protect nothing."""
        log.warning("Confidential document %s inherits its folder's permissions", document.id)
        async with self._db.transaction() as conn:
            for clerk in await self._members.secretariat(conn, serving_on=self._today()):
                await self._outbox.plan(
                    conn,
                    f"documents:{document.id}:exposed:{clerk.id}",
                    EXPOSED_NOTICE,
                    clerk.id,
                    {"document": document.id},
                    self._clock(),
                )

    def _remember(self, document_id: int) -> Callable[[str], Awaitable[None]]:
        async def remember(url: str) -> None:
            async with self._db.transaction() as conn:
                await self._documents.remember_session(conn, document_id, url)

        return remember

    async def _stored(self, document: Document, stored: StoredFile, fingerprint: str) -> None:
        async with self._db.transaction() as conn:
            if not await self._documents.stored(
                conn,
                document.id,
                name=stored.name,
                size=stored.size,
                drive_id=stored.drive_id,
                item_id=stored.item_id,
                web_url=stored.web_url,
            ):
                return
            sharer = await self._members.get(conn, document.shared_by)
            await self._audit.append(
                conn,
                AuditEvent(
                    sharer.email if sharer else str(document.shared_by),
                    "document.shared",
                    "document",
                    str(document.id),
                    {
                        "meeting": document.meeting_id,
                        "confidential": document.confidential,
                        "stored_in": document.stored_in.value,
                        **({"sha256": fingerprint} if fingerprint else {}),
                    },
                ),
            )
            now = self._clock()
            team = await self._committee.get(conn)
            if team is not None:
                await self._outbox.plan(
                    conn,
                    f"documents:{document.id}:channel:{team.channel_id}",
                    CHANNEL_CARD,
                    None,
                    {"document": document.id, "channel": team.channel_id},
                    now,
                )
            await self._outbox.plan(
                conn,
                f"documents:{document.id}:stored",
                STORED_NOTICE,
                document.shared_by,
                # What the confirmation may say: whether the channel's card was planned.
                {"document": document.id, "announced": team is not None},
                now,
            )

    async def _failed(self, document: Document, error: Exception) -> None:
        reason = _reason(error)
        log.warning("Upload of document %s failed: %s", document.id, error)
        # An upload session that answered 404 is gone: the next attempt opens a new one.
        session_gone = isinstance(error, DeliveryFailed) and error.status == 404
        async with self._db.transaction() as conn:
            if not await self._documents.failed(conn, document.id, keep_session=not session_gone):
                return
            await self._outbox.plan(
                conn,
                f"documents:{document.id}:failed:{document.attempt}",
                FAILED_NOTICE,
                document.shared_by,
                {"document": document.id, "reason": reason},
                self._clock(),
            )
        self.on_settled()

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

    # --- the outbox's work -----------------------------------------------------------------

    async def notice_work(self, conn: AsyncConnection, message: OutboxMessage) -> NoticeWork | None:
        document = await self._documents.get(conn, int(message.payload.get("document", 0)))
        if document is None:
            return None
        member_id = message.member_id if message.member_id is not None else document.shared_by
        member = await self._members.get(conn, member_id)
        sharer = await self._members.get(conn, document.shared_by)
        if member is None:
            return None
        meeting = (
            await self._meetings.get(conn, document.meeting_id) if document.meeting_id else None
        )
        return NoticeWork(
            member, document, meeting, sharer.display_name if sharer else "",
            announced=message.payload.get("announced", True) is True,
        )  # fmt: skip

    async def channel_team(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> CommitteeTeam | None:
        team = await self._committee.get(conn)
        if team is None or team.channel_id != message.payload.get("channel"):
            return None
        return team


def _with(document: Document, stored: StoredFile) -> Document:
    return replace(
        document,
        name=stored.name,
        drive_id=stored.drive_id,
        item_id=stored.item_id,
        web_url=stored.web_url,
        size=stored.size,
    )


def _kept_link(document: Document, now: StoredFile | None) -> str | None:
    """A non-confidential document keeps its organisation link (it follows the file); a
    confidential one takes the item's new address."""
    if now is None:
        return None
    return document.web_url if not document.confidential else now.web_url


def _reason(error: Exception) -> str:
    if isinstance(error, SourceRefused):
        return "documents.refused.source"
    if isinstance(error, TooLarge):
        return "documents.refused.size"
    if isinstance(error, NoLibrary):
        return "documents.refused.no_team"
    if isinstance(error, DeliveryFailed) and error.status in (401, 403):
        return "documents.failed.permission"
    return "documents.failed.unavailable"


def _name_of_link(url: str) -> str:
    path = unquote(urlsplit(url).path).rstrip("/")
    return path.rsplit("/", 1)[-1]
