"""Where document files live: the committee team's SharePoint library (with Graph), or the
bot's data directory (local mode); and fetching a file Teams hands over.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bot.domain.documents import Document, NoLibrary, StoredFile, StoredIn, TooLarge
from bot.domain.members import Member
from bot.errors import DeliveryFailed
from bot.graph.drive import DriveItem, TeamDrive
from bot.storage.committee import CommitteeTeam

CHUNK = 256 * 1024


def may_fetch(url: str) -> bool:
    """HTTPS anywhere (Teams hands out SharePoint download URLs); plain HTTP only to this
    machine (the loopback servers of tests and of the Playground)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


async def fetch_into(
    session: aiohttp.ClientSession, url: str, target: Path, max_bytes: int
) -> tuple[str, int]:
    """Streams the file at `url` into `target`, never more than `max_bytes` (a size Teams
    announced wrongly is caught here). Returns its SHA-256 and size. The URL is
    pre-authorised by Teams: it is sent no token."""
    if not may_fetch(url):
        raise DeliveryFailed("the file's address is not one the bot fetches from", status=400)
    digest = hashlib.sha256()
    size = 0
    try:
        async with session.get(
            url, timeout=aiohttp.ClientTimeout(total=None, sock_read=60)
        ) as reply:
            if reply.status >= 400:
                raise DeliveryFailed(f"the file answered {reply.status}", status=reply.status)
            announced = reply.content_length
            if announced is not None and announced > max_bytes:
                raise TooLarge(f"{announced} bytes")
            with target.open("wb") as out:
                async for chunk in reply.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"more than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
    except aiohttp.ClientError as error:
        raise DeliveryFailed(f"the file could not be fetched: {type(error).__name__}") from error
    return digest.hexdigest(), size


class LocalStore:
    """Local mode: files under the data directory, one folder per document (so two files of
    the same name never clash), served by the bot at signed links."""

    kind = StoredIn.LOCAL

    def __init__(self, root: Path) -> None:
        self._root = root

    def path_of(self, document: Document) -> Path | None:
        return self._file(document)

    def _file(self, document: Document) -> Path:
        return self._root / str(document.id) / document.name

    async def put(
        self,
        document: Document,
        folder: str,
        source: Path,
        session_url: str | None,
        remember_session: Callable[[str], Awaitable[None]],
        team: CommitteeTeam | None,
    ) -> StoredFile:
        target = self._file(document)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(source, partial)
        os.replace(partial, target)  # whole or absent, never half a file
        return StoredFile(document.name, None, target.stat().st_size)

    async def look(self, document: Document) -> StoredFile | None:
        path = self._file(document)
        return StoredFile(document.name, None, path.stat().st_size) if path.exists() else None

    async def resolve(self, url: str) -> StoredFile | None:
        return None  # without Graph a pasted link stays a link

    async def share_with_organisation(self, document: Document) -> str | None:
        return None

    async def exposed(self, document: Document) -> bool:
        return False  # each download is checked

    async def invite(self, document: Document, member: Member) -> str:
        raise AssertionError("local documents are checked at each download, never invited")

    async def withdraw(self, document: Document, permission_id: str) -> None:
        raise AssertionError("local documents are checked at each download, never invited")


def _stored(item: DriveItem) -> StoredFile:
    return StoredFile(item.name, item.web_url, item.size, item.drive_id, item.item_id)


class SharePointStore:
    """The committee team's library: `/groups/{team}/drive`, a folder per meeting."""

    kind = StoredIn.SHAREPOINT

    def __init__(self, drive: TeamDrive) -> None:
        self._drive = drive

    async def put(
        self,
        document: Document,
        folder: str,
        source: Path,
        session_url: str | None,
        remember_session: Callable[[str], Awaitable[None]],
        team: CommitteeTeam | None,
    ) -> StoredFile:
        if team is None or not team.group_id:
            raise NoLibrary("the committee's team is not known")
        drive_id = await self._drive.drive_of(team.group_id)
        folder_id = await self._drive.folder(drive_id, folder)
        item = await self._drive.upload(
            drive_id, folder_id, document.name, source, session_url, remember_session
        )
        return _stored(item)

    async def look(self, document: Document) -> StoredFile | None:
        if not document.drive_id or not document.item_id:
            return None
        item = await self._drive.look(document.drive_id, document.item_id)
        return _stored(item) if item else None

    async def resolve(self, url: str) -> StoredFile | None:
        return _stored(await self._drive.resolve(url))

    async def share_with_organisation(self, document: Document) -> str | None:
        assert document.drive_id and document.item_id
        return await self._drive.organisation_link(document.drive_id, document.item_id) or None

    async def exposed(self, document: Document) -> bool:
        assert document.drive_id and document.item_id
        return await self._drive.inherits_access(document.drive_id, document.item_id)

    def path_of(self, document: Document) -> Path | None:
        return None  # SharePoint serves it

    async def invite(self, document: Document, member: Member) -> str:
        assert document.drive_id and document.item_id
        return await self._drive.invite(document.drive_id, document.item_id, member.email)

    async def withdraw(self, document: Document, permission_id: str) -> None:
        assert document.drive_id and document.item_id
        await self._drive.withdraw(document.drive_id, document.item_id, permission_id)
