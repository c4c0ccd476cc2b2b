"""Sending to a member's personal chat without them writing first (cards, reminders), and
what the Bot Connector's failures mean in the bot's own terms.

A proactive send goes straight to the shared connector client, not through the adapter's turn
pipeline: the pipeline's error handler would swallow a failed send, and the outbox would then
record as sent a message Teams never took. Here a failure always raises `DeliveryFailed`
(refused, throttled with its Retry-After, failed, unreachable) or `Undeliverable`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference
from msrest.exceptions import ClientException, HttpOperationError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.members import Member
from bot.errors import DeliveryFailed, Undeliverable, retry_after_seconds
from bot.oauth import TokenError
from bot.storage.committee import CommitteeTeam
from bot.storage.repositories import ConversationReferences
from bot.teams.auth import ConnectorClients
from bot.teams.install import ProactiveInstaller


def as_delivery_error(error: BaseException) -> DeliveryFailed | None:
    """The bot's name for a Bot Connector failure; None when `error` is something else."""
    if isinstance(error, DeliveryFailed):
        return error
    if isinstance(error, TokenError):
        return DeliveryFailed(f"no Bot Connector token: {error}")
    if isinstance(error, HttpOperationError):
        response: Any = error.response
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None) or {}
        return DeliveryFailed(
            f"Bot Connector answered {status}",
            status=status,
            retry_after=retry_after_seconds(headers.get("Retry-After")),
        )
    if isinstance(error, ClientException):
        # msrest's ClientRequestError and kin: refused connection, reset, timeout.
        return DeliveryFailed(f"Bot Connector unreachable: {type(error).__name__}")
    return None


class ProactiveMessenger:
    def __init__(
        self,
        connectors: ConnectorClients,
        references: ConversationReferences,
        installer: ProactiveInstaller | None = None,
        *,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._connectors = connectors
        self._references = references
        # Given when Graph can install the app for someone who never talked to the bot.
        self._installer = installer
        # Awaited right before each request to Teams: the outbox's pace (Teams' limit).
        self._pace = pace

    async def send(self, conn: AsyncConnection, member: Member, activity: Activity) -> str | None:
        """The id Teams gave the message. Raises Undeliverable until the member has opened a
        chat with the bot, DeliveryFailed when Teams does not take it."""
        if member.id is None:
            raise Undeliverable("member without id")
        stored = await self._references.personal_for(conn, member.id)
        if stored is not None:
            return await self.send_to(ConversationReference().deserialize(stored), activity)
        if self._installer is None:
            raise Undeliverable(f"no personal conversation with member {member.id} yet")
        return await self.send_to(await self._installer.reach(member), activity)

    async def update(
        self, conn: AsyncConnection, member: Member, activity_id: str, activity: Activity
    ) -> None:
        """Replaces a message sent earlier to the member's personal chat (a superseded card)."""
        if member.id is None:
            raise Undeliverable("member without id")
        stored = await self._references.personal_for(conn, member.id)
        if stored is None:
            raise Undeliverable(f"no personal conversation with member {member.id}")
        await self.update_at(ConversationReference().deserialize(stored), activity_id, activity)

    async def update_at(
        self, reference: ConversationReference, activity_id: str, activity: Activity
    ) -> None:
        """Replaces a message sent earlier to a conversation (a channel card redrawn)."""
        outgoing = TurnContext.apply_conversation_reference(activity, reference)
        outgoing.id = activity_id
        if self._pace is not None:
            await self._pace()
        try:
            client = await self._connectors.create(reference.service_url)
            await client.conversations.update_activity(
                reference.conversation.id, activity_id, outgoing
            )
        except Exception as error:
            failure = as_delivery_error(error)
            if failure is None:
                raise
            raise failure from error

    async def send_to_channel(self, team: CommitteeTeam, activity: Activity) -> str | None:
        """Posts in the committee's channel (the reference learned when the bot was added)."""
        return await self.send_to(ConversationReference().deserialize(team.reference), activity)

    async def update_in_channel(
        self, team: CommitteeTeam, activity_id: str, activity: Activity
    ) -> None:
        """Redraws a card posted earlier in the committee's channel."""
        reference = ConversationReference().deserialize(team.reference)
        await self.update_at(reference, activity_id, activity)

    async def send_to(self, reference: ConversationReference, activity: Activity) -> str | None:
        outgoing = TurnContext.apply_conversation_reference(activity, reference)
        if self._pace is not None:
            await self._pace()
        try:
            client = await self._connectors.create(reference.service_url)
            response = await client.conversations.send_to_conversation(
                reference.conversation.id, outgoing
            )
        except Exception as error:
            failure = as_delivery_error(error)
            if failure is None:
                raise
            raise failure from error
        return getattr(response, "id", None)
