"""Reaching a member who never talked to the bot, the way Teams allows: install the app for
them through Graph (`POST /users/{id}/teamwork/installedApps`, application permission
`TeamsAppInstallation.ReadWriteSelfForUser.All`; already installed answers 409), then create the
one-to-one conversation through the Bot Connector with their Entra id and the tenant.

Without Graph, without the app's catalog id, without the member's Entra id, or when Graph
refuses, the member stays unreachable (Undeliverable) and the secretariat is told."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.domain.members import Member
from bot.errors import Undeliverable
from bot.storage.database import Database
from bot.storage.repositories import ConversationReferences
from bot.teams.auth import ConnectorClients

log = logging.getLogger(__name__)


class AppInstalling(Protocol):
    """Installs the committee's app in a member's personal scope (Graph, in `bot.graph`);
    raises Undeliverable when it may not, DeliveryFailed when it could not now."""

    async def install_for(self, aad_object_id: str) -> None: ...


class ProactiveInstaller:
    def __init__(
        self,
        installer: AppInstalling,
        connectors: ConnectorClients,
        references: ConversationReferences,
        database: Database,
        *,
        app_id: str,
        tenant_id: str,
        service_url: str,
    ) -> None:
        self._installer = installer
        self._connectors = connectors
        self._references = references
        self._db = database
        self._app_id = app_id
        self._tenant_id = tenant_id
        self._service_url = service_url

    async def reach(self, member: Member) -> ConversationReference:
        """The member's personal conversation, created (and remembered) now."""
        if not member.aad_object_id or member.id is None:
            raise Undeliverable(f"member {member.id} has no Entra id to install the app for")
        # Installed already is fine: the conversation may still be new.
        await self._installer.install_for(member.aad_object_id)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}"),
            members=[ChannelAccount(id=member.aad_object_id)],
            tenant_id=self._tenant_id,
            channel_data={"tenant": {"id": self._tenant_id}},
        )
        try:
            client = await self._connectors.create(self._service_url)
            created = await client.conversations.create_conversation(parameters)
        except Exception as error:
            from bot.teams.delivery import as_delivery_error

            failure = as_delivery_error(error)
            if failure is None:
                raise
            raise failure from error
        reference = ConversationReference(
            channel_id="msteams",
            service_url=self._service_url,
            bot=ChannelAccount(id=f"28:{self._app_id}"),
            user=ChannelAccount(id=member.aad_object_id, aad_object_id=member.aad_object_id),
            conversation=ConversationAccount(
                id=created.id, conversation_type="personal", tenant_id=self._tenant_id
            ),
        )
        stored: dict[str, Any] = reference.serialize()
        async with self._db.transaction() as conn:
            await self._references.save(conn, created.id, "personal", stored, member.id)
        log.info("Installed the app for member %s and opened their chat", member.id)
        return reference
