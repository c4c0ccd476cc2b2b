"""Shared fixtures: real databases (SQLite file, PostgreSQL server), the loopback connector,
and the bot served over real HTTP on loopback."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from bot.app import COMPONENTS, Components, build_app
from bot.serving import GuardedAppRunner
from bot.settings import Settings, load_settings
from bot.storage.database import Database
from tests.support.connector import LoopbackConnector, TeamsUser
from tests.support.graph import LoopbackGraph
from tests.support.postgres import free_port, postgres_server

APP_ID = "6c4a3f5e-8b1d-4e2a-9f70-1d2c3b4a5e6f"
APP_PASSWORD = "loopback-secret"
TENANT_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
ROOT = Path(__file__).resolve().parent.parent

# The committee used by most tests (the same people as playground/roster.csv).
SECRETARIAT = TeamsUser(
    "29:camille",
    "00000000-0000-0000-0000-0000000000a0",
    "Camille Tremblay",
    "camille.tremblay@sct.example.org",
)
MEMBER = TeamsUser(
    "29:amelie",
    "00000000-0000-0000-0000-0000000000a2",
    "Amélie Côté",
    "amelie.cote@transparence.example.org",
)
OUTSIDER = TeamsUser(
    "29:olivier", "00000000-0000-0000-0000-0000000000a5", "Olivier Roy", "olivier.roy@example.org"
)
ROSTER = ROOT / "playground" / "roster.csv"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings come only from what a test sets: no developer `.env`, no stray variables."""
    for name in list(os.environ):
        if name.startswith(
            (
                "Microsoft",
                "BOT_",
                "DATABASE_URL",
                "CONFIDENTIALITY_",
                "GRAPH_",
                "COMMITTEE_",
                "DOCUMENTS_",
            )
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres_base_url() -> Iterator[str | None]:
    with postgres_server() as url:
        if url is None and os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but no PostgreSQL server could be started")
        yield url


async def _new_postgres_database(base_url: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(
        base_url.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{base_url}/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_base_url: str | None
) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'committee.db'}"
    if postgres_base_url is None:
        pytest.skip("PostgreSQL is not installed here (CI sets REQUIRE_POSTGRES=1)")
    return await _new_postgres_database(postgres_base_url)


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'committee.db'}"


@pytest.fixture
async def postgres_url(postgres_base_url: str | None) -> str:
    if postgres_base_url is None:
        pytest.skip("PostgreSQL is not installed here (CI sets REQUIRE_POSTGRES=1)")
    return await _new_postgres_database(postgres_base_url)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.upgrade()
    yield db
    await db.dispose()


@pytest.fixture
async def connector() -> AsyncIterator[LoopbackConnector]:
    loopback = LoopbackConnector(APP_ID, APP_PASSWORD)
    for user in (SECRETARIAT, MEMBER, OUTSIDER):
        loopback.users[user.id] = user
    await loopback.start()
    yield loopback
    await loopback.stop()


@pytest.fixture
async def graph() -> AsyncIterator[LoopbackGraph]:
    """A loopback Microsoft Graph that knows the bot's app id and secret."""
    loopback = LoopbackGraph(APP_ID, APP_PASSWORD)
    await loopback.start()
    yield loopback
    await loopback.stop()


def signed_settings(connector: LoopbackConnector, database_url: str, **extra: Any) -> Settings:
    return load_settings(
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword=APP_PASSWORD,
        MicrosoftAppTenantId=TENANT_ID,
        DATABASE_URL=database_url,
        BOT_OPENID_METADATA_URL=connector.metadata_url,
        BOT_LOGIN_URL=connector.token_url,
        **extra,
    )


class MovableClock:
    """The committee's clock in tests: real time, until a test moves it forward."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RunningBot:
    """The bot on a real loopback port, and a way to post activities to it."""

    url: str
    app: web.Application
    connector: LoopbackConnector
    session: aiohttp.ClientSession
    clock: MovableClock

    async def post(
        self, activity: dict[str, Any], *, token: str | bool | None = True, **kwargs: Any
    ) -> aiohttp.ClientResponse:
        headers = dict(kwargs.pop("headers", {}))
        if token is True:
            headers["Authorization"] = f"Bearer {self.connector.sign(activity)}"
        elif isinstance(token, str):
            headers["Authorization"] = token
        response = await self.session.post(
            self.url + "/api/messages", json=activity, headers=headers, **kwargs
        )
        await response.read()
        return response

    @property
    def database(self) -> Database:
        return self.app[COMPONENTS].database

    @property
    def components(self) -> Components:
        return self.app[COMPONENTS]


@asynccontextmanager
async def serve(
    settings: Settings, connector: LoopbackConnector, clock: MovableClock | None = None
) -> AsyncIterator[RunningBot]:
    clock = clock or MovableClock()
    app = build_app(settings, clock)
    runner = GuardedAppRunner(app, headers_within=settings.header_timeout_seconds, access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    async with aiohttp.ClientSession() as session:
        try:
            yield RunningBot(f"http://127.0.0.1:{port}", app, connector, session, clock)
        finally:
            await runner.cleanup()


async def import_roster(database_url: str, path: Path = ROSTER) -> None:
    from bot.services.members import MemberDirectory
    from bot.storage.repositories import AuditLog, MemberRepository

    db = Database(database_url)
    await db.upgrade()
    outcome = await MemberDirectory(db, MemberRepository(), AuditLog()).import_roster(path, "tests")
    await db.dispose()
    assert outcome.problems == []


@pytest.fixture
async def bot(connector: LoopbackConnector, database_url: str) -> AsyncIterator[RunningBot]:
    """The signed bot, on SQLite and on PostgreSQL, with the demo committee registered."""
    await import_roster(database_url)
    async with serve(signed_settings(connector, database_url), connector) as running:
        yield running


# Runs `python -m bot ARGS…` in this process: (exit code, standard output, standard error).
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, database_url: str, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """The command line on the test's database (SQLite and PostgreSQL)."""
    from bot.__main__ import main

    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
