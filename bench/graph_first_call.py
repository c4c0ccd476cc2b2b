"""The first Microsoft Graph call's cost, in a fresh interpreter each: the bot's client (raw
JSON, the few fields it needs) against msgraph-sdk parsing the same answer into its models.

    make bench   # once: installs msgraph-sdk, the bench's own extra (bench/requirements.txt)
    .venv/bin/python bench/graph_first_call.py

Prints, for each way, the time and the resident memory the first call adds, and the second
call's time; then the ratios. A loopback Graph answers (tests/support/graph.py), so what is
measured is the client's own cost, not the network's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a child interpreter: prints one JSON line of figures.
_CHILD = r"""
import asyncio, json, resource, sys, time
sys.path.insert(0, ROOT)

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

async def main():
    import aiohttp
    from tests.support.graph import LoopbackGraph
    from bot.graph.client import GRAPH_SCOPE, GraphClient
    from bot.oauth import ClientSecretToken
    graph = LoopbackGraph("bench-client", "bench-secret")
    await graph.start()
    event = {
        "subject": "Réunion régulière",
        "body": {"contentType": "html", "content": "<p>Ordre du jour</p>"},
        "start": {"dateTime": "2027-01-20T13:30:00", "timeZone": "America/Toronto"},
        "end": {"dateTime": "2027-01-20T15:30:00", "timeZone": "America/Toronto"},
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "attendees": [{"emailAddress": {"address": f"m{i}@x.org", "name": f"M {i}"}, "type": "required"} for i in range(10)],
    }
    async with aiohttp.ClientSession() as session:
        token = ClientSecretToken(session, graph.token_url, "bench-client", "bench-secret", GRAPH_SCOPE)
        client = GraphClient(session, token, graph.api_url)
        # Connection and token first: both ways pay them alike.
        await token.get()
        async def call():
            answer = await client.request("POST", "/users/comite@x.org/events", json=dict(event))
            return answer.body
        if WAY == "sdk":
            async def call():
                # Imported at the first call, as a lazily loaded SDK would be.
                from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
                from msgraph.generated.models.event import Event
                factory = JsonParseNodeFactory()
                answer = await client.request("POST", "/users/comite@x.org/events", json=dict(event))
                node = factory.get_root_parse_node("application/json", json.dumps(answer.body).encode())
                parsed = node.get_object_value(Event)
                return parsed.online_meeting.join_url
        before_rss, before_modules = rss_mb(), len(sys.modules)
        started = time.perf_counter()
        await call()
        first = time.perf_counter() - started
        after_rss, after_modules = rss_mb(), len(sys.modules)
        started = time.perf_counter()
        await call()
        second = time.perf_counter() - started
    await graph.stop()
    print(json.dumps({"first_s": first, "second_s": second, "rss_added_mb": after_rss - before_rss, "modules_added": after_modules - before_modules}))

asyncio.run(main())
"""


def measure(way: str) -> dict[str, float]:
    code = f"ROOT = {str(ROOT)!r}\nWAY = {way!r}\n" + _CHILD
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return figures


def main() -> None:
    import importlib.util

    if importlib.util.find_spec("msgraph") is None:
        sys.exit(
            "msgraph-sdk is not installed (the bot does not need it): "
            ".venv/bin/pip install --require-hashes -r bench/requirements.txt"
        )
    ours, sdk = measure("raw"), measure("sdk")
    print(
        f"{'':22} {'first call ms':>13} {'second ms':>10} {'RSS added MB':>12} {'modules added':>13}"
    )
    for name, f in (("bot's Graph client", ours), ("msgraph-sdk models", sdk)):
        print(
            f"{name:22} {f['first_s'] * 1000:13.1f} {f['second_s'] * 1000:10.1f} "
            f"{f['rss_added_mb']:12.1f} {f['modules_added']:13.0f}"
        )
    print(
        f"first call: ×{ours['first_s'] / sdk['first_s']:.3f} of the SDK's time, "
        f"{ours['rss_added_mb']:.1f} MB against {sdk['rss_added_mb']:.1f} MB"
    )


if __name__ == "__main__":
    main()
