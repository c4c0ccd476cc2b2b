"""`python -m bot doctor`, as an administrator runs it after configuring: against the loopback
Bot Connector and Graph, with everything right, a refused permission, a wrong secret and a
database behind the code."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.database import Database
from tests.conftest import (
    APP_ID,
    APP_PASSWORD,
    ROSTER,
    SECRETARIAT,
    TENANT_ID,
    Cli,
)
from tests.support.connector import LoopbackConnector
from tests.support.graph import LoopbackGraph
from tests.test_meetings import GROUP


@pytest.fixture
def configured(
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    connector: LoopbackConnector,
    graph: LoopbackGraph,
    tmp_path: Path,
) -> Cli:
    """A production-like configuration, the roster imported and the package written."""
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    for name, value in {
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": APP_PASSWORD,
        "MicrosoftAppTenantId": TENANT_ID,
        "BOT_OPENID_METADATA_URL": connector.metadata_url,
        "BOT_LOGIN_URL": connector.token_url,
        "GRAPH_BASE_URL": graph.api_url,
        "GRAPH_TOKEN_URL": graph.token_url,
        "COMMITTEE_ORGANIZER": SECRETARIAT.email,
        "COMMITTEE_TEAM_ID": GROUP,
        "TEAMS_APP_CATALOG_ID": "a1b2c3d4-0000-4000-8000-000000000001",
        "DOCUMENTS_LINK_SECRET": "a secret the replicas share",
    }.items():
        monkeypatch.setenv(name, value)
    graph.readable_mailboxes = {SECRETARIAT.email}
    assert cli("package", "--out", str(tmp_path / "dist" / "committee-bot.zip"))[0] == 0
    monkeypatch.chdir(tmp_path)
    return cli


async def _doctor(cli: Cli, *args: str) -> tuple[int, str, str]:
    """In a thread: the loopback Teams and Graph answer on this test's event loop."""
    return await asyncio.to_thread(cli, "doctor", *args)


async def test_everything_right_is_all_ticks_and_exit_0(configured: Cli) -> None:
    code, out, _ = await _doctor(configured)
    assert code == 0, out
    lines = out.splitlines()
    assert all(line.startswith("✔") for line in lines[:-1]), out
    assert "Calendrier de l’organisateur lisible (Calendars.ReadWrite)." in out
    assert "La permission de calendrier est restreinte à la boîte de l’organisateur." in out
    assert "Bibliothèque de l’équipe du comité lisible" in out
    assert lines[-1] == "Tout est en ordre."
    code, out, _ = await _doctor(configured, "--lang", "en")
    assert code == 0 and out.splitlines()[-1] == "All is well."


async def test_a_refused_permission_is_named_and_fails(
    configured: Cli, graph: LoopbackGraph
) -> None:
    graph.fail_next(403, code="ErrorAccessDenied")  # the first probe: the calendar
    code, out, _ = await _doctor(configured)
    assert code == 1
    assert "✗ Permission refusée\u00a0: accordez la permission d’application Calendars.Read" in out
    assert out.splitlines()[-1].startswith("1\u00a0vérification a échoué")


async def test_a_calendar_permission_for_every_mailbox_is_a_warning(
    configured: Cli, graph: LoopbackGraph
) -> None:
    graph.readable_mailboxes = None
    code, out, _ = await _doctor(configured)
    assert code == 0
    assert "⚠ L’application peut lire le calendrier de" in out
    assert "Exchange RBAC for Applications" in out


async def test_a_wrong_secret_fails_the_bot_connector_check(
    configured: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MicrosoftAppPassword", "not the secret")
    monkeypatch.setenv("GRAPH_CLIENT_SECRET", APP_PASSWORD)
    code, out, _ = await _doctor(configured)
    assert code == 1
    assert "✗ Aucun jeton du Bot Connector" in out


async def test_a_database_behind_the_code_is_reported_not_migrated(
    configured: Cli, database_url: str
) -> None:
    async def set_revision(revision: str) -> str | None:
        database = Database(database_url)
        try:
            async with database.transaction() as conn:
                await conn.execute(
                    text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
                )
            return await database.current_revision()
        finally:
            await database.dispose()

    await set_revision("0012")
    code, out, _ = await _doctor(configured)
    assert code == 1
    assert "✗ La base de données est à la version 0012, le code attend 0016" in out
    assert await set_revision("0012") == "0012", "doctor migrates nothing"


def test_local_mode_is_not_an_installation(cli: Cli) -> None:
    code, out, _ = cli("doctor")
    assert code == 1 and out.startswith("✗ MicrosoftAppId n’est pas défini")


async def test_sites_selected_is_probed_and_a_tenant_wide_grant_beside_it_is_a_warning(
    configured: Cli, graph: LoopbackGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_documents import SITE

    monkeypatch.setenv("COMMITTEE_SITE_ID", SITE)
    graph.granted_site = SITE
    code, out, _ = await _doctor(configured)
    assert code == 0, out
    assert "✔ Bibliothèque de l’équipe du comité lisible (Sites.Selected)." in out
    assert "✔ L’accès aux fichiers est restreint au site du comité (Sites.Selected)." in out
    graph.granted_site = None  # Files.ReadWrite.All still granted too
    code, out, _ = await _doctor(configured)
    assert code == 0
    assert "⚠ L’application atteint aussi la bibliothèque par le groupe de l’équipe" in out
