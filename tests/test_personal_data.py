"""A member's own data (Law 25): `mes données` in personal chat, and the secretariat's
`members export-data` answering a formal request. Everything held about the person, nothing
about anyone else, and the request in the audit chain."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.features.consultation.rules import ProposalKind
from bot.features.declarations.rules import Interest, InterestKind
from bot.storage import tables
from bot.storage.database import Database
from bot.storage.repositories import MemberRepository
from tests.conftest import MEMBER, ROSTER, SECRETARIAT, Cli, RunningBot
from tests.support import activities
from tests.support.connector import TeamsUser
from tests.test_confidentiality import _open_chat, _say, _who

OTHER_EMAIL = "nadia.belkacem@mcn.example.org"
MINE = "Administratrice bénévole — marqueur-amelie-7f3"
THEIRS = "Conseil de Nadia — secret-nadia-91c"


async def _plant(database: Database, bot: RunningBot | None = None) -> None:
    """Amélie and Nadia each declare an interest and propose something, with words of their
    own that only their own export may hold."""
    from bot.services.build import build_services
    from bot.settings import load_settings

    services = bot.components.services if bot else build_services(load_settings(), database)
    async with database.read() as conn:
        amelie = await MemberRepository().by_email(conn, MEMBER.email)
        nadia = await MemberRepository().by_email(conn, OTHER_EMAIL)
    assert amelie and nadia
    for who, words in ((amelie, MINE), (nadia, THEIRS)):
        interest = Interest(InterestKind.BOARD, "Coalition", words)
        await services.declarations.declare(who, [interest], False, "fr-CA")
        await services.consultation.propose(who, ProposalKind.AREA, "Idée", words, words)


def _accept(bot: RunningBot, user: TeamsUser, offer: dict[str, Any], name: str) -> dict[str, Any]:
    return activities.file_consent_accepted(
        bot.connector.service_url,
        offer["content"]["acceptContext"],
        {
            "name": offer["name"],
            "uploadUrl": f"{bot.connector.base_url}/upload/{name}",
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/x/{name}",
            "uniqueId": name,
            "fileType": name.rsplit(".", 1)[-1],
        },
        **_who(user),
    )


async def test_my_data_sends_everything_about_me_and_nothing_about_anyone_else(
    bot: RunningBot,
) -> None:
    await _plant(bot.database, bot)
    await _open_chat(bot, MEMBER)
    bot.connector.clear()
    await _say(bot, MEMBER, "mes données")
    said = [r["text"] for r in bot.connector.replies() if r.get("text")]
    assert any("tout ce que le robot conserve à votre sujet" in s for s in said)
    offers = [a for r in bot.connector.replies() for a in r.get("attachments", [])]
    assert [o["name"] for o in offers] == ["mes-donnees.html", "mes-donnees.json"]
    for offer, name in zip(offers, ("page.html", "data.json"), strict=True):
        assert (await bot.post(_accept(bot, MEMBER, offer, name))).status == 200
    page = bot.connector.uploads["page.html"].decode()
    data = json.loads(bot.connector.uploads["data.json"])
    assert MINE in page and MINE in json.dumps(data, ensure_ascii=False)
    assert "Vos déclarations d’intérêts (toutes les versions)" in page
    for other in (THEIRS, OTHER_EMAIL, "Nadia"):
        assert other not in page and other not in json.dumps(data, ensure_ascii=False), other
    assert data["member"] == MEMBER.email
    [entry] = data["registry"]
    assert entry["email"] == MEMBER.email
    assert [d["version"] for d in data["general_declarations"]] == [1]
    assert [p["description"] for p in data["consultation_proposals"]] == [MINE]
    async with bot.database.read() as conn:
        audited = (
            await conn.execute(
                select(tables.audit_log.c.actor, tables.audit_log.c.object_id).where(
                    tables.audit_log.c.action == "member.data_exported"
                )
            )
        ).all()
    assert [actor for actor, _ in audited] == [MEMBER.email]


async def test_my_data_is_never_sent_in_a_channel(bot: RunningBot) -> None:
    bot.connector.clear()
    await _say(bot, MEMBER, "mes données", conversation_id="19:team@thread", conversation_type="channel")  # fmt: skip
    assert not [a for r in bot.connector.replies() for a in r.get("attachments", [])]


def test_the_secretariat_answers_a_formal_request_from_the_command_line(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0

    async def plant() -> None:
        database = Database(database_url)
        try:
            await _plant(database)
        finally:
            await database.dispose()

    asyncio.run(plant())
    out = tmp_path / "amelie.html"
    code, printed, err = cli("members", "export-data", MEMBER.email, "--out", str(out), "--by", SECRETARIAT.email)  # fmt: skip
    assert code == 0, err
    assert str(out) in printed and str(tmp_path / "amelie.json") in printed
    page = out.read_text(encoding="utf-8")
    data = json.loads((tmp_path / "amelie.json").read_text(encoding="utf-8"))
    assert MINE in page and THEIRS not in page
    assert THEIRS not in json.dumps(data, ensure_ascii=False)
    assert "<script" not in page
    code, _, err = cli("members", "export-data", MEMBER.email, "--out", str(out), "--by", MEMBER.email)  # fmt: skip
    assert code == 1 and "n’est pas un membre du secrétariat en fonction" in err
    code, _, err = cli("members", "export-data", "personne@example.org", "--out", str(out), "--by", SECRETARIAT.email)  # fmt: skip
    assert code == 1 and "n’est pas dans le registre" in err
