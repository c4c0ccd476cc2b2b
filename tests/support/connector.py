"""A loopback Bot Connector and token service that speak the real wire format.

It publishes OpenID metadata and a JWKS (with Teams' endorsement), signs inbound activities
with its own RSA key exactly as the Bot Framework does (RS256, `iss`, `aud`, `serviceurl`),
issues outbound tokens by the client-credentials grant, and records every REST call the bot
makes (replies, updates, member lookups, new conversations) so tests can assert on them.

It can also misbehave as Teams does: refuse (403), throttle (429 with Retry-After), fail
(500), allow only a budget of sends then throttle, and vanish altogether (connection refused)
then come back on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.loopback import LoopbackServer

ISSUER = "https://api.botframework.com"
KEY_ID = "loopback-key-1"
OUTBOUND_TOKEN = "loopback-outbound-token"


@dataclass
class RecordedCall:
    method: str
    path: str
    authorization: str | None
    body: Any
    size: int = 0
    # The id the connector gave a sent activity.
    answered_id: str | None = None


@dataclass
class TeamsUser:
    id: str
    aad_object_id: str
    name: str
    email: str


@dataclass
class LoopbackConnector(LoopbackServer):
    app_id: str
    app_password: str
    users: dict[str, TeamsUser] = field(default_factory=dict)
    calls: list[RecordedCall] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    upload_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    endorsements: list[str] = field(default_factory=lambda: ["msteams"])
    base_url: str = ""
    # Answers the next conversation calls get instead of success (status, Retry-After).
    faults: list[tuple[int, float | None]] = field(default_factory=list)
    # When set, how many more sends are allowed before every send is throttled (429).
    budget: int | None = None
    refused: int = 0
    # Seconds Teams takes to answer a send it has already taken (a crash in between leaves
    # the message delivered and its sender not knowing).
    delay: float = 0.0
    # Teams' rate: sends beyond this many in the last second get 429 (Retry-After 1).
    per_second: float | None = None
    # Conversations whose person removed the app or blocked the bot: Teams answers 403.
    blocked: set[str] = field(default_factory=set)
    # When set to an unset event, each send waits for it (a slow Teams, held on purpose).
    hold: asyncio.Event | None = None
    held: int = 0

    def __post_init__(self) -> None:
        self._recent: list[float] = []
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._ids = itertools.count(1)
        self._arrivals = asyncio.Event()

    # --- serving ---------------------------------------------------------------------

    def _application(self) -> web.Application:
        app = web.Application(middlewares=[self._misbehave])
        app.router.add_get("/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/oauth2/token", self._token)
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        app.router.add_put("/upload/{name}", self._upload)
        return app

    def fail_next(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        self.faults.extend([(status, retry_after)] * count)

    @web.middleware
    async def _misbehave(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith("/v3/conversations") or request.method == "GET":
            return await handler(request)  # type: ignore[no-any-return]
        if self.per_second is not None and request.method in ("POST", "PUT"):
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < 1.0]
            if len(self._recent) >= self.per_second:
                return self._refuse(429, 1)
            self._recent.append(now)
        if any(f"/v3/conversations/{c}/" in request.path for c in self.blocked):
            return self._refuse(403, None)
        if self.faults:
            status, retry_after = self.faults.pop(0)
            return self._refuse(status, retry_after)
        if self.budget is not None:
            if self.budget <= 0:
                return self._refuse(429, 1)
            self.budget -= 1
        if self.hold is not None and request.method == "POST":
            self.held += 1
            self._arrivals.set()
            await self.hold.wait()
        return await handler(request)  # type: ignore[no-any-return]

    def _refuse(self, status: int, retry_after: float | None) -> web.Response:
        self.refused += 1
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"error": {"code": "Refused", "message": f"loopback connector says {status}"}}
        return web.json_response(body, status=status, headers=headers)

    @property
    def service_url(self) -> str:
        return self.base_url + "/"

    @property
    def metadata_url(self) -> str:
        return self.base_url + "/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return self.base_url + "/oauth2/token"

    async def _metadata(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": self.base_url + "/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": KEY_ID, "use": "sig", "alg": "RS256", "endorsements": self.endorsements})
        return web.json_response({"keys": [jwk]})

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append({k: str(v) for k, v in form.items()})
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": OUTBOUND_TOKEN}
        )

    def _record(self, request: web.Request, body: Any, size: int = 0) -> None:
        authorization = request.headers.get("Authorization")
        self.calls.append(RecordedCall(request.method, request.path, authorization, body, size))
        self._arrivals.set()

    async def _send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw)
        self._record(request, body, len(raw))
        answered = f"bot-activity-{next(self._ids)}"
        self.calls[-1].answered_id = answered
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response({"id": answered})

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        return web.json_response({"id": request.match_info["aid"]})

    async def _upload(self, request: web.Request) -> web.Response:
        """Stands for the OneDrive upload session Teams hands out after a file consent."""
        body = await request.read()
        self.uploads[request.match_info["name"]] = body
        self.upload_headers[request.match_info["name"]] = dict(request.headers)
        return web.json_response({"id": "uploaded"}, status=201)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        member = (body.get("members") or [{}])[0]
        return web.json_response(
            {"id": f"personal-{member.get('id', 'unknown')}", "activityId": None}
        )

    async def _member(self, request: web.Request) -> web.Response:
        self._record(request, None)
        user = self.users.get(request.match_info["mid"])
        if user is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response(
            {
                "id": user.id,
                "name": user.name,
                "aadObjectId": user.aad_object_id,
                "email": user.email,
                "userPrincipalName": user.email,
                "tenantId": "tenant-1",
                "userRole": "user",
            }
        )

    # --- what tests use ----------------------------------------------------------------

    def sign(self, activity: Mapping[str, Any], **claims: Any) -> str:
        """A Bot Framework channel token for this activity; `claims` overrides any claim."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": self.app_id,
            "serviceurl": activity.get("serviceUrl"),
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + 3600,
        }
        use_other_key = claims.pop("_wrong_key", False)
        kid = claims.pop("_kid", KEY_ID)
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        key = self._other_key if use_other_key else self._key
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})

    def replies(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        return [
            call.body
            for call in self.calls
            if call.method == "POST"
            and "/activities" in call.path
            and (conversation_id is None or f"/conversations/{conversation_id}/" in call.path)
        ]

    def id_of(self, card: dict[str, Any], conversation_id: str) -> str | None:
        """The id the connector gave the message that carried this card to this conversation."""
        for call in self.calls:
            if call.method != "POST" or f"/conversations/{conversation_id}/" not in call.path:
                continue
            if any(a.get("content") == card for a in (call.body or {}).get("attachments") or []):
                return call.answered_id
        return None

    def updates(self) -> list[RecordedCall]:
        return [call for call in self.calls if call.method == "PUT"]

    def cards(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        return [
            attachment["content"]
            for reply in self.replies(conversation_id)
            for attachment in reply.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    async def wait_for_replies(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.replies()) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(
                    f"expected {count} replies, got {len(self.replies())}: {self.replies()}"
                )
            self._arrivals.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrivals.wait(), remaining)
        return self.replies()

    def clear(self) -> None:
        self.calls.clear()


def new_id() -> str:
    return str(uuid.uuid4())
