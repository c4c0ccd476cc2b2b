"""Mandates: kept as a history from the registry, reminded 90, 30 and 7 days before the end
to the member and the secretariat, decided from a card, ended on their date; both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.features.mandates import tables as mandates_tables
from bot.features.mandates.rules import MandateStatus
from bot.storage import tables
from tests.conftest import MEMBER, ROSTER, SECRETARIAT, Cli, RunningBot, import_roster
from tests.support.cards import texts
from tests.test_confidentiality import _invoke, _open_chat, _say
from tests.test_declarations import _member

CHAT = f"personal-{MEMBER.id}"
CLERK_CHAT = f"personal-{SECRETARIAT.id}"
# The demo roster's mandates end on 31 August 2027; 90 days before is 2 June, 9:00 in Montréal.
NINETY_DAYS_BEFORE = datetime(2027, 6, 2, 13, 5, tzinfo=UTC)


async def _mandates(bot: RunningBot) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        rows = await conn.execute(
            select(mandates_tables.mandates).order_by(
                mandates_tables.mandates.c.member_id, mandates_tables.mandates.c.number
            )
        )
        return [dict(r) for r in rows.mappings()]


def _roster(folder: Path, old: str, new: str) -> Path:
    path = folder / f"roster-{new.replace(',', '_')[-21:]}.csv"
    path.write_text(ROSTER.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return path


async def test_the_registry_becomes_a_history_and_a_reimport_loses_nothing(
    bot: RunningBot, database_url: str, tmp_path: Path
) -> None:
    first = await _mandates(bot)
    assert len(first) == 5 and {m["number"] for m in first} == {0}
    await import_roster(database_url)  # the same file again
    assert await _mandates(bot) == first
    line = "amelie.cote@transparence.example.org,Amélie Côté,Coalition pour la transparence (exemple),societe_civile,member,oui,,"
    extended = _roster(tmp_path, line + "2025-09-01,2027-08-31", line + "2025-09-01,2027-12-31")
    await import_roster(database_url, extended)
    renewed = _roster(tmp_path, line + "2025-09-01,2027-08-31", line + "2027-09-01,2029-08-31")
    await import_roster(database_url, renewed)
    amelie = [m for m in await _mandates(bot) if m["member_id"] == (await _member(bot, MEMBER)).id]
    assert [(m["number"], m["ends_on"], m["status"]) for m in amelie] == [
        (0, date(2027, 12, 31), "renewed"),
        (1, date(2029, 8, 31), "current"),
    ], "extended, then followed by the next one; the first kept"


async def test_reminders_the_members_answer_and_a_renewal(bot: RunningBot) -> None:
    service = bot.components.services.mandates
    for user in (MEMBER, SECRETARIAT):
        await _open_chat(bot, user)
    bot.connector.clear()
    bot.clock.now = NINETY_DAYS_BEFORE
    assert await service.plan() > 0
    assert await service.plan() == 0, "planned once"
    await bot.components.dispatcher.dispatch_due()
    [question] = [c for c in bot.connector.cards(CHAT) if "mandat" in texts(c)[0]]
    assert texts(question)[0] == "Votre mandat se termine dans 90\u00a0jours"
    assert "Souhaitez-vous poursuivre votre mandat\u00a0?" in texts(question)
    assert [a["title"] for a in question["actions"]] == ["Oui", "Non", "Je ne sais pas encore"]
    yes = question["actions"][0]
    assert "Rien n’a été enregistré" in " ".join(
        texts(await _invoke(bot, SECRETARIAT, yes["verb"], yes["data"]))
    ), "only the member answers for their mandate"
    answered = await _invoke(bot, MEMBER, yes["verb"], yes["data"])
    assert "Votre réponse\u00a0: Oui" in texts(answered)
    # « Non » pressed on the 90-day card after she answered « Oui » on the card she got back
    # (or a later one): nothing recorded, the answer in force shown.
    no = question["actions"][1]
    unsure = next(a for a in answered["actions"] if a["title"] == "Je ne sais pas encore")
    changed = await _invoke(bot, MEMBER, unsure["verb"], unsure["data"])
    assert "Votre réponse\u00a0: Je ne sais pas encore" in texts(changed)
    stale = await _invoke(bot, MEMBER, no["verb"], no["data"])
    assert "Cette carte n’était plus à jour" in " ".join(texts(stale))
    assert "Votre réponse\u00a0: Je ne sais pas encore" in texts(stale)
    yes_again = next(a for a in stale["actions"] if a["title"] == "Oui")
    answered = await _invoke(bot, MEMBER, yes_again["verb"], yes_again["data"])
    assert "Votre réponse\u00a0: Oui" in texts(answered), "the current card is taken"

    bot.clock.now = NINETY_DAYS_BEFORE + timedelta(days=60)
    await service.plan()
    await bot.components.dispatcher.dispatch_due()
    clerk = [
        c for c in bot.connector.cards(CLERK_CHAT)
        if texts(c)[0] == "Mandat de Amélie Côté\u00a0: fin dans 30\u00a0jours"
    ]  # fmt: skip
    assert len(clerk) == 1
    assert {"title": "Réponse du membre", "value": "Oui"} in clerk[0]["body"][1]["facts"]
    renew = next(a for a in clerk[0]["actions"] if a["title"] == "Renouveler")
    done = await _invoke(bot, SECRETARIAT, renew["verb"], renew["data"])
    assert "Mandat de Amélie Côté renouvelé" in texts(done)[1]
    assert any("sous le minimum de 6" in t for t in texts(done)), "the composition is said"
    again = await _invoke(bot, SECRETARIAT, renew["verb"], renew["data"])
    assert "Une décision a déjà été prise pour ce mandat." in " ".join(texts(again))
    amelie = await _member(bot, MEMBER)
    assert (amelie.mandate_starts_on, amelie.mandate_ends_on) == (
        date(2027, 9, 1),
        date(2029, 8, 31),
    ), "the member's row shows the mandate in force"
    # The 7-day reminders find the question settled.
    before = len(bot.connector.cards(CHAT))
    bot.clock.now = datetime(2027, 8, 24, 14, tzinfo=UTC)
    await service.plan()
    await bot.components.dispatcher.dispatch_due()
    assert [c for c in bot.connector.cards(CHAT)[before:] if "mandat" in texts(c)[0]] == []


async def _outbox_rows(bot: RunningBot) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from bot.storage import tables

    async with bot.database.read() as conn:
        return [dict(r) for r in (await conn.execute(select(tables.outbox))).mappings()]


async def test_a_replacement_is_registered_and_an_undecided_end_is_told(
    bot: RunningBot, database_url: str, tmp_path: Path
) -> None:
    service = bot.components.services.mandates
    await _open_chat(bot, SECRETARIAT)
    bot.clock.now = NINETY_DAYS_BEFORE
    rows = await service.rows()
    amelie = next(r for r in rows if r.member.email == MEMBER.email)
    form = await _invoke(bot, SECRETARIAT, "mandates.replace_form", {"mandate": amelie.mandate.id})
    assert texts(form)[0] == "Remplacer Amélie Côté"
    bad = {"mandate": amelie.mandate.id, "name": "Léa Roy", "email": "pas une adresse"}
    refused = await _invoke(bot, SECRETARIAT, "mandates.replace", bad)
    assert "Indiquez le nom et un courriel valide" in " ".join(texts(refused))
    kept = {e["id"]: e.get("value") for e in refused["body"] if e["type"] == "Input.Text"}
    assert kept["name"] == "Léa Roy"
    good = {**bad, "email": "Lea.Roy@Transparence.example.org"}
    done = await _invoke(bot, SECRETARIAT, "mandates.replace", good)
    assert "sera remplacé·e par Léa Roy" in texts(done)[1]
    async with bot.database.read() as conn:
        from bot.storage.repositories import MemberRepository

        lea = await MemberRepository().by_email(conn, "lea.roy@transparence.example.org")
    assert lea is not None and lea.mandate_starts_on == date(2027, 9, 1)
    assert lea.organisation == "Coalition pour la transparence (exemple)"

    # Léa has never talked to the bot: her welcome waits, then goes when she opens the app.
    await bot.components.dispatcher.dispatch_due()
    waiting = [r for r in await _outbox_rows(bot) if r["kind"] == "mandates.welcome"]
    assert [(r["member_id"], r["sent_at"]) for r in waiting] == [(lea.id, None)]
    from tests.support.connector import TeamsUser

    lea_in_teams = TeamsUser(
        "29:lea",
        "00000000-0000-0000-0000-0000000000b7",
        "Léa Roy",
        "lea.roy@transparence.example.org",
    )
    bot.connector.users[lea_in_teams.id] = lea_in_teams
    await _open_chat(bot, lea_in_teams)
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    welcomed = [
        texts(c) for c in bot.connector.cards(f"personal-{lea_in_teams.id}")
        if texts(c)[0] == "Bienvenue au Comité en gouvernement ouvert"
    ]  # fmt: skip
    assert len(welcomed) == 1, "once, as soon as she could be reached"
    assert "représentant·e de Coalition pour la transparence (exemple)" in welcomed[0][1]
    assert "du 1er sept. 2027 au 31 août 2029" in welcomed[0][1]

    # Jean-François's mandate ends on 31 March with no decision: ended on its date, the
    # secretariat (still serving) told that day.
    line = "jf.bouchard@donneesouvertes.example.org,Jean-François Bouchard,Collectif données ouvertes (exemple),societe_civile,member,oui,,"
    earlier = _roster(tmp_path, line + "2025-09-01,2027-08-31", line + "2025-09-01,2027-03-31")
    await import_roster(database_url, earlier)
    bot.clock.now = datetime(2027, 4, 1, 13, tzinfo=UTC)
    await service.plan()
    await service.plan()
    await bot.components.dispatcher.dispatch_due()
    ended = [
        t for t in map(texts, bot.connector.cards(CLERK_CHAT)) if t[0] == "Un mandat a pris fin"
    ]
    assert any("Jean-François Bouchard" in t[1] for t in ended)
    assert len([t for t in ended if "Jean-François" in t[1]]) == 1, "told once"
    statuses = {m["member_id"]: m["status"] for m in await _mandates(bot) if m["number"] == 0}
    assert statuses[amelie.member.id] == MandateStatus.REPLACED.value


async def test_a_renewal_beyond_the_maximum_is_refused_with_the_reason(bot: RunningBot) -> None:
    from bot.features.mandates.rules import Decision
    from bot.features.mandates.service import MandatesService
    from bot.features.mandates.store import MandateRepository
    from bot.storage.outbox import Outbox
    from bot.storage.repositories import AuditLog, MemberRepository

    strict = MandatesService(
        bot.database, MandateRepository(), MemberRepository(), AuditLog(), Outbox(),
        bot.components.settings.zone, bot.clock, max_renewals=1,
    )  # fmt: skip
    camille = await _member(bot, SECRETARIAT)
    row = next(r for r in await strict.rows() if r.member.email == MEMBER.email)
    first = await strict.decide(row.mandate.id, Decision.RENEW, camille)
    assert first.refusal is None
    second_row = next(
        r for r in await strict.rows()
        if r.member.email == MEMBER.email and r.mandate.status is MandateStatus.CURRENT
    )  # fmt: skip
    second = await strict.decide(second_row.mandate.id, Decision.RENEW, camille)
    assert second.refusal == "mandates.refused.max_renewals"


async def test_reminders_keep_the_morning_hour_across_the_november_clock_change(
    bot: RunningBot, database_url: str, tmp_path: Path
) -> None:
    line = "nadia.belkacem@mcn.example.org,Nadia Belkacem,Ministère de la Cybersécurité et du Numérique (exemple),ministere_organisme_public,member,oui,,"
    roster = _roster(tmp_path, line + "2025-09-01,2027-08-31", line + "2025-09-01,2026-11-10")
    await import_roster(database_url, roster)
    bot.clock.now = datetime(2026, 10, 1, 12, tzinfo=UTC)
    await bot.components.services.mandates.plan()
    async with bot.database.read() as conn:
        rows = await conn.execute(
            select(tables.outbox.c.dedupe_key, tables.outbox.c.due_at).where(
                tables.outbox.c.kind == "mandates.member_reminder"
            )
        )
        due = {row.dedupe_key.split(":")[2]: row.due_at for row in rows}
    assert due["30"].strftime("%Y-%m-%d %H:%M") == "2026-10-11 13:00", "9:00 daylight time"
    assert due["7"].strftime("%Y-%m-%d %H:%M") == "2026-11-03 14:00", "9:00 standard time"


async def test_what_members_and_the_secretariat_see(bot: RunningBot) -> None:
    await _open_chat(bot, MEMBER)
    await _open_chat(bot, SECRETARIAT, locale="en")
    await _say(bot, MEMBER, "mon mandat")
    mine = bot.connector.cards(CHAT)[-1]
    assert texts(mine)[0] == "Mon mandat"
    # Months before the first reminder: the question was not put yet, and the days left.
    facts = {f["title"]: f["value"] for f in mine["body"][1]["facts"]}
    assert facts["Réponse du membre"] == "Question pas encore posée", facts
    assert "jours)" in facts["Fin"], facts
    await _say(bot, SECRETARIAT, "mandates", locale="en-US")
    table = texts(bot.connector.cards(CLERK_CHAT)[-1])
    assert table[0] == "Mandates" and "Member (seat)" in table
    await _say(bot, SECRETARIAT, "composition", locale="en-US")
    composition = texts(bot.connector.cards(CLERK_CHAT)[-1])
    assert composition[0] == "Committee composition"
    assert any(
        line.startswith("Civil society") or "2 seats held (6 to 8)" in line for line in composition
    )
    await _say(bot, MEMBER, "mandats")
    assert "Mandats" not in texts(bot.connector.cards(CHAT)[-1])[:1]


def test_the_mandates_report_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    import csv
    import io

    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    target = tmp_path / "mandats.csv"
    code, out, _ = cli("mandates", "report", "--csv", str(target))
    assert code == 0 and "5\u00a0mandats écrits" in out
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Membre", "Organisation", "Siège", "Début", "Fin"]
    assert {r[4] for r in rows[1:]} == {"2027-08-31"}


async def test_after_seven_days_down_each_due_reminder_goes_once_in_due_order(
    connector: Any, database_url: str
) -> None:
    """Planned, then the bot is down for twelve weeks: at restart every reminder that fell due
    is sent once, the earliest first; none is lost, none is sent twice."""
    from tests.conftest import serve, signed_settings

    await import_roster(database_url)
    settings = signed_settings(connector, database_url)
    start = datetime(2027, 6, 1, 13, tzinfo=UTC)  # 91 days before the end of the mandates
    async with serve(settings, connector) as bot:
        bot.clock.now = start
        for user in (MEMBER, SECRETARIAT):
            await _open_chat(bot, user)
        await bot.components.services.mandates.plan()
        await bot.components.dispatcher.dispatch_due()
    connector.clear()
    async with serve(settings, connector) as bot:
        bot.clock.now = start + timedelta(days=84)  # down from 1 June to 24 August
        await bot.components.services.mandates.plan()
        await bot.components.dispatcher.dispatch_due()
        await bot.components.dispatcher.dispatch_due()
        titles = [texts(c)[0] for c in connector.cards(CHAT) if "mandat" in texts(c)[0].lower()]
        amelie = (await _member(bot, MEMBER)).id
        async with bot.database.read() as conn:
            rows = await conn.execute(
                select(tables.outbox.c.due_at, tables.outbox.c.sent_at).where(
                    tables.outbox.c.kind == "mandates.member_reminder",
                    tables.outbox.c.member_id == amelie,
                )
            )
            sent = [row.sent_at for row in sorted(rows, key=lambda r: r.due_at)]
    assert titles == ["Votre mandat se termine dans 7\u00a0jours"] * 3, (
        "each once, saying the days really left"
    )
    assert None not in sent and sent == sorted(sent), "in the order they fell due"
