"""What every feature is built from, in one object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from bot.graph.client import GraphClient
from bot.locale import Catalogues
from bot.services.build import Services
from bot.settings import Settings
from bot.storage.database import Database
from bot.teams.delivery import ProactiveMessenger
from bot.teams.files import FileConsents
from bot.teams.outgoing import Outgoing
from bot.teams.platform import Feature


@dataclass(frozen=True)
class FeatureContext:
    """The settings, the use cases of every capability (a feature takes those it needs, its own
    and the ones it declares it uses), the transport's messenger, outgoing cards and file
    consents, the clock,
    Graph and the database."""

    settings: Settings
    services: Services
    catalogues: Catalogues
    messenger: ProactiveMessenger
    # How an outbox message becomes a card in Teams (read → render → send → mark).
    outgoing: Outgoing
    files: FileConsents
    session: aiohttp.ClientSession
    clock: Callable[[], datetime]
    # None when Graph is not configured: a feature then works without calendars or SharePoint.
    graph: GraphClient | None
    database: Database


# A feature's constructor, as the features list holds it.
FeatureFactory = Callable[[FeatureContext], Feature]
