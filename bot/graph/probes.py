"""Harmless reads that tell whether the app holds the Graph permission each feature needs (for
`python -m bot doctor`): nothing is written, nothing is installed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.graph.calendar import CALENDARS_PERMISSION
from bot.graph.client import GraphClient, GraphError, GraphPermissionDenied
from bot.graph.drive import FILES, SITE_GRANT
from bot.graph.teamwork import INSTALL_PERMISSION


@dataclass(frozen=True)
class Probe:
    """What one read found: `allowed`, or refused for lack of `permission`, or an `error`."""

    path: str
    permission: str
    allowed: bool
    refused: bool = False
    error: str = ""


async def _read(graph: GraphClient, path: str, permission: str, mailbox: str = "") -> Probe:
    try:
        await graph.request("GET", path, permission=permission, patient=False, mailbox=mailbox)
    except GraphPermissionDenied:
        return Probe(path, permission, allowed=False, refused=True)
    except GraphError as error:
        return Probe(path, permission, allowed=False, error=str(error))
    return Probe(path, permission, allowed=True)


async def calendar(graph: GraphClient, mailbox: str) -> Probe:
    """The mailbox's calendar: the organiser's must be readable; another member's should not
    be (the permission scoped with Exchange RBAC for Applications)."""
    path = f"/users/{mailbox}/events?$top=1&$select=id"
    return await _read(graph, path, CALENDARS_PERMISSION, mailbox)


async def library(graph: GraphClient, group_id: str, site_id: str = "") -> Probe:
    """The committee team's library, where the documents feature reaches it."""
    if site_id:
        return await _read(graph, f"/sites/{site_id}/drive?$select=id", SITE_GRANT)
    return await _read(graph, f"/groups/{group_id}/drive?$select=id", FILES)


async def installations(graph: GraphClient, user: str) -> Probe:
    return await _read(graph, f"/users/{user}/teamwork/installedApps?$top=1", INSTALL_PERMISSION)
