"""Assembles the Teams transport from the collaborators the composition root hands it."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from botbuilder.integration.aiohttp import CloudAdapter

from bot.locale import Catalogues
from bot.services.members import MemberDirectory
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.repositories import ConversationReferences, ProcessedActivities
from bot.teams.auth import RequestAuthenticator
from bot.teams.bot import CommitteeBot, turn_error_handler
from bot.teams.endpoint import MessagesEndpoint


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
) -> TeamsTransport:
    authenticator = RequestAuthenticator(settings, session)
    adapter = CloudAdapter(authenticator.framework)
    adapter.on_turn_error = turn_error_handler(catalogues, settings.default_locale)
    processed = ProcessedActivities()
    bot = CommitteeBot(
        settings, catalogues, directory, database, ConversationReferences(), processed
    )
    endpoint = MessagesEndpoint(
        adapter, bot, authenticator, database, processed, settings.max_request_bytes
    )
    return TeamsTransport(endpoint, bot, adapter, authenticator)
