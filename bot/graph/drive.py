"""The committee team's SharePoint library through Graph: folders, uploads, links, invitations.

Uploads over 4 MB go through an upload session whose fragment loop is written here:
msgraph-core's `LargeFileUploadTask` (1.5.2) crashed on the second fragment when Graph
answered an open range (`"N-"`, as documented) and sent fragments that were not multiples of
320 KiB. Here every fragment but the last is a multiple of 320 KiB, and after a failed
fragment the session is asked where it stands (`nextExpectedRanges`) and the upload resumes
from there. The session's URL is on another host than Graph and is sent no token.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from bot.features.documents.rules import SIMPLE_UPLOAD_MAX, fragments, resume_at
from bot.graph.client import GraphClient, GraphError, GraphNotFound

# The team's library addressed through its group needs the tenant-wide permission; addressed
# through its site (COMMITTEE_SITE_ID), Sites.Selected with a grant on that site alone suffices.
FILES = "Files.ReadWrite.All"
SITE_GRANT = "Sites.Selected"
# A fragment failing this many times in a row (after resuming each time) fails the upload.
FRAGMENT_ATTEMPTS = 4


@dataclass(frozen=True)
class DriveItem:
    drive_id: str
    item_id: str
    name: str
    web_url: str
    size: int | None = None


class SessionLost(GraphError):
    """The upload session expired or was deleted: start the upload again from the start."""


def _item(body: dict[str, Any], drive_id: str | None = None) -> DriveItem:
    parent = body.get("parentReference") or {}
    return DriveItem(
        drive_id=str(drive_id or parent.get("driveId", "")),
        item_id=str(body.get("id", "")),
        name=str(body.get("name", "")),
        web_url=str(body.get("webUrl", "")),
        size=body.get("size") if isinstance(body.get("size"), int) else None,
    )


def _path(folder: str) -> str:
    return "/".join(quote(part, safe="") for part in folder.split("/") if part)


class SharingLinkUnchecked(GraphError):
    """With Sites.Selected, a sharing link cannot be followed (`/shares` needs a tenant-wide
    permission): only an address inside the library can be checked."""


class TeamDrive:
    """The committee team's library: through its site when `site_id` is given (Sites.Selected),
    through its group otherwise (Files.ReadWrite.All)."""

    def __init__(self, graph: GraphClient, site_id: str = "") -> None:
        self._graph = graph
        self._site = site_id
        self._permission = SITE_GRANT if site_id else FILES
        self._drives: dict[str, tuple[str, str]] = {}

    async def _library(self, group_id: str) -> tuple[str, str]:
        if group_id not in self._drives:
            where = f"/sites/{quote(self._site)}" if self._site else f"/groups/{quote(group_id)}"
            found = await self._graph.request(
                "GET", f"{where}/drive?$select=id,webUrl", permission=self._permission
            )
            body = found.body
            self._drives[group_id] = (str(body.get("id", "")), str(body.get("webUrl", "")))
        return self._drives[group_id]

    async def drive_of(self, group_id: str) -> str:
        """The id of the team's document library (the site's, or the group's, default drive)."""
        return (await self._library(group_id))[0]

    async def folder(self, drive_id: str, folder: str) -> str:
        """The id of the folder at this path, each missing level created (never renamed:
        a folder that exists is the one to use)."""
        parent_path = ""
        parent_id = ""
        for part in [p for p in folder.split("/") if p]:
            here = f"{parent_path}/{part}" if parent_path else part
            try:
                found = await self._graph.request(
                    "GET",
                    f"/drives/{drive_id}/root:/{_path(here)}?$select=id",
                    permission=self._permission,
                )
                parent_id = str(found.body["id"])
            except GraphNotFound:
                under = f"items/{parent_id}" if parent_id else "root"
                try:
                    made = await self._graph.request(
                        "POST",
                        f"/drives/{drive_id}/{under}/children",
                        json={
                            "name": part,
                            "folder": {},
                            "@microsoft.graph.conflictBehavior": "fail",
                        },
                        permission=self._permission,
                    )
                    parent_id = str(made.body["id"])
                except GraphError as error:
                    if error.status != 409:
                        raise
                    # Another upload made it a moment ago.
                    again = await self._graph.request(
                        "GET",
                        f"/drives/{drive_id}/root:/{_path(here)}",
                        permission=self._permission,
                    )
                    parent_id = str(again.body["id"])
            parent_path = here
        return parent_id

    async def upload(
        self,
        drive_id: str,
        folder_id: str,
        name: str,
        content: Path,
        session_url: str | None,
        remember_session: Callable[[str], Awaitable[None]],
    ) -> DriveItem:
        """Puts the file in the folder under this name (renamed by SharePoint on a clash,
        never overwriting). `session_url`: an upload session opened before, to resume.
        `remember_session(url)` is awaited as soon as a session is opened."""
        total = content.stat().st_size
        if total <= SIMPLE_UPLOAD_MAX and session_url is None:
            answer = await self._graph.request(
                "PUT",
                f"/drives/{drive_id}/items/{folder_id}:/{quote(name, safe='')}:/content"
                "?@microsoft.graph.conflictBehavior=rename",
                data=content.read_bytes(),
                headers={"Content-Type": "application/octet-stream"},
                permission=self._permission,
            )
            return _item(answer.body, drive_id)
        if session_url is None:
            opened = await self._graph.request(
                "POST",
                f"/drives/{drive_id}/items/{folder_id}:/{quote(name, safe='')}:/createUploadSession",
                json={"item": {"@microsoft.graph.conflictBehavior": "rename"}},
                permission=self._permission,
            )
            session_url = str(opened.body["uploadUrl"])
            await remember_session(session_url)
            start = 0
        else:
            start = await self._where(session_url)
        return _item(await self._fragments(session_url, content, total, start), drive_id)

    async def _where(self, session_url: str) -> int:
        try:
            state = await self._graph.upload_session("GET", session_url)
        except GraphNotFound as error:
            raise SessionLost("the upload session is gone", status=404) from error
        found = resume_at(state.body.get("nextExpectedRanges") or [])
        return found if found is not None else 0

    async def _fragments(
        self, session_url: str, content: Path, total: int, start: int
    ) -> dict[str, Any]:
        failures = 0
        with content.open("rb") as source:
            while True:
                pending = fragments(total, start)
                if not pending:
                    raise SessionLost("the session expects nothing yet holds no file")
                first, last = pending[0]
                source.seek(first)
                chunk = source.read(last - first + 1)
                try:
                    answer = await self._graph.upload_session(
                        "PUT",
                        session_url,
                        data=chunk,
                        headers={
                            "Content-Length": str(len(chunk)),
                            "Content-Range": f"bytes {first}-{last}/{total}",
                        },
                    )
                except GraphNotFound as error:
                    raise SessionLost("the upload session is gone", status=404) from error
                except GraphError:
                    failures += 1
                    if failures >= FRAGMENT_ATTEMPTS:
                        raise
                    # Ask the session what it has: a fragment may have landed after all.
                    start = await self._where(session_url)
                    continue
                failures = 0
                if answer.status in (200, 201):
                    return answer.body
                expected = resume_at(answer.body.get("nextExpectedRanges") or [])
                start = expected if expected is not None else last + 1

    async def organisation_link(self, drive_id: str, item_id: str) -> str:
        """A link everyone in the organisation may open and edit with."""
        answer = await self._graph.request(
            "POST",
            f"/drives/{drive_id}/items/{item_id}/createLink",
            json={"type": "edit", "scope": "organization"},
            permission=self._permission,
        )
        link = answer.body.get("link") or {}
        return str(link.get("webUrl", ""))

    async def invite(self, drive_id: str, item_id: str, email: str) -> str:
        """Gives one person edit access, without an e-mail (the bot tells them in Teams).
        Returns the permission's id, to withdraw it later."""
        answer = await self._graph.request(
            "POST",
            f"/drives/{drive_id}/items/{item_id}/invite",
            json={
                "recipients": [{"email": email}],
                "requireSignIn": True,
                "sendInvitation": False,
                "roles": ["write"],
            },
            permission=self._permission,
        )
        granted = answer.body.get("value") or [{}]
        return str(granted[0].get("id", ""))

    async def withdraw(self, drive_id: str, item_id: str, permission_id: str) -> None:
        # Withdrawn already, or the item is gone: either way the access is not there.
        with contextlib.suppress(GraphNotFound):
            await self._graph.request(
                "DELETE",
                f"/drives/{drive_id}/items/{item_id}/permissions/{quote(permission_id)}",
                permission=self._permission,
            )

    async def inherits_access(self, drive_id: str, item_id: str) -> bool:
        """Whether anyone may open the item through a permission inherited from a folder
        above (the team's members, by default): then invitations alone protect nothing."""
        answer = await self._graph.request(
            "GET", f"/drives/{drive_id}/items/{item_id}/permissions", permission=self._permission
        )
        return any(
            p.get("inheritedFrom") and "owner" not in (p.get("roles") or [])
            for p in answer.body.get("value") or []
            if isinstance(p, dict)
        )

    async def look(self, drive_id: str, item_id: str) -> DriveItem | None:
        """The item as SharePoint has it now (renamed, moved), or None when it is gone."""
        try:
            answer = await self._graph.request(
                "GET",
                f"/drives/{drive_id}/items/{item_id}?$select=id,name,webUrl,size,deleted",
                permission=self._permission,
            )
        except GraphNotFound:
            return None
        if answer.body.get("deleted"):
            return None
        return _item(answer.body, drive_id)

    async def resolve(self, url: str, group_id: str) -> DriveItem:
        """The drive item a pasted SharePoint or OneDrive link points to."""
        if self._site:
            return await self._by_address(url, group_id)
        encoded = base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
        answer = await self._graph.request(
            "GET", f"/shares/u!{encoded}/driveItem", permission=FILES
        )
        return _item(answer.body)

    async def _by_address(self, url: str, group_id: str) -> DriveItem:
        """A file's own address in the library (…/Shared Documents/Général/x.docx), looked up
        by its path in the library; any other link cannot be checked with Sites.Selected."""
        drive_id, library_url = await self._library(group_id)
        pasted, library = urlsplit(url), urlsplit(library_url)
        folder = unquote(library.path).rstrip("/") + "/"
        path = unquote(pasted.path)
        if pasted.netloc.lower() != library.netloc.lower() or not path.startswith(folder):
            raise SharingLinkUnchecked(f"{url} is not an address inside {library_url}")
        answer = await self._graph.request(
            "GET", f"/drives/{drive_id}/root:/{_path(path[len(folder):])}",
            permission=self._permission,
        )  # fmt: skip
        return _item(answer.body, drive_id)
