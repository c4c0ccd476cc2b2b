"""Who may talk to the bot, and how the bot proves itself when it answers.

Inbound: botbuilder validates the JWT, but answers 500 to most bad tokens and fetches the
signing keys with a blocking `requests.get`. So we (1) refuse what is obviously wrong before
the SDK sees it, (2) fetch the OpenID metadata and keys ourselves with aiohttp, off the
request path, and hand them to the SDK's key cache, and (3) turn every SDK failure into 401.

Outbound: the SDK's MSAL credentials refuse an http login URL and block the loop while they
fetch a token; a `bot.oauth` token source fetches it asynchronously (by secret, certificate or
managed identity) and msrest gets a credential that reads it. The connector clients are built once per
service URL (`ConnectorClients`), not once per turn as the SDK does.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import jwt
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    AuthenticationConfiguration,
    ConnectorFactory,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from botframework.connector.auth._connector_factory_impl import USER_AGENT
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata

from bot.oauth import TokenSource, token_source
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
        self._parsed: dict[str, Any] = {}
        self._parsed_at = self.last_updated

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
        # The SDK parses the JWK on every request: parsed keys are kept until the next refresh.
        fresh = self.last_updated > datetime.now() - timedelta(days=1)
        parsed = self._parsed.get(key_id)
        if parsed is not None and fresh and self._parsed_at == self.last_updated:
            return parsed
        try:
            found = await super().get(key_id)
        except (IndexError, KeyError, TypeError):
            # The SDK raises IndexError for an unknown key id.
            return None
        if self._parsed_at != self.last_updated:
            self._parsed = {}
            self._parsed_at = self.last_updated
        if found is not None:
            self._parsed[key_id] = found
        return found


class TokenCredentials(AppCredentials):  # type: ignore[misc]
    """A credential msrest asks synchronously: it reads the token the async client holds.

    Whoever hands out this credential first awaits `TokenSource.get()`, which
    renews the token five minutes before it expires, so what is read here is always fresh.
    """

    def __init__(self, app_id: str, token: TokenSource, oauth_scope: str) -> None:
        super().__init__(app_id=app_id, oauth_scope=oauth_scope)
        self._token_client = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token_client.current or ""


class ClientCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    def __init__(self, app_id: str, token: TokenSource | None, oauth_scope: str) -> None:
        self._app_id = app_id
        self._token = token
        self._scope = oauth_scope

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self._app_id) and app_id == self._app_id

    async def is_authentication_disabled(self) -> bool:
        return not self._app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if self._token is None:  # local mode
            return MicrosoftAppCredentials.empty()
        if app_id != self._app_id:
            raise Unauthorized("unknown app id")
        await self._token.get()
        return TokenCredentials(self._app_id, self._token, self._scope)

    async def refresh(self) -> None:
        if self._token is not None:
            await self._token.get()


class ConnectorClients(ConnectorFactory):  # type: ignore[misc]
    """One Bot Connector client per service URL and audience, built once and reused.

    The SDK builds a new msrest client for every turn (and a token client beside it): about
    7 ms of CPU each time, mostly msrest's retry settings. The clients hold no per-turn state,
    and their credential reads the shared token, so one per service URL serves every turn and
    every proactive message. msrest's own retries are off: a failed send is retried by the
    outbox (proactive) or by Teams redelivering the activity (a reply), never by a thread
    sleeping on Retry-After.
    """

    MAX_CLIENTS = 64

    def __init__(self, app_id: str, credentials: ClientCredentialsFactory, scope: str) -> None:
        self._app_id = app_id
        self._credentials = credentials
        self._scope = scope
        self._clients: dict[tuple[str, str], ConnectorClient] = {}

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (service_url, audience or self._scope)
        client = self._clients.get(key)
        if client is not None:
            await self._credentials.refresh()
            return client
        credentials = await self._credentials.create_credentials(self._app_id, key[1], "", True)
        client = ConnectorClient(credentials, base_url=service_url)
        client.config.add_user_agent(USER_AGENT)
        client.config.retry_policy.retries = 0
        if len(self._clients) < self.MAX_CLIENTS:
            self._clients[key] = client
        return client


class CachingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """The SDK's authentication, handing out the shared connector clients instead of new ones."""

    def __init__(self, connectors: ConnectorClients, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connectors = connectors
        self._user_tokens: Any = None

    async def authenticate_request(
        self, activity: Activity, auth_header: str | None
    ) -> AuthenticateRequestResult:
        result: AuthenticateRequestResult = await super().authenticate_request(
            activity, auth_header
        )
        result.connector_factory = self.connectors
        return result

    def create_connector_factory(self, claims_identity: Any) -> ConnectorFactory:
        return self.connectors

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        # The bot signs nobody in (no OAuth prompt): one token client, built once, is enough
        # for the SDK, which insists on putting one in every turn.
        if self._user_tokens is None:
            self._user_tokens = await super().create_user_token_client(claims_identity)
        return self._user_tokens


class RequestAuthenticator:
    """Turns an Authorization header into botbuilder's AuthenticateRequestResult, or Unauthorized."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession) -> None:
        self._settings = settings
        credential = settings.connector_credential
        self.token: TokenSource | None = (
            token_source(credential, settings.oauth_scope, session) if credential else None
        )
        self.credentials = ClientCredentialsFactory(
            settings.microsoft_app_id, self.token, settings.oauth_scope
        )
        self.connectors = ConnectorClients(
            settings.microsoft_app_id, self.credentials, settings.oauth_scope
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
        self.framework = CachingBotFrameworkAuthentication(
            self.connectors,
            configuration=configuration,
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

    async def precheck(self, header: str | None) -> None:
        """Before the body is read: a Bot Framework token signed by a key of the channel, for
        this bot, not expired. A request without one costs us no memory and no time; the
        activity's own checks (its service URL, the key's endorsement) follow once it is read."""
        if self._settings.local_mode:
            return
        scheme, _, token = (header or "").partition(" ")
        if scheme != "Bearer" or not token:
            raise Unauthorized("missing bearer token")
        try:
            key_id = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            raise Unauthorized("not a JWT") from error
        found = await self._keys.get(str(key_id)) if key_id else None
        if found is None:
            raise Unauthorized("unknown signing key")
        try:
            jwt.decode(
                token,
                found.public_key,
                algorithms=["RS256"],
                audience=self._settings.microsoft_app_id,
                issuer=self._settings.token_issuer,
                leeway=300,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(f"token refused: {error}") from error

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
