"""`POST /api/messages`: the one door Teams knocks on.

Everything a request can get wrong is answered here with a 4xx before the SDK runs:
a body too large (413), not JSON or missing the fields the bot needs (400), no valid token
(401). A delivery Teams retries is recognised and not processed twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web
from botbuilder.core import Bot, InvokeResponse, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import AuthenticateRequestResult
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import errors
from bot.errors import StorageUnavailable
from bot.storage.database import Database, utcnow
from bot.storage.repositories import Claim, ProcessedActivities
from bot.teams.auth import RequestAuthenticator, Unauthorized
from bot.teams.bot import TurnFailed

log = logging.getLogger(__name__)

# A claim older than this with no answer was left by a crash: the retry may process it.
ABANDONED_AFTER = timedelta(minutes=2)


def _problem(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _missing_fields(body: dict[str, Any]) -> list[str]:
    missing = [name for name in ("type", "id", "channelId", "serviceUrl") if not body.get(name)]
    for holder in ("conversation", "from", "recipient"):
        value = body.get(holder)
        if not isinstance(value, dict) or not value.get("id"):
            missing.append(f"{holder}.id")
    return missing


class MessagesEndpoint:
    def __init__(
        self,
        adapter: CloudAdapter,
        bot: Bot,
        authenticator: RequestAuthenticator,
        database: Database,
        processed: ProcessedActivities,
        max_bytes: int,
    ) -> None:
        self._adapter = adapter
        self._bot = bot
        self._authenticator = authenticator
        self._db = database
        self._processed = processed
        self._max_bytes = max_bytes

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > self._max_bytes:
            return _problem(413, "too_large", "Request body too large.")
        # Read to the end, chunk by chunk (a body may arrive in many), and stop at the cap.
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self._max_bytes:
                return _problem(413, "too_large", "Request body too large.")
            chunks.append(chunk)
        raw = b"".join(chunks)
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _problem(400, "bad_json", "The body is not valid JSON.")
        if not isinstance(body, dict):
            return _problem(400, "bad_activity", "The body is not an activity.")
        missing = _missing_fields(body)
        if missing:
            return _problem(400, "bad_activity", f"Missing fields: {', '.join(missing)}.")
        try:
            activity = Activity().deserialize(body)
        except Exception:
            return _problem(400, "bad_activity", "The activity could not be read.")

        try:
            auth = await self._authenticator.authenticate(
                activity, request.headers.get("Authorization")
            )
        except Unauthorized as error:
            log.info("Refused an activity: %s", error)
            return _problem(401, "unauthorized", "Unauthorized.")

        key = f"{activity.channel_id}|{activity.conversation.id}|{activity.id}"
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
