"""Meetings in Teams. For now, what the bot does on its own: put each scheduled meeting in the
organiser's calendar with its Teams link (the cards and commands are the next step)."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.meetings import MeetingPlan, graph_event
from bot.graph.client import GraphClient, GraphPermissionDenied
from bot.locale import Catalogues, Translator
from bot.services.meetings import CALENDAR, MeetingsService
from bot.services.outbox import SKIPPED, Sent
from bot.storage.outbox import OutboxMessage
from bot.teams.platform import FeatureSpec

CALENDARS_PERMISSION = "Calendars.ReadWrite"


class MeetingsFeature:
    def __init__(
        self,
        service: MeetingsService,
        graph: GraphClient | None,
        organizer: str,
        catalogues: Catalogues,
        zone: ZoneInfo,
    ) -> None:
        self._service = service
        self._graph = graph
        self._organizer = organizer
        self._catalogues = catalogues
        self._zone = zone

    def spec(self) -> FeatureSpec:
        return FeatureSpec(name="meetings", deliveries={CALENDAR: self.deliver_calendar})

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
