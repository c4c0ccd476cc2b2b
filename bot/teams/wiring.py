"""Assembles the Teams transport and its features from what the composition root hands it.

The features are installed by the composition root (`bot.capabilities.install`): each is built
from one `FeatureContext` and returns an object whose `spec()` declares what it adds (see
`bot.teams.platform`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from botbuilder.integration.aiohttp import CloudAdapter

from bot.locale import Catalogues
from bot.metrics import Metrics
from bot.services.build import Services
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.repositories import ConversationReferences, ProcessedActivities
from bot.teams.auth import RequestAuthenticator
from bot.teams.bot import CommitteeBot
from bot.teams.delivery import ProactiveMessenger
from bot.teams.endpoint import MessagesEndpoint
from bot.teams.files import FileConsents
from bot.teams.install import AppInstalling, ProactiveInstaller
from bot.teams.platform import Registry


@dataclass(frozen=True)
class TeamsTransport:
    endpoint: MessagesEndpoint
    bot: CommitteeBot
    adapter: CloudAdapter
    authenticator: RequestAuthenticator
    registry: Registry
    messenger: ProactiveMessenger
    files: FileConsents


def build_transport(
    settings: Settings,
    database: Database,
    session: aiohttp.ClientSession,
    catalogues: Catalogues,
    services: Services,
    clock: Callable[[], datetime],
    *,
    app_installer: AppInstalling | None = None,
    metrics: Metrics | None = None,
) -> TeamsTransport:
    """The transport, with the bot's own commands; the composition root installs the
    features into `registry`. `app_installer`: how to install the app for a member who never
    opened it (None: such a member stays unreachable)."""
    authenticator = RequestAuthenticator(settings, session)
    # No on_turn_error: a failed turn raises out of the adapter to the endpoint, which
    # carries out the error policy (CommitteeBot.on_turn already told the person).
    adapter = CloudAdapter(authenticator.framework)
    processed = ProcessedActivities()
    references = ConversationReferences()
    registry = Registry(services.dispatcher)
    files = FileConsents(registry, session)
    installer = (
        ProactiveInstaller(
            app_installer,
            authenticator.connectors,
            references,
            database,
            app_id=settings.microsoft_app_id,
            tenant_id=settings.graph_tenant_id or settings.microsoft_app_tenant_id,
            service_url=settings.teams_service_url,
        )
        if app_installer is not None and settings.microsoft_app_id
        else None
    )
    messenger = ProactiveMessenger(
        authenticator.connectors, references, installer, pace=services.dispatcher.pace
    )
    bot = CommitteeBot(
        settings, catalogues, services.directory, database, references, processed, registry, files
    )
    registry.install(bot.core_spec())
    endpoint = MessagesEndpoint(
        adapter,
        bot,
        authenticator,
        database,
        processed,
        settings.max_request_bytes,
        settings.body_timeout_seconds,
        metrics,
    )
    return TeamsTransport(endpoint, bot, adapter, authenticator, registry, messenger, files)
