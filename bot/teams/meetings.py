"""Meetings in Teams: the secretariat schedules from a card, members see what is coming with
its Teams link, and the bot puts each meeting in the organiser's calendar on its own."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.meetings import (
    AgendaItem,
    Meeting,
    MeetingKind,
    MeetingPlan,
    MeetingStatus,
    graph_event,
)
from bot.graph.client import GraphClient, GraphNotFound, GraphPermissionDenied
from bot.locale import Catalogues, Translator
from bot.services.meetings import CALENDAR, CALENDAR_CANCEL, MeetingsService
from bot.services.outbox import SKIPPED, OutboxDispatcher, Sent
from bot.storage.outbox import OutboxMessage
from bot.teams import meetings_cards as cards
from bot.teams.cards import Card
from bot.teams.platform import SECRETARIAT_PERSONAL, Action, Command, FeatureSpec, Turn

CALENDARS_PERMISSION = "Calendars.ReadWrite"


class MeetingsFeature:
    def __init__(
        self,
        service: MeetingsService,
        dispatcher: OutboxDispatcher,
        graph: GraphClient | None,
        organizer: str,
        catalogues: Catalogues,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
    ) -> None:
        self._service = service
        self._dispatcher = dispatcher
        self._clock = clock
        self._graph = graph
        self._organizer = organizer
        self._catalogues = catalogues
        self._zone = zone

    def spec(self) -> FeatureSpec:
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
                Action(cards.SCHEDULE, cards.SchedulePayload, self.schedule, SECRETARIAT_PERSONAL)
            ],
            deliveries={
                CALENDAR: self.deliver_calendar,
                CALENDAR_CANCEL: self.deliver_cancellation,
            },
        )

    # --- members ---------------------------------------------------------------------------

    async def _split(self) -> tuple[list[Meeting], list[Meeting]]:
        now = self._clock()
        scheduled = [m for m in await self._service.all() if m.status is MeetingStatus.SCHEDULED]
        return [m for m in scheduled if m.starts_at > now], [
            m for m in scheduled if m.starts_at <= now
        ]

    async def show_all(self, turn: Turn) -> None:
        upcoming, past = await self._split()
        await turn.send_card(cards.meetings_list(turn.tr, upcoming, past, self._zone))

    async def show_next(self, turn: Turn) -> None:
        upcoming, _ = await self._split()
        nearest = upcoming[0] if upcoming else None
        await turn.send_card(cards.next_meeting(turn.tr, nearest, self._zone))

    # --- the secretariat -------------------------------------------------------------------

    async def show_form(self, turn: Turn) -> None:
        proposed = await self._service.proposed_day()
        await turn.send_card(cards.schedule_form(turn.tr, proposed))

    async def schedule(self, turn: Turn, data: cards.SchedulePayload) -> Card:
        day, start = cards.parse_day(data.date), cards.parse_time(data.start)
        errors = []
        if day is None:
            errors.append(turn.tr.t("meetings.error.date_unreadable"))
        if start is None:
            errors.append(turn.tr.t("meetings.error.start_unreadable"))
        minutes = int(data.duration) if data.duration.strip().isdigit() else 0
        kinds = {kind.value: kind for kind in MeetingKind}
        if errors or day is None or start is None:
            return await self._form_again(turn, data, errors=errors)
        plan = MeetingPlan(
            title=data.title,
            kind=kinds.get(data.kind, MeetingKind.REGULAR),
            day=day,
            start=start,
            minutes=minutes,
            agenda=[_agenda_item(line) for line in data.agenda.splitlines() if line.strip()],
            note=data.note.strip(),
        )
        outcome = await self._service.schedule(plan, turn.member, confirmed=data.confirmed)
        if outcome.problems:
            named = [turn.tr.t(problem.message) for problem in outcome.problems]
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
        errors: list[str] | None = None,
        warnings: list[str] | None = None,
    ) -> Card:
        """The form as it was typed, with what to fix or to confirm."""
        proposed = await self._service.proposed_day()
        return cards.schedule_form(
            turn.tr, proposed, typed=data, errors=errors or [], warnings=warnings or []
        )

    # --- what the bot does on its own ------------------------------------------------------

    async def deliver_calendar(self, conn: AsyncConnection, message: OutboxMessage) -> str | Sent:
        """Creates the meeting's event, a Teams meeting attached, in the organiser's calendar
        (a user's event with `isOnlineMeeting`: the path that app-only `Calendars.ReadWrite`
        allows; group calendars refuse app-only tokens). Throttled, failed or unreachable: the
        outbox tries again later, and the `transactionId` keeps it one event."""
        work = await self._service.calendar_work(conn, message)
        if work is None or self._graph is None or not self._organizer:
            return SKIPPED
        meeting = work.meeting
        attendees = [(m.email, m.display_name) for m in work.attendees]
        event = graph_event(
            meeting.plan, self._zone, attendees, self._body(meeting.plan), meeting.transaction_id
        )
        try:
            created = await self._graph.request(
                "POST",
                f"/users/{self._organizer}/events",
                json=event,
                mailbox=self._organizer,
                permission=CALENDARS_PERMISSION,
                patient=False,
            )
        except GraphPermissionDenied as refused:
            # Trying again will not help until an administrator grants the permission.
            await self._service.calendar_refused(conn, meeting, str(refused))
            return SKIPPED
        online = created.body.get("onlineMeeting") or {}
        join_url = online.get("joinUrl") if isinstance(online, dict) else None
        await self._service.calendar_created(conn, meeting, str(created.body["id"]), join_url)
        return Sent(None)

    async def deliver_cancellation(
        self, conn: AsyncConnection, message: OutboxMessage
    ) -> str | Sent:
        """Cancels the event (`POST …/events/{id}/cancel`): Graph tells each attendee, with
        the message in both languages."""
        meeting = await self._service.event_to_cancel(conn, message)
        if meeting is None or self._graph is None or not self._organizer:
            return SKIPPED
        comment = " / ".join(
            self._catalogues.all[language].t("meetings.cancelled_comment", title=meeting.plan.title)
            for language in ("fr-CA", "en")
        )
        try:
            await self._graph.request(
                "POST",
                f"/users/{self._organizer}/events/{meeting.event_id}/cancel",
                json={"comment": comment},
                mailbox=self._organizer,
                permission=CALENDARS_PERMISSION,
                patient=False,
            )
        except GraphNotFound:
            pass  # already removed from the calendar: nothing left to cancel
        except GraphPermissionDenied as refused:
            await self._service.calendar_refused(conn, meeting, str(refused))
            return SKIPPED
        await self._service.calendar_cancelled(conn, meeting)
        return Sent(None)

    def _body(self, plan: MeetingPlan) -> str:
        """The invitation's text: the agenda in French, then in English."""
        return "<hr/>".join(
            self._agenda_html(self._catalogues.all[language], plan) for language in ("fr-CA", "en")
        )

    @staticmethod
    def _agenda_html(tr: Translator, plan: MeetingPlan) -> str:
        items = "".join(
            f"<li>{html.escape(item.title)}"
            + (f" ({html.escape(item.presenter)})" if item.presenter else "")
            + "</li>"
            for item in plan.agenda
        )
        note = f"<p>{html.escape(plan.note)}</p>" if plan.note else ""
        heading = html.escape(tr.t("meetings.agenda"))
        return f"<p><b>{heading}</b></p><ol>{items}</ol>{note}"


def _agenda_item(line: str) -> AgendaItem:
    """« Plan d’action — Secrétariat »: the item, then who presents it (optional)."""
    subject, _, presenter = line.partition(" — ")
    return AgendaItem(subject.strip(), presenter.strip() or None)
