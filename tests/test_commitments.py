"""The action plan's commitments, on both databases and the signed connector: the plan
imported (Markdown or CSV) or drafted from a consultation's retained items, a milestone's
progress reported by the secretariat or the commitment's contact (no one else; an older form
never undoes a newer report), the OGP level derived and overridden with a reason, a member's
comment answered with reasons, one weekly digest, and the public report naming only those who
consented."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.features.commitments.report import as_markdown
from bot.features.commitments.rules import Level, MilestoneStatus, derive_level, parse_plan
from bot.locale import format_day
from bot.storage.outbox import Outbox
from bot.storage.repositories import MemberRepository
from tests.conftest import MEMBER, OUTSIDER, ROSTER, SECRETARIAT, Cli, RunningBot
from tests.support import activities
from tests.support.cards import below, texts
from tests.support.connector import TeamsUser
from tests.test_confidentiality import _invoke, _open_chat, _who
from tests.test_consultation import JF, _button, _comment, _member_id, _open_round

ZONE = ZoneInfo("America/Toronto")
PLAN = f"""# Plan d’action 2026-2028

## 1. Données ouvertes sur les contrats
Responsable : Secrétariat du Conseil du trésor
Publier chaque contrat public en format ouvert.
- 2027-03-31 : Publier l’inventaire
- 2027-09-30 : Ouvrir le portail

## 2. Registre des lobbyistes
Responsable : Commissaire au lobbyisme
Contact : {MEMBER.email}
- 2027-06-30 : Rendre le registre consultable
"""


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZONE)


def test_a_commitments_level_is_derived_from_its_milestones() -> None:
    done, going, later, late = (MilestoneStatus.DONE, MilestoneStatus.IN_PROGRESS,
                                MilestoneStatus.NOT_STARTED, MilestoneStatus.DELAYED)  # fmt: skip
    assert derive_level([later, later]) is Level.NOT_STARTED
    assert derive_level([going, later]) is Level.LIMITED
    assert derive_level([late, later]) is Level.LIMITED, "delayed is begun, not nothing"
    assert derive_level([done, later, later]) is Level.LIMITED
    assert derive_level([done, later]) is Level.SUBSTANTIAL
    assert derive_level([done, done]) is Level.COMPLETE


def test_the_plan_is_read_from_markdown_and_csv() -> None:
    title, found = parse_plan(PLAN)
    assert title == "Plan d’action 2026-2028"
    assert [(c.number, c.organisation, len(c.milestones)) for c in found] == [
        ("1", "Secrétariat du Conseil du trésor", 2), ("2", "Commissaire au lobbyisme", 1),
    ]  # fmt: skip
    assert found[0].milestones[1].planned_on == date(2027, 9, 30)
    assert found[1].contact_email == MEMBER.email
    csv_text = "numero;engagement;responsable;jalon;date\n1;Contrats;SCT;Inventaire;2027-03-31\n1;Contrats;SCT;Portail;2027-09-30\n"  # fmt: skip
    _, rows = parse_plan(csv_text)
    assert [(c.title, [m.what for m in c.milestones]) for c in rows] == [("Contrats", ["Inventaire", "Portail"])]  # fmt: skip


def test_the_plan_is_imported_listed_and_exported_from_the_command_line(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    broken = tmp_path / "broken.md"
    broken.write_text("# Plan\n\n## 1. Sans responsable\n- demain : rien\n", encoding="utf-8")
    code, _, err = cli("commitments", "import", str(broken), "--by", SECRETARIAT.email)
    assert code == 1
    assert "1\u00a0: Indiquez l’organisation responsable" in err
    assert "1\u00a0: Chaque jalon s’écrit" in err, "each problem named with its commitment"
    source = tmp_path / "plan.md"
    source.write_text(PLAN, encoding="utf-8")
    code, out, _ = cli("commitments", "import", str(source), "--by", SECRETARIAT.email)
    assert code == 0 and out.strip() == "Plan importé\u00a0: 2\u00a0engagements, 3\u00a0jalons."
    code, _, err = cli("commitments", "import", str(source), "--by", SECRETARIAT.email)
    assert code == 1 and "Un plan porte déjà ce titre" in err, "imported once"
    changed = PLAN.replace(
        "- 2027-09-30 : Ouvrir le portail",
        "- 2027-12-15 : Ouvrir le portail\n- 2028-03-31 : Évaluer",
    )
    source.write_text(changed + "\n## 3. Budget participatif\nResponsable : MAMH\n- 2027-05-01 : Essai\n", encoding="utf-8")  # fmt: skip
    code, out, _ = cli("commitments", "import", str(source), "--update", "--by", SECRETARIAT.email)
    assert code == 0 and out.strip() == (
        "Plan mis à jour\u00a0: ajoutés 1\u00a0engagement et 2\u00a0jalons\u00a0; modifiés 1\u00a0jalon."
        " L’avancement et les commentaires sont gardés, rien n’est retiré."
    )
    code, out, _ = cli("commitments", "list")
    assert "3. Budget participatif" in out
    code, out, _ = cli("commitments", "list")
    assert "1. Données ouvertes sur les contrats — Non commencé — prochain jalon\u00a0: Publier l’inventaire" in out  # fmt: skip
    code, _, _ = cli("commitments", "export", "--csv", str(tmp_path / "p.csv"), "--markdown", str(tmp_path / "p.md"), "--by", SECRETARIAT.email)  # fmt: skip
    assert code == 0
    rows = (tmp_path / "p.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 6, "one row per milestone (5 after the update)"
    assert "## 2. Registre des lobbyistes" in (tmp_path / "p.md").read_text(encoding="utf-8")
    assert cli("commitments", "draft", "--round", "9", "--out", str(tmp_path / "d.md"))[0] == 1


async def test_a_commitment_is_followed_milestone_by_milestone_with_the_committees_word(
    bot: RunningBot,
) -> None:
    await _open_round(bot)  # MEMBER and SECRETARIAT have opened the chat
    async with bot.database.read() as conn:
        camille = await MemberRepository().by_email(conn, SECRETARIAT.email)
    assert camille is not None
    service = bot.components.services.commitments
    imported = await service.import_plan(PLAN, "", camille)
    assert imported.plan_id is not None
    bot.connector.clear()

    await bot.post(activities.message(bot.connector.service_url, "engagements", **_who(MEMBER)))
    [plan] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(plan)[:2] == ["Engagements du plan d’action", "**Plan d’action 2026-2028**"]
    [choice] = [e for e in plan["body"] if e.get("id") == "commitment"]
    first, second = (c["value"] for c in choice["choices"])
    for forged in (str(2**63), "1; DROP", ""):
        again = await _invoke(bot, MEMBER, "commitments.open", {"commitment": forged})
        assert texts(again)[0] == "Engagements du plan d’action", "the plan again, nothing opened"
    shown = await _invoke(bot, MEMBER, "commitments.open", {"commitment": first})
    assert texts(shown)[0] == "1. Données ouvertes sur les contrats"
    assert "Niveau d’achèvement\u00a0: ○ Non commencé" in texts(shown)
    assert all(a["verb"] != "commitments.report_form" for a in shown["actions"]), (
        "not her commitment"
    )
    milestones = await service.plans()
    [inventory, _portal] = milestones[0].commitments[0].milestones
    refused = await _invoke(bot, MEMBER, "commitments.report_form", {"milestone": inventory.id})
    assert "Seuls le secrétariat et la personne-ressource" in " ".join(texts(refused))

    # A member comments; the secretariat is told, answers with a reason; she is told.
    button = _button(shown, "commitments.comment")
    empty = await _invoke(bot, MEMBER, button["verb"], {**button["data"], "kind": "solution", "text": ""})  # fmt: skip
    assert below(empty)["text"] == "Écrivez votre commentaire."
    async with bot.database.read() as conn:
        amelie = await MemberRepository().by_email(conn, MEMBER.email)
    assert amelie is not None
    former = replace(amelie, mandate_ends_on=date(2020, 1, 1))
    _, refused_former = await service.comment(
        former, int(first), "commentaire", "Après mon mandat."
    )
    assert [p.message for p in refused_former] == ["commitments.error.not_serving"]
    said = await _invoke(bot, MEMBER, button["verb"], {**button["data"], "kind": "solution", "text": "Publier aussi les avenants."})  # fmt: skip
    assert "Commentaire enregistré\u00a0; le secrétariat en est avisé et y répondra." in texts(said)
    await bot.components.dispatcher.dispatch_due()
    [told] = bot.connector.cards(f"personal-{SECRETARIAT.id}")
    assert texts(told)[0] == "Nouveau commentaire sur un engagement"
    answer = told["actions"][0]
    form = await _invoke(bot, SECRETARIAT, answer["verb"], answer["data"])
    no_reason = await _invoke(bot, SECRETARIAT, "commitments.answer", {**answer["data"], "verdict": "retenu_en_partie", "reason": ""})  # fmt: skip
    assert below(no_reason)["reason"] == "Donnez le motif de la réponse."
    assert texts(form)[0] == "Répondre au commentaire"
    await _invoke(bot, SECRETARIAT, "commitments.answer", {**answer["data"], "verdict": "retenu_en_partie", "reason": "Les avenants suivront en 2028."})  # fmt: skip
    member_tries = await _invoke(bot, MEMBER, "commitments.answer", {**answer["data"], "verdict": "retenu", "reason": "x"})  # fmt: skip
    assert "secrétariat" in " ".join(texts(member_tries)).lower()
    await bot.components.dispatcher.dispatch_due()
    answered = bot.connector.cards(f"personal-{MEMBER.id}")[-1]
    assert texts(answered)[0] == "Le secrétariat a répondu à votre commentaire"
    assert "Réponse du secrétariat\u00a0: Retenu en partie — Les avenants suivront en 2028." in texts(answered)  # fmt: skip

    # Progress: the secretariat reports a milestone; an older form changes nothing.
    today = bot.clock.now.astimezone(ZONE).date()
    report_form = await _invoke(bot, SECRETARIAT, "commitments.report_form", {"milestone": inventory.id})  # fmt: skip
    submit = _button(report_form, "commitments.report")
    typed = {**submit["data"], "status": "termine", "on": today.isoformat(), "report": "Inventaire publié.", "evidence": "donneesquebec.ca/x"}  # fmt: skip
    refused = await _invoke(bot, SECRETARIAT, "commitments.report", typed)
    assert below(refused)["evidence"].startswith("Le lien vers la preuve doit être complet")
    saved = await _invoke(bot, SECRETARIAT, "commitments.report", {**typed, "evidence": "https://www.donneesquebec.ca/x"})  # fmt: skip
    assert "Niveau d’achèvement\u00a0: ◑ Substantiel" in texts(saved), (
        "derived: half the milestones done"
    )
    stale = await _invoke(bot, SECRETARIAT, "commitments.report", {**typed, "status": "retarde", "evidence": ""})  # fmt: skip
    assert "Cette carte n’était plus à jour" in " ".join(texts(stale))
    # The contact of commitment 2 reports it, though not of the secretariat.
    second_view = await _invoke(bot, MEMBER, "commitments.open", {"commitment": second})
    assert _button(second_view, "commitments.report_form")
    registry = (await service.plans())[0].commitments[1].milestones[0]
    contact_form = await _invoke(bot, MEMBER, "commitments.report_form", {"milestone": registry.id})
    contact = _button(contact_form, "commitments.report")
    await _invoke(bot, MEMBER, contact["verb"], {**contact["data"], "status": "en_cours", "on": today.isoformat(), "report": "Appel d’offres lancé."})  # fmt: skip
    outsider = await _invoke(
        bot, OUTSIDER, contact["verb"], {**contact["data"], "status": "termine"}
    )
    assert texts(outsider)[0] == "Accès réservé aux membres du comité"

    # The level overridden, with its reason.
    level = await _invoke(bot, SECRETARIAT, "commitments.level_form", {"commitment": int(first)})
    level_button = _button(level, "commitments.level")
    no_why = await _invoke(bot, SECRETARIAT, "commitments.level", {**level_button["data"], "level": "limite", "reason": ""})  # fmt: skip
    assert below(no_why)["reason"] == "Dites pourquoi le niveau diffère de celui calculé."
    overridden = await _invoke(bot, SECRETARIAT, "commitments.level", {**level_button["data"], "level": "limite", "reason": "Le portail pèse plus."})  # fmt: skip
    assert "Niveau d’achèvement\u00a0: ◔ Limité (fixé par le secrétariat)" in texts(overridden)

    # The week's digest, once, on Monday morning.
    tr = bot.components.catalogues.all["fr-CA"]
    monday = today + timedelta(days=7 - today.weekday())
    bot.clock.now = datetime.combine(monday, time(9, 5), tzinfo=ZONE)
    before = len(bot.connector.cards(f"personal-{MEMBER.id}"))
    for _ in range(2):
        await service.plan_digests()
        await bot.components.dispatcher.dispatch_due()
    [digest] = bot.connector.cards(f"personal-{MEMBER.id}")[before:]
    assert texts(digest)[0] == "L’avancement du plan d’action cette semaine"
    reported_week = today - timedelta(days=today.weekday())
    assert texts(digest)[1] == (
        f"2\u00a0comptes rendus la semaine du {format_day(tr, _noon(reported_week), ZONE)}."
    ), "the week the reports were made"
    # A week later, the digest that waited for someone not reached yet is not sent late.
    async with bot.database.read() as conn:
        planned = await Outbox().keys_starting(conn, "commitments:digest:")
    jf_id = await _member_id(bot, JF)
    assert any(key.endswith(f":{jf_id}") for key in planned), "planned for him too"
    bot.clock.now += timedelta(days=7)
    jf = TeamsUser("29:jf", "00000000-0000-0000-0000-0000000000b8", "Jean-François Bouchard", JF)
    bot.connector.users[jf.id] = jf
    await _open_chat(bot, jf)
    await bot.components.dispatcher.dispatch_due()
    await bot.components.dispatcher.drain()
    assert bot.connector.cards(f"personal-{jf.id}"), "he is welcomed"
    assert all(
        "L’avancement du plan d’action cette semaine" not in texts(c)
        for c in bot.connector.cards(f"personal-{jf.id}")
    ), "last week's digest is not sent a week late"

    # The plan updated from its file: the dates change, the progress reported stays.
    moved = PLAN.replace("2027-09-30 : Ouvrir le portail", "2027-12-15 : Ouvrir le portail")
    assert (await service.import_plan(moved, "", camille, update=True)).milestones_changed == 1
    [kept, portal_now] = (await service.plans())[0].commitments[0].milestones
    assert (kept.status, kept.report) == (MilestoneStatus.DONE, "Inventaire publié.")
    assert portal_now.planned_on == date(2027, 12, 15)

    # The public report: named only with consent.
    plans, comments, naming = await service.public_rows()
    anonymous = as_markdown(tr, plans, comments, naming).decode()
    assert "Amélie" not in anonymous and "**Membre de la société civile** (Solution proposée" in anonymous  # fmt: skip
    assert "Limité" in anonymous and "Le portail pèse plus." in anonymous
    await _invoke(bot, MEMBER, "consultation.naming", {"named": "yes", "round": 1})
    plans, comments, naming = await service.public_rows()
    assert "Amélie Côté" in as_markdown(tr, plans, comments, naming).decode()


async def test_a_plan_file_is_drafted_from_a_consultations_retained_items(bot: RunningBot) -> None:
    await _open_round(bot)
    await _comment(bot, MEMBER, "1", "appui", "Oui.")
    await _comment(bot, MEMBER, "2", "desaccord", "Non.")
    amelie = await _member_id(bot, MEMBER.email)
    for item, verdict in (("1", "retenu"), ("2", "non_retenu")):
        respond = {"round": 1, "item": item, "members": str(amelie), "verdict": verdict, "reason": "Motif."}  # fmt: skip
        await _invoke(bot, SECRETARIAT, "consultation.respond", respond)
    drafted = await bot.components.services.commitments.draft_from_round(1) or ""
    assert "## 1. Données ouvertes" in drafted and "Registre des lobbyistes" not in drafted
    assert "Responsable : " in drafted and "- AAAA-MM-JJ : " in drafted


async def test_the_secretariat_takes_the_public_report_through_file_consent(
    bot: RunningBot,
) -> None:
    await _open_round(bot)
    async with bot.database.read() as conn:
        camille = await MemberRepository().by_email(conn, SECRETARIAT.email)
    assert camille is not None
    await bot.components.services.commitments.import_plan(PLAN, "", camille)
    mine = await _invoke(bot, MEMBER, "commitments.plan")
    assert all(a["verb"] != "commitments.export" for a in mine["actions"]), "the secretariat's"
    plan = await _invoke(bot, SECRETARIAT, "commitments.plan")
    bot.connector.clear()
    exports = [a["data"]["format"] for a in plan["actions"] if a["verb"] == "commitments.export"]
    assert exports == ["csv", "markdown"]
    await _invoke(bot, SECRETARIAT, "commitments.export", {"format": "markdown"})
    [consent] = [
        a for r in bot.connector.replies(f"personal-{SECRETARIAT.id}") for a in r.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    ]  # fmt: skip
    assert consent["name"] == "engagements-plan-action.md"
    refused = await _invoke(bot, MEMBER, "commitments.export", {"format": "csv"})
    assert "secrétariat" in " ".join(texts(refused)).lower()
