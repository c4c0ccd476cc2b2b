"""Publishing the commitment, recording acceptances, following up, reporting."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.features.confidentiality import rules
from bot.features.confidentiality.rules import (
    Acceptance,
    CommitmentDraft,
    CommitmentVersion,
    Refusal,
    StatusRow,
)
from bot.features.confidentiality.store import CommitmentRepository
from bot.locale import Translator, format_moment
from bot.services.spreadsheet import to_csv
from bot.storage.database import Database, utcnow
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import AuditLog, ConversationReferences, MemberRepository

KIND_PREFIX = "confidentiality."
# One per secretariat member when follow-ups reach the escalation stage.
ESCALATION_NOTICE = "confidentiality.escalation_notice"
# An older version's card in a member's chat, updated in place to say it was replaced.
SUPERSEDE = "confidentiality.supersede"


@dataclass(frozen=True)
class MemberStatus:
    current: CommitmentVersion | None
    accepted: Acceptance | None  # of the current version, in this mandate

    @property
    def pending(self) -> bool:
        return self.current is not None and self.accepted is None


@dataclass(frozen=True)
class AcceptOutcome:
    """`accepted` now, `already` (a double click or a retry), or `refused` with the reason."""

    kind: str
    current: CommitmentVersion | None
    acceptance: Acceptance | None = None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class FollowUp:
    """A planned message that still has a reason to go out."""

    stage: rules.Stage
    member: Member
    version: CommitmentVersion
    days: int


@dataclass(frozen=True)
class EscalationNotice:
    """The list one secretariat member receives: who is still pending, after how long."""

    recipient: Member
    version: CommitmentVersion
    overdue: list[Member]
    days: int


@dataclass(frozen=True)
class PublishOutcome:
    """`published` now, `already` (a second press), `conflict` (another version was published
    since the preview), or `not_found` (no such draft of this person's)."""

    kind: str
    version: CommitmentVersion | None = None
    draft: CommitmentDraft | None = None


@dataclass(frozen=True)
class Superseded:
    """A card of an older version still in a member's chat, to be marked as replaced."""

    member: Member
    activity_id: str
    old: int
    current: CommitmentVersion


class PublishConflict(Exception):
    """Someone published at the same moment; nothing was written, try again."""


class ConfidentialityService:
    def __init__(
        self,
        database: Database,
        commitments: CommitmentRepository,
        members: MemberRepository,
        references: ConversationReferences,
        audit: AuditLog,
        outbox: Outbox,
        reminder_days: list[int],
        escalation_days: int,
        zone: ZoneInfo,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._commitments = commitments
        self._members = members
        self._references = references
        self._audit = audit
        self._outbox = outbox
        self._reminder_days = reminder_days
        self._escalation_days = escalation_days
        self._zone = zone
        self._clock = clock

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    async def current(self) -> CommitmentVersion | None:
        async with self._db.read() as conn:
            return await self._commitments.current(conn)

    async def publish(
        self,
        text_fr: str,
        text_en: str,
        by: str,
        summary_fr: str | None = None,
        summary_en: str | None = None,
    ) -> CommitmentVersion:
        """A new version; raises CommitmentTextError for an empty, oversized or unchanged text."""
        async with self._db.transaction() as conn:
            version = await self._publish_in(conn, text_fr, text_en, by, summary_fr, summary_en)
        await self.plan_follow_ups()
        return version

    async def preview(
        self,
        text_fr: str,
        text_en: str,
        summary_fr: str,
        summary_en: str,
        member: Member,
    ) -> tuple[CommitmentDraft, CommitmentVersion]:
        """Checks a version as it would be published and keeps it as a draft: nothing reaches
        members until the secretariat publishes it. Raises CommitmentTextError."""
        if member.id is None:
            raise PublishConflict
        async with self._db.transaction() as conn:
            latest = await self._commitments.current(conn)
            shown = rules.next_version(
                latest,
                text_fr,
                text_en,
                member.email,
                self._clock(),
                summary_fr=summary_fr,
                summary_en=summary_en,
                summary_required=True,
            )
            draft = CommitmentDraft(
                id=0,
                text_fr=shown.text_fr,
                text_en=shown.text_en,
                change_summary_fr=shown.change_summary_fr,
                change_summary_en=shown.change_summary_en,
                based_on=latest.number if latest else None,
                drafted_by=member.id,
                drafted_at=self._clock(),
            )
            draft_id = await self._commitments.add_draft(conn, draft)
        return replace(draft, id=draft_id), shown

    async def draft(self, draft_id: int, member: Member) -> CommitmentDraft | None:
        """A draft of this secretariat member's, or None."""
        async with self._db.read() as conn:
            found = await self._commitments.draft(conn, draft_id)
        return found if found is not None and found.drafted_by == member.id else None

    async def publish_draft(self, draft_id: int, member: Member) -> PublishOutcome:
        """Publishes what was previewed, once: a second press finds it published."""
        async with self._db.transaction() as conn:
            draft = await self._commitments.draft(conn, draft_id)
            if draft is None or draft.drafted_by != member.id:
                return PublishOutcome("not_found")
            current = await self._commitments.current(conn)
            if draft.published_as is not None:
                return PublishOutcome("already", current)
            if (current.number if current else None) != draft.based_on:
                # Someone published meanwhile: this draft was checked against another text.
                return PublishOutcome("conflict", current, draft=draft)
            version = await self._publish_in(
                conn,
                draft.text_fr,
                draft.text_en,
                member.email,
                draft.change_summary_fr,
                draft.change_summary_en,
            )
            await self._commitments.mark_draft_published(conn, draft_id, version.number)
        await self.plan_follow_ups()
        return PublishOutcome("published", version)

    async def reach(self) -> tuple[list[Member], list[Member]]:
        """Members who must accept the current version: those the bot can write to now, and
        those it cannot yet (they never opened a chat with it)."""
        async with self._db.read() as conn:
            reachable = await self._references.reachable_members(conn)
        _, rows = await self.status_rows()
        pending = [row.member for row in rows if row.pending]
        return (
            [m for m in pending if m.id in reachable],
            [m for m in pending if m.id not in reachable],
        )

    async def _publish_in(
        self,
        conn: AsyncConnection,
        text_fr: str,
        text_en: str,
        by: str,
        summary_fr: str | None,
        summary_en: str | None,
    ) -> CommitmentVersion:
        latest = await self._commitments.current(conn)
        version = rules.next_version(
            latest,
            text_fr,
            text_en,
            by,
            self._clock(),
            summary_fr=summary_fr,
            summary_en=summary_en,
        )
        if not await self._commitments.add_version(conn, version):
            raise PublishConflict
        await self._audit.append(
            conn,
            AuditEvent(
                by,
                "confidentiality.published",
                "commitment_version",
                str(version.number),
                {"sha256_fr": version.sha256_fr, "sha256_en": version.sha256_en},
            ),
            at=version.published_at,
        )
        return version

    async def status_of(self, member: Member) -> MemberStatus:
        async with self._db.read() as conn:
            return await self._status_of(conn, member)

    async def _status_of(self, conn: AsyncConnection, member: Member) -> MemberStatus:
        current = await self._commitments.current(conn)
        if current is None or member.id is None:
            return MemberStatus(current, None)
        accepted = await self._commitments.find(
            conn, member.id, current.number, rules.mandate_key(member)
        )
        return MemberStatus(current, accepted)

    async def has_accepted_current(self, member: Member) -> bool:
        """The gate the documents and meetings features ask before showing confidential material."""
        async with self._db.read() as conn:
            current = await self._commitments.current(conn)
            mine = await self._commitments.acceptances(conn, member.id) if member.id else []
        return rules.has_accepted_current(member, current, mine)

    async def accepted_current(self, members: Sequence[Member]) -> set[int]:
        """`has_accepted_current` for many at once, in one read (the documents' access tick)."""
        async with self._db.read() as conn:
            current = await self._commitments.current(conn)
            acceptances = await self._commitments.acceptances(conn)
        return {
            m.id
            for m in members
            if m.id is not None and rules.has_accepted_current(m, current, acceptances)
        }

    async def accept(
        self, member: Member, version_shown: int | None, language: str, activity_id: str
    ) -> AcceptOutcome:
        async with self._db.transaction() as conn:
            # Read the member again: the card may be older than their mandate's end.
            fresh = await self._members.get(conn, member.id) if member.id else None
            current = await self._commitments.current(conn)
            if fresh is None:
                return AcceptOutcome("refused", current, refusal=Refusal.NOT_SERVING)
            refusal = rules.why_not_accept(fresh, self._today(), current, version_shown)
            if refusal is not None or current is None or fresh.id is None:
                return AcceptOutcome("refused", current, refusal=refusal)
            acceptance = Acceptance(
                member_id=fresh.id,
                version=current.number,
                mandate_key=rules.mandate_key(fresh),
                text_sha256=current.fingerprint_in(language),
                language=language,
                accepted_at=self._clock(),
                activity_id=activity_id,
            )
            if not await self._commitments.record(conn, acceptance):
                existing = await self._commitments.find(
                    conn, fresh.id, current.number, acceptance.mandate_key
                )
                return AcceptOutcome("already", current, acceptance=existing)
            await self._audit.append(
                conn,
                AuditEvent(
                    fresh.email,
                    "confidentiality.accepted",
                    "commitment_version",
                    str(current.number),
                    {
                        "member_id": fresh.id,
                        "language": language,
                        "text_sha256": acceptance.text_sha256,
                        "activity_id": activity_id,
                        "mandate": acceptance.mandate_key,
                    },
                ),
                at=acceptance.accepted_at,
            )
        return AcceptOutcome("accepted", current, acceptance=acceptance)

    async def status_rows(self) -> tuple[CommitmentVersion | None, list[StatusRow]]:
        async with self._db.read() as conn:
            current = await self._commitments.current(conn)
            members = await self._members.all(conn)
            acceptances = await self._commitments.acceptances(conn)
            reached = None
            if current is not None:
                cards = await self._outbox.sent_under(conn, f"confidentiality:v{current.number}:m")
                reached = {m.member_id for m in cards if m.member_id is not None}
        return current, rules.status_table(members, current, acceptances, self._today(), reached)

    async def csv_report(self, tr: Translator) -> bytes:
        current, rows = await self.status_rows()
        return render_csv(tr, current, rows, self._zone)

    # --- follow-ups (the card at once, reminders, then the secretariat) --------------------

    async def plan_follow_ups(self) -> int:
        """Plan what every pending member should receive. Runs at every tick: it reads what is
        already planned and writes only what is missing (a new member, a renewed mandate)."""
        now = self._clock()
        async with self._db.read() as conn:
            current = await self._commitments.current(conn)
            if current is None:
                return 0
            members = await self._members.all(conn)
            acceptances = await self._commitments.acceptances(conn)
            prefix = f"confidentiality:v{current.number}:"
            planned_keys = await self._outbox.keys_starting(conn, prefix)
            sent_before = [
                message
                for message in await self._outbox.sent_under(conn, "confidentiality:v")
                if message.sent_activity_id
                and message.kind in (KIND_PREFIX + "card", KIND_PREFIX + "reminder")
                and int(message.payload.get("version", current.number)) < current.number
            ]
            planned_supersedes = await self._outbox.keys_starting(
                conn, "confidentiality:supersede:"
            )
        missing = []
        for message in sent_before:
            key = f"confidentiality:supersede:{message.id}"
            if key not in planned_supersedes:
                payload = {
                    "activity_id": message.sent_activity_id,
                    "version": message.payload.get("version"),
                    "current": current.number,
                }
                missing.append((key, SUPERSEDE, message.member_id, payload, now))
        for row in rules.status_table(members, current, acceptances, self._today()):
            if not row.pending or row.member.id is None:
                continue
            mandate = rules.mandate_key(row.member)
            for step in rules.follow_up_plan(now, self._reminder_days, self._escalation_days):
                key = f"{prefix}m{row.member.id}:{mandate}:{step.name}"
                if key not in planned_keys:
                    payload = {"version": current.number, "mandate": mandate, "days": step.days}
                    missing.append(
                        (key, KIND_PREFIX + step.stage.value, row.member.id, payload, step.due_at)
                    )
        if not missing:
            return 0
        async with self._db.transaction() as conn:
            return await self._outbox.plan_many(conn, missing)

    async def follow_up_for(self, conn: AsyncConnection, message: OutboxMessage) -> FollowUp | None:
        """None when the reason is gone: accepted, superseded, mandate over or renewed."""
        if message.member_id is None:
            return None
        member = await self._members.get(conn, message.member_id)
        current = await self._commitments.current(conn)
        if member is None or current is None or member.id is None:
            return None
        if current.number != message.payload.get("version"):
            return None
        if rules.mandate_key(member) != message.payload.get("mandate") or not member.is_serving(
            self._today()
        ):
            return None
        if await self._commitments.find(conn, member.id, current.number, rules.mandate_key(member)):
            return None
        stage = rules.Stage(message.kind.removeprefix(KIND_PREFIX))
        return FollowUp(stage, member, current, int(message.payload.get("days", 0)))

    async def escalations_due_with(
        self, conn: AsyncConnection, first: OutboxMessage
    ) -> tuple[list[FollowUp], list[OutboxMessage]]:
        """All escalations due now, to go out as one list: the follow-ups still relevant, and
        the other outbox messages that list covers (to be marked with the first)."""
        others = [
            m
            for m in await self._outbox.due_of_kind(conn, first.kind, self._clock())
            if m.id != first.id
        ]
        follow_ups = []
        for message in [first, *others]:
            follow_up = await self.follow_up_for(conn, message)
            if follow_up is not None:
                follow_ups.append(follow_up)
        return follow_ups, others

    async def plan_escalation_notices(
        self, conn: AsyncConnection, first: OutboxMessage, overdue: list[FollowUp]
    ) -> int:
        """One notice per serving secretariat member, due now; 0 when nobody is overdue."""
        if not overdue:
            return 0
        version = overdue[0].version
        payload = {
            "version": version.number,
            "members": sorted(f.member.id for f in overdue if f.member.id is not None),
            "days": overdue[0].days,
        }
        planned = 0
        for person in await self._members.secretariat(conn):
            if person.id is None:
                continue
            key = f"confidentiality:v{version.number}:escalation:{first.id}:to{person.id}"
            planned += await self._outbox.plan(
                conn, key, ESCALATION_NOTICE, person.id, payload, self._clock()
            )
        return planned

    async def superseded_for(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> Superseded | None:
        if message.member_id is None:
            return None
        member = await self._members.get(conn, message.member_id)
        current = await self._commitments.current(conn)
        activity_id = message.payload.get("activity_id")
        if member is None or current is None or not activity_id:
            return None
        return Superseded(member, str(activity_id), int(message.payload.get("version", 0)), current)

    async def escalation_notice_for(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> EscalationNotice | None:
        """What the notice lists now: members who accepted meanwhile are left out; None when
        nobody is left, the version changed, or the recipient left the secretariat."""
        if message.member_id is None:
            return None
        recipient = await self._members.get(conn, message.member_id)
        current = await self._commitments.current(conn)
        if recipient is None or not recipient.is_secretariat or not recipient.active:
            return None
        if current is None or current.number != message.payload.get("version"):
            return None
        still = []
        for member_id in message.payload.get("members", []):
            member = await self._members.get(conn, int(member_id))
            if member is None or not member.is_serving(self._today()):
                continue
            if not await self._commitments.find(
                conn, int(member_id), current.number, rules.mandate_key(member)
            ):
                still.append(member)
        if not still:
            return None
        return EscalationNotice(recipient, current, still, int(message.payload.get("days", 0)))


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def explain_text_error(tr: Translator, error: rules.CommitmentTextError) -> str:
    language = tr.t("language.fr") if error.language == "fr-CA" else tr.t("language.en")
    return tr.t(error.message, language=language)


def render_csv(
    tr: Translator, current: CommitmentVersion | None, rows: list[StatusRow], zone: ZoneInfo
) -> bytes:
    header = [
        tr.t("column.name"),
        tr.t("column.email"),
        tr.t("column.organisation"),
        tr.t("column.status"),
        tr.t("column.version_accepted"),
        tr.t("column.accepted_on"),
        tr.t("column.accepted_at_iso"),
        tr.t("column.current_version"),
    ]
    lines = [
        [
            row.member.display_name,
            row.member.email,
            row.member.organisation,
            tr.t("confidentiality.pending") if row.pending else tr.t("confidentiality.accepted"),
            str(row.latest.version) if row.latest else "",
            format_moment(tr, row.latest.accepted_at, zone) if row.latest else "",
            # A column that sorts: ISO 8601 in UTC.
            iso_utc(row.latest.accepted_at) if row.latest else "",
            str(current.number) if current else "",
        ]
        for row in rows
    ]
    return to_csv(header, lines, french=tr.is_french)
