"""The committee's documents: what may be shared, where it goes, and who may open it.

No I/O here. A document belongs to a meeting (or to the committee in general), optionally to
one of that meeting's agenda items, and is confidential or not. Who may open it is decided by
`denial`, the one gate every path asks (the list, the channel card, the local download, the
SharePoint invitations):

- only a serving member opens anything (a mandate that ended closes the door);
- a non-confidential document opens for every serving member;
- a confidential one needs the current confidentiality commitment accepted (the secretariat,
  who publishes it, is not asked), and never opens for whoever declared a conflict on the
  agenda item it belongs to — the secretariat included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from bot.domain.members import Member

# Office documents, OpenDocument, PDF, text, CSV and images: what a committee works on.
ALLOWED_EXTENSIONS = frozenset(
    {
        *("doc", "docx", "dot", "dotx", "xls", "xlsx", "xlsm", "ppt", "pptx"),
        *("odt", "ods", "odp", "rtf", "pdf", "txt", "md", "csv"),
        *("png", "jpg", "jpeg", "gif", "webp"),
    }
)
DESCRIPTION_MAX = 500
NAME_MAX = 200
# Graph takes a file up to 4 MB in one PUT; above, an upload session in fragments.
SIMPLE_UPLOAD_MAX = 4 * 1024 * 1024
# Each fragment but the last must be a multiple of 320 KiB (Graph's rule for upload sessions).
FRAGMENT_UNIT = 320 * 1024
MEETINGS_FOLDER = "Réunions"
GENERAL_FOLDER = "Général"
CONFIDENTIAL_FOLDER = "Confidentiel"
# SharePoint refuses these in a file or folder name.
_FORBIDDEN = re.compile(r'["*:<>?/\\|#%\x00-\x1f]')
# Spaces (any Unicode space) and dots SharePoint refuses at either end of a name.
_EDGES = re.compile(r"^[\s.]+|[\s.]+$")
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,10}")


class DocumentStatus(StrEnum):
    DRAFT = "draft"  # received, waiting for the sharer's card
    UPLOADING = "uploading"
    READY = "ready"
    FAILED = "failed"  # the upload failed: retried from the sharer's card
    MISSING = "missing"  # deleted or moved out of the library since


class StoredIn(StrEnum):
    SHAREPOINT = "sharepoint"  # a drive item: Graph knows it
    LOCAL = "local"  # a file in the bot's data directory (local mode)
    LINK = "link"  # a pasted link the bot cannot reach (local mode)


class Denial(StrEnum):
    """Why a person may not open a document (values are catalogue keys)."""

    NOT_MEMBER = "documents.denied.not_member"
    MANDATE_ENDED = "documents.denied.mandate_ended"
    COMMITMENT = "documents.denied.commitment"
    CONFLICT = "documents.denied.conflict"


@dataclass(frozen=True)
class Document:
    id: int
    name: str
    meeting_id: int | None
    item: str | None
    confidential: bool
    description: str
    shared_by: int
    shared_at: datetime
    status: DocumentStatus
    stored_in: StoredIn
    size: int | None = None
    drive_id: str | None = None
    item_id: str | None = None
    web_url: str | None = None
    attempt: int = 0


@dataclass(frozen=True)
class StoredFile:
    """Where a store put a document (or found a linked one)."""

    name: str
    web_url: str | None
    size: int | None = None
    drive_id: str | None = None
    item_id: str | None = None


class TooLarge(Exception):
    """The file is larger than the committee accepts."""


class NoLibrary(Exception):
    """SharePoint is on but the committee's team is not known yet."""


class SourceRefused(Exception):
    """A file's download address (or a redirect from it) is not one the bot fetches from."""


class OutsideLibrary(Exception):
    """A pasted link leads to a file outside the committee team's library."""


class LinkUnchecked(Exception):
    """A sharing link the bot cannot follow with its narrow permission (Sites.Selected): the
    member is asked for the file's address in the library, or the file itself."""


# The hosts of Microsoft's file links: SharePoint and OneDrive (for Business, and personal).
MICROSOFT_FILE_DOMAINS = ("sharepoint.com", "onedrive.live.com", "1drv.ms")


def is_microsoft_file_link(url: str) -> bool:
    """An HTTPS link whose host is one of Microsoft's file domains or below one, on a dot
    boundary: `contoso.sharepoint.com`, never `evil-sharepoint.com` nor
    `sharepoint.com.evil.example`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme != "https" or parts.username is not None or parts.password is not None:
        return False
    return any(host == d or host.endswith("." + d) for d in MICROSOFT_FILE_DOMAINS)


@dataclass(frozen=True)
class Entitlement:
    """What the gate needs to know about one person, read once for many documents."""

    member: Member
    accepted_current: bool
    # (meeting id, agenda item) pairs this person declared a conflict on.
    conflicts: frozenset[tuple[int, str]] = frozenset()


def denial(who: Entitlement, document: Document, today: date) -> Denial | None:
    member = who.member
    if not member.is_serving(today):
        ended = member.mandate_ends_on is not None and today > member.mandate_ends_on
        return Denial.MANDATE_ENDED if ended and member.active else Denial.NOT_MEMBER
    if (
        document.confidential
        and document.meeting_id is not None
        and document.item is not None
        and (document.meeting_id, document.item) in who.conflicts
    ):
        return Denial.CONFLICT
    if document.confidential and not member.is_secretariat and not who.accepted_current:
        return Denial.COMMITMENT
    return None


def entitled(people: Iterable[Entitlement], document: Document, today: date) -> set[int]:
    """The ids of the members who may open the document today."""
    return {
        p.member.id
        for p in people
        if p.member.id is not None and denial(p, document, today) is None
    }


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def file_refusal(name: str, size: int | None, max_bytes: int) -> str | None:
    """The catalogue key that says why this file is refused, or None."""
    if not clean_name(name):
        return "documents.refused.no_name"
    if extension_of(name) not in ALLOWED_EXTENSIONS:
        return "documents.refused.type"
    if size is not None and size > max_bytes:
        return "documents.refused.size"
    return None


def clean_name(name: str) -> str:
    """A name SharePoint accepts and people can see: invisible characters (zero-width spaces,
    direction marks, controls) dropped, forbidden ones a dash, no leading or trailing dot or
    space, at most NAME_MAX characters, the extension kept (`.pdf` becomes `document.pdf`, not
    `pdf`). Empty when nothing visible is left."""
    visible = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    stem, dot, extension = visible.rpartition(".")
    if dot and _EXTENSION.fullmatch(extension):
        stem = _EDGES.sub("", _FORBIDDEN.sub("-", stem))
        cleaned = f"{stem or 'document'}.{extension}"
    else:
        cleaned = _EDGES.sub("", _FORBIDDEN.sub("-", visible))
    if len(cleaned) <= NAME_MAX:
        return cleaned
    stem, dot, extension = cleaned.rpartition(".")
    keep = NAME_MAX - len(extension) - 1
    return (stem[:keep] + dot + extension) if dot and keep > 0 else cleaned[:NAME_MAX]


def folder_for(
    meeting_day: date | None, meeting_title: str | None, confidential: bool = False
) -> str:
    """Where a document goes in the team's library: `Réunions/2027-01-20 — Réunion régulière`
    for a meeting, `Général` otherwise; a confidential one under `Confidentiel/`, the folder
    whose inherited permissions a site owner stops once (see the README), so that only the
    bot's invitations open what is inside."""
    if meeting_day is None:
        found = GENERAL_FOLDER
    else:
        label = clean_name(f"{meeting_day.isoformat()} — {meeting_title or ''}".strip(" —"))
        found = f"{MEETINGS_FOLDER}/{label}"
    return f"{CONFIDENTIAL_FOLDER}/{found}" if confidential else found


def fragments(total: int, start: int, unit_count: int = 10) -> list[tuple[int, int]]:
    """The byte ranges (first, last inclusive) to send from `start`: fragments of
    `unit_count` × 320 KiB, the last one whatever is left."""
    size = FRAGMENT_UNIT * unit_count
    ranges = []
    first = start
    while first < total:
        last = min(first + size, total) - 1
        ranges.append((first, last))
        first = last + 1
    return ranges


def resume_at(next_expected: Sequence[str]) -> int | None:
    """Where an upload session wants the next byte, from its `nextExpectedRanges`
    (`"12345-"` open, or `"12345-67890"`); None when it expects nothing more."""
    starts = []
    for expected in next_expected:
        head = expected.split("-", 1)[0]
        if head.isdigit():
            starts.append(int(head))
    return min(starts) if starts else None


# --- signed download links (local mode) ----------------------------------------------------


def link_signature(secret: bytes, document_id: int, member_id: int, expires: int) -> str:
    """HMAC-SHA-256 of what a local download link grants: this document, to this member,
    until this moment (Unix seconds)."""
    message = f"{document_id}:{member_id}:{expires}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def link_is_genuine(
    secret: bytes, document_id: int, member_id: int, expires: int, signature: str
) -> bool:
    expected = link_signature(secret, document_id, member_id, expires)
    return hmac.compare_digest(expected.encode(), signature.encode())
