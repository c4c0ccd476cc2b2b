"""Sending to a member's personal chat without them writing first (reminders, follow-ups)."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationReference
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member
from bot.services.outbox import Undeliverable
from bot.storage.repositories import ConversationReferences


class ProactiveMessenger:
    def __init__(
        self, adapter: CloudAdapter, app_id: str, references: ConversationReferences
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._references = references

    async def send(self, conn: AsyncConnection, member: Member, activity: Activity) -> str | None:
        """The id Teams gave the message; Undeliverable until the member has opened a chat."""
        if member.id is None:
            raise Undeliverable("member without id")
        stored = await self._references.personal_for(conn, member.id)
        if stored is None:
            raise Undeliverable(f"no personal conversation with member {member.id} yet")
        reference = ConversationReference().deserialize(stored)
        sent: list[str | None] = []

        async def deliver(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent.append(response.id if response else None)

        await self._adapter.continue_conversation(reference, deliver, self._app_id)
        return sent[0] if sent else None
