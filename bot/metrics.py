"""Metrics in Prometheus' format, on a listener of their own (`METRICS_PORT`, loopback by
default), never on the public one that Teams reaches.

One `Metrics` per running bot, with its own registry (several bots in one process, as in the
tests, never mix their counts). What it counts: how long each kind of activity takes to answer,
the outbox (messages due, how long the oldest has waited), each send by outcome (Teams' 429
included, as `throttled`), and each Graph response by status.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turn_seconds = Histogram(
            "committee_turn_seconds",
            "Time to answer an activity from Teams, by kind (message, invoke name…)",
            ["kind"],
            registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.outbox_due = Gauge(
            "committee_outbox_due_messages",
            "Messages due and not yet sent",
            registry=self.registry,
        )
        self.outbox_oldest_due_seconds = Gauge(
            "committee_outbox_oldest_due_seconds",
            "How long the longest-waiting due message has waited (0: nothing due)",
            registry=self.registry,
        )
        self.sends = Counter(
            "committee_outbox_deliveries",
            "Outbox deliveries by outcome (sent, skipped, postponed, throttled…)",
            ["outcome"],
            registry=self.registry,
        )
        self.graph_calls = Counter(
            "committee_graph_responses",
            "Microsoft Graph responses by HTTP status",
            ["status"],
            registry=self.registry,
        )

    def page(self) -> bytes:
        return generate_latest(self.registry)


async def serve(metrics: Metrics, host: str, port: int) -> web.AppRunner:
    """The metrics listener: `GET /metrics`, nothing else."""

    async def scrape(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.page())
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
