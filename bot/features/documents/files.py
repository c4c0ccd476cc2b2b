"""Where document files live: the committee team's SharePoint library (with Graph), or the
bot's data directory (local mode); and fetching a file Teams hands over.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import os
import shutil
import socket
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from bot.domain.members import Member
from bot.errors import DeliveryFailed
from bot.features.documents.rules import (
    Document,
    LinkUnchecked,
    NoLibrary,
    OutsideLibrary,
    SourceRefused,
    StoredFile,
    StoredIn,
    TooLarge,
)
from bot.graph.drive import DriveItem, SharingLinkUnchecked, TeamDrive
from bot.settings import is_loopback_host
from bot.storage.committee import CommitteeTeam

CHUNK = 256 * 1024


# Hops followed from a file's download address (SharePoint answers one or two).
MAX_REDIRECTS = 5


class DownloadPolicy:
    """Where the bot downloads members' files from: the hosts Teams hands files from.

    `*.sharepoint.com` matches on a dot boundary (`contoso.sharepoint.com`, never
    `evil-sharepoint.com`), over HTTPS only, and each address such a name resolves to must be a
    public one: a name pointing at loopback, a private network, a link-local or metadata
    address (169.254.169.254) is refused, so a redirect or a DNS answer cannot turn a download
    into a request to the bot's own network. A host listed exactly (`files.example`, or
    `127.0.0.1:8080` for one port only) is trusted whatever it resolves to, and may be plain
    HTTP on loopback: the tests' and the Playground's file servers."""

    def __init__(self, hosts: Sequence[str]) -> None:
        patterns = [h.strip().lower() for h in hosts if h.strip()]
        self._suffixes = tuple(p[1:].rstrip(".") for p in patterns if p.startswith("*."))
        exact: set[tuple[str, int | None]] = set()
        for pattern in patterns:
            if not pattern.startswith("*."):
                parts = urlsplit(f"//{pattern}")
                exact.add(((parts.hostname or "").rstrip("."), parts.port))
        self._exact = frozenset(exact)

    def explicit(self, host: str, port: int | None) -> bool:
        host = host.lower().rstrip(".")
        return (host, None) in self._exact or (host, port) in self._exact

    def check(self, url: str) -> None:
        """Raises SourceRefused, saying why, unless the bot may fetch `url`."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise SourceRefused("the address has no valid port") from None
        if not host or parts.username is not None or parts.password is not None:
            raise SourceRefused("the address names no host the bot downloads from")
        if self.explicit(host, port):
            if parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host)):
                return
            raise SourceRefused(f"{parts.scheme or 'no'} scheme for {host}")
        if parts.scheme != "https":
            raise SourceRefused(f"{parts.scheme or 'no'} scheme for {host}: HTTPS only")
        if not self._suffixes or not host.endswith(self._suffixes) or _is_ip(host):
            raise SourceRefused(f"{host}:{port} is not a host Teams hands files from")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


class _PublicOnlyResolver(AbstractResolver):
    """Resolves as usual, then keeps only public addresses for a host not listed exactly: the
    connection goes to an address checked here, so a name that resolves to a public address
    once and to an internal one the next time (DNS rebinding) gains nothing."""

    def __init__(self, policy: DownloadPolicy) -> None:
        self._policy = policy
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if self._policy.explicit(host, port):
            return found
        public = [r for r in found if _is_public(r["host"])]
        if not public:
            raise SourceRefused(f"{host} resolves only to internal addresses")
        return public

    async def close(self) -> None:
        await self._inner.close()


class FileDownloader:
    """Fetches a file Teams hands over: only from the policy's hosts, every redirect checked
    again, never more than `max_bytes`, never longer than `seconds`."""

    def __init__(self, policy: DownloadPolicy, seconds: float) -> None:
        self._policy = policy
        self._seconds = seconds

    def check(self, url: str) -> None:
        self._policy.check(url)

    async def __call__(self, url: str, target: Path, max_bytes: int) -> tuple[str, int]:
        """Streams the file at `url` into `target`. Returns its SHA-256 and size. The URL is
        pre-authorised by Teams: it is sent no token."""
        try:
            async with asyncio.timeout(self._seconds):
                return await self._fetch(url, target, max_bytes)
        except TimeoutError as error:
            raise DeliveryFailed(f"the file took more than {self._seconds:.0f} s") from error

    async def _fetch(self, url: str, target: Path, max_bytes: int) -> tuple[str, int]:
        connector = aiohttp.TCPConnector(resolver=_PublicOnlyResolver(self._policy))
        async with aiohttp.ClientSession(connector=connector) as session:
            for _ in range(MAX_REDIRECTS + 1):
                self._policy.check(url)
                try:
                    async with session.get(url, allow_redirects=False) as reply:
                        if reply.status in (301, 302, 303, 307, 308):
                            location = reply.headers.get("Location", "")
                            if not location:
                                raise DeliveryFailed("a redirect without a Location")
                            url = str(reply.url.join(URL(location)))
                            continue
                        return await _stream(reply, target, max_bytes)
                except aiohttp.ClientError as error:
                    # (SourceRefused from the resolver is no OSError: aiohttp lets it through.)
                    raise DeliveryFailed(
                        f"the file could not be fetched: {type(error).__name__}"
                    ) from error
        raise DeliveryFailed(f"more than {MAX_REDIRECTS} redirects")


async def _stream(reply: aiohttp.ClientResponse, target: Path, max_bytes: int) -> tuple[str, int]:
    """The body into `target`, never more than `max_bytes` (a size Teams announced wrongly is
    caught here)."""
    if reply.status >= 400:
        raise DeliveryFailed(f"the file answered {reply.status}", status=reply.status)
    announced = reply.content_length
    if announced is not None and announced > max_bytes:
        raise TooLarge(f"{announced} bytes")
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        async for chunk in reply.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(f"more than {max_bytes} bytes")
            digest.update(chunk)
            out.write(chunk)
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

    async def resolve(self, url: str, team: CommitteeTeam | None) -> StoredFile | None:
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
    """The committee team's library (`/sites/{site}/drive`, or `/groups/{team}/drive`), a
    folder per meeting."""

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

    async def resolve(self, url: str, team: CommitteeTeam | None) -> StoredFile | None:
        """The file a pasted link leads to, which must be in the committee team's library:
        a link elsewhere (someone's OneDrive, another site) is never announced as the
        committee's."""
        if team is None or not team.group_id:
            raise NoLibrary("the committee's team is not known yet")
        try:
            item = await self._drive.resolve(url, team.group_id)
        except SharingLinkUnchecked as unchecked:
            raise LinkUnchecked(str(unchecked)) from None
        if item.drive_id != await self._drive.drive_of(team.group_id):
            raise OutsideLibrary(f"drive {item.drive_id} is not the committee team's")
        return _stored(item)

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
