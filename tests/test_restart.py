"""A bot process killed (SIGKILL) in the middle of a fan-out, then started again: nobody is
left without their card. What can be sent twice is written down in bot/services/outbox.py:
only the messages Teams had taken when the process died, before their mark was committed
(at most the few in flight)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.services.outbox import PARALLEL
from tests.conftest import APP_ID, APP_PASSWORD, ROOT, ROSTER, SECRETARIAT, TENANT_ID
from tests.support.connector import LoopbackConnector
from tests.support.crowd import commitment_cards, crowd_chat, crowd_roster, open_chats
from tests.support.postgres import free_port

CROWD = 200


async def _healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            assert process.poll() is None, "the bot exited"
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise TimeoutError(url)


async def _exit_code(process: subprocess.Popen[bytes], within: float) -> int | None:
    deadline = time.monotonic() + within
    while process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return process.poll()


async def _until(condition: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the fan-out did not get there")


def _environment(connector: LoopbackConnector, tmp_path: Path, port: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": APP_PASSWORD,
        "MicrosoftAppTenantId": TENANT_ID,
        "BOT_OPENID_METADATA_URL": connector.metadata_url,
        "BOT_LOGIN_URL": connector.token_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'committee.db'}",
        "BOT_REMINDER_POLL_SECONDS": "1",
        "BOT_PORT": str(port),
    }


@dataclass
class FanOut:
    """A committee of CROWD members with open chats, a bot process to start, and the command
    that publishes the commitment (a card to each)."""

    env: dict[str, str]
    folder: Path
    port: int
    log: Path

    def cli(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "bot", *args], env=self.env, cwd=self.folder,
                       check=True, capture_output=True)  # fmt: skip

    def start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env,
                                cwd=self.folder, stdout=subprocess.DEVNULL,
                                stderr=self.log.open("ab"))  # fmt: skip

    async def healthy(self, process: subprocess.Popen[bytes]) -> None:
        await _healthy(f"http://127.0.0.1:{self.port}/healthz", process)

    def publish(self) -> None:
        self.cli("confidentiality", "publish", "fr.md", "en.md", "--by", SECRETARIAT.email)


async def _fan_out(connector: LoopbackConnector, tmp_path: Path, **extra: str) -> FanOut:
    port = free_port()
    ready = FanOut({**_environment(connector, tmp_path, port), **extra}, tmp_path, port,
                   tmp_path / "bot.log")  # fmt: skip
    ready.cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)
    ready.cli("members", "import", str(crowd_roster(tmp_path, CROWD)), "--by", SECRETARIAT.email)
    await open_chats(ready.env["DATABASE_URL"], connector.service_url)
    (tmp_path / "fr.md").write_text("Je m’engage à la discrétion.", encoding="utf-8")
    (tmp_path / "en.md").write_text("I undertake to be discreet.", encoding="utf-8")
    connector.delay = 0.02  # Teams takes each card, then answers a moment later
    return ready


WANTED = {crowd_chat(n) for n in range(CROWD)}


async def test_killed_in_the_middle_of_a_fan_out_and_restarted_everyone_gets_the_card(
    connector: LoopbackConnector, tmp_path: Path
) -> None:
    # What was in flight at the kill goes again when its lease runs out: soon, here.
    run = await _fan_out(connector, tmp_path, OUTBOX_LEASE_SECONDS="3")
    first = run.start()
    try:
        await run.healthy(first)
        run.publish()
        await _until(lambda: len(commitment_cards(connector.calls)) >= CROWD // 3, 120)
        os.kill(first.pid, signal.SIGKILL)
        await _exit_code(first, within=10)
        before = commitment_cards(connector.calls)
        assert len(before.keys() & WANTED) < CROWD, "killed in the middle"
        second = run.start()
        try:
            await run.healthy(second)
            await _until(lambda: commitment_cards(connector.calls).keys() >= WANTED, 180)
            await asyncio.sleep(1.5)  # a tick more: nothing else may go
        finally:
            second.terminate()
            await _exit_code(second, within=20)
    finally:
        if first.poll() is None:
            first.kill()
    received = commitment_cards(connector.calls)
    assert received.keys() >= WANTED, "nobody left without their card"
    twice = sorted(conversation for conversation, count in received.items() if count > 1)
    assert all(received[c] == 2 for c in twice)
    assert len(twice) <= PARALLEL, f"only those in flight at the kill: {twice}"


async def test_stopped_by_sigterm_in_the_middle_of_a_fan_out_nothing_is_lost_or_sent_twice(
    connector: LoopbackConnector, tmp_path: Path
) -> None:
    """SIGTERM, as a container platform sends it: the bot stops claiming, lets the sends in
    flight finish and be marked, and exits 0 within 10 s. Started again, it sends the rest at
    once: with the outbox's lease at its default 120 s, a message left leased would miss the
    deadline below, and one sent twice would be counted."""
    run = await _fan_out(connector, tmp_path)
    first = run.start()
    try:
        await run.healthy(first)
        run.publish()
        await _until(lambda: len(commitment_cards(connector.calls)) >= CROWD // 3, 120)
        asked = time.monotonic()
        first.send_signal(signal.SIGTERM)
        # Waited without blocking the loop: the loopback Teams must go on answering the
        # sends the bot finishes.
        code = await _exit_code(first, within=15)
        assert code == 0, f"a requested stop exits 0: {run.log.read_text()[-2000:]}"
        assert time.monotonic() - asked < 10
        before = commitment_cards(connector.calls)
        assert len(before.keys() & WANTED) < CROWD, "stopped in the middle"
        second = run.start()
        try:
            await run.healthy(second)
            await _until(lambda: commitment_cards(connector.calls).keys() >= WANTED, 60)
            await asyncio.sleep(1.5)  # a tick more: nothing else may go
        finally:
            second.send_signal(signal.SIGTERM)
            assert await _exit_code(second, within=15) == 0
    finally:
        if first.poll() is None:
            first.kill()
    received = commitment_cards(connector.calls)
    assert received.keys() >= WANTED, "nobody left without their card"
    assert [c for c, count in received.items() if count > 1] == [], "nobody got it twice"
