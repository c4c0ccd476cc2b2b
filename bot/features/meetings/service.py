"""Scheduling the committee's meetings: saved first, then put in the organiser's calendar.

A meeting is saved before anything reaches Graph. Its calendar event is an outbox message
(`meetings.calendar`): sent once Graph took it, postponed and tried again when Graph throttles,
fails or cannot be reached, and created once whatever happens, thanks to its `transactionId`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.audit import AuditEvent
from bot.domain.members import Member
from bot.domain.problems import Problem
from bot.features.meetings import rules
from bot.features.meetings.deliveries import MeetingDeliveries
from bot.features.meetings.follow_up import MeetingFollowUp
from bot.features.meetings.rules import (
    AgendaItem,
    Attendance,
    AttendanceCount,
    CalendarState,
    Meeting,
    MeetingPlan,
    MeetingStatus,
)
from bot.features.meetings.store import MeetingRepository
from bot.features.meetings.work import (
    CALENDAR,
    CALENDAR_CANCEL,
    CALENDAR_MOVE,
    CHANGE_NOTICE,
    CHANNEL,
    CHANNEL_REFRESH,
    INVITATION,
    PERMISSION_NOTICE,
    REMINDER,
    AttendanceOutcome,
    AttendanceRow,
    ScheduleOutcome,
)
from bot.storage.committee import CommitteeTeam, CommitteeTeamRepository
from bot.storage.database import Database, to_db, utcnow
from bot.storage.outbox import Outbox
from bot.storage.repositories import AuditLog, MemberRepository


class MeetingsService(MeetingFollowUp, MeetingDeliveries):
    def __init__(
        self,
        database: Database,
        meetings: MeetingRepository,
        members: MemberRepository,
        audit: AuditLog,
        outbox: Outbox,
        zone: ZoneInfo,
        calendar_enabled: bool,
        clock: Callable[[], datetime] = utcnow,
        *,
        committee: CommitteeTeamRepository | None = None,
        reminder_days: Sequence[int] = (7, 1),
        quorum: int = 0,
    ) -> None:
        self._db = database
        self._meetings = meetings
        self._members = members
        self._audit = audit
        self._outbox = outbox
        self._zone = zone
        self._calendar_enabled = calendar_enabled
        self._clock = clock
        self._committee = committee or CommitteeTeamRepository()
        self._reminder_days = sorted(set(reminder_days), reverse=True)
        self._quorum = quorum

    async def schedule(
        self, plan: MeetingPlan, by: Member, *, confirmed: bool = False
    ) -> ScheduleOutcome:
        found = rules.problems(plan, self._clock(), self._zone)
        if found:
            return ScheduleOutcome(None, problems=found)
        cautions = rules.warnings(plan)
        if cautions and not confirmed:
            return ScheduleOutcome(None, warnings=cautions)
        async with self._db.transaction() as conn:
            meeting = await self.schedule_in(conn, plan, by)
        return ScheduleOutcome(meeting)

    async def schedule_in(self, conn: AsyncConnection, plan: MeetingPlan, by: Member) -> Meeting:
        """Saves a checked plan inside the caller's transaction (a poll's chosen slot is
        scheduled and the poll closed at once), with its calendar event and announcements."""
        calendar = CalendarState.PENDING if self._calendar_enabled else CalendarState.NONE
        starts_at = plan.starts_at(self._zone)
        meeting_id = await self._meetings.add(conn, plan, to_db(starts_at), calendar, by.email)
        await self._audit.append(
            conn,
            AuditEvent(
                by.email,
                "meeting.scheduled",
                "meeting",
                str(meeting_id),
                {
                    "starts_at": starts_at.isoformat(),
                    "minutes": plan.minutes,
                    "kind": plan.kind.value,
                    "agenda_items": len([i for i in plan.agenda if i.title.strip()]),
                },
            ),
        )
        if calendar is CalendarState.PENDING:
            await self._outbox.plan(
                conn,
                f"meetings:{meeting_id}:calendar-create",
                CALENDAR,
                None,
                {"meeting": meeting_id},
                self._clock(),
            )
        meeting = await self._meetings.get(conn, meeting_id)
        assert meeting is not None
        await self._announce(conn, meeting)
        return meeting

    async def _announce(self, conn: AsyncConnection, meeting: Meeting) -> None:
        """The channel card, each serving member's invitation and their reminders, planned
        after the calendar event so that the outbox sends them with its Teams link when
        Graph answers at once (and without it, said so, when it does not)."""
        now = self._clock()
        team = await self._committee.get(conn)
        if team is not None:
            await self._plan_channel_card(conn, meeting, team)
        for member in await self._serving(conn):
            assert member.id is not None
            await self._outbox.plan(
                conn,
                f"meetings:{meeting.id}:invitation:{member.id}",
                INVITATION,
                member.id,
                {"meeting": meeting.id},
                now,
            )
        await self._plan_reminders(conn, meeting)

    async def _plan_channel_card(
        self, conn: AsyncConnection, meeting: Meeting, team: CommitteeTeam
    ) -> None:
        await self._outbox.plan(
            conn,
            f"meetings:{meeting.id}:channel:{team.channel_id}",
            CHANNEL,
            None,
            {"meeting": meeting.id, "channel": team.channel_id},
            self._clock(),
        )

    async def _plan_reminders(self, conn: AsyncConnection, meeting: Meeting) -> None:
        """Keyed by the start too: a moved meeting gets its own reminders; those planned
        for the old time find it moved and send nothing."""
        now = self._clock()
        starts = meeting.starts_at.isoformat()
        for member in await self._serving(conn):
            assert member.id is not None
            for days in self._reminder_days:
                due = meeting.starts_at - timedelta(days=days)
                if due <= now:
                    continue
                await self._outbox.plan(
                    conn,
                    f"meetings:{meeting.id}:reminder:{days}:{member.id}:{starts}",
                    REMINDER,
                    member.id,
                    {"meeting": meeting.id, "days": days, "starts_at": starts},
                    due,
                )

    async def _changed(self, conn: AsyncConnection, meeting_id: int) -> None:
        """People see something new: the channel card is redrawn (once, for the latest)."""
        revision = await self._meetings.touch(conn, meeting_id)
        await self._outbox.plan(
            conn,
            f"meetings:{meeting_id}:channel-refresh:{revision}",
            CHANNEL_REFRESH,
            None,
            {"meeting": meeting_id, "revision": revision},
            self._clock(),
        )

    async def _tell_members(
        self,
        conn: AsyncConnection,
        meeting: Meeting,
        change: str,
        tag: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """`details`: what changed, so the notice says from what to what."""
        for member in await self._serving(conn):
            assert member.id is not None
            await self._outbox.plan(
                conn,
                f"meetings:{meeting.id}:{tag}:{member.id}",
                CHANGE_NOTICE,
                member.id,
                {"meeting": meeting.id, "change": change, **(details or {})},
                self._clock(),
            )

    async def reschedule(
        self,
        meeting_id: int,
        day: date,
        start: time,
        minutes: int,
        by: Member,
        agenda: Sequence[AgendaItem] | None = None,
    ) -> ScheduleOutcome:
        """Moves a scheduled meeting or changes its agenda: the calendar event and the channel
        card (in place) follow, the reminders are planned again for a new time, members are
        told what changed. Refused like a new meeting when it cannot be."""
        async with self._db.transaction() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
                return ScheduleOutcome(None, problems=[Problem("meeting", "meetings.gone")])
            items = [
                i for i in (meeting.plan.agenda if agenda is None else agenda) if i.title.strip()
            ]
            plan = replace(meeting.plan, day=day, start=start, minutes=minutes, agenda=items)
            found = rules.problems(plan, self._clock(), self._zone)
            if found:
                return ScheduleOutcome(None, problems=found)
            starts_at = plan.starts_at(self._zone)
            moved_in_time = (plan.day, plan.start, plan.minutes) != (
                meeting.plan.day,
                meeting.plan.start,
                meeting.plan.minutes,
            )
            new_agenda = list(plan.agenda) != list(meeting.plan.agenda)
            if not moved_in_time and not new_agenda:
                return ScheduleOutcome(meeting)
            if moved_in_time:
                await self._meetings.move(conn, meeting_id, plan, to_db(starts_at))
            if new_agenda:
                await self._meetings.replace_agenda(conn, meeting_id, plan.agenda)
            await self._audit.append(
                conn,
                AuditEvent(
                    by.email,
                    "meeting.changed",
                    "meeting",
                    str(meeting_id),
                    {
                        "from": meeting.starts_at.isoformat(),
                        "starts_at": starts_at.isoformat(),
                        "minutes": minutes,
                        "agenda_items": len(plan.agenda),
                        "agenda_changed": new_agenda,
                    },
                ),
            )
            await self._changed(conn, meeting_id)
            changed = await self._meetings.get(conn, meeting_id)
            assert changed is not None
            if changed.calendar is CalendarState.CREATED:
                await self._outbox.plan(
                    conn,
                    f"meetings:{meeting_id}:calendar-move:{changed.revision}",
                    CALENDAR_MOVE,
                    None,
                    {"meeting": meeting_id},
                    self._clock(),
                )
            before = [i.title for i in meeting.plan.agenda]
            after = [i.title for i in plan.agenda]
            details: dict[str, Any] = {
                "added": [t for t in after if t not in before],
                "removed": [t for t in before if t not in after],
            }
            if moved_in_time:
                await self._plan_reminders(conn, changed)
                tag = f"moved:{changed.starts_at.isoformat()}"
                details["was"] = meeting.starts_at.isoformat()
                await self._tell_members(conn, changed, "moved", tag, details)
            else:
                tag = f"agenda:{changed.revision}"
                await self._tell_members(conn, changed, "agenda", tag, details)
        return ScheduleOutcome(changed)

    async def retry_calendar(self, meeting_id: int, by: Member) -> Meeting | None:
        """After an administrator granted the permission: the event is asked for again."""
        async with self._db.transaction() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if (
                not self._calendar_enabled
                or meeting is None
                or meeting.status is not MeetingStatus.SCHEDULED
                or meeting.calendar is not CalendarState.REFUSED
            ):
                return None
            await self._meetings.set_calendar(conn, meeting_id, CalendarState.PENDING)
            await self._changed(conn, meeting_id)
            await self._audit.append(
                conn,
                AuditEvent(by.email, "meeting.calendar_retried", "meeting", str(meeting_id), {}),
            )
            attempt = len(
                await self._outbox.keys_starting(conn, f"meetings:{meeting_id}:calendar-create")
            )
            await self._outbox.plan(
                conn,
                f"meetings:{meeting_id}:calendar-create:{attempt}",
                CALENDAR,
                None,
                {"meeting": meeting_id},
                self._clock(),
            )
            return await self._meetings.get(conn, meeting_id)

    # --- attendance --------------------------------------------------------------------

    async def answer(
        self,
        member: Member,
        meeting_id: int,
        answer: Attendance,
        *,
        plan: str | None = None,
        known: str | None = None,
    ) -> AttendanceOutcome:
        """The member's own answer (who answers comes from the activity); refused once the
        meeting has started or was cancelled. `plan` and `known`: the meeting's plan and the
        answer the card showed; when either changed since, nothing is recorded (stale)."""
        assert member.id is not None
        async with self._db.transaction() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if (
                meeting is None
                or meeting.status is not MeetingStatus.SCHEDULED
                or meeting.starts_at <= self._clock()
                or not member.is_serving(self._today())
            ):
                return AttendanceOutcome(meeting)
            current = (await self._meetings.attendance(conn, meeting_id)).get(member.id)
            moved = plan is not None and plan != meeting.plan.fingerprint
            answered = known is not None and known != (current.value if current else "none")
            if (moved or answered) and current is not answer:
                return AttendanceOutcome(
                    meeting, current, await self._count(conn, meeting), stale=True
                )
            if await self._meetings.answer(conn, meeting_id, member.id, answer):
                await self._audit.append(
                    conn,
                    AuditEvent(
                        member.email,
                        "meeting.attendance",
                        "meeting",
                        str(meeting_id),
                        {"answer": answer.value},
                    ),
                )
                await self._changed(conn, meeting_id)
            count = await self._count(conn, meeting)
        return AttendanceOutcome(meeting, answer, count)

    async def _count(self, conn: AsyncConnection, meeting: Meeting) -> AttendanceCount:
        serving = {m.id for m in await self._serving(conn)}
        answers = {
            who: said
            for who, said in (await self._meetings.attendance(conn, meeting.id)).items()
            if who in serving
        }
        present = sum(1 for said in answers.values() if said is Attendance.PRESENT)
        return AttendanceCount(
            present,
            len(answers) - present,
            len(serving),
            rules.quorum(len(serving), self._quorum),
        )

    async def attendance(
        self, meeting_id: int
    ) -> tuple[Meeting | None, list[AttendanceRow], AttendanceCount | None]:
        """Who answered what, for the secretariat: those who said nothing first."""
        async with self._db.read() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if meeting is None:
                return None, [], None
            answers = await self._meetings.attendance(conn, meeting_id)
            rows = [AttendanceRow(m, answers.get(m.id or 0)) for m in await self._serving(conn)]
            count = await self._count(conn, meeting)
        order = {None: 0, Attendance.ABSENT: 1, Attendance.PRESENT: 2}
        rows.sort(key=lambda row: (order[row.answer], row.member.display_name))
        return meeting, rows, count

    async def answer_of(self, member: Member, meeting_id: int) -> Attendance | None:
        async with self._db.read() as conn:
            return (await self._meetings.attendance(conn, meeting_id)).get(member.id or 0)

    # --- the committee's channel ---------------------------------------------------------

    async def learn_team(self, team: CommitteeTeam, by: str) -> bool:
        """The bot was installed in the committee's team: posts go to this channel from now
        on, and meetings still to come are announced there."""
        async with self._db.transaction() as conn:
            known = await self._committee.get(conn)
            if known is not None and (known.team_id, known.channel_id) == (
                team.team_id,
                team.channel_id,
            ):
                return False
            await self._committee.learn(conn, team)
            await self._audit.append(
                conn,
                AuditEvent(
                    by,
                    "committee.team_learned",
                    "team",
                    team.team_id,
                    {"group": team.group_id or ""},
                ),
            )
            now = self._clock()
            for meeting in await self._meetings.all(conn):
                if meeting.status is MeetingStatus.SCHEDULED and meeting.starts_at > now:
                    await self._plan_channel_card(conn, meeting, team)
        return True

    async def team(self) -> CommitteeTeam | None:
        async with self._db.read() as conn:
            return await self._committee.get(conn)

    async def plan_permission_notices(self, conn: AsyncConnection, meeting: Meeting) -> None:
        """Each serving member of the secretariat gets one card: trying again will not help
        until an administrator grants the permission."""
        for member in await self._members.secretariat(conn, serving_on=self._today()):
            await self._outbox.plan(
                conn,
                f"meetings:{meeting.id}:permission:{meeting.revision}:{member.id}",
                PERMISSION_NOTICE,
                member.id,
                {"meeting": meeting.id},
                self._clock(),
            )

    async def cancel(self, meeting_id: int, by: Member) -> Meeting | None:
        """The meeting cancelled (audited); None when there is no such scheduled meeting."""
        async with self._db.transaction() as conn:
            meeting = await self._meetings.get(conn, meeting_id)
            if meeting is None or meeting.status is MeetingStatus.CANCELLED:
                return None
            await self._meetings.set_status(conn, meeting_id, MeetingStatus.CANCELLED)
            await self._audit.append(
                conn, AuditEvent(by.email, "meeting.cancelled", "meeting", str(meeting_id), {})
            )
            await self._changed(conn, meeting_id)
            await self._tell_members(conn, meeting, "cancelled", "cancelled")
            if meeting.calendar in (CalendarState.PENDING, CalendarState.CREATED):
                # Planned after its creation, so the outbox sends them in that order; an event
                # never created is skipped by both.
                await self._outbox.plan(
                    conn,
                    f"meetings:{meeting_id}:calendar-cancel",
                    CALENDAR_CANCEL,
                    None,
                    {"meeting": meeting_id},
                    self._clock(),
                )
            return await self._meetings.get(conn, meeting_id)

    async def get(self, meeting_id: int) -> Meeting | None:
        async with self._db.read() as conn:
            return await self._meetings.get(conn, meeting_id)

    async def proposal(self) -> rules.ProposedMeeting:
        """Where the next regular meeting would fit (the first quarter without one), and the
        last meeting held, when its minutes are still to be adopted."""
        kept = [m for m in await self.all() if m.status is MeetingStatus.SCHEDULED]
        held = [m for m in kept if m.starts_at <= self._clock()]
        last = max(held, key=lambda m: m.starts_at, default=None)
        to_adopt = last.plan.day if last is not None and last.minutes_adopted_on is None else None
        return rules.ProposedMeeting(
            rules.proposed_day([m.plan.day for m in kept], self._today()), to_adopt
        )

    # --- the calendar, through the outbox ------------------------------------------------

    async def calendar_cancelled(self, conn: AsyncConnection, meeting: Meeting) -> None:
        await self._meetings.set_calendar(
            conn,
            meeting.id,
            CalendarState.CANCELLED,
            event_id=meeting.event_id,
            join_url=meeting.join_url,
        )

    async def calendar_created(
        self, conn: AsyncConnection, meeting: Meeting, event_id: str, join_url: str | None
    ) -> None:
        await self._meetings.set_calendar(
            conn, meeting.id, CalendarState.CREATED, event_id=event_id, join_url=join_url
        )
        # The channel card gains its join button.
        await self._changed(conn, meeting.id)

    async def calendar_refused(self, conn: AsyncConnection, meeting: Meeting, why: str) -> None:
        await self._meetings.set_calendar(conn, meeting.id, CalendarState.REFUSED, error=why)
        await self._changed(conn, meeting.id)
        refused = await self._meetings.get(conn, meeting.id)
        assert refused is not None
        await self.plan_permission_notices(conn, refused)
