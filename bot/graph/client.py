"""Microsoft Graph, app-only, for the features that reach calendars and files.

One client, built once by the composition root. It speaks Graph's REST JSON directly with the
bot's aiohttp session: the few fields the bot needs are read from the raw answer, so the first
call costs no more than the next (parsing the same answer into msgraph-sdk's models loads about
1,480 modules the first time, +1.9 s and +40 MB: `bench/graph_first_call.py`). What a failure means is Graph's own vocabulary turned into the
bot's (`bot.errors`):

- 429 and 503 wait as long as `Retry-After` says, a few times; a wait longer than a turn can
  afford raises `GraphThrottled` (a `DeliveryFailed` with its `retry_after`), so the outbox
  postpones instead of sleeping;
- other 5xx are tried again a few times with growing, jittered pauses;
- 401 and 403 raise `GraphPermissionDenied`, which names the application permission to grant;
- a timeout or an unreachable Graph raises `GraphUnavailable`.

At most `per_mailbox` requests are in flight for one mailbox: Graph throttles a mailbox
(4 concurrent requests for Outlook resources) long before the bot would.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.errors import DeliveryFailed, retry_after_seconds
from bot.metrics import Metrics
from bot.oauth import TokenError, TokenSource

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# Longer than this, a Retry-After is not waited out inside a request: the caller postpones.
MAX_WAIT_SECONDS = 10.0


class GraphError(DeliveryFailed):
    """Graph answered with an error (or not at all)."""

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail, status=status, retry_after=retry_after)
        self.code = code


class GraphThrottled(GraphError):
    """Still throttled after waiting as long as a request can: try again after `retry_after`."""


class GraphPermissionDenied(GraphError):
    """The app lacks an application permission (or the admin has not consented to it)."""

    def __init__(self, detail: str, *, status: int, code: str, permission: str) -> None:
        super().__init__(detail, status=status, code=code)
        self.permission = permission


class GraphUnavailable(GraphError):
    """Graph did not answer in time, or could not be reached."""


class GraphNotFound(GraphError):
    """The mailbox, event, drive or item is not (or no longer) there."""


@dataclass(frozen=True)
class GraphResponse:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]


Sleep = Callable[[float], Awaitable[None]]


class GraphClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: TokenSource,
        base_url: str,
        *,
        per_mailbox: int = 4,
        attempts: int = 4,
        timeout_seconds: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics
        self._session = session
        self._token = token
        self._base = base_url.rstrip("/")
        self._per_mailbox = per_mailbox
        self._attempts = attempts
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._sleep = sleep
        self._mailboxes: dict[str, asyncio.Semaphore] = {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        mailbox: str | None = None,
        permission: str = "",
        patient: bool = True,
    ) -> GraphResponse:
        """One Graph call, `path` under the base URL (`/users/x/events`). `permission` names
        the application permission this call needs, for the message when it is refused.
        `patient=False`: one attempt, no waiting (an outbox delivery: the outbox itself
        postpones and tries again, at the pace it keeps for everything it sends)."""
        gate = self._mailbox_gate(mailbox)
        async with gate:
            call = _Call(method, path, json, data, headers, permission)
            if not patient:
                return await self._once(call)
            return await self._with_retries(call)

    def _mailbox_gate(self, mailbox: str | None) -> asyncio.Semaphore:
        key = (mailbox or "").lower()
        if key not in self._mailboxes:
            self._mailboxes[key] = asyncio.Semaphore(self._per_mailbox)
        return self._mailboxes[key]

    async def _with_retries(self, call: _Call) -> GraphResponse:
        for attempt in range(1, self._attempts + 1):
            try:
                return await self._once(call)
            except GraphThrottled as throttled:
                wait = throttled.retry_after if throttled.retry_after is not None else 1.0
                if attempt == self._attempts or wait > MAX_WAIT_SECONDS:
                    raise
                await self._sleep(wait)
            except GraphUnavailable:
                if attempt == self._attempts:
                    raise
                # 0.5, 1, 2 … seconds, each up to a quarter longer so retries do not align.
                await self._sleep(0.5 * 2 ** (attempt - 1) * (1 + random.random() / 4))
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _once(self, call: _Call) -> GraphResponse:
        try:
            token = await self._token.get()
        except TokenError as error:
            raise GraphUnavailable(f"no Graph token: {error}") from error
        sent = {"Authorization": f"Bearer {token}", **(call.headers or {})}
        return await self._send(
            call.method, self._base + call.path, call.json, call.data, sent, call.permission
        )

    async def _send(
        self,
        method: str,
        url: str,
        json: Mapping[str, Any] | None,
        data: bytes | None,
        headers: Mapping[str, str],
        permission: str,
    ) -> GraphResponse:
        try:
            async with self._session.request(
                method, url, json=json, data=data, headers=headers, timeout=self._timeout
            ) as reply:
                body = await _json(reply)
                status, answered = reply.status, dict(reply.headers)
            if self._metrics is not None:
                self._metrics.graph_calls.labels(str(status)).inc()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise GraphUnavailable(f"Graph unreachable: {type(error).__name__}") from error
        if status < 300:
            return GraphResponse(status, body, answered)
        raise _failure(status, body, answered, permission)

    async def upload_session(
        self,
        method: str,
        url: str,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> GraphResponse:
        """A request to an upload session's own URL. It is on another host than Graph and
        carries its own authorisation: sending it the Graph token would leak the token."""
        return await self._send(method, url, None, data, headers or {}, "Files.ReadWrite.All")


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    json: Mapping[str, Any] | None
    data: bytes | None
    headers: Mapping[str, str] | None
    permission: str


async def _json(reply: aiohttp.ClientResponse) -> dict[str, Any]:
    if reply.status == 204:
        return {}
    try:
        found = await reply.json(content_type=None)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _failure(
    status: int, body: dict[str, Any], headers: Mapping[str, str], permission: str
) -> GraphError:
    found = body.get("error")
    code = str(found.get("code", "")) if isinstance(found, dict) else ""
    message = f"Graph answered {status} {code}".strip()
    retry_after = retry_after_seconds(headers.get("Retry-After"))
    if status in (429, 503):
        return GraphThrottled(message, status=status, code=code, retry_after=retry_after)
    if status in (401, 403):
        return GraphPermissionDenied(
            f"{message}: grant the application permission {permission or '(see the log)'}",
            status=status,
            code=code,
            permission=permission,
        )
    if status == 404:
        return GraphNotFound(message, status=status, code=code)
    if status >= 500:
        return GraphUnavailable(message, status=status, code=code)
    return GraphError(message, status=status, code=code)
