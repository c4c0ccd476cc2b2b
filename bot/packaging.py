"""`python -m bot package`: the Teams app zip, with the app id taken from the settings."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "manifest"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
FILES = ("manifest.json", "en.json", "color.png", "outline.png")


class PackagingError(Exception):
    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


def render_manifest(app_id: str, directory: Path = MANIFEST_DIR) -> dict[str, object]:
    if not _GUID.match(app_id or ""):
        raise PackagingError("package.no_app_id")
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    manifest["id"] = app_id
    for bot in manifest["bots"]:
        bot["botId"] = app_id
    return manifest  # type: ignore[no-any-return]


def write_package(app_id: str, out: Path, directory: Path = MANIFEST_DIR) -> Path:
    manifest = render_manifest(app_id, directory)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name in FILES[1:]:
            archive.write(directory / name, name)
    return out
