"""Storage behaviour a person would notice: the health and readiness checks tell when the
database stops answering, and what else is not ready."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg
from sqlalchemy import delete, text

from bot.storage import tables
from bot.storage.database import Database
from bot.storage.outbox import Outbox
from tests.conftest import MEMBER, RunningBot, import_roster, serve, signed_settings
from tests.support import activities
from tests.support.connector import LoopbackConnector


async def test_healthz_is_503_when_the_database_stops_answering(
    connector: LoopbackConnector, postgres_url: str
) -> None:
    await import_roster(postgres_url)
    async with serve(signed_settings(connector, postgres_url), connector) as bot:
        assert (await bot.session.get(bot.url + "/healthz")).status == 200
        name = postgres_url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(
            postgres_url.replace("postgresql+asyncpg", "postgresql").rsplit("/", 1)[0] + "/postgres"
        )
        try:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        response = await bot.session.get(bot.url + "/healthz")
        assert response.status == 503
        assert (await response.json()) == {"status": "database unavailable"}
        ready = await bot.session.get(bot.url + "/readyz")
        assert ready.status == 503
        assert (await ready.json())["checks"]["database"] == "unavailable"
        # A message in the meantime is not lost to a 500: Teams is told to deliver it again.
        activity = activities.message(
            connector.service_url, "aide", user_id=MEMBER.id, aad_object_id=MEMBER.aad_object_id
        )
        assert (await bot.post(activity)).status == 503


async def test_the_migrations_build_exactly_the_tables_of_every_capability(
    database: Database,
) -> None:
    """A column added to a `tables.py` (the platform's or a capability's) without its
    migration, or the reverse, fails here, on SQLite and on PostgreSQL alike."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from bot.capabilities import schema

    metadata = schema()
    assert {"members", "outbox", "meetings", "documents", "consultation_rounds"} <= set(
        metadata.tables
    )

    def differences(sync: Any) -> list[Any]:
        context = MigrationContext.configure(sync, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with database.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


def test_the_schema_revision_the_code_expects_is_the_newest_migration() -> None:
    from bot.storage.database import SCHEMA_REVISION, head_revision

    assert head_revision() == SCHEMA_REVISION


async def _ready(bot: RunningBot) -> tuple[int, dict[str, Any]]:
    response = await bot.session.get(bot.url + "/readyz")
    return response.status, await response.json()


async def test_readyz_says_what_is_not_ready(bot: RunningBot) -> None:
    """200 once started; 503 naming the cause when the schema is not the code's, when a due
    message waits with nobody dispatching it, when the scheduler has stopped."""
    assert await _ready(bot) == (
        200,
        {"status": "ready", "checks": {"database": "ok", "outbox": "ok", "scheduler": "ok"}},
    )
    async with bot.database.transaction() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    status, body = await _ready(bot)
    assert status == 503 and body["checks"]["database"] == "schema 0012, expected 0016"
    async with bot.database.transaction() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0016'"))
        await Outbox().plan(
            conn, "stuck", "no.such.kind", None, {}, bot.clock() - timedelta(minutes=11)
        )
    status, body = await _ready(bot)
    assert status == 503 and body["checks"]["outbox"] == "a due message has waited 660 s"
    async with bot.database.transaction() as conn:
        await conn.execute(delete(tables.outbox))
    assert (await _ready(bot))[0] == 200
    bot.components.scheduler.shutdown(wait=False)
    status, body = await _ready(bot)
    assert status == 503 and body["checks"]["scheduler"] == "stopped"


async def test_concurrent_audit_appends_keep_one_unbroken_chain(postgres_url: str) -> None:
    """Twenty appends at once from two engines (two replicas) on PostgreSQL: each gets its own
    sequence number and the chain verifies."""
    from bot.domain.audit import AuditEvent, verify
    from bot.storage.repositories import AuditLog

    replicas = [Database(postgres_url), Database(postgres_url)]
    await replicas[0].upgrade()
    log = AuditLog()

    async def append(n: int) -> None:
        async with replicas[n % 2].transaction() as conn:
            await log.append(conn, AuditEvent("tests", "test.appended", "test", str(n), {}))

    try:
        await asyncio.gather(*(append(n) for n in range(20)))
        async with replicas[0].read() as conn:
            entries = await log.entries(conn)
    finally:
        for replica in replicas:
            await replica.dispose()
    assert [e.seq for e in entries] == list(range(1, 21))
    assert verify(entries) == []
