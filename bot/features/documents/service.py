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
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.errors import DeliveryFailed
from bot.features.confidentiality.service import ConfidentialityService
from bot.features.declarations.service import DeclarationsService
from bot.features.documents import rules
from bot.features.documents.access import DocumentAccess
from bot.features.documents.ports import (
    DocumentStore,
    DownloadLinks,
    Fetch,
    NoticeWork,
    Place,
    Received,
    ShareOutcome,
)
from bot.features.documents.rules import (
    DESCRIPTION_MAX,
    Document,
    DocumentStatus,
    LinkUnchecked,
    NoLibrary,
    OutsideLibrary,
    SourceRefused,
    StoredFile,
    StoredIn,
    TooLarge,
)
from bot.features.documents.store import DocumentRepository
from bot.features.meetings.rules import MeetingStatus
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


class DocumentsService(DocumentAccess):
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
        on_settled: Callable[[], object] = lambda: None,
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
        self._on_settled = on_settled

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
        except LinkUnchecked as unchecked:
            log.info("A pasted sharing link could not be checked: %s", unchecked)
            return Received(refusal="documents.refused.sharing_link")
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
        self._on_settled()

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
        self._on_settled()

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
