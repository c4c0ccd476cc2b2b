"""`python -m bot package`: the Teams app zip, with the app id taken from the settings and the
command lists (French in the manifest, English in `en.json`) from the commands the features
register, so what Teams suggests is what the bot answers."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "manifest"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
FILES = ("manifest.json", "en.json", "color.png", "outline.png")


class PackagingError(Exception):
    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


# Teams shows at most ten commands a scope.
MAX_COMMANDS = 10
# A command as listed: French title, English title, French and English descriptions.
Listed = tuple[str, str, str, str]


def render_manifest(
    app_id: str, commands: Sequence[Listed], directory: Path = MANIFEST_DIR
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and its English localisation, with this app id and these commands."""
    if not _GUID.match(app_id or ""):
        raise PackagingError("package.no_app_id")
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    english = json.loads((directory / "en.json").read_text(encoding="utf-8"))
    manifest["id"] = app_id
    for bot in manifest["bots"]:
        bot["botId"] = app_id
    # The app's registration: Graph lets it install itself for a member with
    # TeamsAppInstallation.ReadWriteSelfForUser.All only when the manifest names it here.
    manifest["webApplicationInfo"] = {"id": app_id}
    shown = list(commands)[:MAX_COMMANDS]
    manifest["bots"][0]["commandLists"][0]["commands"] = [
        {"title": french, "description": description} for french, _, description, _ in shown
    ]
    english = {k: v for k, v in english.items() if not k.startswith("bots[0].commandLists")}
    for index, (_, title, _, description) in enumerate(shown):
        prefix = f"bots[0].commandLists[0].commands[{index}]"
        english[f"{prefix}.title"] = title
        english[f"{prefix}.description"] = description
    return manifest, english


def write_package(
    app_id: str, out: Path, commands: Sequence[Listed], directory: Path = MANIFEST_DIR
) -> Path:
    manifest, english = render_manifest(app_id, commands, directory)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("en.json", json.dumps(english, ensure_ascii=False, indent=2))
        for name in FILES[2:]:
            archive.write(directory / name, name)
    return out
