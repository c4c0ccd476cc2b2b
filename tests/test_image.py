"""The OCI image `make image` builds, smoke-tested as a platform would run it: started with a
PostgreSQL database, ready, answering a signed activity through the loopback Bot Connector,
healthy by its own HEALTHCHECK, and out with exit 0 within 10 s of SIGTERM.

`.ci/run` builds the image and runs this with COMMITTEE_IMAGE set (and REQUIRE_IMAGE=1, so a
missing image fails); elsewhere it is skipped."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid

import aiohttp
import pytest

from tests.conftest import APP_ID, APP_PASSWORD, OUTSIDER, TENANT_ID
from tests.support import activities
from tests.support.connector import LoopbackConnector
from tests.support.postgres import free_port

IMAGE = os.environ.get("COMMITTEE_IMAGE", "")
PODMAN = ["podman", "--runtime", "runc"]


@pytest.fixture
def image() -> str:
    if not IMAGE:
        if os.environ.get("REQUIRE_IMAGE") == "1":
            pytest.fail("REQUIRE_IMAGE=1 but COMMITTEE_IMAGE names no image (make image)")
        pytest.skip("no image to test (COMMITTEE_IMAGE; .ci/run builds one)")
    return IMAGE


async def _podman(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *PODMAN, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_the_image_starts_answers_and_stops_cleanly(
    image: str, connector: LoopbackConnector, postgres_url: str
) -> None:
    code, size = await _podman("image", "inspect", image, "--format", "{{.Size}}")
    assert code == 0, size
    assert int(size) <= 350 * 1024 * 1024, f"the image is {int(size) / 2**20:.0f} MB"
    name, port = f"committee-bot-{uuid.uuid4().hex[:8]}", free_port()
    settings = {
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": APP_PASSWORD,
        "MicrosoftAppTenantId": TENANT_ID,
        "BOT_PORT": str(port),
        "BOT_OPENID_METADATA_URL": connector.metadata_url,
        "BOT_LOGIN_URL": connector.token_url,
        "DATABASE_URL": postgres_url,
    }
    environment = [part for k, v in settings.items() for part in ("-e", f"{k}={v}")]
    code, out = await _podman(
        "run", "-d", "--name", name, "--network", "host",
        "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
        *environment, image,
    )  # fmt: skip
    assert code == 0, out
    try:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            status, deadline = 0, time.monotonic() + 60
            while status != 200 and time.monotonic() < deadline:
                try:
                    async with session.get(base + "/readyz") as reply:
                        status = reply.status
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.25)
            assert status == 200, (await _podman("logs", name))[1]

            activity = activities.message(
                connector.service_url, "aide", user_id=OUTSIDER.id,
                aad_object_id=OUTSIDER.aad_object_id,
            )  # fmt: skip
            headers = {"Authorization": f"Bearer {connector.sign(activity)}"}
            async with session.post(base + "/api/messages", json=activity, headers=headers) as r:
                assert r.status == 200
            unsigned = {"Authorization": "Bearer not-a-token"}
            async with session.post(base + "/api/messages", json=activity, headers=unsigned) as r:
                assert r.status == 401
        await connector.wait_for_replies(1)
        assert "réservé aux membres inscrits" in json.dumps(connector.replies(), ensure_ascii=False)

        code, out = await _podman("healthcheck", "run", name)
        assert code == 0, out
        code, user = await _podman("exec", name, "id", "-u")
        assert user.strip() == "10001", "the bot does not run as root"

        started = time.monotonic()
        await _podman("kill", "--signal", "TERM", name)
        code, exit_code = await asyncio.wait_for(_podman("wait", name), 15)
        assert time.monotonic() - started < 10
        assert exit_code.strip() == "0", (await _podman("logs", name))[1]
    finally:
        await _podman("rm", "--force", name)
