"""Assembles the Teams transport and its features from what the composition root hands it.

Adding a capability means adding its constructor to `FEATURES`: it receives the `FeatureKit`
and returns an object whose `spec()` declares what it adds (see `bot.teams.platform`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from botbuilder.integration.aiohttp import CloudAdapter

from bot.graph.client import GraphClient
from bot.locale import Catalogues
from bot.services.build import Services
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.repositories import ConversationReferences, ProcessedActivities
from bot.teams.auth import RequestAuthenticator
from bot.teams.bot import CommitteeBot
from bot.teams.confidentiality import ConfidentialityFeature
from bot.teams.consultation import ConsultationFeature
from bot.teams.declarations import DeclarationsFeature
from bot.teams.delivery import ProactiveMessenger
from bot.teams.documents import DocumentsFeature
from bot.teams.endpoint import MessagesEndpoint
from bot.teams.files import FileConsents
from bot.teams.install import ProactiveInstaller
from bot.teams.mandates import MandatesFeature
from bot.teams.meetings import MeetingsFeature
from bot.teams.outbox import OutboxFeature
from bot.teams.personal_data import PersonalDataFeature
from bot.teams.platform import Feature, Registry
from bot.teams.polls import PollsFeature


@dataclass(frozen=True)
class FeatureKit:
    """Everything a feature may be built from."""

    settings: Settings
    services: Services
    catalogues: Catalogues
    messenger: ProactiveMessenger
    files: FileConsents
    session: aiohttp.ClientSession
    clock: Callable[[], datetime]
    # None when Graph is not configured: a feature then works without calendars or SharePoint.
    graph: GraphClient | None
    database: Database


def _confidentiality(kit: FeatureKit) -> Feature:
    return ConfidentialityFeature(
        kit.services.confidentiality,
        kit.services.dispatcher,
        kit.messenger,
        kit.files,
        kit.catalogues,
        kit.settings.default_locale,
        kit.settings.zone,
        kit.settings.reminder_poll_seconds,
    )


def _meetings(kit: FeatureKit) -> Feature:
    return MeetingsFeature(
        kit.services.meetings,
        kit.services.dispatcher,
        kit.graph,
        kit.settings.committee_organizer,
        kit.catalogues,
        kit.settings.zone,
        kit.clock,
        kit.messenger,
        kit.files,
        kit.settings.default_locale,
        kit.settings.committee_team_id,
        kit.services.declarations.conflict_items,
    )


def _polls(kit: FeatureKit) -> Feature:
    return PollsFeature(
        kit.services.polls,
        kit.services.dispatcher,
        kit.messenger,
        kit.catalogues,
        kit.settings.default_locale,
        kit.settings.zone,
    )


def _declarations(kit: FeatureKit) -> Feature:
    return DeclarationsFeature(
        kit.services.declarations,
        kit.services.meetings,
        kit.services.dispatcher,
        kit.messenger,
        kit.files,
        kit.catalogues,
        kit.settings.default_locale,
        kit.settings.zone,
        kit.settings.reminder_poll_seconds,
        kit.database,
        kit.clock,
    )


def _mandates(kit: FeatureKit) -> Feature:
    return MandatesFeature(
        kit.services.mandates,
        kit.services.dispatcher,
        kit.messenger,
        kit.files,
        kit.catalogues,
        kit.settings.default_locale,
        kit.settings.zone,
        kit.settings.reminder_poll_seconds,
        kit.clock,
    )


def _documents(kit: FeatureKit) -> Feature:
    return DocumentsFeature(
        kit.services.documents,
        kit.services.dispatcher,
        kit.messenger,
        kit.catalogues,
        kit.settings.default_locale,
        kit.settings.zone,
        kit.settings.reminder_poll_seconds,
        kit.clock,
    )


def _consultation(kit: FeatureKit) -> Feature:
    return ConsultationFeature(
        kit.services.consultation,
        kit.services.meetings,
        kit.services.dispatcher,
        kit.messenger,
        kit.files,
        kit.catalogues,
        kit.settings.default_locale,
        kit.settings.zone,
        kit.clock,
    )


def _outbox(kit: FeatureKit) -> Feature:
    return OutboxFeature(
        kit.database,
        kit.services.dispatcher,
        kit.services.reachability,
        kit.messenger,
        kit.catalogues,
        kit.settings.default_locale,
        kit.settings.zone,
        kit.clock,
    )


def _personal_data(kit: FeatureKit) -> Feature:
    return PersonalDataFeature(kit.services.personal_data, kit.files)


FEATURES: Sequence[Callable[[FeatureKit], Feature]] = (
    _outbox,
    _confidentiality,
    _meetings,
    _polls,
    _declarations,
    _mandates,
    _documents,
    _consultation,
    _personal_data,
)


@dataclass(frozen=True)
class TeamsTransport:
    endpoint: MessagesEndpoint
    bot: CommitteeBot
    adapter: CloudAdapter
    authenticator: RequestAuthenticator
    registry: Registry
    messenger: ProactiveMessenger


def build_transport(
    settings: Settings,
    database: Database,
    session: aiohttp.ClientSession,
    catalogues: Catalogues,
    services: Services,
    clock: Callable[[], datetime],
    graph: GraphClient | None = None,
) -> TeamsTransport:
    authenticator = RequestAuthenticator(settings, session)
    # No on_turn_error: a failed turn raises out of the adapter to the endpoint, which
    # carries out the error policy (CommitteeBot.on_turn already told the person).
    adapter = CloudAdapter(authenticator.framework)
    processed = ProcessedActivities()
    references = ConversationReferences()
    registry = Registry(services.dispatcher)
    files = FileConsents(registry, session)
    messenger = ProactiveMessenger(authenticator.connectors, references)
    messenger.pace = services.dispatcher.pace
    bot = CommitteeBot(
        settings, catalogues, services.directory, database, references, processed, registry, files
    )
    registry.install(bot.core_spec())
    if graph is not None and settings.teams_app_catalog_id and settings.microsoft_app_id:
        messenger.installer = ProactiveInstaller(
            graph,
            authenticator.connectors,
            references,
            database,
            catalog_id=settings.teams_app_catalog_id,
            app_id=settings.microsoft_app_id,
            tenant_id=settings.graph_tenant_id or settings.microsoft_app_tenant_id,
            service_url=settings.teams_service_url,
        )
    kit = FeatureKit(
        settings, services, catalogues, messenger, files, session, clock, graph, database
    )
    for build in FEATURES:
        registry.install(build(kit).spec())
    endpoint = MessagesEndpoint(
        adapter,
        bot,
        authenticator,
        database,
        processed,
        settings.max_request_bytes,
        settings.body_timeout_seconds,
    )
    return TeamsTransport(endpoint, bot, adapter, authenticator, registry, messenger)
