"""A loopback Microsoft Graph that speaks its wire format, records every request, and fails
as Graph does: throttles (429/503 with Retry-After), refuses (403), fails (500), vanishes.

It checks what it is sent against what Graph accepts (property names, enums, date-time
shapes) and answers 400 with Graph's error shape otherwise, so a test fails on a request the
real Graph would refuse.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.support.loopback import LoopbackServer

TOKEN = "loopback-graph-token"
BODY = web.RequestKey("body", object)
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")


@dataclass
class DriveItem:
    id: str
    drive: str
    parent: str
    name: str
    folder: bool
    content: bytes = b""

    def json(self, base_url: str) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "webUrl": f"{base_url}/sites/cgo/{self.id}",
            "parentReference": {"driveId": self.drive, "id": self.parent},
        }
        if self.folder:
            found["folder"] = {"childCount": 0}
        else:
            found["size"] = len(self.content)
            found["file"] = {"mimeType": "application/octet-stream"}
        return found


@dataclass
class UploadSession:
    drive: str
    parent: str
    name: str
    received: bytearray = field(default_factory=bytearray)


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
    # The team libraries: every folder and file by id (see `DriveItem`).
    items: dict[str, DriveItem] = field(default_factory=dict)
    # Item id → permission id → the e-mail invited (createLink permissions included).
    permissions: dict[str, dict[str, str]] = field(default_factory=dict)
    # Statuses the next upload-session fragments get instead of being taken.
    fragment_faults: list[int] = field(default_factory=list)
    # Every fragment PUT to an upload session: (first byte, last byte, total, Authorization).
    fragments: list[tuple[int, int, int, str | None]] = field(default_factory=list)
    # Folders (item ids) whose owner stopped inheriting the library's permissions.
    inheritance_stopped: set[str] = field(default_factory=set)
    # How long Teams' download URLs take to answer (an upload caught in the middle).
    download_delay: float = 0.0
    # The mailboxes app-only calls may read (Exchange RBAC for Applications); None: all.
    readable_mailboxes: set[str] | None = None
    # The names of the offered files downloaded, one entry per download.
    downloads: list[str] = field(default_factory=list)
    # Pasted sharing links Graph can resolve: URL → item id.
    shared_links: dict[str, str] = field(default_factory=dict)
    # The app holds Sites.Selected with a grant on this site alone (and nothing tenant-wide):
    # the site's library answers, the group's drive and /shares are refused, as SharePoint
    # refuses them. None: Files.ReadWrite.All, every library.
    granted_site: str | None = None

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._in_flight: dict[str, int] = {}
        self._by_transaction: dict[str, str] = {}
        self._sessions: dict[str, UploadSession] = {}
        self._offered: dict[str, bytes] = {}

    def _application(self) -> web.Application:
        app = web.Application(middlewares=[self._misbehave], client_max_size=64 * 1024 * 1024)
        app.router.add_post("/oauth2/token", self._token)
        app.router.add_post("/v1.0/users/{mailbox}/events", self._create_event)
        app.router.add_get("/v1.0/users/{mailbox}/events/{event}", self._get_event)
        app.router.add_get("/v1.0/users/{mailbox}/events", self._list_events)
        app.router.add_get("/v1.0/users/{mailbox}/teamwork/installedApps", self._installed_apps)
        app.router.add_patch("/v1.0/users/{mailbox}/events/{event}", self._update_event)
        app.router.add_post("/v1.0/users/{mailbox}/teamwork/installedApps", self._install_app)
        app.router.add_post("/v1.0/users/{mailbox}/events/{event}/cancel", self._cancel_event)
        app.router.add_get("/v1.0/groups/{group}/drive", self._group_drive)
        app.router.add_get("/v1.0/sites/{site}/drive", self._site_drive)
        app.router.add_route("*", "/v1.0/drives/{drive}/{rest:.*}", self._drive)
        app.router.add_get("/v1.0/shares/{share}/driveItem", self._shared_item)
        app.router.add_route("*", "/upload/{session}", self._upload_session)
        app.router.add_get("/download/{name}", self._download)
        app.router.add_get("/redirect", self._redirect)
        return app

    # --- files -----------------------------------------------------------------------

    def offer_file(self, name: str, content: bytes) -> str:
        """A file a member attached in Teams: the pre-authorised download URL Teams gives."""
        self._offered[name] = content
        return f"{self.base_url}/download/{name}"

    def file_at(self, path: str) -> DriveItem | None:
        """The file or folder at `Réunions/…/name` in the team's library."""
        parent = "root"
        found = None
        for part in path.split("/"):
            found = next(
                (i for i in self.items.values() if i.parent == parent and i.name == part), None
            )
            if found is None:
                return None
            parent = found.id
        return found

    async def _download(self, request: web.Request) -> web.Response:
        if self.download_delay:
            await asyncio.sleep(self.download_delay)
        content = self._offered.get(request.match_info["name"])
        self.downloads.append(request.match_info["name"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    def redirecting_to(self, url: str) -> str:
        """An address on this server that answers 302 to `url` (what an attacker's server
        would do to reach the bot's own network)."""
        return f"{self.base_url}/redirect?{urlencode({'to': url})}"

    async def _redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    # Where the committee team's site keeps its library, as Graph's webUrl gives it.
    LIBRARY_URL = "https://contoso.sharepoint.com/sites/cgo/Shared%20Documents"

    async def _group_drive(self, request: web.Request) -> web.Response:
        if self.granted_site is not None:
            return _error(403, "accessDenied")
        group = request.match_info["group"]
        return web.json_response({"id": f"drive-{group}", "webUrl": self.LIBRARY_URL})

    async def _site_drive(self, request: web.Request) -> web.Response:
        site = request.match_info["site"]
        if self.granted_site is not None and site != self.granted_site:
            return _error(403, "accessDenied")
        return web.json_response({"id": f"drive-site-{site}", "webUrl": self.LIBRARY_URL})

    def _new_item(
        self, drive: str, parent: str, name: str, *, folder: bool, content: bytes = b""
    ) -> DriveItem:
        item = DriveItem(
            f"item-{next(self._ids)}", drive, parent, name, folder, content,
        )  # fmt: skip
        self.items[item.id] = item
        return item

    def _child(self, parent: str, name: str) -> DriveItem | None:
        return next((i for i in self.items.values() if i.parent == parent and i.name == name), None)

    def _free_name(self, parent: str, name: str) -> str:
        """SharePoint's `conflictBehavior: rename`: « name 1.docx », « name 2.docx »…"""
        if self._child(parent, name) is None:
            return name
        stem, dot, extension = name.rpartition(".")
        stem, extension = (stem, dot + extension) if dot else (name, "")
        n = 1
        while self._child(parent, f"{stem} {n}{extension}") is not None:
            n += 1
        return f"{stem} {n}{extension}"

    async def _drive(self, request: web.Request) -> web.StreamResponse:
        drive, rest = request.match_info["drive"], request.match_info["rest"]
        body: Any = request[BODY]
        if request.method == "GET" and rest.startswith("root:/"):
            path = rest.removeprefix("root:/").split("?")[0]
            found = self.file_at(path)
            return (
                web.json_response(found.json(self.base_url))
                if found
                else _error(404, "itemNotFound")
            )
        if request.method == "POST" and rest.endswith("/children"):
            parent = "root" if rest == "root/children" else rest.split("/")[1]
            if set(body) - {"name", "folder", "@microsoft.graph.conflictBehavior"}:
                return _error(400, "invalidRequest", message="unknown properties")
            if self._child(parent, body["name"]) is not None:
                return _error(409, "nameAlreadyExists")
            made = self._new_item(drive, parent, body["name"], folder=True)
            return web.json_response(made.json(self.base_url), status=201)
        upload = re.fullmatch(r"items/([^/:]+):/([^/:]+):/(content|createUploadSession)", rest)
        if upload:
            parent, name, verb = upload.groups()
            if parent not in self.items or not self.items[parent].folder:
                return _error(404, "itemNotFound")
            if verb == "content":
                if request.method != "PUT":
                    return _error(405, "invalidRequest")
                if request.query.get("@microsoft.graph.conflictBehavior") != "rename":
                    return _error(400, "invalidRequest", message="send conflictBehavior")
                if len(body) > 4 * 1024 * 1024:
                    return _error(413, "requestTooLarge", message="use an upload session")
                made = self._new_item(
                    drive, parent, self._free_name(parent, name), folder=False, content=body
                )
                return web.json_response(made.json(self.base_url), status=201)
            if body != {"item": {"@microsoft.graph.conflictBehavior": "rename"}}:
                return _error(400, "invalidRequest", message="unexpected session body")
            session = f"session-{next(self._ids)}"
            self._sessions[session] = UploadSession(drive, parent, name)
            return web.json_response(
                {"uploadUrl": f"{self.base_url}/upload/{session}", "nextExpectedRanges": ["0-"]}
            )
        sharing = re.fullmatch(r"items/([^/]+)/(createLink|invite|permissions/([^/]+))", rest)
        if sharing:
            item_id, verb, permission = sharing.groups()
            if item_id not in self.items:
                return _error(404, "itemNotFound")
            granted = self.permissions.setdefault(item_id, {})
            if verb == "createLink":
                if body != {"type": "edit", "scope": "organization"}:
                    return _error(400, "invalidRequest", message="unexpected link")
                granted[f"link-{item_id}"] = "organization"
                return web.json_response(
                    {"id": f"link-{item_id}",
                     "link": {"webUrl": f"{self.base_url}/org-link/{item_id}"}}, status=201
                )  # fmt: skip
            if verb == "invite":
                expected = {"recipients", "requireSignIn", "sendInvitation", "roles"}
                if set(body) != expected or body["roles"] not in (["read"], ["write"]):
                    return _error(400, "invalidRequest", message="unexpected invitation")
                [recipient] = body["recipients"]
                email = recipient["email"]
                existing = next((p for p, e in granted.items() if e == email), None)
                permission_id = existing or f"perm-{next(self._ids)}"
                granted[permission_id] = email
                return web.json_response(
                    {"value": [{"id": permission_id, "roles": body["roles"],
                                "grantedToV2": {"user": {"email": email}}}]}
                )  # fmt: skip
            if request.method != "DELETE":
                return _error(405, "invalidRequest")
            if granted.pop(permission, None) is None:
                return _error(404, "itemNotFound")
            return web.Response(status=204)
        listing = re.fullmatch(r"items/([^/]+)/permissions", rest)
        if listing and request.method == "GET":
            return web.json_response({"value": self._permissions_of(listing.group(1))})
        one = re.fullmatch(r"items/([^/]+)", rest)
        if one and request.method == "GET":
            item = self.items.get(one.group(1))
            return (
                web.json_response(item.json(self.base_url)) if item else _error(404, "itemNotFound")
            )
        return _error(400, "invalidRequest", message=f"unknown drive call {rest}")

    def _permissions_of(self, item_id: str) -> list[dict[str, Any]]:
        """The item's own invitations, and the team's members inherited from the library
        unless a folder on the way stopped inheriting."""
        found: list[dict[str, Any]] = [
            {"id": p, "roles": ["write"], "grantedToV2": {"user": {"email": e}}}
            for p, e in self.permissions.get(item_id, {}).items()
        ]
        at = self.items.get(item_id)
        while at is not None and at.id not in self.inheritance_stopped:
            at = self.items.get(at.parent)
        if at is None:
            found.append(
                {"id": "members", "roles": ["write"],
                 "grantedToV2": {"siteGroup": {"displayName": "CGO Members"}},
                 "inheritedFrom": {"path": "/drive/root:"}}
            )  # fmt: skip
        found.append(
            {"id": "owners", "roles": ["owner"],
             "grantedToV2": {"siteGroup": {"displayName": "CGO Owners"}},
             "inheritedFrom": {"path": "/drive/root:"}}
        )  # fmt: skip
        return found

    async def _shared_item(self, request: web.Request) -> web.Response:
        if self.granted_site is not None:
            return _error(403, "accessDenied")  # /shares takes no selected scope
        share = request.match_info["share"]
        if not share.startswith("u!"):
            return _error(400, "invalidRequest")
        encoded = share[2:] + "=" * (-len(share[2:]) % 4)
        url = base64.urlsafe_b64decode(encoded).decode()
        item = self.items.get(self.shared_links.get(url, ""))
        return web.json_response(item.json(self.base_url)) if item else _error(404, "itemNotFound")

    async def _upload_session(self, request: web.Request) -> web.Response:
        session = self._sessions.get(request.match_info["session"])
        if session is None:
            return _error(404, "itemNotFound")
        if request.method == "GET":
            return web.json_response({"nextExpectedRanges": [f"{len(session.received)}-"]})
        authorization = request.headers.get("Authorization")
        content_range = re.fullmatch(
            r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("Content-Range", "")
        )
        if content_range is None:
            return _error(400, "invalidRange")
        first, last, total = (int(g) for g in content_range.groups())
        chunk = await request.read()
        self.fragments.append((first, last, total, authorization))
        if authorization is not None:
            # The upload URL carries its own authorisation; a token sent along is refused.
            return _error(401, "unauthenticated", message="no Authorization on upload URLs")
        if len(chunk) != last - first + 1:
            return _error(400, "invalidRange", message="Content-Range does not match")
        if last + 1 != total and len(chunk) % (320 * 1024):
            return _error(400, "invalidRange", message="fragments are multiples of 320 KiB")
        if first != len(session.received):
            return _error(416, "invalidRange", message="not the expected range")
        if self.fragment_faults:
            return _error(self.fragment_faults.pop(0), "serviceNotAvailable")
        session.received.extend(chunk)
        if len(session.received) < total:
            return web.json_response(
                {"nextExpectedRanges": [f"{len(session.received)}-"]}, status=202
            )
        del self._sessions[request.match_info["session"]]
        made = self._new_item(
            session.drive, session.parent, self._free_name(session.parent, session.name),
            folder=False, content=bytes(session.received),
        )  # fmt: skip
        return web.json_response(made.json(self.base_url), status=201)

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
        if request.path == "/oauth2/token" or request.path.startswith(
            ("/upload/", "/download/", "/redirect")
        ):
            # Not Graph's API: the token endpoint, upload sessions, Teams' download URLs.
            return await handler(request)  # type: ignore[no-any-return]
        if not request.can_read_body:
            body = None
        elif request.content_type == "application/json":
            body = await request.json()
        else:
            body = await request.read()
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

    async def _list_events(self, request: web.Request) -> web.Response:
        mailbox = request.match_info["mailbox"]
        if self.readable_mailboxes is not None and mailbox not in self.readable_mailboxes:
            return _error(403, "ErrorAccessDenied")
        return web.json_response({"value": []})

    async def _installed_apps(self, request: web.Request) -> web.Response:
        return web.json_response({"value": []})

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
