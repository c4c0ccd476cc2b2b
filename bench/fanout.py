"""A fan-out at Teams' pace, and what it costs the people clicking meanwhile.

    .venv/bin/python bench/fanout.py [--members 1000] [--replicas 2]

A signed bot (SQLite, its own process) holds N members who all have a chat with it; a new
confidentiality version is published, so N cards are due at once. The loopback connector
takes 50 requests a second and answers 429 (Retry-After 1) beyond, as Teams does. What the
new members are asked on joining goes out first, so the fan-out is the only traffic. Printed:
the time until every member has their card against the floor N / 50 s, how many are lost and
how many duplicated; card-action latency (p50, p99) during the fan-out against the same with
nothing being sent; and the time to find the mandates whose reminders are due among 100,000.
With `--replicas 2`, two bot processes share one PostgreSQL (started here) and both send.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.committee import signed_committee, wait_healthy  # noqa: E402
from tests.conftest import APP_ID, APP_PASSWORD, MEMBER, ROSTER, SECRETARIAT  # noqa: E402
from tests.support import activities  # noqa: E402
from tests.support.connector import LoopbackConnector  # noqa: E402
from tests.support.crowd import crowd_roster, open_chats  # noqa: E402
from tests.support.postgres import free_port  # noqa: E402


async def _latencies(
    url: str, connector: LoopbackConnector, count: int, every: float
) -> list[float]:
    found = []
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            activity = activities.card_action(
                connector.service_url, "help", user_id=MEMBER.id, aad_object_id=MEMBER.aad_object_id
            )
            token = f"Bearer {connector.sign(activity)}"
            begin = time.perf_counter()
            async with session.post(
                url, json=activity, headers={"Authorization": token}
            ) as response:
                await response.read()
            found.append(time.perf_counter() - begin)
            await asyncio.sleep(every)
    return found


async def _publish_from_card(url: str, connector: LoopbackConnector) -> None:
    """« Aperçu » then « Publier », signed, as the secretariat's Teams sends them."""
    async with aiohttp.ClientSession() as session:

        async def invoke(verb: str, data: dict[str, Any]) -> dict[str, Any]:
            activity = activities.card_action(
                connector.service_url, verb, data,
                user_id=SECRETARIAT.id, aad_object_id=SECRETARIAT.aad_object_id,
            )  # fmt: skip
            headers = {"Authorization": f"Bearer {connector.sign(activity)}"}
            async with session.post(url, json=activity, headers=headers) as response:
                answer: dict[str, Any] = (await response.json())["value"]
                return answer

        preview = await invoke(
            "confidentiality.preview",
            {"text_fr": "Je m’engage à la discrétion.", "text_en": "I undertake to be discreet.",
             "summary_fr": "", "summary_en": ""},
        )  # fmt: skip
        [publish, *_] = preview["actions"]
        assert publish["verb"] == "confidentiality.publish", preview
        await invoke(publish["verb"], publish["data"])


def _is_card(call: Any) -> bool:
    """The commitment's card (other messages, such as the declaration asked of every new
    member, go out too and are not counted)."""
    if not call.answered_id:
        return False
    for attachment in (call.body or {}).get("attachments") or []:
        body = (attachment.get("content") or {}).get("body") or []
        if body and str(body[0].get("text", "")).startswith("Engagement de confidentialité"):
            return True
    return False


async def _quiet(connector: LoopbackConnector, still: float = 2.0, within: float = 300) -> None:
    """Until the bot has sent nothing for `still` seconds."""
    deadline = time.monotonic() + within
    count, since = len(connector.calls), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        if len(connector.calls) != count:
            count, since = len(connector.calls), time.monotonic()
        elif time.monotonic() - since >= still:
            return
    raise TimeoutError("the bot never went quiet")


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * q) - 1, 0)] * 1000


async def fan_out(
    members: int, replicas: int = 1, database_url: str | None = None
) -> dict[str, Any]:
    """`replicas` bot processes on one database (`database_url`, PostgreSQL; default a
    SQLite file), all sending; card actions go to the first."""
    connector = LoopbackConnector(APP_ID, APP_PASSWORD, per_second=50)
    # Teams tells who the secretariat's member is (their e-mail) on their first click.
    connector.users[SECRETARIAT.id] = SECRETARIAT
    await connector.start()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        env = {**signed_committee(connector, folder), "BOT_REMINDER_POLL_SECONDS": "1"}
        # Teams' 50 a second is per app: replicas share it (TEAMS_SENDS_PER_SECOND each).
        env["TEAMS_SENDS_PER_SECOND"] = str(50 / replicas)
        if database_url is not None:
            env["DATABASE_URL"] = database_url
            subprocess.run(
                [sys.executable, "-m", "bot", "members", "import", str(ROSTER), "--by", "camille.tremblay@sct.example.org"],
                env=env, cwd=folder, check=True, capture_output=True,
            )  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "bot", "members", "import", str(crowd_roster(folder, members)), "--by", "camille.tremblay@sct.example.org"],
            env=env, cwd=folder, check=True, capture_output=True,
        )  # fmt: skip
        await open_chats(env["DATABASE_URL"], connector.service_url)
        ports = [free_port() for _ in range(replicas)]
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env={**env, "BOT_PORT": str(port)},
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        try:
            for port, process in zip(ports, processes, strict=True):
                await wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
            url = f"http://127.0.0.1:{ports[0]}/api/messages"
            # What the new members are asked on joining (their declaration) goes out first:
            # the fan-out measured is then the only traffic, and "idle" is idle.
            await _quiet(connector)
            idle = await _latencies(url, connector, 100, 0.02)
            connector.clear()
            # Published as the secretariat does, from the preview card: the invoke plans
            # every card and the bot starts sending at once.
            started = time.perf_counter()
            await _publish_from_card(url, connector)
            publish_seconds = time.perf_counter() - started
            busy_task = asyncio.create_task(_latencies(url, connector, 150, 0.05))
            wanted = {f"personal-29:m{n}@x.org" for n in range(members)}
            deadline = time.monotonic() + 600
            received: dict[str, int] = {}
            seen = 0  # calls already counted: the bench must not eat the bot's CPU
            while time.monotonic() < deadline:
                calls = connector.calls[seen:]
                seen += len(calls)
                for call in calls:
                    if call.method == "POST" and "/activities" in call.path and _is_card(call):
                        conversation = call.path.split("/v3/conversations/")[1].split("/")[0]
                        if conversation in wanted:
                            received[conversation] = received.get(conversation, 0) + 1
                if len(received) == len(wanted):
                    break
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            busy = await busy_task
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=20)
    await connector.stop()
    return {
        "members": members,
        "replicas": replicas,
        "database": "postgresql" if database_url else "sqlite",
        "seconds": elapsed,
        "publish_card_seconds": publish_seconds,
        "floor": members / 50,
        "lost": len(wanted) - len(received),
        "duplicated": sum(count - 1 for count in received.values()),
        "refused_429": connector.refused,
        "idle_p50": _p(idle, 0.5), "idle_p99": _p(idle, 0.99),
        "busy_p50": _p(busy, 0.5), "busy_p99": _p(busy, 0.99),
    }  # fmt: skip


async def due_lookup(count: int = 100_000) -> float:
    """Milliseconds to find, among `count` mandates, those the reminder tick reads."""
    from sqlalchemy import insert

    from bot.features.mandates import tables as mandates_tables
    from bot.features.mandates.store import MandateRepository
    from bot.storage import tables
    from bot.storage.database import Database, to_db, utcnow

    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+aiosqlite:///{folder}/mandates.db")
        await database.upgrade()
        start = date(2026, 1, 1)
        async with database.transaction() as conn:
            await conn.execute(
                insert(tables.members),
                [
                    {"email": f"m{n}@x.org", "display_name": f"M {n}", "organisation": "O",
                     "seat": "societe_civile", "role": "member", "active": True,
                     "created_at": to_db(utcnow()), "updated_at": to_db(utcnow())}
                    for n in range(count)
                ],
            )  # fmt: skip
            await conn.execute(
                insert(mandates_tables.mandates),
                [
                    {"member_id": n + 1, "number": 0, "seat": "societe_civile",
                     "starts_on": start, "ends_on": start + timedelta(days=n % 730),
                     "status": "current"}
                    for n in range(count)
                ],
            )  # fmt: skip
        repository = MandateRepository()
        timings = []
        for day in range(5):
            today = date(2026, 6, 1) + timedelta(days=day)
            begin = time.perf_counter()
            async with database.read() as conn:
                # What one tick reads: the mandates whose 90, 30 or 7-day reminder is today.
                for days in (90, 30, 7):
                    target = today + timedelta(days=days)
                    await repository.current_ending_between(conn, target, target)
            timings.append((time.perf_counter() - begin) * 1000)
        await database.dispose()
    return statistics.median(timings)


async def _on_postgres(members: int, replicas: int) -> dict[str, Any]:
    """A PostgreSQL server of its own (the Debian binaries the tests use), one database."""
    import asyncpg

    from tests.support.postgres import postgres_server

    with postgres_server() as base:
        if base is None:
            raise SystemExit("no PostgreSQL here (initdb not found): replicas need one")
        admin = await asyncpg.connect(
            base.replace("postgresql+asyncpg", "postgresql") + "/postgres"
        )
        try:
            await admin.execute('CREATE DATABASE "fanout"')
        finally:
            await admin.close()
        return await fan_out(members, replicas, f"{base}/fanout")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument(
        "--replicas", type=int, default=1, help="bot processes sharing one PostgreSQL (2 or more)"
    )
    args = parser.parse_args()
    if args.replicas > 1:
        figures = await _on_postgres(args.members, args.replicas)
    else:
        figures = await fan_out(args.members)
    figures["due_lookup_ms"] = await due_lookup()
    print(json.dumps(figures, indent=2))
    print(f"{figures['replicas']} replica(s) on {figures['database']}")
    print(
        f"fan-out of {figures['members']}: {figures['seconds']:.1f} s against a floor of "
        f"{figures['floor']:.0f} s (×{figures['seconds'] / figures['floor']:.2f}); lost "
        f"{figures['lost']}, duplicated {figures['duplicated']}, 429 answers "
        f"{figures['refused_429']} (from the click on « Publier »; its answer came after "
        f"{figures['publish_card_seconds']:.1f} s)"
    )
    print(
        f"card action during the fan-out: p50 {figures['busy_p50']:.1f} ms, p99 "
        f"{figures['busy_p99']:.1f} ms; idle p50 {figures['idle_p50']:.1f} ms, p99 "
        f"{figures['idle_p99']:.1f} ms (p99 ×{figures['busy_p99'] / figures['idle_p99']:.2f})"
    )
    print(f"due reminders among 100,000 mandates: {figures['due_lookup_ms']:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
