"""The composition root: builds every collaborator once and hands it to whoever needs it.

No module-level state: `build_app(settings)` returns an aiohttp application whose
`cleanup_ctx` opens the database, the HTTP session and the scheduler at start and closes
them at stop. Tests build as many independent apps as they like.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import SQLAlchemyError

from bot.capabilities import install
from bot.errors import StorageUnavailable
from bot.features.confidentiality.service import ConfidentialityService
from bot.features.context import FeatureContext
from bot.features.documents.downloads import DocumentDownloads
from bot.graph import build_graph
from bot.graph.client import GraphClient
from bot.graph.teamwork import AppInstaller
from bot.locale import Catalogues
from bot.metrics import Metrics
from bot.metrics import serve as serve_metrics
from bot.outbound import client_session
from bot.scheduling.jobs import RecurringJob, build_scheduler
from bot.services.build import Services, build_services
from bot.services.outbox import OutboxDispatcher
from bot.serving import return_freed_memory
from bot.settings import Settings
from bot.storage.database import SCHEMA_REVISION, Database, utcnow
from bot.teams.outgoing import Outgoing
from bot.teams.platform import Command
from bot.teams.wiring import TeamsTransport, build_transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Components:
    settings: Settings
    database: Database
    catalogues: Catalogues
    services: Services
    transport: TeamsTransport
    downloads: DocumentDownloads
    scheduler: AsyncIOScheduler

    @property
    def dispatcher(self) -> OutboxDispatcher:
        return self.services.dispatcher

    @property
    def confidentiality(self) -> ConfidentialityService:
        return self.services.confidentiality


SETTINGS = web.AppKey("settings", Settings)
Clock = Callable[[], datetime]
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
COMPONENTS = web.AppKey("components", Components)


def assemble(
    settings: Settings,
    database: Database,
    session: aiohttp.ClientSession,
    catalogues: Catalogues,
    services: Services,
    clock: Clock,
    graph: GraphClient | None = None,
    metrics: Metrics | None = None,
) -> TeamsTransport:
    """The Teams transport with every feature installed, each built from one context."""
    installer = (
        AppInstaller(graph, settings.teams_app_catalog_id)
        if graph is not None and settings.teams_app_catalog_id
        else None
    )
    transport = build_transport(
        settings, database, session, catalogues, services, clock,
        app_installer=installer, metrics=metrics,
    )  # fmt: skip
    outgoing = Outgoing(transport.messenger, catalogues, settings.default_locale)
    context = FeatureContext(
        settings, services, catalogues, transport.messenger, outgoing, transport.files, session,
        clock, graph, database,
    )  # fmt: skip
    install(transport.registry, context)
    return transport


async def installed_commands(settings: Settings) -> list[Command]:
    """Every command of every feature, as the running bot registers them (nothing is started
    and the database is not opened): what `package` lists in the Teams manifest."""
    database = Database(settings.database_url)
    try:
        async with aiohttp.ClientSession() as session:
            services = build_services(settings, database)
            transport = assemble(settings, database, session, Catalogues(), services, utcnow)
            return list(transport.registry.commands.values())
    finally:
        await database.dispose()


def build_app(settings: Settings, clock: Callable[[], datetime] = utcnow) -> web.Application:
    """`clock` is the time the committee's rules read (tests move it forward by days)."""
    # aiohttp's own limit sits above ours so the endpoint can answer 413 itself.
    app = web.Application(client_max_size=settings.max_request_bytes * 2)
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app.cleanup_ctx.append(_lifetime)
    app.router.add_post("/api/messages", _messages)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/documents/{document:\\d+}", _document)
    return app


async def _lifetime(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    database = Database(settings.database_url)
    await database.upgrade()
    session = client_session()
    catalogues = Catalogues()
    metrics = Metrics()
    graph = build_graph(settings, session, metrics)
    services = build_services(
        settings, database, app[CLOCK], fetch_files=True, graph=graph, metrics=metrics
    )
    transport = assemble(
        settings, database, session, catalogues, services, app[CLOCK], graph, metrics
    )
    await transport.authenticator.warm_up()

    async def forget_old_deliveries() -> None:
        async with database.transaction() as conn:
            await transport.endpoint.forget_old(conn)

    scheduler = build_scheduler(
        [
            *transport.registry.jobs,
            RecurringJob(
                "outbox.deliver-due",
                settings.reminder_poll_seconds,
                services.dispatcher.dispatch_due,
            ),
            RecurringJob("forget-old-deliveries", 6 * 3600, forget_old_deliveries),
            RecurringJob("return-freed-memory", 10, _return_freed_memory),
            # The outbox's depth and oldest wait, only when something scrapes the metrics.
            *(
                [RecurringJob("outbox.measure", 15, _measured(services.dispatcher))]
                if settings.metrics_port
                else []
            ),
        ],
        settings.timezone,
    )
    downloads = DocumentDownloads(services.documents, catalogues, app[CLOCK])
    app[COMPONENTS] = Components(
        settings, database, catalogues, services, transport, downloads, scheduler
    )
    scheduler.start()
    metrics_listener = (
        await serve_metrics(metrics, settings.metrics_host, settings.metrics_port)
        if settings.metrics_port
        else None
    )
    mode = (
        "local mode (no MicrosoftAppId): unsigned activities, loopback only"
        if settings.local_mode
        else "authenticated mode: every activity's JWT is validated"
    )
    log.info("Committee bot ready on %s:%s, %s", settings.host, settings.port, mode)
    try:
        yield
    finally:
        if metrics_listener is not None:
            await metrics_listener.cleanup()
        # Stop claiming; what is in flight finishes within BOT_SHUTDOWN_SECONDS or is given
        # back, so a restart sends it at once instead of after the outbox's lease. Before the
        # scheduler stops: its shutdown cancels the jobs it is running, a round among them.
        await services.dispatcher.stop(settings.shutdown_seconds)
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await services.documents.stop()
        await session.close()
        await database.dispose()


def _measured(dispatcher: OutboxDispatcher) -> Callable[[], Awaitable[None]]:
    async def measure() -> None:
        await dispatcher.waiting_since()  # sets the outbox's gauges on the way

    return measure


async def _return_freed_memory() -> None:
    return_freed_memory()


async def _messages(request: web.Request) -> web.StreamResponse:
    return await request.app[COMPONENTS].transport.endpoint.handle(request)


async def _document(request: web.Request) -> web.StreamResponse:
    return await request.app[COMPONENTS].downloads.handle(request)


async def _readyz(request: web.Request) -> web.Response:
    """Readiness, for a load balancer or an orchestrator (`/healthz` is liveness): 200 only
    when the database answers at the schema this code expects, the scheduler runs and the
    outbox is not stuck; 503 otherwise, naming what is not ready."""
    components = request.app[COMPONENTS]
    checks: dict[str, str] = {"database": "unavailable"}
    if await components.database.ping():
        try:
            revision = await components.database.current_revision()
            waited = await components.dispatcher.waiting_since()
        except (StorageUnavailable, SQLAlchemyError, OSError):
            pass  # it stopped answering between the two reads
        else:
            checks["database"] = (
                "ok"
                if revision == SCHEMA_REVISION
                else f"schema {revision}, expected {SCHEMA_REVISION}"
            )
            limit = components.settings.ready_outbox_seconds
            checks["outbox"] = (
                "ok"
                if waited is None or waited.total_seconds() <= limit
                else f"a due message has waited {int(waited.total_seconds())} s"
            )
    checks["scheduler"] = "ok" if components.scheduler.running else "stopped"
    ready = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


async def _healthz(request: web.Request) -> web.Response:
    if await request.app[COMPONENTS].database.ping():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unavailable"}, status=503)
