"""Who may talk to the bot, and how the bot proves itself when it answers.

Inbound: botbuilder validates the JWT, but answers 500 to most bad tokens and fetches the
signing keys with a blocking `requests.get`. So we (1) refuse what is obviously wrong before
the SDK sees it, (2) fetch the OpenID metadata and keys ourselves with aiohttp, off the
request path, and hand them to the SDK's key cache, and (3) turn every SDK failure into 401.

Outbound: the SDK's MSAL credentials refuse an http login URL and block the loop while they
fetch a token; `ClientCredentialsFactory` fetches the token asynchronously with the OAuth 2
client-credentials grant (what MSAL does) and hands msrest a credential that already holds it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import jwt
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    AuthenticationConfiguration,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata

from bot.settings import Settings

log = logging.getLogger(__name__)


class Unauthorized(Exception):
    """The request does not carry a valid Bot Framework token for this bot."""


@dataclass(frozen=True)
class _AuthConfiguration:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str
    VALIDATE_AUTHORITY: bool = True


class AsyncOpenIdMetadata(_OpenIdMetadata):  # type: ignore[misc]
    """The SDK's key cache for one metadata URL, refreshed with aiohttp instead of requests."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        super().__init__(url)
        self._session = session
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        async with self._lock:
            timeout = aiohttp.ClientTimeout(total=10)
            async with self._session.get(self.url, timeout=timeout) as response:
                response.raise_for_status()
                jwks_uri = (await response.json(content_type=None))["jwks_uri"]
            async with self._session.get(jwks_uri, timeout=timeout) as response:
                response.raise_for_status()
                self.keys = (await response.json(content_type=None))["keys"]
            self.last_updated = datetime.now()

    async def get(self, key_id: str) -> Any:
        try:
            return await super().get(key_id)
        except (IndexError, KeyError):
            # The SDK raises IndexError for an unknown key id.
            return None


class PrefetchedCredentials(AppCredentials):  # type: ignore[misc]
    """A credential that already holds its token: msrest asks for it synchronously."""

    def __init__(self, app_id: str, token: str, oauth_scope: str) -> None:
        super().__init__(app_id=app_id, oauth_scope=oauth_scope)
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


class ClientCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    def __init__(
        self,
        app_id: str,
        password: str,
        token_url: str,
        oauth_scope: str,
        session: aiohttp.ClientSession,
    ) -> None:
        self._app_id = app_id
        self._password = password
        self._token_url = token_url
        self._scope = oauth_scope
        self._session = session
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self._app_id) and app_id == self._app_id

    async def is_authentication_disabled(self) -> bool:
        return not self._app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if not self._app_id:
            return MicrosoftAppCredentials.empty()
        if app_id != self._app_id:
            raise Unauthorized("unknown app id")
        return PrefetchedCredentials(self._app_id, await self.token(), self._scope)

    async def token(self) -> str:
        async with self._lock:
            # Renew five minutes early so a token never expires in flight.
            if self._token is None or time.monotonic() > self._expires_at - 300:
                form = {
                    "grant_type": "client_credentials",
                    "client_id": self._app_id,
                    "client_secret": self._password,
                    "scope": self._scope,
                }
                timeout = aiohttp.ClientTimeout(total=15)
                async with self._session.post(self._token_url, data=form, timeout=timeout) as reply:
                    reply.raise_for_status()
                    body = await reply.json(content_type=None)
                self._token = str(body["access_token"])
                self._expires_at = time.monotonic() + float(body.get("expires_in", 3600))
            return self._token


class RequestAuthenticator:
    """Turns an Authorization header into botbuilder's AuthenticateRequestResult, or Unauthorized."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession) -> None:
        self._settings = settings
        self.credentials = ClientCredentialsFactory(
            settings.microsoft_app_id,
            settings.microsoft_app_password.get_secret_value(),
            settings.token_url,
            settings.oauth_scope,
            session,
        )
        configuration = _AuthConfiguration(
            APP_ID=settings.microsoft_app_id,
            APP_PASSWORD=settings.microsoft_app_password.get_secret_value(),
            APP_TYPE=settings.microsoft_app_type,
            APP_TENANTID=settings.microsoft_app_tenant_id,
            TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.openid_metadata_url,
            TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=settings.token_issuer,
            TO_CHANNEL_FROM_BOT_LOGIN_URL=settings.token_url,
            TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=settings.oauth_scope,
        )
        self.framework = ConfigurationBotFrameworkAuthentication(
            configuration,
            credentials_factory=self.credentials,
            auth_configuration=AuthenticationConfiguration(),
        )
        self._keys = AsyncOpenIdMetadata(settings.openid_metadata_url, session)
        # The SDK looks its key cache up by URL in a class-level dict: put ours there first.
        JwtTokenExtractor.metadataCache[settings.openid_metadata_url] = self._keys

    async def warm_up(self) -> None:
        """Fetch the signing keys at start, so the first message does not wait for them."""
        if self._settings.local_mode:
            return
        try:
            await self._keys._refresh()
        except Exception as error:  # the keys are fetched again on first use
            log.warning("Could not prefetch the Bot Framework signing keys: %s", error)

    async def authenticate(
        self, activity: Activity, header: str | None
    ) -> AuthenticateRequestResult:
        if self._settings.local_mode:
            # No app id: unsigned activities from the Playground, on loopback only.
            return await self.framework.authenticate_request(activity, None)
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Bearer" or not token:
            raise Unauthorized("missing bearer token")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise Unauthorized("not a JWT") from error
        if unverified.get("iss") != self._settings.token_issuer:
            # Refused here so the SDK never tries the emulator or skill paths (and their
            # hard-coded Microsoft URLs) for a token that cannot be from the channel.
            raise Unauthorized("unexpected issuer")
        try:
            result: AuthenticateRequestResult = await self.framework.authenticate_request(
                activity, header
            )
        except Exception as error:
            # The SDK raises PermissionError, IndexError, jwt errors, AttributeError… all 401.
            raise Unauthorized(str(error) or type(error).__name__) from error
        if result.claims_identity is None or not result.claims_identity.is_authenticated:
            raise Unauthorized("no identity")
        return result
