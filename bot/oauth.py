"""App-only access tokens (OAuth 2 client-credentials grant), fetched asynchronously.

One client per token audience: the Bot Connector's (`https://api.botframework.com/.default`)
and, for the meetings and documents features, Microsoft Graph's
(`https://graph.microsoft.com/.default`). MSAL would block the event loop while it fetches and
refuses an http token URL (the tests' loopback token service), so this is the grant itself:
one POST, the token kept until shortly before it expires, one fetch at a time.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

# Renew this long before expiry, so a token never expires in flight.
RENEW_EARLY_SECONDS = 300


class TokenError(Exception):
    """The token service refused the credentials or did not answer."""


class ClientCredentialsToken:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str,
    ) -> None:
        self._session = session
        self._token_url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self._scope = scope
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def current(self) -> str | None:
        """The token held now, without fetching (for SDKs that ask synchronously)."""
        return self._token

    async def get(self) -> str:
        if self._token is not None and time.monotonic() < self._expires_at - RENEW_EARLY_SECONDS:
            return self._token
        async with self._lock:
            if self._token is None or time.monotonic() > self._expires_at - RENEW_EARLY_SECONDS:
                await self._fetch()
            assert self._token is not None
            return self._token

    async def _fetch(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._secret,
            "scope": self._scope,
        }
        timeout = aiohttp.ClientTimeout(total=15)
        try:
            async with self._session.post(self._token_url, data=form, timeout=timeout) as reply:
                body = await reply.json(content_type=None)
                if reply.status != 200 or not isinstance(body, dict) or "access_token" not in body:
                    raise TokenError(f"token service answered HTTP {reply.status}")
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise TokenError(f"token service unreachable: {error}") from error
        self._token = str(body["access_token"])
        self._expires_at = time.monotonic() + float(body.get("expires_in", 3600))
