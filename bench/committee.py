"""What both benches start from: a signed bot's environment behind the loopback connector,
with the demo committee already registered."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import APP_ID, APP_PASSWORD, ROSTER, TENANT_ID  # noqa: E402
from tests.support.connector import LoopbackConnector  # noqa: E402


def signed_committee(connector: LoopbackConnector, folder: Path) -> dict[str, str]:
    """The environment of a bot in authenticated mode on a SQLite file in `folder`, whose
    registry holds the demo committee (imported here)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": APP_PASSWORD,
        "MicrosoftAppTenantId": TENANT_ID,
        "BOT_OPENID_METADATA_URL": connector.metadata_url,
        "BOT_LOGIN_URL": connector.token_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'committee.db'}",
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "members",
            "import",
            str(ROSTER),
            "--by",
            "camille.tremblay@sct.example.org",
        ],
        env=env,
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return env


async def wait_healthy(url: str, process: subprocess.Popen[bytes], within: float = 60) -> None:
    """Until `/healthz` answers 200 (polled every 5 ms, so a start is timed closely)."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.005)
    raise TimeoutError(url)
