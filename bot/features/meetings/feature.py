"""Meetings in Teams: the secretariat schedules from a card, members see what is coming with
its Teams link, and the bot puts each meeting in the organiser's calendar on its own."""

from __future__ import annotations

import html
import logging

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member
from bot.domain.text import record_id
from bot.features.context import FeatureContext
from bot.features.meetings import cards
from bot.features.meetings.changes import what_changed
from bot.features.meetings.follow_up import CADENCE_NOTICE, MINUTES_NOTICE
from bot.features.meetings.invitation import ics_invitation
from bot.features.meetings.rules import (
    Attendance,
    AttendanceCount,
    Meeting,
    MeetingKind,
    MeetingPlan,
    MeetingStatus,
    agenda_item,
    graph_event,
    parse_duration,
)
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
    ChannelWork,
    MemberWork,
)
from bot.graph.calendar import OrganizerCalendar
from bot.graph.client import GraphPermissionDenied
from bot.locale import Translator
from bot.scheduling.jobs import RecurringJob
from bot.services.outbox import SKIPPED, Done, Sent, ToDo
from bot.storage.outbox import OutboxMessage
from bot.teams.cards import Card, FieldError, bilingual, field_errors, notice, superseded
from bot.teams.files import FileGone
from bot.teams.platform import (
    MEMBERS,
    SECRETARIAT_PERSONAL,
    Action,
    Command,
    FeatureSpec,
    FileOffer,
    GeneratedFile,
    NoData,
    TeamInstall,
    Turn,
)

ICS_OFFER = "meetings.ics"

log = logging.getLogger(__name__)


class MeetingsFeature:
    def __init__(self, kit: FeatureContext) -> None:
        # The agenda items this member declared a conflict on (the declarations feature).
        self._conflicts_of = kit.services.declarations.conflict_items
        self._service = kit.services.meetings
        self._committee_team_id = kit.settings.committee_team_id
        self._outgoing = kit.outgoing
        self._files = kit.files
        self._default_locale = kit.settings.default_locale
        self._dispatcher = kit.services.dispatcher
        self._clock = kit.clock
        organizer = kit.settings.committee_organizer
        # The organiser's calendar through Graph; None without Graph or without an organiser.
        self._calendar = (
            OrganizerCalendar(kit.graph, organizer) if kit.graph is not None and organizer else None
        )
        self._catalogues = kit.catalogues
        self._zone = kit.settings.zone

    def spec(self) -> FeatureSpec:
        out, service = self._outgoing, self._service
        personal = out.to_member(
            service.member_work, self._personal_card,
            replaces=lambda work: work.replaces, superseded=_replaced,
        )  # fmt: skip
        return FeatureSpec(
            name="meetings",
            commands=[
                Command(
                    "meetings",
                    "réunions",
                    "meetings",
                    "command.meetings",
                    self.show_all,
                    button="button.meetings",
                ),
                Command(
                    "next_meeting",
                    "prochaine réunion",
                    "next meeting",
                    "command.next_meeting",
                    self.show_next,
                ),
                Command(
                    "schedule",
                    "planifier",
                    "schedule",
                    "command.schedule",
                    self.show_form,
                    SECRETARIAT_PERSONAL,
                    button="button.schedule",
                ),
            ],
            actions=[
                Action(cards.SCHEDULE, cards.SchedulePayload, self.schedule, SECRETARIAT_PERSONAL),
                Action(cards.ATTEND, cards.AttendPayload, self.attend, MEMBERS),
                Action(cards.ICS, cards.MeetingRef, self.offer_ics, MEMBERS),
                Action(cards.SHOW, cards.MeetingRef, self.show_meeting, MEMBERS),
                Action(cards.LIST, NoData, self.list_card, MEMBERS),
                Action(cards.ATTENDANCE, cards.MeetingRef, self.attendance, SECRETARIAT_PERSONAL),
                Action(cards.MOVE_FORM, cards.MeetingRef, self.move_form, SECRETARIAT_PERSONAL),
                Action(cards.MOVE, cards.MovePayload, self.move, SECRETARIAT_PERSONAL),
                Action(cards.CANCEL_ASK, cards.MeetingRef, self.cancel_ask, SECRETARIAT_PERSONAL),
                Action(cards.CANCEL, cards.MeetingRef, self.cancel, SECRETARIAT_PERSONAL),
                Action(cards.KEEP, cards.MeetingRef, self.keep, SECRETARIAT_PERSONAL),
                Action(
                    cards.MINUTES_FORM, cards.MeetingRef, self.minutes_form, SECRETARIAT_PERSONAL
                ),
                Action(cards.MINUTES, cards.MinutesPayload, self.minutes, SECRETARIAT_PERSONAL),
                Action(
                    cards.RETRY_CALENDAR,
                    cards.MeetingRef,
                    self.retry_calendar,
                    SECRETARIAT_PERSONAL,
                ),
            ],
            files=[FileOffer(ICS_OFFER, self.ics_file, MEMBERS)],
            on_team_install=[self.learn_team],
            deliveries={
                CALENDAR: self.deliver_calendar,
                CALENDAR_CANCEL: self.deliver_cancellation,
                CALENDAR_MOVE: self.deliver_move,
                CHANNEL: out.to_channel(
                    service.channel_work, self._new_channel_card, team=lambda work: work.team
                ),
                CHANNEL_REFRESH: out.to_channel(
                    service.channel_refresh_work,
                    self._redrawn_channel_card,
                    team=lambda work: work.team,
                    replacing=lambda work: work.activity_id,
                ),
                INVITATION: personal,
                REMINDER: personal,
                CHANGE_NOTICE: personal,
                PERMISSION_NOTICE: out.to_member(
                    service.permission_work,
                    lambda tr, work, _: cards.permission_notice(tr, work.meeting, self._zone),
                ),
                CADENCE_NOTICE: out.to_member(service.cadence_work, self._cadence_card),
                MINUTES_NOTICE: out.to_member(
                    service.minutes_work,
                    lambda tr, work, _: cards.minutes_notice(tr, work.meeting, self._zone),
                ),
            },
            to_dos={kind: self._meeting_to_do for kind in (INVITATION, REMINDER, CHANGE_NOTICE)},
            # Twice a day is plenty: each occasion is said once, whatever the tick.
            jobs=[
                RecurringJob(
                    "meetings.plan-cadence-notices", 12 * 3600, self._service.plan_cadence_notices
                )
            ],
        )

    # --- members ---------------------------------------------------------------------------

    async def _split(self) -> tuple[list[Meeting], list[Meeting]]:
        now = self._clock()
        scheduled = [m for m in await self._service.all() if m.status is MeetingStatus.SCHEDULED]
        return [m for m in scheduled if m.starts_at > now], [
            m for m in scheduled if m.starts_at <= now
        ]

    async def show_all(self, turn: Turn) -> None:
        await turn.send_card(await self.list_card(turn, NoData()))

    async def list_card(self, turn: Turn, _data: NoData) -> Card:
        """`réunions`, and « Retour à la liste » from a card that replaced it."""
        upcoming, past = await self._split()
        # The secretariat manages from its personal chat; a channel sees the plain list.
        manage = turn.member.is_secretariat and turn.is_personal
        return cards.meetings_list(turn.tr, upcoming, past, self._zone, manage=manage)

    async def show_next(self, turn: Turn) -> None:
        upcoming, _ = await self._split()
        nearest = upcoming[0] if upcoming else None
        conflicts: list[str] = []
        if nearest is not None and turn.is_personal and self._conflicts_of is not None:
            conflicts = await self._conflicts_of(turn.member, nearest.id)
        await turn.send_card(cards.next_meeting(turn.tr, nearest, self._zone, conflicts))

    async def attend(self, turn: Turn, data: cards.AttendPayload) -> Card:
        """« Je serai présent·e » / « Absent·e », from the member's card or the channel's:
        recorded for whoever pressed it (the activity says who), the channel redrawn."""
        outcome = await self._service.answer(
            turn.member, data.meeting, Attendance(data.answer),
            plan=data.plan, known=data.known,
        )  # fmt: skip
        meeting = outcome.meeting
        if outcome.stale and meeting is not None and outcome.count is not None:
            if turn.is_personal:
                return cards.personal_card(
                    turn.tr, meeting, self._zone, answer=outcome.answer, stale=True
                )
            return self._channel_card(meeting, outcome.count)
        if meeting is None or outcome.answer is None or outcome.count is None:
            return notice(
                turn.tr, "meetings.attend_closed_title", turn.tr.t("meetings.attend_closed")
            )
        self._dispatcher.kick()
        if turn.is_personal:
            return cards.personal_card(turn.tr, meeting, self._zone, answer=outcome.answer)
        # In the channel the card stays the committee's; the person's answer is said too.
        shared = self._channel_card(meeting, outcome.count)
        return cards.in_channel_answered(shared, turn.tr, outcome.answer)

    async def show_meeting(self, turn: Turn, data: cards.MeetingRef) -> Card:
        """A meeting as the member's own card shows it: when, the agenda, their answer."""
        meeting = await self._service.get(data.meeting)
        if meeting is None:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        answer = await self._service.answer_of(turn.member, meeting.id)
        return cards.personal_card(turn.tr, meeting, self._zone, answer=answer)

    async def _meeting_to_do(self, conn: AsyncConnection, message: OutboxMessage) -> ToDo | None:
        """For a newcomer: the meeting still ahead, once, whatever its invitation, reminders
        and change notices (changes to a time they never saw are not news to them)."""
        work = await self._service.member_work(conn, message)
        if work is None or work.meeting.status is not MeetingStatus.SCHEDULED:
            return None
        meeting = work.meeting
        return ToDo(
            3, f"meeting:{meeting.id}", "welcome.todo.meeting", {"title": meeting.plan.title},
            "welcome.todo.meeting_button", cards.SHOW, {"meeting": meeting.id},
            when=meeting.starts_at.isoformat(),
        )  # fmt: skip

    async def offer_ics(self, turn: Turn, data: cards.MeetingRef) -> Card:
        meeting = await self._service.get(data.meeting)
        if meeting is None or not turn.is_personal:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        await self._files.offer(turn, ICS_OFFER, {"meeting": str(meeting.id)})
        answer = await self._service.answer_of(turn.member, meeting.id)
        return cards.personal_card(turn.tr, meeting, self._zone, answer=answer)

    async def ics_file(self, turn: Turn, params: dict[str, str]) -> GeneratedFile:
        wanted = params.get("meeting", "")
        meeting_id = record_id(wanted)
        meeting = await self._service.get(meeting_id) if meeting_id is not None else None
        if meeting is None:
            raise FileGone(f"no meeting {wanted!r}")
        description = "\n\n".join(
            self._agenda_text(self._catalogues.all[language], meeting.plan)
            for language in ("fr-CA", "en")
        )
        return GeneratedFile(
            turn.tr.t("meetings.ics_name", day=meeting.plan.day.isoformat()),
            turn.tr.t("meetings.ics_description"),
            ics_invitation(meeting, self._zone, description, "committee-bot"),
        )

    # --- the committee's channel ----------------------------------------------------------

    async def learn_team(self, install: TeamInstall) -> None:
        """The bot added to a team becomes the committee's channel only when it is the team
        named by COMMITTEE_TEAM_ID or, without it, when a serving member of the secretariat
        added it: someone's other team never receives the committee's meetings."""
        team, installer = install.team, install.installer
        if self._committee_team_id:
            accepted = self._committee_team_id in (team.group_id, team.team_id)
        else:
            today = self._clock().astimezone(self._zone).date()
            accepted = (
                installer is not None and installer.is_secretariat and installer.is_serving(today)
            )
        if not accepted:
            log.info("Installed in team %s, which is not the committee's", team.team_id)
            return
        if await self._service.learn_team(team, team.installed_by or "teams"):
            said = "\n\n".join(
                self._catalogues.all[language].t("meetings.channel_learned")
                for language in ("fr-CA", "en")
            )
            await install.say(said)
            self._dispatcher.kick()

    # --- the secretariat -------------------------------------------------------------------

    async def attendance(self, turn: Turn, data: cards.MeetingRef) -> Card:
        meeting, rows, count = await self._service.attendance(data.meeting)
        if meeting is None or count is None:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        shown = [(r.member.display_name, r.member.organisation, r.answer) for r in rows]
        return cards.attendance_table(turn.tr, meeting, shown, count, self._zone)

    async def move_form(self, turn: Turn, data: cards.MeetingRef) -> Card:
        meeting = await self._service.get(data.meeting)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        return cards.move_form(turn.tr, meeting)

    async def move(self, turn: Turn, data: cards.MovePayload) -> Card:
        meeting = await self._service.get(data.meeting)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        day, start = cards.parse_day(data.date), cards.parse_time(data.start)
        minutes = parse_duration(data.duration) or 0
        errors: list[FieldError] = []
        if day is None:
            errors.append(FieldError("date", turn.tr.t("meetings.error.date_unreadable")))
        if start is None:
            errors.append(FieldError("start", turn.tr.t("meetings.error.start_unreadable")))
        if day is not None and start is not None:
            agenda = (
                None
                if data.agenda is None
                else [
                    agenda_item(line, meeting.plan.agenda)
                    for line in data.agenda.splitlines()
                    if line.strip()
                ]
            )
            outcome = await self._service.reschedule(
                meeting.id, day, start, minutes, turn.member, agenda
            )
            if outcome.meeting is not None:
                self._dispatcher.kick()
                return cards.about(turn.tr, "meetings.changed_done", outcome.meeting, self._zone)
            errors = field_errors(turn.tr, outcome.problems)
        return cards.move_form(turn.tr, meeting, typed=data, errors=errors)

    async def cancel_ask(self, turn: Turn, data: cards.MeetingRef) -> Card:
        meeting = await self._service.get(data.meeting)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        return cards.cancel_question(turn.tr, meeting, self._zone)

    async def keep(self, turn: Turn, data: cards.MeetingRef) -> Card:
        """« Non, garder la réunion »: nothing changes, and the card says so."""
        meeting = await self._service.get(data.meeting)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        return cards.about(turn.tr, "meetings.kept", meeting, self._zone)

    async def cancel(self, turn: Turn, data: cards.MeetingRef) -> Card:
        cancelled = await self._service.cancel(data.meeting, turn.member)
        if cancelled is None:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        self._dispatcher.kick()
        return cards.about(turn.tr, "meetings.cancelled_done", cancelled, self._zone)

    async def minutes_form(self, turn: Turn, data: cards.MeetingRef) -> Card:
        meeting = await self._service.get(data.meeting)
        if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        return cards.minutes_form(turn.tr, meeting, self._zone)

    async def minutes(self, turn: Turn, data: cards.MinutesPayload) -> Card:
        recorded, problems, lines = await self._service.record_minutes(
            data.meeting, data.minutes_url, data.decisions, turn.member
        )
        if recorded is None:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.gone"))
        if problems:
            numbered = turn.tr.n("unit.lines", len(lines), lines=", ".join(map(str, lines)))
            said = [turn.tr.t(key, lines=numbered) for key in problems]
            return cards.minutes_form(turn.tr, recorded, self._zone, typed=data, errors=said)
        self._dispatcher.kick()
        return cards.minutes_notice(turn.tr, recorded, self._zone)

    async def retry_calendar(self, turn: Turn, data: cards.MeetingRef) -> Card:
        meeting = await self._service.retry_calendar(data.meeting, turn.member)
        if meeting is None:
            return notice(turn.tr, "meetings.title", turn.tr.t("meetings.retry_nothing"))
        self._dispatcher.kick()
        return notice(turn.tr, "meetings.title", turn.tr.t("meetings.retry_done"))

    async def show_form(self, turn: Turn) -> None:
        proposed = await self._service.proposal()
        await turn.send_card(cards.schedule_form(turn.tr, proposed))

    async def schedule(self, turn: Turn, data: cards.SchedulePayload) -> Card:
        day, start = cards.parse_day(data.date), cards.parse_time(data.start)
        errors: list[FieldError] = []
        if day is None:
            errors.append(FieldError("date", turn.tr.t("meetings.error.date_unreadable")))
        if start is None:
            errors.append(FieldError("start", turn.tr.t("meetings.error.start_unreadable")))
        minutes = parse_duration(data.duration) or 0
        kinds = {kind.value: kind for kind in MeetingKind}
        if errors or day is None or start is None:
            return await self._form_again(turn, data, errors=errors)
        plan = MeetingPlan(
            title=data.title,
            kind=kinds.get(data.kind, MeetingKind.REGULAR),
            day=day,
            start=start,
            minutes=minutes,
            agenda=[agenda_item(line) for line in data.agenda.splitlines() if line.strip()],
            note=data.note.strip(),
        )
        outcome = await self._service.schedule(plan, turn.member, confirmed=data.confirmed)
        if outcome.problems:
            named = field_errors(turn.tr, outcome.problems)
            return await self._form_again(turn, data, errors=named)
        if outcome.warnings or outcome.meeting is None:
            said = [turn.tr.t(warning) for warning in outcome.warnings]
            return await self._form_again(turn, data, warnings=said)
        # Into the calendar now, not at the next tick.
        self._dispatcher.kick()
        return cards.scheduled(turn.tr, outcome.meeting, self._zone)

    async def _form_again(
        self,
        turn: Turn,
        data: cards.SchedulePayload,
        *,
        errors: list[FieldError] | None = None,
        warnings: list[str] | None = None,
    ) -> Card:
        """The form as it was typed, with what to fix or to confirm."""
        proposed = await self._service.proposal()
        return cards.schedule_form(
            turn.tr, proposed, typed=data, errors=errors or [], warnings=warnings or []
        )

    # --- what the bot does on its own ------------------------------------------------------

    async def deliver_calendar(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> str | Sent | Done:
        """Creates the meeting's event, a Teams meeting attached, in the organiser's calendar
        (a user's event with `isOnlineMeeting`: the path that app-only `Calendars.ReadWrite`
        allows; group calendars refuse app-only tokens). Throttled, failed or unreachable: the
        outbox tries again later, and the `transactionId` keeps it one event."""
        work = await self._service.calendar_work(conn, message)
        if work is None or self._calendar is None:
            return SKIPPED
        meeting = work.meeting
        attendees = [(m.email, m.display_name) for m in work.attendees]
        event = graph_event(
            meeting.plan, self._zone, attendees, self._body(meeting.plan), meeting.transaction_id
        )
        try:
            created = await self._calendar.create(event)
        except GraphPermissionDenied as refused:
            # Trying again will not help until an administrator grants the permission; the
            # secretariat is told (a card each) and has a button for after.
            return self._refused(meeting, refused)

        async def record(writing: AsyncConnection) -> None:
            await self._service.calendar_created(
                writing, meeting, created.event_id, created.join_url
            )

        return Sent(None, record)

    def _refused(self, meeting: Meeting, refused: GraphPermissionDenied) -> Done:
        async def record(writing: AsyncConnection) -> None:
            await self._service.calendar_refused(writing, meeting, str(refused))

        return Done(SKIPPED, record)

    async def deliver_cancellation(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> str | Sent | Done:
        """Cancels the event (`POST …/events/{id}/cancel`): Graph tells each attendee, with
        the message in both languages."""
        meeting = await self._service.event_to_cancel(conn, message)
        if meeting is None or self._calendar is None or meeting.event_id is None:
            return SKIPPED
        comment = " / ".join(
            self._catalogues.all[language].t("meetings.cancelled_comment", title=meeting.plan.title)
            for language in ("fr-CA", "en")
        )
        try:
            await self._calendar.cancel(meeting.event_id, comment)
        except GraphPermissionDenied as refused:
            return self._refused(meeting, refused)

        async def record(writing: AsyncConnection) -> None:
            await self._service.calendar_cancelled(writing, meeting)

        return Sent(None, record)

    async def deliver_move(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> str | Sent | Done:
        """Moves the event (`PATCH …/events/{id}`): attendees' calendars follow."""
        meeting = await self._service.event_to_move(conn, message)
        if meeting is None or self._calendar is None or meeting.event_id is None:
            return SKIPPED
        event = graph_event(meeting.plan, self._zone, [], self._body(meeting.plan), "")
        try:
            await self._calendar.move(
                meeting.event_id, {key: event[key] for key in ("start", "end", "body")}
            )
        except GraphPermissionDenied as refused:
            return self._refused(meeting, refused)
        return Sent(None)

    # Cards the bot sends on its own: what each kind reads and how it renders, nothing else
    # (the transport sends, the outbox marks).

    def _channel_card(self, meeting: Meeting, count: AttendanceCount) -> Card:
        # A whole channel reads it: French first, English below.
        french, english = self._catalogues.all["fr-CA"], self._catalogues.all["en"]
        return bilingual(
            cards.channel_card(french, meeting, count, self._zone),
            cards.channel_card(english, meeting, count, self._zone),
        )

    def _redrawn_channel_card(
        self, tr: Translator, work: ChannelWork, _: OutboxMessage
    ) -> Card | None:
        return cards.channel_card(tr, work.meeting, work.count, self._zone)

    def _new_channel_card(self, tr: Translator, work: ChannelWork, _: OutboxMessage) -> Card | None:
        # Only a meeting still to come is announced: after it began it would be noise.
        if work.meeting.status is not MeetingStatus.SCHEDULED:
            return None
        if work.meeting.starts_at <= self._clock():
            return None
        return cards.channel_card(tr, work.meeting, work.count, self._zone)

    def _personal_card(self, tr: Translator, work: MemberWork, message: OutboxMessage) -> Card:
        """The invitation, a reminder, or a move or cancellation, in the member's language."""
        if message.kind == REMINDER:
            # Said as it is when sent: a reminder delayed (Teams unreachable, a moved
            # meeting) never announces more days than are left.
            today = self._clock().astimezone(self._zone).date()
            days = max((work.meeting.plan.day - today).days, 0)
            return cards.personal_card(
                tr, work.meeting, self._zone, answer=work.answer,
                heading="meetings.reminder_title", days=days,
            )  # fmt: skip
        headings = {"moved": "meetings.moved_title", "agenda": "meetings.agenda_title"}
        if work.change in headings:
            changed = what_changed(
                tr, work.meeting, self._zone, was=work.was, added=work.added, removed=work.removed
            )
            return cards.personal_card(
                tr, work.meeting, self._zone, answer=work.answer,
                heading=headings[work.change], changed=changed,
            )  # fmt: skip
        return cards.personal_card(tr, work.meeting, self._zone, answer=work.answer)

    def _cadence_card(self, tr: Translator, _: Member, message: OutboxMessage) -> Card:
        said, urgent = str(message.payload.get("message")), bool(message.payload.get("urgent"))
        return cards.cadence_notice(tr, said, urgent)

    @staticmethod
    def _agenda_text(tr: Translator, plan: MeetingPlan) -> str:
        lines = [
            f"{n}. {item.title}" + (f" — {item.presenter}" if item.presenter else "")
            for n, item in enumerate(plan.agenda, start=1)
        ]
        return "\n".join([tr.t("meetings.agenda"), *lines, *([plan.note] if plan.note else [])])

    def _body(self, plan: MeetingPlan) -> str:
        """The invitation's text: the agenda in French, then in English."""
        return "<hr/>".join(
            self._agenda_html(self._catalogues.all[language], plan) for language in ("fr-CA", "en")
        )

    @staticmethod
    def _agenda_html(tr: Translator, plan: MeetingPlan) -> str:
        items = "".join(
            f"<li>{html.escape(item.title)}"
            + (f" — {html.escape(item.presenter)}" if item.presenter else "")
            + "</li>"
            for item in plan.agenda
        )
        note = f"<p>{html.escape(plan.note)}</p>" if plan.note else ""
        heading = html.escape(tr.t("meetings.agenda"))
        return f"<p><b>{heading}</b></p><ol>{items}</ol>{note}"


def _replaced(tr: Translator, _work: MemberWork, _message: OutboxMessage) -> Card:
    return superseded(tr, tr.t("meetings.invitation_title"), tr.t("meetings.card_replaced"))
