"""Figures for the hardening: what hostile requests cost the bot, on this machine.

    .venv/bin/python bench/hostile.py [--connections 4000]

The bot runs as its own process in authenticated mode behind the loopback Bot Connector.
It prints:

- how long the bot takes to answer a signed message of 240,000 '<' (once 53 s of a blocked
  event loop in the message-cleaning regexes; goal under 50 ms);
- 4,000 connections without a token, each announcing a 262,144-byte body and sending
  262,000 bytes of it: the bot's peak RSS while they arrive (goal under 300 MB), its RSS once
  they are gone (goal under 150 MB), and the slowest `/healthz` meanwhile (goal under 100 ms).

Every request goes to 127.0.0.1 only; the loops are bounded and the script stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.committee import signed_committee, wait_healthy  # noqa: E402
from tests.conftest import APP_ID, APP_PASSWORD, MEMBER  # noqa: E402
from tests.support import activities  # noqa: E402
from tests.support.connector import LoopbackConnector  # noqa: E402
from tests.support.postgres import free_port  # noqa: E402

# Asks /healthz every 50 ms until told to stop on standard input; prints the slowest, in ms.
PROBE = """
import sys, threading, time, urllib.request
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
import socket
from urllib.parse import urlsplit
where = urlsplit(sys.argv[1])
worst = worst_connect = 0.0
while not stop.is_set():
    begin = time.perf_counter()
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        connected = time.perf_counter()
        sock.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
        while sock.recv(4096):
            pass
    worst = max(worst, (time.perf_counter() - begin) * 1000)
    worst_connect = max(worst_connect, (connected - begin) * 1000)
    time.sleep(0.05)
print(worst, worst_connect)
"""
BODY_ANNOUNCED = 262_144
BODY_SENT = 262_000


def _rss_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _unauthenticated_body(port: int, payload: bytes) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    try:
        writer.write(
            b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {BODY_ANNOUNCED}\r\n\r\n".encode()
        )
        for start in range(0, len(payload), 16_384):
            writer.write(payload[start : start + 16_384])
            await writer.drain()
        await asyncio.wait_for(reader.read(100), 15)
    except (OSError, TimeoutError):
        pass
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=4000)
    parser.add_argument("--body-bytes", type=int, default=BODY_SENT)
    args = parser.parse_args()

    connector = LoopbackConnector(APP_ID, APP_PASSWORD)
    connector.users[MEMBER.id] = MEMBER
    await connector.start()
    folder = Path(tempfile.mkdtemp(prefix="committee-hostile-"))
    port = free_port()
    env = {**signed_committee(connector, folder), "BOT_PORT": str(port)}
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url + "/healthz", bot)
        async with aiohttp.ClientSession() as session:

            async def signed(text: str) -> float:
                activity = activities.message(
                    connector.service_url,
                    text,
                    user_id=MEMBER.id,
                    aad_object_id=MEMBER.aad_object_id,
                )
                headers = {"Authorization": f"Bearer {connector.sign(activity)}"}
                begin = time.perf_counter()
                async with session.post(url + "/api/messages", json=activity, headers=headers) as r:
                    await r.read()
                    assert r.status == 200, r.status
                return (time.perf_counter() - begin) * 1000

            await signed("aide")  # the member is linked; the next ones find her at once
            plain = sorted([await signed("aide") for _ in range(5)])[2]
            brackets = sorted([await signed("<" * 240_000) for _ in range(5)])[2]

            rss_before = _rss_mb(bot.pid, "VmRSS")
            payload = b" " * args.body_bytes
            # The probe is a process of its own: this one is busy flooding.
            prober = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                PROBE,
                url + "/healthz",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            await asyncio.sleep(0.3)
            gate = asyncio.Semaphore(500)

            async def one() -> None:
                async with gate:
                    await _unauthenticated_body(port, payload)

            flood_begin = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(args.connections)))
            flood_seconds = time.perf_counter() - flood_begin
            probed, _ = await prober.communicate(b"stop\n")
            worst_health, worst_connect = (float(x) for x in probed.decode().split())
            peak = _rss_mb(bot.pid, "VmHWM")
            # The bot hands freed memory back every 10 s.
            await asyncio.sleep(11)
            after = _rss_mb(bot.pid, "VmRSS")

        print(f"signed 'aide', median of 5:                   {plain:8.1f} ms")
        print(f"signed 240,000 '<', median of 5:              {brackets:8.1f} ms   (goal < 50)")
        print(
            f"{args.connections} unauthenticated 262 KB bodies in {flood_seconds:.1f} s: "
            f"RSS before {rss_before:.0f} MB, peak {peak:.0f} MB (goal < 300), "
            f"after {after:.0f} MB (goal < 150)"
        )
        print(
            f"slowest /healthz during the flood:            {worst_health:8.1f} ms   (goal < 100),"
            f" of which waiting to be accepted {worst_connect:.1f} ms"
        )
    finally:
        bot.terminate()
        bot.wait(timeout=10)
        await connector.stop()


if __name__ == "__main__":
    asyncio.run(main())
