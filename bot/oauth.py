"""App-only access tokens, fetched asynchronously, by whichever credential the tenant allows.

One token source per audience: the Bot Connector's (`https://api.botframework.com/.default`)
and, for the meetings and documents features, Microsoft Graph's
(`https://graph.microsoft.com/.default`). Three credentials, as an Azure Bot resource knows
them:

- a client secret: the client-credentials grant itself, one POST (`ClientSecretToken`);
- a certificate (a PEM holding the private key and its certificate): a client assertion
  signed with the key, by `azure-identity`'s `CertificateCredential`;
- a user-assigned managed identity (App Service, Container Apps): `azure-identity`'s
  `ManagedIdentityCredential`, which finds the platform's endpoint in the environment
  (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`).

Every source keeps its token until five minutes before it expires and fetches one at a time;
`current` is what msrest, which asks synchronously, reads.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import aiohttp

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

# Renew this long before expiry, so a token never expires in flight.
RENEW_EARLY_SECONDS = 300

# Entra's token endpoint: AUTHORITY/TENANT/oauth2/v2.0/token.
TOKEN_PATH = re.compile(
    r"^(?P<authority>https://[^/]+(?:/[^/]+)*?)/(?P<tenant>[\w.-]+)/oauth2/v2\.0/token$"
)


class TokenError(Exception):
    """The token service refused the credentials or did not answer."""


CredentialKind = Literal["secret", "certificate", "managed_identity"]


@dataclass(frozen=True)
class Credential:
    """Who the bot is to Entra for one audience, and how it proves it."""

    kind: CredentialKind
    client_id: str
    token_url: str
    secret: str = ""
    certificate_path: str = ""


class TokenSource(Protocol):
    @property
    def current(self) -> str | None:
        """The token held now, without fetching (for SDKs that ask synchronously)."""

    async def get(self) -> str:
        """A token valid for at least five more minutes, fetched if need be."""


def certificate_problem(path: str) -> str | None:
    """Why a PEM file cannot sign client assertions, or None when it can (read at start, so a
    wrong file is a configuration error rather than a refusal at the first message)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        pem = Path(path).read_bytes()
    except OSError as error:
        return f"cannot read {path}: {error.strerror}"
    try:
        key = load_pem_private_key(pem, password=None)
        certificate = x509.load_pem_x509_certificate(pem)
    except (ValueError, TypeError):
        return (
            f"{path} must be a PEM file holding the private key (unencrypted) and its certificate"
        )
    if not isinstance(key, rsa.RSAPrivateKey):
        return f"{path}: Entra signs client assertions with RSA keys only"
    if key.public_key() != certificate.public_key():
        return f"{path}: the private key is not the certificate's"
    return None


def token_source(credential: Credential, scope: str, session: aiohttp.ClientSession) -> TokenSource:
    if credential.kind == "secret":
        return ClientSecretToken(
            session, credential.token_url, credential.client_id, credential.secret, scope
        )
    return IdentityToken(_azure_credential(credential, session), scope)


class _RenewedToken:
    """The one token for an audience: kept until five minutes before it expires, fetched one
    at a time. Subclasses say how to fetch it, and on which clock its expiry is counted."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def current(self) -> str | None:
        return self._token

    async def get(self) -> str:
        if self._token is not None and self._now() < self._expires_at - RENEW_EARLY_SECONDS:
            return self._token
        async with self._lock:
            if self._token is None or self._now() > self._expires_at - RENEW_EARLY_SECONDS:
                await self._fetch()
            assert self._token is not None
            return self._token

    def _now(self) -> float:
        return time.monotonic()

    async def _fetch(self) -> None:
        raise NotImplementedError


class ClientSecretToken(_RenewedToken):
    """The client-credentials grant with a secret: one form POST to the token URL."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str,
    ) -> None:
        super().__init__()
        self._session = session
        self._token_url = token_url
        self._client_id = client_id
        self._secret = client_secret
        self._scope = scope

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


class IdentityToken(_RenewedToken):
    """A token from an `azure-identity` credential (certificate or managed identity)."""

    def __init__(self, credential: AsyncTokenCredential, scope: str) -> None:
        super().__init__()
        self._credential = credential
        self._scope = scope

    def _now(self) -> float:
        return time.time()  # azure-identity counts expiry in epoch seconds

    async def _fetch(self) -> None:
        from azure.core.exceptions import AzureError

        try:
            access = await asyncio.wait_for(self._credential.get_token(self._scope), 30)
        except AzureError as error:
            # The first line: Entra's error code and description, never the assertion.
            reason = str(error.message or error).splitlines()[0]
            raise TokenError(f"token service refused: {reason}") from None
        except TimeoutError:
            raise TokenError("token service did not answer within 30 s") from None
        self._token = access.token
        self._expires_at = float(access.expires_on)


def _azure_credential(
    credential: Credential, session: aiohttp.ClientSession
) -> AsyncTokenCredential:
    # Imported here: a bot with a client secret never loads azure-identity.
    from azure.core.pipeline.transport import AioHttpTransport
    from azure.identity.aio import CertificateCredential, ManagedIdentityCredential

    # The bot's own session: its connection pool, and the CA bundle it trusts.
    transport = AioHttpTransport(session=session, session_owner=False)
    if credential.kind == "managed_identity":
        return ManagedIdentityCredential(client_id=credential.client_id, transport=transport)
    found = TOKEN_PATH.match(credential.token_url)
    if found is None:
        raise TokenError(
            f"{credential.token_url} is not an Entra token URL (https://HOST/TENANT/oauth2/v2.0/token)"
        )
    return CertificateCredential(
        found["tenant"],
        credential.client_id,
        credential.certificate_path,
        authority=found["authority"],
        transport=transport,
    )
