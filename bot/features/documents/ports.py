"""What the documents' use cases work with: where files are kept and fetched from (ports the composition root fills), the links they sign, and what they answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

from bot.domain.members import Member
from bot.features.documents import rules
from bot.features.documents.rules import (
    Denial,
    Document,
    StoredFile,
    StoredIn,
)
from bot.features.meetings.rules import Meeting
from bot.storage.committee import CommitteeTeam


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
