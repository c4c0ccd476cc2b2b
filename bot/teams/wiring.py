"""Assembles the Teams transport from the collaborators the composition root hands it."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from botbuilder.integration.aiohttp import CloudAdapter

from bot.domain.members import Member
from bot.locale import Catalogues
from bot.services.confidentiality import ConfidentialityService
from bot.services.members import MemberDirectory
from bot.services.outbox import OutboxDispatcher
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.repositories import ConversationReferences, ProcessedActivities
from bot.teams.auth import RequestAuthenticator
from bot.teams.bot import CommitteeBot, turn_error_handler
from bot.teams.confidentiality import ConfidentialityDialogs
from bot.teams.endpoint import MessagesEndpoint
from bot.teams.proactive import ProactiveMessenger


@dataclass(frozen=True)
class TeamsTransport:
    endpoint: MessagesEndpoint
    bot: CommitteeBot
    adapter: CloudAdapter
    authenticator: RequestAuthenticator


def build_transport(
    settings: Settings,
    database: Database,
    session: aiohttp.ClientSession,
    catalogues: Catalogues,
    directory: MemberDirectory,
    confidentiality: ConfidentialityService,
    dispatcher: OutboxDispatcher,
) -> TeamsTransport:
    authenticator = RequestAuthenticator(settings, session)
    adapter = CloudAdapter(authenticator.framework)
    adapter.on_turn_error = turn_error_handler(catalogues, settings.default_locale)
    processed = ProcessedActivities()
    references = ConversationReferences()
    bot = CommitteeBot(settings, catalogues, directory, database, references, processed)
    messenger = ProactiveMessenger(adapter, settings.microsoft_app_id, references)
    ConfidentialityDialogs(
        confidentiality, messenger, catalogues, settings.default_locale, settings.zone, session
    ).install(bot, dispatcher)

    async def deliver_what_waited(member: Member) -> None:
        if member.id is not None:
            async with database.transaction() as conn:
                await dispatcher.expedite(conn, member.id)
        dispatcher.kick()

    bot.on_reachable(deliver_what_waited)
    endpoint = MessagesEndpoint(
        adapter, bot, authenticator, database, processed, settings.max_request_bytes
    )
    return TeamsTransport(endpoint, bot, adapter, authenticator)
