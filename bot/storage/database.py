"""The database engine, transactions, and schema migration.

SQLite (aiosqlite) is the embedded default and PostgreSQL (asyncpg) the production choice.
On SQLite a write transaction starts with BEGIN IMMEDIATE, so it holds the write lock from
its first read and never fails half-way with "database is locked"; writers of this process
queue on an asyncio lock first, so they wait their turn without SQLite's busy-polling.
Reads (`Database.read`) take no lock: in WAL mode they run beside the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.errors import StorageUnavailable

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration, the one tables.py describes. A start whose database already says so
# never imports Alembic (a sixth of the start-up time); a test keeps this equal to the head.
SCHEMA_REVISION = "0016"


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> datetime:
    """Store instants as naive UTC: the same on SQLite and PostgreSQL."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_db(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        connect_args: dict[str, Any] = {}
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = 30
        self.engine: AsyncEngine = create_async_engine(
            url, echo=echo, connect_args=connect_args, pool_pre_ping=not self.is_sqlite
        )
        self._writers = asyncio.Lock()
        if self.is_sqlite:
            _serialise_sqlite_writes(self.engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One unit of work: everything inside commits together or not at all."""
        async with self._writers if self.is_sqlite else _NO_LOCK:
            connection = await self._open()
            try:
                async with _unavailable_as_domain(), connection.begin():
                    yield connection
            finally:
                await connection.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A consistent read that writes nothing (SQLite: no write lock taken)."""
        connection = await self._open()
        try:
            connection = await connection.execution_options(read_only=True)
            async with _unavailable_as_domain(), connection.begin():
                yield connection
        finally:
            await connection.close()

    async def _open(self) -> AsyncConnection:
        try:
            return await self.engine.connect()
        except (DBAPIError, OSError, TimeoutError) as error:
            # Anything while connecting: refused, reset, database gone, too many connections.
            raise StorageUnavailable(f"cannot connect: {error}") from error

    async def ping(self) -> bool:
        try:
            async with self.read() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def upgrade(self) -> None:
        """Apply every Alembic migration not yet applied (at start and by `db upgrade`)."""
        if await self.current_revision() == SCHEMA_REVISION:
            return
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade_on)

    async def current_revision(self) -> str | None:
        """The revision Alembic recorded, read without Alembic; None for an empty database."""
        async with self.engine.connect() as connection:
            try:
                found = await connection.execute(text("SELECT version_num FROM alembic_version"))
            except DBAPIError:
                return None
            return found.scalar_one_or_none()

    async def dispose(self) -> None:
        await self.engine.dispose()


def fit_key(value: str, length: int) -> str:
    """A key as stored: itself when it fits its column, else its SHA-256, so the same input
    gives the same stored key and SQLite and PostgreSQL accept exactly the same keys."""
    if len(value) <= length:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


@asynccontextmanager
async def _unavailable_as_domain() -> AsyncIterator[None]:
    """A database that stops answering becomes `StorageUnavailable`, which the error policy
    knows (try again later); a constraint violation stays what it is. Only SQLAlchemy raises
    these, so an error from other work inside the transaction keeps its own kind."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        raise StorageUnavailable(str(error.orig or error)) from error
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        raise StorageUnavailable(str(error.orig or error)) from error


_NO_LOCK = contextlib.nullcontext()


async def insert_if_absent(conn: AsyncConnection, table: Table, values: Mapping[str, Any]) -> bool:
    """Inserts the row unless a unique key says it is already there: True only for the caller
    that inserted it. How "exactly once" is decided everywhere in the bot.

    One statement (`INSERT … ON CONFLICT DO NOTHING`, the same on SQLite and PostgreSQL), so the
    transaction stays intact either way and no savepoint is needed."""
    # Imported here: each dialect's module only where it runs (PostgreSQL's costs a start).
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect
    else:
        from sqlalchemy.dialects import sqlite as dialect  # type: ignore[no-redef]
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing()
    result = await conn.execute(statement)
    return bool(result.rowcount == 1)


async def insert_many_if_absent(
    conn: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> int:
    """`insert_if_absent` for many rows in one statement (a publication's thousand
    follow-ups in a few milliseconds, not a round trip each). Returns how many were new
    (the rows given, where the driver does not count)."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql as dialect
    else:
        from sqlalchemy.dialects import sqlite as dialect  # type: ignore[no-redef]
    result = await conn.execute(dialect.insert(table).on_conflict_do_nothing(), list(rows))
    return (
        int(result.rowcount) if result.rowcount is not None and result.rowcount >= 0 else len(rows)
    )


def alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head


def _upgrade_on(connection: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _serialise_sqlite_writes(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives the
        # process crashing or being killed (what "nothing lost" asks); only a power cut can
        # lose the last moments, the file staying consistent. PostgreSQL is the production
        # choice where that matters.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
