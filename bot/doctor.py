"""`python -m bot doctor`: what an administrator runs after configuring the bot, before the
committee uses it. One line per check — ✔ fine, ⚠ works but deserves a look, ✗ broken, with
what to do — and exit 0 only when nothing is ✗. It reads and reports; it changes nothing (it
does not migrate the database, install the app or write a package).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import aiohttp

from bot.graph import probes
from bot.graph.client import GRAPH_SCOPE, GraphClient
from bot.locale import Translator
from bot.oauth import Credential, CredentialKind, TokenError, token_source
from bot.outbound import client_session
from bot.settings import Settings
from bot.storage.committee import CommitteeTeamRepository
from bot.storage.database import SCHEMA_REVISION, Database
from bot.storage.repositories import MemberRepository


class Verdict(StrEnum):
    OK = "✔"
    WARN = "⚠"
    FAIL = "✗"


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    message: str


Check = Callable[[], Awaitable[list[Finding]]]

# How the bot proves who it is, and what to look at when Entra refuses it.
_HOW: dict[CredentialKind, str] = {
    "secret": "doctor.how.secret",
    "certificate": "doctor.how.certificate",
    "managed_identity": "doctor.how.managed_identity",
}
_FIX: dict[CredentialKind, str] = {
    "secret": "doctor.fix.secret",
    "certificate": "doctor.fix.certificate",
    "managed_identity": "doctor.fix.managed_identity",
}


class Doctor:
    def __init__(self, settings: Settings, tr: Translator, package: Path) -> None:
        self._settings = settings
        self._tr = tr
        self._package = package

    def _ok(self, key: str, **values: object) -> Finding:
        return Finding(Verdict.OK, self._tr.t(key, **values))

    def _warn(self, key: str, **values: object) -> Finding:
        return Finding(Verdict.WARN, self._tr.t(key, **values))

    def _fail(self, key: str, **values: object) -> Finding:
        return Finding(Verdict.FAIL, self._tr.t(key, **values))

    async def run(self) -> list[Finding]:
        findings = self._configuration()
        database = Database(self._settings.database_url)
        try:
            findings += await self._database(database)
            async with client_session() as session:
                findings += await self._connector(session)
                findings += await self._graph(session, database)
        finally:
            await database.dispose()
        findings += self._manifest()
        return findings

    # --- the checks ------------------------------------------------------------------------

    def _configuration(self) -> list[Finding]:
        s = self._settings
        if s.local_mode:
            return [self._fail("doctor.local_mode")]
        found = [self._ok("doctor.settings", app_id=s.microsoft_app_id)]
        if not s.committee_organizer:
            found.append(self._warn("doctor.no_organizer"))
        if not s.documents_link_secret.get_secret_value() and s.graph_credential is None:
            found.append(self._warn("doctor.no_link_secret"))
        return found

    async def _database(self, database: Database) -> list[Finding]:
        if not await database.ping():
            return [self._fail("doctor.database_unreachable")]
        revision = await database.current_revision()
        if revision != SCHEMA_REVISION:
            return [self._fail("doctor.database_behind", found=revision, wanted=SCHEMA_REVISION)]
        return [self._ok("doctor.database", revision=revision)]

    async def _connector(self, session: aiohttp.ClientSession) -> list[Finding]:
        s = self._settings
        credential = s.connector_credential
        if credential is None:  # local mode, already reported
            return []
        how = self._how(credential)
        try:
            await token_source(credential, s.oauth_scope, session).get()
        except TokenError as error:
            fix = self._tr.t(_FIX[credential.kind])
            return [self._fail("doctor.connector_token", how=how, error=str(error), fix=fix)]
        return [self._ok("doctor.connector", how=how)]

    def _how(self, credential: Credential) -> str:
        return self._tr.t(
            _HOW[credential.kind],
            path=credential.certificate_path, client_id=credential.client_id,
        )  # fmt: skip

    async def _graph(self, session: aiohttp.ClientSession, database: Database) -> list[Finding]:
        s = self._settings
        credential = s.graph_credential
        if credential is None:
            return [self._warn("doctor.graph_off")]
        how = self._how(credential)
        token = token_source(credential, GRAPH_SCOPE, session)
        try:
            await token.get()
        except TokenError as error:
            fix = self._tr.t(_FIX[credential.kind])
            values = {"client_id": credential.client_id, "how": how, "fix": fix}
            return [self._fail("doctor.graph_token", error=str(error), **values)]
        graph = GraphClient(session, token, s.graph_base_url, attempts=1)
        found = [self._ok("doctor.graph", how=how)]
        async with database.read() as conn:
            team = await CommitteeTeamRepository().get(conn)
            members = await MemberRepository().all(conn)
        if s.committee_organizer:
            found.append(
                self._read(await probes.calendar(graph, s.committee_organizer), "doctor.calendar")
            )
            others = [m.email for m in members if m.email.lower() != s.committee_organizer.lower()]
            if others:
                elsewhere = await probes.calendar(graph, others[0])
                found.append(
                    self._warn("doctor.not_scoped", email=others[0])
                    if elsewhere.allowed
                    else self._ok("doctor.scoped")
                )
        group = s.committee_team_id or (team.group_id if team else None)
        if group:
            found.append(
                self._read(
                    await probes.library(graph, group, s.committee_site_id), "doctor.library"
                )
            )
            if s.committee_site_id:
                # Sites.Selected is narrow only if nothing tenant-wide is granted beside it.
                wide = await probes.library(graph, group)
                found.append(
                    self._warn("doctor.library_not_scoped")
                    if wide.allowed
                    else self._ok("doctor.library_scoped")
                )
        else:
            found.append(self._warn("doctor.no_team"))
        if s.teams_app_catalog_id and s.committee_organizer:
            found.append(
                self._read(
                    await probes.installations(graph, s.committee_organizer), "doctor.installation"
                )
            )
        return found

    def _read(self, probe: probes.Probe, ok_key: str) -> Finding:
        """A harmless read that needs the permission the feature needs."""
        if probe.allowed:
            return self._ok(ok_key, permission=probe.permission)
        if probe.refused:
            return self._fail(
                "doctor.permission_missing", permission=probe.permission, path=probe.path
            )
        return self._fail("doctor.graph_failed", path=probe.path, error=probe.error)

    def _manifest(self) -> list[Finding]:
        try:
            with zipfile.ZipFile(self._package) as archive:
                manifest = json.loads(archive.read("manifest.json"))
        except (OSError, KeyError, zipfile.BadZipFile, ValueError):
            return [self._fail("doctor.no_package", path=self._package)]
        bot_ids = {bot.get("botId") for bot in manifest.get("bots", [])}
        if bot_ids != {self._settings.microsoft_app_id}:
            return [self._fail("doctor.package_other_id", path=self._package)]
        return [self._ok("doctor.package", path=self._package)]
