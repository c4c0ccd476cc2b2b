"""Installing the committee's app for a member who never opened it (Teams' app catalogue)."""

from __future__ import annotations

from bot.errors import DeliveryFailed, Undeliverable
from bot.graph.client import GraphClient, GraphPermissionDenied

# The least privileged application permission for installing in a user's personal scope: the
# app installs itself, never another (it needs webApplicationInfo.id in the manifest).
INSTALL_PERMISSION = "TeamsAppInstallation.ReadWriteSelfForUser.All"


class AppInstaller:
    def __init__(self, graph: GraphClient, catalog_id: str) -> None:
        self._graph = graph
        self._binding = f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{catalog_id}"

    async def install_for(self, aad_object_id: str) -> None:
        """Installs the app in the member's personal scope; installed already is fine (409).
        A refused permission leaves the member unreachable (Undeliverable)."""
        try:
            await self._graph.request(
                "POST", f"/users/{aad_object_id}/teamwork/installedApps",
                json={"teamsApp@odata.bind": self._binding},
                permission=INSTALL_PERMISSION, patient=False,
            )  # fmt: skip
        except GraphPermissionDenied as refused:
            raise Undeliverable(f"Graph refused to install the app: {refused}") from refused
        except DeliveryFailed as failed:
            if failed.status != 409:
                raise
