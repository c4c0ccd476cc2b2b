"""The HTTP client session the bot's outbound calls share (Bot Connector, Entra, Graph)."""

from __future__ import annotations

import ssl

import aiohttp


def client_session() -> aiohttp.ClientSession:
    """TLS verified against the system's CA bundle, or against the bundle `SSL_CERT_FILE` names
    when the session is made: an intercepting proxy's CA in a ministry's network (and the
    tests' loopback Entra, whose CA is their own)."""
    connector = aiohttp.TCPConnector(ssl=ssl.create_default_context())
    return aiohttp.ClientSession(connector=connector)
