"""Figures for the closing notes: cold start and card-action latency, as ratios to a bare
botbuilder echo bot measured in the same run on the same machine.

    .venv/bin/python bench/run.py [--requests 1000] [--concurrency 50]

Both bots run as their own processes in authenticated mode behind the loopback Bot
Connector of the tests (signed RS256 activities, JWKS on loopback). Cold start is the wall
time from spawning the process to the first `/healthz` 200 (median of three starts), with
the peak RSS (VmHWM) at that moment. Latency is measured per card action (an `adaptiveCard/action` invoke), with
`--concurrency` requests in flight; each request carries a fresh activity id and token.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.committee import signed_committee, wait_healthy  # noqa: E402
from tests.conftest import APP_ID, APP_PASSWORD, MEMBER  # noqa: E402
from tests.support import activities  # noqa: E402
from tests.support.connector import LoopbackConnector  # noqa: E402
from tests.support.postgres import free_port  # noqa: E402


@dataclass
class Figures:
    name: str
    cold_start_s: float
    rss_at_start_mb: float
    p50_ms: float
    p99_ms: float
    per_second: float
    alone_p50_ms: float
    rss_after_mb: float


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    connector: LoopbackConnector,
    verb: str,
    requests: int,
    concurrency: int,
) -> Figures:
    port = free_port()
    env = {**env, "BOT_PORT": str(port)}
    starts: list[float] = []
    # Cold start is the median of three starts (one start alone varies by a third here);
    # the last process stays up for the load.
    for attempt in range(3):
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL,
        )
        await wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        starts.append(time.perf_counter() - started)
        if attempt < 2:
            process.terminate()
            process.wait(timeout=10)
    try:
        cold = statistics.median(starts)
        rss_start = _peak_rss_mb(process.pid)

        def signed() -> tuple[dict[str, Any], str]:
            activity = activities.card_action(
                connector.service_url, verb, user_id=MEMBER.id, aad_object_id=MEMBER.aad_object_id
            )
            return activity, f"Bearer {connector.sign(activity)}"

        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency)
        ) as session:
            url = f"http://127.0.0.1:{port}/api/messages"

            async def one(activity: dict[str, Any], token: str) -> float:
                begin = time.perf_counter()
                async with session.post(
                    url, json=activity, headers={"Authorization": token}
                ) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{name}: HTTP {response.status}")
                return time.perf_counter() - begin

            for _ in range(20):  # warm-up: keys fetched, connections open, caches filled
                await one(*signed())
            prepared = [signed() for _ in range(requests)]
            gate = asyncio.Semaphore(concurrency)

            async def limited(item: tuple[dict[str, Any], str]) -> float:
                async with gate:
                    return await one(*item)

            begin = time.perf_counter()
            latencies = await asyncio.gather(*(limited(item) for item in prepared))
            elapsed = time.perf_counter() - begin
            # One person at a time, as the committee really uses it.
            alone = [await one(*signed()) for _ in range(100)]
        ordered = sorted(latencies)
        return Figures(
            name,
            cold,
            rss_start,
            statistics.median(ordered) * 1000,
            ordered[int(len(ordered) * 0.99) - 1] * 1000,
            requests / elapsed,
            statistics.median(alone) * 1000,
            _peak_rss_mb(process.pid),
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()

    connector = LoopbackConnector(APP_ID, APP_PASSWORD)
    # Teams knows the member: her first action links her identity, the rest find her by it.
    connector.users[MEMBER.id] = MEMBER
    await connector.start()
    folder = Path(tempfile.mkdtemp(prefix="committee-bench-"))
    base_env = signed_committee(connector, folder)
    try:
        echo = await measure(
            "botbuilder echo bot",
            [sys.executable, "bench/echo_bot.py"],
            base_env,
            connector,
            "echo",
            args.requests,
            args.concurrency,
        )
        committee = await measure(
            "committee bot (SQLite)",
            [sys.executable, "-m", "bot", "run"],
            base_env,
            connector,
            "help",
            args.requests,
            args.concurrency,
        )
    finally:
        await connector.stop()

    print(
        f"{args.requests} card actions, {args.concurrency} in flight, signed through the loopback connector; {os.cpu_count()} cores\n"
    )
    header = f"{'':26} {'cold start s':>12} {'RSS start MB':>12} {'p50 ms':>8} {'p99 ms':>8} {'actions/s':>10} {'alone p50 ms':>12} {'RSS after MB':>12}"
    print(header)
    for f in (echo, committee):
        print(
            f"{f.name:26} {f.cold_start_s:12.2f} {f.rss_at_start_mb:12.1f} {f.p50_ms:8.1f} {f.p99_ms:8.1f} "
            f"{f.per_second:10.0f} {f.alone_p50_ms:12.1f} {f.rss_after_mb:12.1f}"
        )
    print(
        f"\nratio committee / echo: cold start ×{committee.cold_start_s / echo.cold_start_s:.2f}, "
        f"RSS at start ×{committee.rss_at_start_mb / echo.rss_at_start_mb:.2f}, "
        f"p50 ×{committee.p50_ms / echo.p50_ms:.2f}, p99 ×{committee.p99_ms / echo.p99_ms:.2f}, "
        f"throughput ×{committee.per_second / echo.per_second:.2f}, "
        f"alone p50 ×{committee.alone_p50_ms / echo.alone_p50_ms:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
