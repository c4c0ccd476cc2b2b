"""The confidentiality commitment: versioned texts, who accepted which, and when to remind.

Members promise not to disclose or use what they learn through the committee's work. The
commitment is published in French and English as numbered versions that are never edited;
a member has accepted "the current commitment" only for the latest version and within the
current mandate, so a new version, a renewed mandate and a new member all ask again.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.members import Member

# A card must stay under Teams' 28 KB: the text of one language, escaped, has to fit.
MAX_TEXT_CHARACTERS = 12_000
# NUL and other control characters (line breaks and tabs aside) are no part of a text to read.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class CommitmentTextError(ValueError):
    """A text cannot be published; `message` is the catalogue key that says why."""

    def __init__(self, message: str, language: str) -> None:
        super().__init__(message)
        self.message = message
        self.language = language


def normalise_text(text: str) -> str:
    """One canonical form, so the fingerprint of what was shown is reproducible."""
    unified = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in unified.strip().split("\n"))


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CommitmentVersion:
    number: int
    text_fr: str
    text_en: str
    sha256_fr: str
    sha256_en: str
    published_by: str
    published_at: datetime

    def text_in(self, language: str) -> str:
        return self.text_fr if language.startswith("fr") else self.text_en

    def fingerprint_in(self, language: str) -> str:
        return self.sha256_fr if language.startswith("fr") else self.sha256_en


def next_version(
    latest: CommitmentVersion | None, text_fr: str, text_en: str, by: str, at: datetime
) -> CommitmentVersion:
    texts = {"fr-CA": normalise_text(text_fr), "en": normalise_text(text_en)}
    for language, text in texts.items():
        if not text:
            raise CommitmentTextError("confidentiality.error.empty", language)
        if _CONTROL.search(text):
            raise CommitmentTextError("confidentiality.error.control_characters", language)
        if len(text) > MAX_TEXT_CHARACTERS:
            raise CommitmentTextError("confidentiality.error.too_long", language)
    if latest is not None and (texts["fr-CA"], texts["en"]) == (latest.text_fr, latest.text_en):
        raise CommitmentTextError("confidentiality.error.unchanged", "fr-CA")
    return CommitmentVersion(
        number=1 if latest is None else latest.number + 1,
        text_fr=texts["fr-CA"],
        text_en=texts["en"],
        sha256_fr=fingerprint(texts["fr-CA"]),
        sha256_en=fingerprint(texts["en"]),
        published_by=by,
        published_at=at,
    )


def mandate_key(member: Member) -> str:
    """Which mandate an acceptance belongs to: a renewed mandate starts on a new date."""
    return member.mandate_starts_on.isoformat() if member.mandate_starts_on else "-"


@dataclass(frozen=True)
class Acceptance:
    member_id: int
    version: int
    mandate_key: str
    text_sha256: str
    language: str
    accepted_at: datetime
    activity_id: str


def has_accepted_current(
    member: Member, current: CommitmentVersion | None, acceptances: Iterable[Acceptance]
) -> bool:
    """The gate on confidential material. With no commitment published, there is nothing to
    accept; otherwise only an acceptance of the latest version, in this mandate, counts."""
    if current is None:
        return True
    return any(
        a.member_id == member.id
        and a.version == current.number
        and a.mandate_key == mandate_key(member)
        for a in acceptances
    )


class Refusal(StrEnum):
    NOT_SERVING = "confidentiality.refused.not_serving"
    NOTHING_PUBLISHED = "confidentiality.refused.nothing_published"
    STALE_VERSION = "confidentiality.refused.stale"


def why_not_accept(
    member: Member, today: date, current: CommitmentVersion | None, version_shown: int | None
) -> Refusal | None:
    """None when this member may accept the version the card showed them."""
    if not member.is_serving(today):
        return Refusal.NOT_SERVING
    if current is None:
        return Refusal.NOTHING_PUBLISHED
    if version_shown != current.number:
        return Refusal.STALE_VERSION
    return None


class Stage(StrEnum):
    CARD = "card"
    REMINDER = "reminder"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class PlannedMessage:
    stage: Stage
    days: int
    due_at: datetime

    @property
    def name(self) -> str:
        return f"{self.stage.value}-{self.days}"


def follow_up_plan(
    pending_since: datetime, reminder_days: Sequence[int], escalation_days: int
) -> list[PlannedMessage]:
    """The card at once, a reminder after each of `reminder_days`, then the secretariat."""
    plan = [PlannedMessage(Stage.CARD, 0, pending_since)]
    plan += [
        PlannedMessage(Stage.REMINDER, days, pending_since + timedelta(days=days))
        for days in sorted(set(reminder_days))
        if days < escalation_days
    ]
    plan.append(
        PlannedMessage(
            Stage.ESCALATION, escalation_days, pending_since + timedelta(days=escalation_days)
        )
    )
    return plan


@dataclass(frozen=True)
class StatusRow:
    member: Member
    # The member's latest acceptance, even of an older version: the table shows it.
    latest: Acceptance | None
    pending: bool


def status_table(
    members: Iterable[Member],
    current: CommitmentVersion | None,
    acceptances: Iterable[Acceptance],
    today: date,
) -> list[StatusRow]:
    """Serving members, those who still have to accept first, then by name."""
    latest: dict[int, Acceptance] = {}
    for acceptance in acceptances:
        held = latest.get(acceptance.member_id)
        if held is None or (acceptance.version, acceptance.accepted_at) > (
            held.version,
            held.accepted_at,
        ):
            latest[acceptance.member_id] = acceptance
    rows = []
    for member in members:
        if not member.is_serving(today) or member.id is None:
            continue
        mine = latest.get(member.id)
        pending = not has_accepted_current(member, current, [mine] if mine else [])
        rows.append(StatusRow(member, mine, pending))
    return sorted(rows, key=lambda r: (not r.pending, r.member.display_name.casefold()))
