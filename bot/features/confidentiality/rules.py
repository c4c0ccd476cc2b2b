"""The confidentiality commitment: versioned texts, who accepted which, and when to remind.

Members promise not to disclose or use what they learn through the committee's work. The
commitment is published in French and English as numbered versions that are never edited;
a member has accepted "the current commitment" only for the latest version and within the
current mandate, so a new version, a renewed mandate and a new member all ask again.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.members import Member
from bot.domain.text import has_control_characters

# A card must stay under Teams' 28 KB: the text of one language, escaped, has to fit.
MAX_TEXT_CHARACTERS = 12_000


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
    # What changed from the version before, as the secretariat put it (none for version 1).
    change_summary_fr: str | None = None
    change_summary_en: str | None = None

    def text_in(self, language: str) -> str:
        return self.text_fr if language.startswith("fr") else self.text_en

    def fingerprint_in(self, language: str) -> str:
        return self.sha256_fr if language.startswith("fr") else self.sha256_en

    def change_summary_in(self, language: str) -> str | None:
        return self.change_summary_fr if language.startswith("fr") else self.change_summary_en


# What changed, in a few sentences: it heads the card, above the whole text.
MAX_SUMMARY_CHARACTERS = 1_000


@dataclass(frozen=True)
class CommitmentDraft:
    """A version as the secretariat previewed it, before it is published (or not)."""

    id: int
    text_fr: str
    text_en: str
    change_summary_fr: str | None
    change_summary_en: str | None
    based_on: int | None
    drafted_by: int
    drafted_at: datetime
    published_as: int | None = None


def next_version(
    latest: CommitmentVersion | None,
    text_fr: str,
    text_en: str,
    by: str,
    at: datetime,
    *,
    summary_fr: str | None = None,
    summary_en: str | None = None,
    summary_required: bool = False,
) -> CommitmentVersion:
    """The version that would follow `latest`; raises CommitmentTextError for an empty, oversized
    or unchanged text, or a summary of the changes missing (when required) or unreadable."""
    texts = {"fr-CA": normalise_text(text_fr), "en": normalise_text(text_en)}
    for language, text in texts.items():
        if not text:
            raise CommitmentTextError("confidentiality.error.empty", language)
        if has_control_characters(text):
            raise CommitmentTextError("confidentiality.error.control_characters", language)
        if len(text) > MAX_TEXT_CHARACTERS:
            raise CommitmentTextError("confidentiality.error.too_long", language)
    if latest is not None and (texts["fr-CA"], texts["en"]) == (latest.text_fr, latest.text_en):
        raise CommitmentTextError("confidentiality.error.unchanged", "fr-CA")
    for language, given in (("fr-CA", summary_fr), ("en", summary_en)):
        if given and has_control_characters(given):
            raise CommitmentTextError("confidentiality.error.control_characters", language)
    # Version 1 changes nothing: a summary given with it is not kept.
    if latest is None:
        summary_fr = summary_en = None
    summaries = {"fr-CA": normalise_text(summary_fr or ""), "en": normalise_text(summary_en or "")}
    for language, summary in summaries.items():
        if not summary and latest is not None and summary_required:
            raise CommitmentTextError("confidentiality.error.summary_missing", language)
        if has_control_characters(summary):
            raise CommitmentTextError("confidentiality.error.control_characters", language)
        if len(summary) > MAX_SUMMARY_CHARACTERS:
            raise CommitmentTextError("confidentiality.error.summary_too_long", language)
    return CommitmentVersion(
        number=1 if latest is None else latest.number + 1,
        text_fr=texts["fr-CA"],
        text_en=texts["en"],
        sha256_fr=fingerprint(texts["fr-CA"]),
        sha256_en=fingerprint(texts["en"]),
        published_by=by,
        published_at=at,
        change_summary_fr=summaries["fr-CA"] or None,
        change_summary_en=summaries["en"] or None,
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
    # Whether the card of the current version reached them (pending only means something then).
    reached: bool = True

    @property
    def accepted_current(self) -> Acceptance | None:
        """Their acceptance of the version in force, if any (never an older one's date)."""
        return None if self.pending else self.latest

    @property
    def earlier(self) -> Acceptance | None:
        """An acceptance of an earlier version, while the current one is pending."""
        return self.latest if self.pending else None


def status_table(
    members: Iterable[Member],
    current: CommitmentVersion | None,
    acceptances: Iterable[Acceptance],
    today: date,
    reached: set[int] | None = None,
) -> list[StatusRow]:
    """Serving members, those who still have to accept first, then by name. `reached`: the
    members the current card was delivered to (None: not known, taken as all)."""
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
        delivered = reached is None or member.id in reached
        rows.append(StatusRow(member, mine, pending, delivered))
    return sorted(rows, key=lambda r: (not r.pending, r.member.display_name.casefold()))
