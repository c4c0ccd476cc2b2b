"""The action-plan consultation, end to end through the signed connector on both databases:
a round opened from the command line or a card, members' comments and their versions, the
deadline, reopening, reasoned responses, proposals, the public report."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.features.consultation import tables as consultation_tables
from bot.features.consultation.rules import Item, item_problems, parse_items
from bot.features.declarations.rules import Conflict, ItemAnswer
from bot.features.meetings.rules import AgendaItem, MeetingKind, MeetingPlan
from bot.storage import tables
from bot.storage.repositories import MemberRepository
from tests.conftest import MEMBER, ROSTER, SECRETARIAT, Cli, RunningBot
from tests.support.cards import texts
from tests.test_confidentiality import _invoke, _open_chat

ITEMS = """# Plan d’action 2027-2029 — engagements proposés

Texte d’introduction, ignoré.

## 1. Données ouvertes sur les contrats
Publier chaque contrat public en format ouvert.
Lien : https://example.org/engagement-1.pdf

## 2. Registre des lobbyistes
Rendre le registre consultable.

## 3. Budget participatif
Essai dans trois municipalités.
"""
JF = "jf.bouchard@donneesouvertes.example.org"


def _all_text(card: dict[str, Any]) -> str:
    return "\n".join(texts(card))


async def _rows(bot: RunningBot, table: Any) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        return [dict(r) for r in (await conn.execute(select(table))).mappings()]


async def _audit(bot: RunningBot, action: str) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        query = select(tables.audit_log).where(tables.audit_log.c.action == action)
        return [dict(r) for r in (await conn.execute(query)).mappings()]


async def _member_id(bot: RunningBot, email: str) -> int:
    async with bot.database.read() as conn:
        found = await MemberRepository().by_email(conn, email)
    assert found is not None and found.id is not None
    return found.id


async def _open_round(
    bot: RunningBot, deadline: date | None = None, **extra: Any
) -> dict[str, Any]:
    """The secretariat's way: `consultation`, *Ouvrir une consultation…*, the form."""
    for user in (MEMBER, SECRETARIAT):
        await _open_chat(bot, user)
    bot.connector.clear()
    form = await _invoke(bot, SECRETARIAT, "consultation.open_form")
    assert texts(form)[0] == "Ouvrir une consultation"
    today = bot.clock.now.date()
    data = {
        "title": "Plan d’action 2027-2029 — engagements proposés",
        "phase": "elaboration",
        "deadline": (deadline or today + timedelta(days=20)).isoformat(),
        "meeting": "",
        "items": "1. Données ouvertes\nPublier les contrats.\nLien : https://example.org/1.pdf"
        "\n\n2. Registre des lobbyistes\nLe rendre consultable.",
        **extra,
    }
    opened = await _invoke(bot, SECRETARIAT, "consultation.open", data)
    await bot.components.dispatcher.dispatch_due()
    return opened


def _button(card: dict[str, Any], verb: str, **data: Any) -> dict[str, Any]:
    found: list[dict[str, Any]] = [a for a in card.get("actions", []) if a.get("verb") == verb]
    for element in card["body"]:
        if element.get("type") == "ActionSet":
            found += [a for a in element["actions"] if a.get("verb") == verb]
    [button] = [b for b in found if all(b.get("data", {}).get(k) == v for k, v in data.items())]
    return button


async def _comment(
    bot: RunningBot, user: Any, item: str, opinion: str, text: str, interest: bool = False,
    round_id: int = 1, **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    data = {
        "round": round_id, "item": item, "opinion": opinion, "text": text,
        "interest": "true" if interest else "false",
    }  # fmt: skip
    return await _invoke(bot, user, "consultation.comment", data, **extra)


# --- the command line ----------------------------------------------------------------------


def test_a_round_is_opened_listed_and_exported_from_the_command_line(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    source = tmp_path / "engagements.md"
    source.write_text(ITEMS, encoding="utf-8")
    code, out, _ = cli(
        "consultation", "open", str(source), "--deadline", "2099-02-15", "--by", SECRETARIAT.email
    )
    assert code == 0
    assert out.strip() == "Consultation 1 ouverte\u00a0: 3\u00a0éléments, commentaires jusqu’au 2099-02-15 inclus."  # fmt: skip
    code, out, _ = cli("consultation", "list")
    assert "1\u00a0: Plan d’action 2027-2029 — engagements proposés — jusqu’au 2099-02-15, 3\u00a0éléments, 0\u00a0commentaire" in out  # fmt: skip
    code, _, err = cli(
        "consultation", "open", str(source), "--deadline", "2020-01-01", "--by", SECRETARIAT.email
    )
    assert code == 1 and "L’échéance est passée" in err, "a refused field is named"
    code, _, err = cli(
        "consultation", "open", str(source), "--deadline", "2099-02-15", "--by", MEMBER.email
    )
    assert code == 1, "only a serving member of the secretariat opens a round"
    report = tmp_path / "rapport.md"
    code, _, _ = cli("consultation", "export", "1", "--markdown", str(report), "--csv", str(tmp_path / "r.csv"), "--by", SECRETARIAT.email)  # fmt: skip
    assert code == 0
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Plan d’action 2027-2029 — engagements proposés\n")
    assert "## 2. Registre des lobbyistes" in text and text.count("Aucun commentaire.") == 3
    table = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table[0] == (
        "Consultation;Numéro;Élément;Appui;Appui avec réserves;Désaccord;Sans avis;"
        "Membre;Avis;Commentaire;Réponse;Motif"
    )
    assert [row.split(";")[1:7] for row in table[1:]] == [
        ["1", "Données ouvertes sur les contrats", "0", "0", "0", "0"],
        ["2", "Registre des lobbyistes", "0", "0", "0", "0"],
        ["3", "Budget participatif", "0", "0", "0", "0"],
    ], "every item listed, before anyone commented"
    assert (
        cli(
            "consultation",
            "export",
            "7",
            "--csv",
            str(tmp_path / "x.csv"),
            "--by",
            SECRETARIAT.email,
        )[0]
        == 1
    )


def test_items_are_read_from_markdown_csv_and_the_cards_field() -> None:
    assert parse_items(ITEMS) == [
        Item(
            "1", "Données ouvertes sur les contrats",
            "Publier chaque contrat public en format ouvert.", "https://example.org/engagement-1.pdf",
        ),
        Item("2", "Registre des lobbyistes", "Rendre le registre consultable."),
        Item("3", "Budget participatif", "Essai dans trois municipalités."),
    ]  # fmt: skip
    csv_text = "numero;titre;texte;lien\n1;Contrats;Publier.;https://x.org/a\n2.1;Lobby;;\n"
    assert parse_items(csv_text) == [
        Item("1", "Contrats", "Publier.", "https://x.org/a"),
        Item("2.1", "Lobby", "", None),
    ]
    assert parse_items("1. Un\ntexte\n\n2. Deux") == [Item("1", "Un", "texte"), Item("2", "Deux")]
    # A malformed link is refused with its field named, not kept as the item's text.
    malformed = parse_items("1. Contrats\nPublier.\nLien : donnees.quebec.ca/contrats")
    assert malformed == [Item("1", "Contrats", "Publier.", "donnees.quebec.ca/contrats")]
    [problem] = item_problems(malformed)
    assert (problem.field, problem.message) == ("items", "consultation.error.link")


# --- in Teams ------------------------------------------------------------------------------


async def test_opened_from_a_card_each_member_gets_the_items_once(bot: RunningBot) -> None:
    opened = await _open_round(bot)
    assert texts(opened)[0] == "Consultation ouverte"
    assert "La consultation part maintenant vers 1\u00a0membre." in texts(opened), "opened a chat"
    [card] = bot.connector.cards(f"personal-{MEMBER.id}")
    shown = _all_text(card)
    assert texts(card)[0] == "Nouvelle consultation\u00a0: votre avis est demandé"
    assert "1. Données ouvertes" in shown and "2. Registre des lobbyistes" in shown
    assert _button(card, "consultation.comment_form", item="1")["title"] == "Commenter"
    assert bot.connector.cards(f"personal-{SECRETARIAT.id}") == [], "the secretariat answers"
    await bot.components.dispatcher.dispatch_due()
    assert len(bot.connector.cards(f"personal-{MEMBER.id}")) == 1, "once"
    [opening] = await _audit(bot, "consultation.opened")
    assert '"items":2' in opening["details"] and "sha256" in opening["details"]
    refused = await _invoke(bot, SECRETARIAT, "consultation.open", {"title": "", "items": "rien"})
    assert "Donnez un titre à la consultation." in texts(refused)
    assert len(await _rows(bot, consultation_tables.consultation_rounds)) == 1, (
        "nothing half-written"
    )


async def test_comment_edit_read_only_after_the_deadline_then_reopen(bot: RunningBot) -> None:
    await _open_round(bot)
    form = await _invoke(bot, MEMBER, "consultation.comment_form", {"round": 1, "item": "1"})
    assert texts(form)[0] == "1. Données ouvertes"
    saved = await _comment(bot, MEMBER, "1", "appui", "Excellent engagement.")
    assert "Votre commentaire sur l’élément 1 est enregistré (version 1)." in texts(saved)
    assert _button(saved, "consultation.naming", named="yes")["title"] == "Oui, me nommer"
    again = await _comment(
        bot, MEMBER, "1", "appui_reserves", "Excellent, mais le délai est court."
    )
    assert "(version 2)" in _all_text(again)
    assert not any(b.get("verb") == "consultation.naming" for b in again.get("actions", [])), (
        "asked once"
    )
    same = await _comment(bot, MEMBER, "1", "appui_reserves", "Excellent, mais le délai est court.")
    assert "Rien n’a changé" in _all_text(same)
    missing = await _comment(bot, MEMBER, "2", "desaccord", "  ")
    assert "Un commentaire est requis, sauf pour «\u00a0Sans avis\u00a0»." in texts(missing)
    assert [e.get("value") for e in missing["body"] if e.get("id") == "opinion"] == ["desaccord"]
    assert (await _comment(bot, MEMBER, "2", "sans_avis", ""))["body"], "no opinion needs no text"

    bot.clock.advance(days=21)
    late = await _comment(bot, MEMBER, "1", "desaccord", "Trop tard ?")
    assert "Cette consultation est fermée\u00a0: les commentaires sont en lecture seule." in texts(
        late
    )
    read_only = await _invoke(bot, MEMBER, "consultation.comment_form", {"round": 1, "item": "1"})
    assert "Excellent, mais le délai est court." in texts(read_only)
    assert not any(a.get("verb") == "consultation.comment" for a in read_only["actions"])

    bot.connector.clear()
    new_deadline = (bot.clock.now.date() + timedelta(days=7)).isoformat()
    reopened = await _invoke(
        bot, SECRETARIAT, "consultation.reopen", {"round": 1, "deadline": new_deadline}
    )
    assert texts(reopened)[0] == "Plan d’action 2027-2029 — engagements proposés"
    await bot.components.dispatcher.dispatch_due()
    [told] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(told)[0] == "Consultation rouverte"
    assert "Votre avis\u00a0: Appui avec réserves (version 2)" in texts(told)
    assert "(version 3)" in _all_text(
        await _comment(bot, MEMBER, "1", "desaccord", "Finalement non.")
    )
    versions = [
        r for r in await _rows(bot, consultation_tables.consultation_comments) if r["item"] == "1"
    ]
    assert [(r["version"], r["opinion"]) for r in versions] == [
        (1, "appui"), (2, "appui_reserves"), (3, "desaccord"),
    ], "every version kept"  # fmt: skip
    commented = await _audit(bot, "consultation.commented")
    assert len(commented) == 4 and not any("Excellent" in r["details"] for r in commented)
    assert len(await _audit(bot, "consultation.reopened")) == 1


async def test_a_response_reaches_its_author_with_the_reason(bot: RunningBot) -> None:
    await _open_round(bot)
    await _comment(bot, MEMBER, "1", "appui_reserves", "Il faut un calendrier.", interest=True)
    item = await _invoke(bot, SECRETARIAT, "consultation.item", {"round": 1, "item": "1"})
    shown = _all_text(item)
    assert "Amélie Côté (Coalition pour la transparence (exemple)) — Appui avec réserves" in shown
    assert "⚠ Intérêt déclaré sur cet élément" in shown and "Il faut un calendrier." in shown
    amelie = await _member_id(bot, MEMBER.email)
    respond = {"round": 1, "item": "1", "members": str(amelie), "verdict": "retenu_en_partie"}
    refused = await _invoke(bot, SECRETARIAT, "consultation.respond", {**respond, "reason": " "})
    assert "Le motif est obligatoire\u00a0: il sera publié." in texts(refused)
    bot.connector.clear()
    answered = await _invoke(
        bot, SECRETARIAT, "consultation.respond",
        {**respond, "reason": "Un calendrier sera publié au printemps."},
    )  # fmt: skip
    assert "Réponse envoyée à 1\u00a0personne." in texts(answered)
    assert "Réponse du secrétariat\u00a0: Retenu en partie — Un calendrier sera publié au printemps." in texts(answered)  # fmt: skip
    await bot.components.dispatcher.dispatch_due()
    [notice] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(notice)[0] == "Réponse du secrétariat à votre commentaire"
    assert "Réponse du secrétariat\u00a0: Retenu en partie — Un calendrier sera publié au printemps." in texts(notice)  # fmt: skip
    jf = await _member_id(bot, JF)
    stranger = await _invoke(
        bot, SECRETARIAT, "consultation.respond", {**respond, "members": str(jf), "reason": "x"}
    )
    assert "On ne répond qu’aux personnes qui ont commenté cet élément." in texts(stranger)
    assert len(await _rows(bot, consultation_tables.consultation_responses)) == 1
    member_tries = await _invoke(bot, MEMBER, "consultation.respond", {**respond, "reason": "x"})
    assert "secrétariat" in _all_text(member_tries).lower()
    assert len(await _audit(bot, "consultation.responded")) == 1


async def test_forged_cards_record_nothing(bot: RunningBot) -> None:
    await _open_round(bot)
    jf = await _member_id(bot, JF)
    another_round = await _comment(bot, MEMBER, "1", "appui", "Oui.", round_id=9)
    assert "Cette consultation ou cet élément n’existe pas." in texts(another_round)
    another_item = await _comment(bot, MEMBER, "9", "appui", "Oui.")
    assert "Cette consultation ou cet élément n’existe pas." in texts(another_item)
    forged = await _invoke(
        bot, MEMBER, "consultation.comment",
        {"round": 1, "item": "1", "opinion": "appui", "text": "Oui.", "member_id": jf,
         "member": jf},
    )  # fmt: skip
    assert "(version 1)" in _all_text(forged), "recorded for who clicked, not who the card says"
    clerk = await _comment(bot, SECRETARIAT, "1", "appui", "Moi aussi.")
    assert "Seuls les membres en fonction, hors secrétariat" in _all_text(clerk)
    bot.clock.advance(days=30)
    closed = await _comment(bot, MEMBER, "1", "desaccord", "Changé d’avis.")
    assert "fermée" in _all_text(closed)
    rows = await _rows(bot, consultation_tables.consultation_comments)
    amelie = await _member_id(bot, MEMBER.email)
    assert [(r["member_id"], r["version"], r["opinion"]) for r in rows] == [(amelie, 1, "appui")]


async def test_the_public_report_names_only_those_who_agreed(
    bot: RunningBot, tmp_path: Path
) -> None:
    await _open_round(bot)
    await _comment(bot, MEMBER, "1", "appui", "Bravo *vraiment*.")
    services = bot.components.services
    report = (await services.consultation.markdown_report(1, _french(bot), "tests")) or b""
    text = report.decode()
    assert "- **Membre de la société civile** — Appui" in text and "Amélie" not in text
    assert "Bravo \\*vraiment\\*." in text, "the member's text cannot format the report"
    assert (
        "Avis\u00a0: Appui\u00a0: 1, Appui avec réserves\u00a0: 0, Désaccord\u00a0: 0, Sans avis\u00a0: 0"
        in text
    )
    named = await _invoke(bot, MEMBER, "consultation.naming", {"named": "yes", "round": 1})
    assert "Le rapport public vous nommera, avec votre organisation." in texts(named)
    report = (await services.consultation.markdown_report(1, _french(bot), "tests")) or b""
    assert "Amélie Côté (Coalition pour la transparence (exemple))" in report.decode()
    table = (await services.consultation.csv_export(1, _french(bot), "tests")) or b""
    rows = table.decode("utf-8-sig").splitlines()
    assert len(rows) == 3, "the commented item’s comment, and the other item listed"
    assert "Bravo *vraiment*." in rows[1] and ";1;0;0;0;" in rows[1], "its counts beside it"
    assert len(await _audit(bot, "consultation.exported")) == 3
    await _invoke(bot, MEMBER, "consultation.naming", {"named": "no", "round": 1})
    report = (await services.consultation.markdown_report(1, _french(bot), "tests")) or b""
    assert "Amélie" not in report.decode(), "a member may change their mind"


def _french(bot: RunningBot) -> Any:
    return bot.components.catalogues.all["fr-CA"]


async def test_the_secretariat_exports_through_file_consent(bot: RunningBot) -> None:
    await _open_round(bot)
    bot.connector.clear()
    await _invoke(bot, SECRETARIAT, "consultation.export", {"round": 1, "format": "markdown"})
    [consent] = [
        a for r in bot.connector.replies(f"personal-{SECRETARIAT.id}") for a in r.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    ]  # fmt: skip
    assert consent["name"] == "consultation-1.md"


async def test_a_proposal_reaches_the_secretariat(bot: RunningBot) -> None:
    for user in (MEMBER, SECRETARIAT):
        await _open_chat(bot, user)
    bot.connector.clear()
    empty = await _invoke(bot, MEMBER, "consultation.propose", {"kind": "domaine", "title": ""})
    assert "Donnez un titre (200\u00a0caractères au plus)." in texts(empty)
    sent = await _invoke(
        bot, MEMBER, "consultation.propose",
        {"kind": "engagement", "title": "Budget participatif", "description": "Ouvrir le budget.",
         "why": "La confiance."},
    )  # fmt: skip
    assert texts(sent)[0] == "Proposition envoyée"
    await bot.components.dispatcher.dispatch_due()
    [notice] = bot.connector.cards(f"personal-{SECRETARIAT.id}")
    assert texts(notice)[0] == "Nouvelle proposition d’un membre"
    assert "Engagement — Budget participatif" in texts(notice)
    listed = await _invoke(bot, SECRETARIAT, "consultation.proposals")
    assert "Pourquoi\u00a0: La confiance." in texts(listed)
    [proposed] = await _audit(bot, "consultation.proposed")
    assert "Ouvrir le budget" not in proposed["details"]


async def test_reminders_go_only_to_the_silent_and_english_is_complete(bot: RunningBot) -> None:
    await _invoke(bot, MEMBER, "language.set", {"language": "en"})
    await _open_round(bot, deadline=bot.clock.now.date() + timedelta(days=10))
    [opened] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(opened)[0] == "New consultation: your opinion is asked"
    await _comment(bot, MEMBER, "1", "appui", "Yes.", locale="en-US")
    bot.connector.clear()
    bot.clock.advance(days=9)
    await bot.components.dispatcher.dispatch_due()
    assert bot.connector.cards(f"personal-{MEMBER.id}") == [], "she answered: no reminder"
    reminders = [r for r in await _rows(bot, tables.outbox) if r["kind"] == "consultation.reminder"]
    assert len(reminders) == 3 * 2, "7 and 2 days before, for each of the three members"
    amelie, jf = await _member_id(bot, MEMBER.email), await _member_id(bot, JF)
    outcomes = {(r["member_id"], r["outcome"]) for r in reminders if r["outcome"]}
    assert outcomes == {(amelie, "skipped")}, "hers skipped; JF, who never opened a chat, waits"
    assert any(r["member_id"] == jf and r["sent_at"] is None for r in reminders)


async def test_a_conflict_declared_on_the_linked_meetings_item_flags_the_comment(
    bot: RunningBot,
) -> None:
    from tests.test_documents import _member

    camille = await _member(bot, SECRETARIAT.email)
    day = bot.clock.now.date() + timedelta(days=40)
    day += timedelta(days=(2 - day.weekday()) % 7)  # a Wednesday: no weekend to confirm
    plan = MeetingPlan(
        "Réunion régulière", MeetingKind.REGULAR, day,
        time(13, 30), 120, [AgendaItem("Données ouvertes"), AgendaItem("Varia")],
    )  # fmt: skip
    meeting = (await bot.components.services.meetings.schedule(plan, camille)).meeting
    assert meeting is not None
    amelie = await _member(bot, MEMBER.email)
    declared = await bot.components.services.declarations.declare_for_meeting(
        amelie, meeting.id,
        [ItemAnswer("Données ouvertes", Conflict.INDIRECT, "Mon conjoint."),
         ItemAnswer("Varia", Conflict.NONE)],
    )  # fmt: skip
    assert declared.kind == "recorded"
    await _open_round(bot, meeting=str(meeting.id))
    saved = await _comment(bot, MEMBER, "1", "appui", "Oui.")
    assert "Il est signalé au secrétariat comme lié à un intérêt déclaré." in texts(saved)
    other = await _comment(bot, MEMBER, "2", "appui", "Oui.")
    assert "signalé" not in _all_text(other)


async def test_a_comment_from_an_older_form_saves_nothing_and_gives_the_text_back(
    bot: RunningBot,
) -> None:
    """Two forms for the same item (opened twice): she saves on the second, then on the
    first. The first one's text is not saved over the newer comment; she sees the comment in
    force and gets back what she had written."""
    await _open_round(bot)
    first = await _invoke(bot, MEMBER, "consultation.comment_form", {"round": 1, "item": "1"})
    second = await _invoke(bot, MEMBER, "consultation.comment_form", {"round": 1, "item": "1"})
    save_second = _button(second, "consultation.comment")
    saved = await _invoke(
        bot, MEMBER, save_second["verb"],
        {**save_second["data"], "opinion": "appui", "text": "Excellent engagement."},
    )  # fmt: skip
    assert "(version 1)" in _all_text(saved)
    save_first = _button(first, "consultation.comment")
    stale = await _invoke(
        bot, MEMBER, save_first["verb"],
        {**save_first["data"], "opinion": "desaccord", "text": "Je suis contre."},
    )  # fmt: skip
    said = _all_text(stale)
    assert "Cette carte était plus ancienne que votre réponse du" in said
    assert "« Je suis contre. »" in said, "what she wrote is given back"
    assert [e.get("value") for e in stale["body"] if e.get("id") == "text"] == [
        "Excellent engagement."
    ], "the form shows the comment in force"
    versions = await _rows(bot, consultation_tables.consultation_comments)
    assert [(r["version"], r["opinion"]) for r in versions] == [(1, "appui")]
    current = _button(stale, "consultation.comment")
    changed = await _invoke(
        bot, MEMBER, current["verb"],
        {**current["data"], "opinion": "desaccord", "text": "Je suis contre."},
    )  # fmt: skip
    assert "(version 2)" in _all_text(changed)
