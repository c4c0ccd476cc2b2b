"""Action items, on both databases and the signed connector: recorded by the secretariat,
told to their owner, reminded a week before and on the due date, answered from the card by
the owner alone (an older card never undoes a newer answer), listed once to the secretariat
when late, summed up in the channel before the next meeting; and the command line."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.features.actions import tables as actions_tables
from bot.storage import tables
from tests.conftest import MEMBER, OUTSIDER, ROSTER, SECRETARIAT, Cli, RunningBot
from tests.support import activities
from tests.support.cards import below, texts
from tests.test_confidentiality import _invoke, _who
from tests.test_meetings import TEAM, _committee, _schedule_now, _soon

ZONE = ZoneInfo("America/Toronto")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE)


async def _tick(bot: RunningBot) -> None:
    await bot.components.services.actions.plan()
    await bot.components.dispatcher.dispatch_due()
    await bot.components.dispatcher.drain()


async def _items(bot: RunningBot) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        query = select(actions_tables.action_items).order_by(actions_tables.action_items.c.id)
        return [dict(r) for r in (await conn.execute(query)).mappings()]


async def test_an_action_item_is_followed_from_its_meeting_to_the_next(bot: RunningBot) -> None:
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot, 20))
    await bot.components.dispatcher.dispatch_due()  # the meeting's own cards
    bot.connector.clear()
    await bot.post(activities.message(bot.connector.service_url, "suivi", **_who(SECRETARIAT)))
    [empty] = bot.connector.cards(f"personal-{SECRETARIAT.id}")
    assert texts(empty)[:2] == ["Actions de suivi ouvertes", "Aucune action de suivi ouverte."]
    form = await _invoke(bot, SECRETARIAT, empty["actions"][0]["verb"])
    assert texts(form)[0] == "Nouvelle action de suivi"

    due = bot.clock.now.astimezone(ZONE).date() + timedelta(days=10)
    typed = {"what": " ", "owner": MEMBER.email, "due": "2020-01-01", "meeting": str(meeting.id)}
    refused = await _invoke(bot, SECRETARIAT, "actions.add", typed)
    assert below(refused)["what"] == "Dites ce qui est à faire."
    assert below(refused)["due"] == "L’échéance est déjà passée.", "each error beside its field"
    assert await _items(bot) == [], "nothing half-written"
    typed = {**typed, "what": "Transmettre la liste des jeux de données", "due": due.isoformat()}
    added = await _invoke(bot, SECRETARIAT, "actions.add", typed)
    assert texts(added)[0] == "Action enregistrée"
    assert "Amélie Côté en est avisé·e dans sa conversation avec le robot." in texts(added)
    await bot.components.dispatcher.dispatch_due()
    [assigned] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(assigned)[0] == "Une action vous est confiée"
    assert any(
        t.startswith("De la réunion «\u00a0Réunion régulière\u00a0» du ") for t in texts(assigned)
    )
    first_button = assigned["actions"][0]
    assert first_button["title"] == "Enregistrer"

    # Only its owner answers: the secretariat's or a stranger's press changes nothing.
    for other in (SECRETARIAT, OUTSIDER):
        pressed = await _invoke(
            bot, other, first_button["verb"], {**first_button["data"], "status": "termine"}
        )
        assert "Cette action n’est pas la vôtre" in " ".join(texts(pressed)) or texts(pressed)[
            0
        ] == ("Accès réservé aux membres du comité")
    assert [i["status"] for i in await _items(bot)] == ["a_faire"]

    # A week before: the owner is reminded, and answers from the reminder.
    bot.clock.now = _at(due - timedelta(days=7))
    await _tick(bot)
    reminder = bot.connector.cards(f"personal-{MEMBER.id}")[-1]
    assert texts(reminder)[0] == "Rappel\u00a0: une action arrive à échéance"
    assert "L’échéance est dans 7\u00a0jours." in texts(reminder)
    button = reminder["actions"][0]
    blocked = await _invoke(
        bot, MEMBER, button["verb"], {**button["data"], "status": "bloque", "note": ""}
    )
    assert below(blocked)["note"].startswith("Dites ce qui bloque"), "a blocked item says why"
    saved = await _invoke(
        bot,
        MEMBER,
        button["verb"],
        {**button["data"], "status": "en_cours", "note": "Liste à moitié faite"},
    )
    assert "Enregistré. Le secrétariat le voit dans son suivi." in texts(saved)
    # The first card, pressed after that answer: nothing is recorded, the answer in force shown.
    stale = await _invoke(
        bot, MEMBER, first_button["verb"], {**first_button["data"], "status": "termine"}
    )
    assert "Cette carte n’était plus à jour" in " ".join(texts(stale))
    assert [(i["status"], i["version"]) for i in await _items(bot)] == [("en_cours", 2)]

    # On the due date, the second reminder; the day after, the secretariat is told, once.
    bot.clock.now = _at(due)
    await _tick(bot)
    assert "C’est aujourd’hui." in texts(bot.connector.cards(f"personal-{MEMBER.id}")[-1])
    told = len(bot.connector.cards(f"personal-{SECRETARIAT.id}"))
    bot.clock.now = _at(due + timedelta(days=1))
    await _tick(bot)
    [late] = bot.connector.cards(f"personal-{SECRETARIAT.id}")[told:]
    assert texts(late)[0] == "Une action est en retard"
    bot.clock.now = _at(due + timedelta(days=2))
    await _tick(bot)
    assert len(bot.connector.cards(f"personal-{SECRETARIAT.id}")) == told + 1, "listed once"

    # The secretariat's view: late first, by meeting; the member's own list.
    view = await _invoke(bot, SECRETARIAT, "actions.list")
    assert "1\u00a0action ouverte, dont 1 en retard." in texts(view)
    mine = await _invoke(bot, MEMBER, "actions.list")
    assert texts(mine)[0] == "Mes actions de suivi"

    # Two days before the meeting, the channel hears where the items stand, once.
    bot.clock.now = meeting.starts_at - timedelta(days=1)
    before = len(bot.connector.cards(TEAM))
    await _tick(bot)
    await _tick(bot)
    [digest] = bot.connector.cards(TEAM)[before:]
    shown = " ".join(texts(digest))
    assert "Suivi des actions" in shown and "1\u00a0action en retard" in shown
    assert "1 item late" in shown, "French first, then English, in the channel"

    # Done: no more reminders, the card is read-only.
    current = saved["actions"][0]
    done = await _invoke(
        bot, MEMBER, current["verb"], {**current["data"], "status": "termine", "note": ""}
    )
    assert all(a["verb"] != "actions.update" for a in done.get("actions", []))
    async with bot.database.read() as conn:
        audit = (await conn.execute(select(tables.audit_log.c.action))).scalars().all()
    assert audit.count("action.updated") == 2 and "action.added" in audit


def test_the_command_line_records_lists_and_exports_action_items(cli: Cli, tmp_path: Path) -> None:
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    due = (date.today() + timedelta(days=30)).isoformat()
    add = ("actions", "add", "--what", "Relire le plan", "--due", due)
    code, _, err = cli(*add, "--owner", MEMBER.email, "--by", MEMBER.email)
    assert code != 0, "only the secretariat records an item"
    code, _, err = cli(*add, "--owner", "personne@example.org", "--by", SECRETARIAT.email)
    assert (
        code == 1 and "--owner\u00a0: Le ou la responsable doit être un membre en fonction" in err
    )
    code, out, _ = cli(*add, "--owner", MEMBER.email, "--by", SECRETARIAT.email)
    assert code == 0
    assert out.strip() == (
        f"Action 1 enregistrée (échéance {due})\u00a0; Amélie Côté n’a pas encore ouvert la "
        "conversation avec le robot\u00a0: elle l’attendra."
    )
    code, out, _ = cli("actions", "list")
    assert f"1\u00a0: Relire le plan — Amélie Côté, échéance {due} — ○ À faire" in out
    target = tmp_path / "actions.csv"
    code, out, _ = cli("actions", "export", "--csv", str(target), "--by", SECRETARIAT.email)
    assert code == 0 and "1\u00a0action écrite" in out
    rows = target.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "Numéro;Action;Responsable;Organisation;Échéance;État;Note;Réunion"
    assert rows[1].startswith("1;Relire le plan;Amélie Côté;")


async def test_an_action_item_carries_out_a_decision_of_its_meeting(bot: RunningBot) -> None:
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    bot.clock.now = meeting.starts_at + timedelta(hours=3)
    decisions = "Publier l’inventaire — demande du comité\nReporter le point 3 — attendre l’avis"
    await _invoke(bot, SECRETARIAT, "meetings.minutes", {"meeting": meeting.id, "decisions": decisions})  # fmt: skip
    await bot.components.dispatcher.dispatch_due()
    bot.connector.clear()
    form = await _invoke(bot, SECRETARIAT, "actions.add_form")
    origin = next(e for e in form["body"] if e.get("id") == "meeting")
    assert (f"{meeting.id}:2", "↳ Décision 2\u00a0: Reporter le point 3") in [
        (c["value"], c["title"]) for c in origin["choices"]
    ], "each decision under its meeting"
    due = (bot.clock.now + timedelta(days=14)).astimezone(ZONE).date().isoformat()
    typed = {"what": "Publier l’inventaire", "owner": MEMBER.email, "due": due}
    wrong = await _invoke(bot, SECRETARIAT, "actions.add", {**typed, "meeting": f"{meeting.id}:7"})
    assert below(wrong)["meeting"] == "Cette réunion n’a pas de décision portant ce numéro."
    for forged in (f"{2**63}:1", "abc", f"{meeting.id}x"):
        refused = await _invoke(bot, SECRETARIAT, "actions.add", {**typed, "meeting": forged})
        assert below(refused)["meeting"] == "Cette réunion n’existe pas ou a été annulée.", forged
    assert await _items(bot) == [], "a forged choice records nothing"
    await _invoke(bot, SECRETARIAT, "actions.add", {**typed, "meeting": f"{meeting.id}:1"})
    await bot.components.dispatcher.dispatch_due()
    [assigned] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert any(
        t.startswith("De la décision 1 («\u00a0Publier l’inventaire\u00a0») de la réunion")
        for t in texts(assigned)
    )
    assert [(i["meeting_id"], i["decision"]) for i in await _items(bot)] == [(meeting.id, 1)]


async def test_an_organisation_outside_the_registry_owns_an_item_the_secretariat_follows(
    bot: RunningBot,
) -> None:
    await _committee(bot)
    due = (bot.clock.now + timedelta(days=10)).astimezone(ZONE).date()
    typed = {"what": "Fournir les données de 2025", "owner": "", "due": due.isoformat()}
    nobody = await _invoke(bot, SECRETARIAT, "actions.add", typed)
    assert below(nobody)["owner"].startswith("Choisissez le ou la responsable")
    bad = await _invoke(bot, SECRETARIAT, "actions.add", {**typed, "organisation": "Ministère des Finances", "contact": "pas une adresse"})  # fmt: skip
    assert (
        below(bad)["contact"] == "Indiquez le courriel de la personne-ressource de l’organisation."
    )
    both = await _invoke(bot, SECRETARIAT, "actions.add", {**typed, "owner": MEMBER.email, "contact": "jean@finances.gouv.qc.ca"})  # fmt: skip
    assert below(both)["contact"].startswith("Choisissez un membre ou une organisation")
    assert await _items(bot) == [], "nothing half-written"
    added = await _invoke(bot, SECRETARIAT, "actions.add", {**typed, "organisation": "Ministère des Finances", "contact": "Jean@Finances.gouv.qc.ca"})  # fmt: skip
    assert (
        "Ministère des Finances (jean@finances.gouv.qc.ca) n’est pas dans le registre\u00a0: le robot"
        " ne peut pas lui écrire."
    ) in " ".join(texts(added)), "said honestly: the bot told nobody"
    await bot.components.dispatcher.dispatch_due()
    assert bot.connector.cards(f"personal-{SECRETARIAT.id}") == [], "no card to an owner"

    # A week before: the reminder comes to the secretariat, who says where it stands.
    bot.clock.now = _at(due - timedelta(days=7))
    await _tick(bot)
    [reminder] = bot.connector.cards(f"personal-{SECRETARIAT.id}")
    assert "Responsable\u00a0: Ministère des Finances (jean@finances.gouv.qc.ca)" in texts(reminder)
    button = reminder["actions"][0]
    member = await _invoke(bot, MEMBER, button["verb"], {**button["data"], "status": "termine"})
    assert "n’est pas la vôtre" in " ".join(texts(member)), "a member cannot answer for it"
    done = await _invoke(bot, SECRETARIAT, button["verb"], {**button["data"], "status": "termine", "note": "Reçues le 3."})  # fmt: skip
    assert "Enregistré. Le secrétariat le voit dans son suivi." in texts(done)
    assert [(i["owner_id"], i["contact"], i["status"]) for i in await _items(bot)] == [
        (None, "jean@finances.gouv.qc.ca", "termine")
    ]


async def test_the_secretariat_takes_every_item_as_csv_through_file_consent(
    bot: RunningBot,
) -> None:
    await _committee(bot)
    listed = await _invoke(bot, SECRETARIAT, "actions.list")
    assert [a["verb"] for a in listed["actions"]] == ["actions.add_form", "actions.export"]
    await _invoke(bot, SECRETARIAT, "actions.export")
    [consent] = [
        a for r in bot.connector.replies(f"personal-{SECRETARIAT.id}") for a in r.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    ]  # fmt: skip
    assert consent["name"] == "actions-de-suivi.csv"
    mine = await _invoke(bot, MEMBER, "actions.list")
    assert texts(mine)[0] == "Mes actions de suivi" and "actions" not in mine
