"""Microsoft Graph: the committee's calendars and files (meetings, documents, mandates)."""

from __future__ import annotations

import aiohttp

from bot.graph.client import GRAPH_SCOPE, GraphClient
from bot.metrics import Metrics
from bot.oauth import token_source
from bot.settings import Settings


def build_graph(
    settings: Settings, session: aiohttp.ClientSession, metrics: Metrics | None = None
) -> GraphClient | None:
    """The Graph client, or None when no credential is known (local mode without GRAPH_*
    credentials): the features then work without calendars or SharePoint."""
    credential = settings.graph_credential
    if credential is None:
        return None
    return GraphClient(
        session,
        token_source(credential, GRAPH_SCOPE, session),
        settings.graph_base_url,
        per_mailbox=settings.graph_concurrency_per_mailbox,
        metrics=metrics,
    )
