"""After and between meetings: the minutes and decisions recorded, the public export, and the
secretariat told when the committee's rhythm asks for a meeting.

A part of `MeetingsService` (a base class of it): what it reads is the service's own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.features.meetings import rules
from bot.features.meetings.rules import (
    Meeting,
    MeetingStatus,
)
from bot.features.meetings.store import MeetingRepository
from bot.features.meetings.work import (
    MemberWork,
)
from bot.locale import Translator
from bot.services.spreadsheet import to_csv
from bot.storage.database import Database
from bot.storage.outbox import Outbox, OutboxMessage
from bot.storage.repositories import AuditLog, MemberRepository

CSV_COLUMNS = (
    "date", "start", "minutes", "title", "kind", "status", "agenda", "minutes_url",
    "minutes_adopted_on", "decisions",
)  # fmt: skip
# To each member: the minutes and decisions of a meeting held.
MINUTES_NOTICE = "meetings.minutes_notice"
# To each member of the secretariat: no meeting this quarter, or six months coming near.
CADENCE_NOTICE = "meetings.cadence_notice"


class MeetingFollowUp:
    _db: Database
    _meetings: MeetingRepository
    _members: MemberRepository
    _audit: AuditLog
    _outbox: Outbox
    _zone: ZoneInfo
    _clock: Callable[[], datetime]

    def _today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    async def _serving(self, conn: AsyncConnection) -> list[Member]:
        today = self._today()
        return [m for m in await self._members.all(conn) if m.is_serving(today)]

    async def all(self) -> list[Meeting]:
        async with self._db.read() as conn:
            return await self._meetings.all(conn)

    async def record_minutes(
        self, meeting_id: int, minutes_url: str, decisions_text: str, by: Member
    ) -> tuple[Meeting | None, list[str], list[int]]:
        """After the meeting: its minutes' link and its decisions, each with its reason.
        Returns the meeting as recorded, or the catalogue keys of what is wrong and the
        numbers of the decision lines without a reason; nothing is recorded then."""
        decisions, wrong_lines = rules.parse_decisions(decisions_text)
        problems = []
        url = minutes_url.strip()
        if url and not rules.minutes_link_ok(url):
            problems.append("meetings.error.minutes_link")
        if wrong_lines:
            problems.append("meetings.error.decision_reason")
        if not url and not decisions and not wrong_lines:
            problems.append("meetings.error.minutes_empty")
        async with self._db.transaction() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
                return None, ["meetings.gone"], []
            if meeting.starts_at > self._clock():
                problems.append("meetings.error.minutes_early")
            if meeting.minutes_adopted_on is not None:
                # Adopted minutes change only through a new adoption (`procès-verbal`).
                problems = ["meetings.error.minutes_adopted"]
            if problems:
                return meeting, problems, wrong_lines
            await self._meetings.record_minutes(conn, meeting_id, url, decisions, by.email)
            fingerprint = hashlib.sha256(
                json.dumps([url, [(d.text, d.reason) for d in decisions]]).encode()
            ).hexdigest()
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email,
                    "meeting.minutes_recorded",
                    "meeting",
                    str(meeting_id),
                    {"decisions": len(decisions), "sha256": fingerprint},
                ),
            )
            for member in await self._serving(conn):
                assert member.id is not None
                await self._outbox.plan(
                    conn,
                    f"meetings:{meeting_id}:minutes:{fingerprint[:16]}:{member.id}",
                    MINUTES_NOTICE,
                    member.id,
                    {"meeting": meeting_id, "sha256": fingerprint},
                    self._clock(),
                )
            recorded = await self._meetings.get(conn, meeting_id)
        return recorded, [], []

    async def minutes_work(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> MemberWork | None:
        meeting = await self._meetings.get(conn, int(message.payload.get("meeting", 0)))
        member = await self._members.get(conn, message.member_id or 0)
        if meeting is None or member is None or not member.is_serving(self._today()):
            return None
        return MemberWork(meeting, member, None)

    async def csv_export(self, tr: Translator) -> bytes:
        """Every meeting, for the public repository: when, what, the agenda, the minutes once
        adopted (a draft is not published), the decisions with their reasons. No attendance:
        who came is not published."""
        header = [tr.t(f"meetings.csv.{column}") for column in CSV_COLUMNS]
        rows = []
        for meeting in await self.all():
            local = meeting.starts_at.astimezone(self._zone)
            rows.append(
                [
                    local.date().isoformat(),
                    local.strftime("%H:%M"),
                    str(meeting.plan.minutes),
                    meeting.plan.title,
                    tr.t(f"meetings.kind.{meeting.plan.kind.value}"),
                    tr.t(f"meetings.status.{meeting.status.value}"),
                    " | ".join(item.title for item in meeting.plan.agenda),
                    (meeting.minutes_url or "") if meeting.minutes_adopted_on else "",
                    meeting.minutes_adopted_on.isoformat() if meeting.minutes_adopted_on else "",
                    " | ".join(
                        tr.t("meetings.decision_line", text=d.text, reason=d.reason)
                        for d in meeting.decisions
                    ),
                ]
            )
        return to_csv(header, rows, french=tr.is_french)

    async def plan_cadence_notices(self) -> int:
        """What the rhythm of meetings calls for, said once to each serving member of the
        secretariat: once per quarter without a meeting; once when six months without one
        come near, and again when it becomes urgent."""
        today = self._today()
        planned = 0
        async with self._db.transaction() as conn:
            held = [
                m.starts_at
                for m in await self._meetings.all(conn)
                if m.status is MeetingStatus.SCHEDULED
            ]
            found = rules.cadence(held, today, self._zone)
            if not found:
                return 0
            past = [
                moment.astimezone(self._zone).date()
                for moment in held
                if moment.astimezone(self._zone).date() <= today
            ]
            year, quarter = rules.quarter_of(today)
            for warning in found:
                if warning.message == "meetings.cadence.quarter":
                    occasion = f"quarter:{year}-Q{quarter}"
                else:
                    since = max(past).isoformat() if past else "never"
                    occasion = f"six-months:{since}:{'urgent' if warning.urgent else 'early'}"
                for member in await self._members.secretariat(conn, serving_on=today):
                    planned += await self._outbox.plan(
                        conn,
                        f"meetings:cadence:{occasion}:{member.id}",
                        CADENCE_NOTICE,
                        member.id,
                        {
                            "message": warning.message,
                            "urgent": warning.urgent,
                            "occasion": occasion,
                        },
                        self._clock(),
                    )
        return planned

    async def cadence_work(self, conn: AsyncConnection, message: OutboxMessage) -> Member | None:
        """The secretariat member to tell, unless a meeting was planned since."""
        member = await self._members.get(conn, message.member_id or 0)
        if member is None or not member.is_serving(self._today()):
            return None
        held = [
            m.starts_at
            for m in await self._meetings.all(conn)
            if m.status is MeetingStatus.SCHEDULED
        ]
        still = {w.message for w in rules.cadence(held, self._today(), self._zone)}
        return member if message.payload.get("message") in still else None
