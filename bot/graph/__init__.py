"""Microsoft Graph: the committee's calendars and files (meetings, documents, mandates)."""

from __future__ import annotations

import aiohttp

from bot.graph.client import GRAPH_SCOPE, GraphClient
from bot.metrics import Metrics
from bot.oauth import ClientCredentialsToken
from bot.settings import Settings


def build_graph(
    settings: Settings, session: aiohttp.ClientSession, metrics: Metrics | None = None
) -> GraphClient | None:
    """The Graph client, or None when no app id and secret are known (local mode without
    GRAPH_* credentials): the features then work without calendars or SharePoint."""
    credentials = settings.graph_client
    if credentials is None:
        return None
    client_id, secret = credentials
    token = ClientCredentialsToken(
        session, settings.graph_token_url, client_id, secret, GRAPH_SCOPE
    )
    return GraphClient(
        session,
        token,
        settings.graph_base_url,
        per_mailbox=settings.graph_concurrency_per_mailbox,
        metrics=metrics,
    )
