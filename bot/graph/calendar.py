"""The organiser's calendar, where the committee's meetings are Teams meetings.

App-only tokens may write a user's calendar (`Calendars.ReadWrite`) but not a group's: events
go into one mailbox, `COMMITTEE_ORGANIZER`, and an event with `isOnlineMeeting` gets its Teams
link without `/onlineMeetings` (which needs a Teams application access policy).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from bot.graph.client import GraphClient, GraphNotFound

CALENDARS_PERMISSION = "Calendars.ReadWrite"


@dataclass(frozen=True)
class CreatedEvent:
    event_id: str
    join_url: str | None


class OrganizerCalendar:
    """Creates, moves and cancels events in one mailbox. A refused permission raises
    `GraphPermissionDenied`; throttling and failures raise as the client does."""

    def __init__(self, graph: GraphClient, organizer: str) -> None:
        self._graph = graph
        self._organizer = organizer
        self._events = f"/users/{organizer}/events"

    async def create(self, event: dict[str, Any]) -> CreatedEvent:
        created = await self._graph.request(
            "POST", self._events, json=event, mailbox=self._organizer,
            permission=CALENDARS_PERMISSION, patient=False,
        )  # fmt: skip
        online = created.body.get("onlineMeeting") or {}
        join_url = online.get("joinUrl") if isinstance(online, dict) else None
        return CreatedEvent(str(created.body["id"]), join_url)

    async def move(self, event_id: str, changes: dict[str, Any]) -> None:
        await self._graph.request(
            "PATCH", f"{self._events}/{event_id}", json=changes,
            mailbox=self._organizer, permission=CALENDARS_PERMISSION, patient=False,
        )  # fmt: skip

    async def cancel(self, event_id: str, comment: str) -> None:
        """Graph tells each attendee. An event already gone leaves nothing to cancel."""
        with contextlib.suppress(GraphNotFound):
            await self._graph.request(
                "POST", f"{self._events}/{event_id}/cancel", json={"comment": comment},
                mailbox=self._organizer, permission=CALENDARS_PERMISSION, patient=False,
            )  # fmt: skip
