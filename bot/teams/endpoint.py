"""`POST /api/messages`: the one door Teams knocks on.

Everything a request can get wrong is answered here with a 4xx before the SDK runs, in this
order: a declared body too large (413); no valid channel token (401), decided before a byte of
the body is read; a body too slow (408), too large as it arrives (413), not JSON, nested past
reason or missing the ids the bot needs (400). Bodies are read a bounded number at a time
(503 beyond). A delivery Teams retries is recognised and not processed twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import Bot, InvokeResponse, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import AuthenticateRequestResult
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import errors, logs
from bot.errors import StorageUnavailable
from bot.metrics import Metrics
from bot.storage.database import Database, utcnow
from bot.storage.repositories import Claim, ProcessedActivities
from bot.teams.auth import RequestAuthenticator, Unauthorized
from bot.teams.bot import TurnFailed

log = logging.getLogger(__name__)

# The activity kinds the metrics count apart (anything else is `other`).
METRIC_KINDS = frozenset(
    {
        "message",
        "conversationUpdate",
        "installationUpdate",
        "messageReaction",
        "invoke",
        "adaptiveCard/action",
        "fileConsent/invoke",
        "event",
        "typing",
    }
)

# A claim older than this with no answer was left by a crash: the retry may process it.
ABANDONED_AFTER = timedelta(minutes=2)
# At most this many bodies are read at once; the next waits briefly, then gets 503.
CONCURRENT_BODIES = 64
BODY_WAIT_SECONDS = 2.0
# Ids are stored (activity keys, conversation references): longer ones are not Teams'.
MAX_ID = 1024
MAX_CONVERSATION_ID = 500


def _problem(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _missing_or_oversized(body: dict[str, Any]) -> list[str]:
    """The identifiers the bot keeps: present, text, and no longer than what it stores."""
    problems = []
    fields = {name: body.get(name) for name in ("type", "id", "channelId", "serviceUrl")}
    for holder in ("conversation", "from", "recipient"):
        value = body.get(holder)
        fields[f"{holder}.id"] = value.get("id") if isinstance(value, dict) else None
    for name, value in fields.items():
        limit = MAX_CONVERSATION_ID if name == "conversation.id" else MAX_ID
        if not isinstance(value, str) or not value or len(value) > limit:
            problems.append(name)
    return problems


def _hang_up(response: web.Response) -> web.Response:
    """Answer, then close the connection: the body we did not read is never buffered."""
    response.force_close()
    return response


class _BodyRefused(Exception):
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


class MessagesEndpoint:
    def __init__(
        self,
        adapter: CloudAdapter,
        bot: Bot,
        authenticator: RequestAuthenticator,
        database: Database,
        processed: ProcessedActivities,
        max_bytes: int,
        body_within_seconds: float,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics
        self._adapter = adapter
        self._bot = bot
        self._authenticator = authenticator
        self._db = database
        self._processed = processed
        self._max_bytes = max_bytes
        self._readers = asyncio.Semaphore(CONCURRENT_BODIES)
        # Teams sends a whole activity at once: a body still arriving after this is not Teams.
        self._body_within = body_within_seconds

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > self._max_bytes:
            return _hang_up(_problem(413, "too_large", "Request body too large."))
        header = request.headers.get("Authorization")
        try:
            # The token is checked before a byte of the body is read: without one, a request
            # costs no memory and holds nothing.
            await self._authenticator.precheck(header)
        except Unauthorized as error:
            log.info("Refused a request: %s", error)
            return _hang_up(_problem(401, "unauthorized", "Unauthorized."))
        try:
            raw = await self._read_body(request)
        except _BodyRefused as refused:
            return _hang_up(refused.response)
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return _problem(400, "bad_json", "The body is not valid JSON.")
        if not isinstance(body, dict):
            return _problem(400, "bad_activity", "The body is not an activity.")
        problems = _missing_or_oversized(body)
        if problems:
            return _problem(400, "bad_activity", f"Missing or too long: {', '.join(problems)}.")
        try:
            activity = Activity().deserialize(body)
        except (Exception, RecursionError):
            return _problem(400, "bad_activity", "The activity could not be read.")

        try:
            auth = await self._authenticator.authenticate(activity, header)
        except Unauthorized as error:
            log.info("Refused an activity: %s", error)
            return _problem(401, "unauthorized", "Unauthorized.")

        key = f"{activity.channel_id}|{activity.conversation.id}|{activity.id}"
        started = time.perf_counter()
        kind = activity.name if activity.type == "invoke" and activity.name else activity.type
        with logs.about(activity=activity.id):
            response = await self._answer(key, activity, auth)
            if self._metrics is not None:
                # A label per kind Teams sends, never one per name a client makes up.
                label = kind if kind in METRIC_KINDS else "other"
                self._metrics.turn_seconds.labels(label).observe(time.perf_counter() - started)
            log.info(
                "Answered a %s activity: %s",
                kind,
                response.status,
                extra={
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "kind": kind,
                    "outcome": response.status,
                },
            )
        return response

    async def _answer(self, key: str, activity: Activity, auth: Any) -> web.StreamResponse:
        try:
            return await self._process_once(key, activity, auth)
        except StorageUnavailable as error:
            # Before or after the turn: 503, so Teams delivers it again later.
            errors.report(errors.for_turn(error), f"activity {key}", error)
            return _problem(503, "unavailable", "Try again.")

    async def _process_once(
        self, key: str, activity: Activity, auth: AuthenticateRequestResult
    ) -> web.Response:
        async with self._db.transaction() as conn:
            claim = await self._processed.claim(conn, key, abandoned_after=ABANDONED_AFTER)
        if claim.kind == "done":
            log.info("Duplicate delivery of %s answered from memory", key)
            return self._replay(claim)
        if claim.kind == "in_progress":
            if activity.type != ActivityTypes.invoke:
                return web.Response(status=202)
            # A retried invoke must get the first delivery's answer: wait for it briefly.
            answered = await self._wait_for_answer(key)
            return self._replay(answered) if answered else web.json_response(None, status=200)

        try:
            invoke_response: InvokeResponse | None = await self._adapter.process_activity(
                auth, activity, self._bot.on_turn
            )
        except TurnFailed as failed:
            # Never remembered as this activity's answer: Teams' retry gets a real attempt.
            await self._release(key)
            if not failed.told:
                return _problem(503, "unavailable", "Try again.")
            if failed.invoke_response is not None:
                body = serializer_helper(failed.invoke_response.body)
                return web.json_response(body, status=failed.invoke_response.status)
            return web.Response(status=200)
        except Exception as error:
            # Outside our turn (the SDK itself): the same policy, nobody could be told.
            await self._release(key)
            errors.report(errors.for_turn(error), f"activity {key}", error)
            return _problem(503, "unavailable", "Try again.")

        status, payload = 200, None
        if invoke_response is not None:
            status = invoke_response.status
            payload = serializer_helper(invoke_response.body) if invoke_response.body else None
        async with self._db.transaction() as conn:
            await self._processed.record_response(conn, key, status, payload)
        return self._respond(status, payload, is_invoke=invoke_response is not None)

    async def _read_body(self, request: web.Request) -> bytes:
        """The whole body, chunk by chunk (a body may arrive in many), within the size cap, the
        time limit and the number of bodies read at once."""
        try:
            async with asyncio.timeout(BODY_WAIT_SECONDS):
                await self._readers.acquire()
        except TimeoutError:
            raise _BodyRefused(_problem(503, "busy", "Try again.")) from None
        try:
            async with asyncio.timeout(self._body_within):
                chunks: list[bytes] = []
                size = 0
                async for chunk in request.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise _BodyRefused(_problem(413, "too_large", "Request body too large."))
                    chunks.append(chunk)
                return b"".join(chunks)
        except TimeoutError:
            log.info("A request body did not arrive within %s s", self._body_within)
            raise _BodyRefused(_problem(408, "too_slow", "Request body too slow.")) from None
        except (
            ConnectionError,
            aiohttp.ClientPayloadError,
            aiohttp.ClientConnectionError,
        ) as error:
            # The client went away mid-body: one line, no traceback, nobody to answer.
            log.info("A client disconnected while sending its request: %s", error)
            raise _BodyRefused(_problem(400, "incomplete", "Incomplete request.")) from None
        finally:
            self._readers.release()

    async def _release(self, key: str) -> None:
        try:
            async with self._db.transaction() as conn:
                await self._processed.release(conn, key)
        except StorageUnavailable:
            # The claim then counts as abandoned after ABANDONED_AFTER: the retry takes it over.
            log.warning("Could not release the claim on %s", key)

    async def _wait_for_answer(self, key: str) -> Claim | None:
        for _ in range(100):
            await asyncio.sleep(0.1)
            async with self._db.read() as conn:
                answered = await self._processed.answer(conn, key)
            if answered is not None:
                return answered
        return None

    def _replay(self, claim: Claim) -> web.Response:
        return self._respond(
            claim.status or 200, claim.response, is_invoke=claim.response is not None
        )

    @staticmethod
    def _respond(status: int, payload: Any, *, is_invoke: bool) -> web.Response:
        if is_invoke:
            return web.json_response(payload, status=status)
        return web.Response(status=status)

    async def forget_old(self, conn: AsyncConnection) -> int:
        """Teams stops retrying within minutes; a week of memory is plenty."""
        return await self._processed.forget_before(conn, utcnow() - timedelta(days=7))
