"""A loopback Microsoft Graph that speaks its wire format, records every request, and fails
as Graph does: throttles (429/503 with Retry-After), refuses (403), fails (500), vanishes.

It checks what it is sent against what Graph accepts (property names, enums, date-time
shapes) and answers 400 with Graph's error shape otherwise, so a test fails on a request the
real Graph would refuse.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.loopback import LoopbackServer

TOKEN = "loopback-graph-token"
BODY = web.RequestKey("body", object)
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")


@dataclass
class GraphCall:
    method: str
    path: str
    authorization: str | None
    body: Any


@dataclass
class LoopbackGraph(LoopbackServer):
    client_id: str
    client_secret: str
    calls: list[GraphCall] = field(default_factory=list)
    token_requests: int = 0
    # Answers the next API calls get instead of success: (status, Retry-After, error code).
    faults: list[tuple[int, float | None, str]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    # User id → catalogue id of the app installed for them.
    installed: dict[str, str] = field(default_factory=dict)
    # Highest number of requests in flight at once, per mailbox.
    most_in_flight: dict[str, int] = field(default_factory=dict)
    delay: float = 0.0
    base_url: str = ""

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._in_flight: dict[str, int] = {}
        self._by_transaction: dict[str, str] = {}

    def _application(self) -> web.Application:
        app = web.Application(middlewares=[self._misbehave])
        app.router.add_post("/oauth2/token", self._token)
        app.router.add_post("/v1.0/users/{mailbox}/events", self._create_event)
        app.router.add_get("/v1.0/users/{mailbox}/events/{event}", self._get_event)
        app.router.add_patch("/v1.0/users/{mailbox}/events/{event}", self._update_event)
        app.router.add_post("/v1.0/users/{mailbox}/teamwork/installedApps", self._install_app)
        app.router.add_post("/v1.0/users/{mailbox}/events/{event}/cancel", self._cancel_event)
        return app

    @property
    def api_url(self) -> str:
        return self.base_url + "/v1.0"

    @property
    def token_url(self) -> str:
        return self.base_url + "/oauth2/token"

    def fail_next(
        self, status: int, count: int = 1, retry_after: float | None = None, code: str = ""
    ) -> None:
        self.faults.extend([(status, retry_after, code or _code(status))] * count)

    @web.middleware
    async def _misbehave(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/oauth2/token":
            return await handler(request)  # type: ignore[no-any-return]
        body = await request.json() if request.can_read_body else None
        request[BODY] = body
        self.calls.append(
            GraphCall(request.method, request.path, request.headers.get("Authorization"), body)
        )
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "InvalidAuthenticationToken")
        mailbox = request.match_info.get("mailbox", "")
        self._in_flight[mailbox] = self._in_flight.get(mailbox, 0) + 1
        self.most_in_flight[mailbox] = max(
            self.most_in_flight.get(mailbox, 0), self._in_flight[mailbox]
        )
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.faults:
                status, retry_after, code = self.faults.pop(0)
                headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                return _error(status, code, headers)
            return await handler(request)  # type: ignore[no-any-return]
        finally:
            self._in_flight[mailbox] -= 1

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("scope") != "https://graph.microsoft.com/.default":
            return web.json_response({"error": "invalid_scope"}, status=400)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}
        )

    async def _create_event(self, request: web.Request) -> web.Response:
        body: Any = request[BODY]
        problem = _event_problem(body)
        if problem:
            return _error(400, "ErrorInvalidRequest", message=problem)
        transaction = body.get("transactionId")
        if transaction and transaction in self._by_transaction:
            # Graph answers a repeated transactionId with the event it already created.
            return web.json_response(self.events[self._by_transaction[transaction]], status=201)
        event_id = f"AAMkAD-event-{next(self._ids)}"
        event = {
            **body,
            "id": event_id,
            "onlineMeeting": {"joinUrl": f"https://teams.microsoft.com/l/meetup-join/{event_id}"}
            if body.get("isOnlineMeeting")
            else None,
        }
        self.events[event_id] = event
        if transaction:
            self._by_transaction[transaction] = event_id
        return web.json_response(event, status=201)

    async def _cancel_event(self, request: web.Request) -> web.Response:
        """Graph's `event: cancel`: only the organiser may, with an optional comment."""
        body: Any = request[BODY] or {}
        if set(body) - {"comment"}:
            return _error(400, "ErrorInvalidRequest", message="only a comment may be sent")
        event = self.events.get(request.match_info["event"])
        if event is None:
            return _error(404, "ErrorItemNotFound")
        event["isCancelled"] = True
        event["cancellationComment"] = body.get("comment", "")
        return web.Response(status=202)

    async def _install_app(self, request: web.Request) -> web.Response:
        """`teamsAppInstallation` for a user: the app bound by its catalogue id; 409 when the
        user has it already."""
        body: Any = request[BODY]
        bound = str((body or {}).get("teamsApp@odata.bind", ""))
        prefix = "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/"
        if not bound.startswith(prefix) or set(body) != {"teamsApp@odata.bind"}:
            return _error(400, "BadRequest", message="teamsApp@odata.bind is required")
        user = request.match_info["mailbox"]
        if user in self.installed:
            return _error(409, "Conflict", message="the app is already installed")
        self.installed[user] = bound.removeprefix(prefix)
        return web.Response(status=201)

    async def _update_event(self, request: web.Request) -> web.Response:
        """Graph's `PATCH event`: only the properties sent change, each checked as on create."""
        body: Any = request[BODY]
        event = self.events.get(request.match_info["event"])
        if event is None:
            return _error(404, "ErrorItemNotFound")
        if not isinstance(body, dict) or "transactionId" in body:
            return _error(400, "ErrorInvalidRequest", message="not a change of an event")
        merged = {k: v for k, v in {**event, **body}.items() if k not in _SET_BY_GRAPH}
        problem = _event_problem(merged)
        if problem:
            return _error(400, "ErrorInvalidRequest", message=problem or "transactionId is fixed")
        event.update(body)
        return web.json_response(event)

    async def _get_event(self, request: web.Request) -> web.Response:
        event = self.events.get(request.match_info["event"])
        if event is None:
            return _error(404, "ErrorItemNotFound")
        return web.json_response(event)


# What Graph adds to an event it created; never sent by the bot.
_SET_BY_GRAPH = {"id", "onlineMeeting", "isCancelled", "cancellationComment", "transactionId"}


def _event_problem(body: Any) -> str | None:
    """Why Graph would refuse this event, or None."""
    if not isinstance(body, dict):
        return "the body is not an event"
    known = {
        "subject",
        "body",
        "start",
        "end",
        "location",
        "attendees",
        "isOnlineMeeting",
        "onlineMeetingProvider",
        "transactionId",
        "allowNewTimeProposals",
        "responseRequested",
        "categories",
        "importance",
    }
    unknown = set(body) - known
    if unknown:
        return f"unknown properties {sorted(unknown)}"
    for edge in ("start", "end"):
        value = body.get(edge)
        if not isinstance(value, dict) or not _DATE_TIME.match(str(value.get("dateTime", ""))):
            return f"{edge}.dateTime is not a date-time"
        if not value.get("timeZone"):
            return f"{edge}.timeZone is missing"
    if body.get("onlineMeetingProvider", "teamsForBusiness") not in (
        "teamsForBusiness",
        "skypeForBusiness",
        "skypeForConsumer",
        "unknown",
    ):
        return "onlineMeetingProvider is not one of its values"
    for attendee in body.get("attendees", []):
        if attendee.get("type") not in ("required", "optional", "resource"):
            return "attendee type is not one of its values"
        if "@" not in str(attendee.get("emailAddress", {}).get("address", "")):
            return "attendee without an address"
    content = body.get("body")
    if content is not None and content.get("contentType") not in ("text", "html"):
        return "body.contentType is not text or html"
    return None


def _code(status: int) -> str:
    return {
        429: "TooManyRequests",
        503: "ServiceNotAvailable",
        403: "ErrorAccessDenied",
        500: "InternalServerError",
    }.get(status, "Error")


def _error(
    status: int, code: str, headers: dict[str, str] | None = None, message: str = ""
) -> web.Response:
    body = {"error": {"code": code, "message": message or code}}
    return web.json_response(body, status=status, headers=headers or {})
