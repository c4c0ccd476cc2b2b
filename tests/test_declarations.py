"""Declarations of interests: general and per agenda item, private, versioned, followed up,
on both databases, through the signed loopback connector."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.features.declarations import tables as declarations_tables
from tests.conftest import MEMBER, OUTSIDER, ROSTER, SECRETARIAT, Cli, RunningBot
from tests.support.cards import texts
from tests.test_confidentiality import _invoke, _open_chat, _say
from tests.test_meetings import _schedule_now, _soon

CHAT = f"personal-{MEMBER.id}"
CHANNEL = "19:committee@thread.tacv2"


def _inputs(card: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                found[node["id"]] = node.get("value")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card["body"])
    return found


def _button(card: dict[str, Any], verb: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in card["actions"] if a["verb"] == verb)
    return found


async def _general(bot: RunningBot) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        rows = await conn.execute(
            select(declarations_tables.general_declarations).order_by(
                declarations_tables.general_declarations.c.id
            )
        )
        return [dict(r) for r in rows.mappings()]


async def _per_meeting(bot: RunningBot) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        rows = await conn.execute(
            select(declarations_tables.meeting_declarations).order_by(
                declarations_tables.meeting_declarations.c.id
            )
        )
        return [dict(r) for r in rows.mappings()]


async def test_a_general_declaration_is_made_updated_prefilled_and_versioned(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, MEMBER)
    bot.connector.clear()
    await _say(bot, MEMBER, "déclarer")
    [form] = bot.connector.cards(CHAT)
    assert texts(form)[0] == "Déclaration d’intérêts"
    # Who sees what, exactly: the text is hers; the secretariat sees whether, when and where.
    assert any(t.startswith("Ce que vous écrivez ici n’est lu que par vous.") for t in texts(form))
    submit = _button(form, "declarations.submit")
    empty = await _invoke(bot, MEMBER, submit["verb"], {**submit["data"], **_inputs(form)})
    assert "Déclarez au moins un intérêt, ou cochez" in " ".join(texts(empty))

    typed = {
        **_inputs(form),
        "kind_1": "board",
        "organisation_1": "Coalition pour la transparence",
        "description_1": "",
    }
    refused = await _invoke(bot, MEMBER, submit["verb"], {**submit["data"], **typed})
    assert "Intérêt 1\u00a0: décrivez l’intérêt." in texts(refused)
    assert _inputs(refused)["organisation_1"] == "Coalition pour la transparence", "kept"

    more = _button(refused, "declarations.more")
    grown = await _invoke(bot, MEMBER, more["verb"], {**more["data"], **_inputs(refused)})
    assert "organisation_2" in _inputs(grown) and _inputs(grown)["kind_1"] == "board"
    typed = {
        **_inputs(grown),
        "description_1": "Administratrice bénévole",
        "kind_2": "grant",
        "organisation_2": "Ministère de la Cybersécurité et du Numérique",
        "description_2": "Subvention 2026 à la coalition",
        "since_2": "2026-01-15",
    }
    submit = _button(grown, "declarations.submit")
    done = await _invoke(bot, MEMBER, submit["verb"], {**submit["data"], **typed})
    assert "(version 1)" in " ".join(texts(done))
    again = await _invoke(bot, MEMBER, submit["verb"], {**submit["data"], **typed})
    assert texts(again)[1].startswith("Rien de nouveau"), "a double click adds nothing"
    assert len(await _general(bot)) == 1

    # Updating starts from what is in force.
    await _say(bot, MEMBER, "déclarer")
    prefilled = _inputs(bot.connector.cards(CHAT)[-1])
    assert prefilled["organisation_2"] == "Ministère de la Cybersécurité et du Numérique"
    assert prefilled["since_2"] == "2026-01-15"
    nothing = {k: "" for k in prefilled if k.startswith(("organisation", "description"))}
    cleared = {**prefilled, **nothing, "nothing": "true"}
    submit = _button(bot.connector.cards(CHAT)[-1], "declarations.submit")
    done = await _invoke(bot, MEMBER, submit["verb"], {**submit["data"], **cleared})
    assert "Je n’ai aucun intérêt à déclarer" in texts(done)
    versions = await _general(bot)
    assert [v["version"] for v in versions] == [1, 2], "a new version, the first kept"
    assert versions[1]["interests"] == "[]"

    await _say(bot, MEMBER, "mes déclarations")
    history = texts(bot.connector.cards(CHAT)[-1])
    assert history[0] == "Mes déclarations"
    assert [line[:9] for line in history if line.startswith("Version ")] == [
        "Version 2",
        "Version 1",
    ], "every version, the latest first"
    assert any("Subvention 2026 à la coalition" in line for line in history), "v1 kept"


async def test_declarations_stay_private(bot: RunningBot) -> None:
    await _open_chat(bot, MEMBER)
    await _open_chat(bot, SECRETARIAT)
    await bot.components.services.declarations.declare(
        await _member(bot, MEMBER), [_interest()], False, "fr-CA"
    )
    bot.connector.clear()
    # Asked in the channel: the answer goes to the personal chat; the channel hears only that.
    await _say(bot, MEMBER, "<at>Comité</at> mes déclarations", conversation_id=CHANNEL,
               conversation_type="channel")  # fmt: skip
    await bot.connector.wait_for_replies(2)
    assert bot.connector.cards(CHANNEL) == []
    [said] = [r["text"] for r in bot.connector.replies(CHANNEL)]
    assert said.startswith("Je vous ai répondu en privé")
    assert "Coalition" in " ".join(texts(bot.connector.cards(CHAT)[-1]))
    # Another member sees only their own, not even a count.
    await _open_chat(bot, OUTSIDER)
    other = await bot.components.services.declarations.history(await _member(bot, SECRETARIAT))
    assert other == ([], [])
    # Submitted from a channel, a card records nothing.
    refused = await _invoke(
        bot, MEMBER, "declarations.submit",
        {"rows": 1, "nothing": "true"}, conversation_id=CHANNEL, conversation_type="channel",
    )  # fmt: skip
    assert "jamais dans un canal" in " ".join(texts(refused))
    assert len(await _general(bot)) == 1
    stranger = await _invoke(bot, OUTSIDER, "declarations.submit", {"rows": 1, "nothing": "true"})
    assert texts(stranger)[0] == "Accès réservé aux membres du comité"
    # A member does not see the secretariat's follow-up.
    await _say(bot, MEMBER, "déclarations")
    assert "Suivi des déclarations" not in str(bot.connector.cards(CHAT)[-1:])


def _interest() -> Any:
    from bot.features.declarations.rules import Interest, InterestKind

    return Interest(InterestKind.BOARD, "Coalition", "Administratrice")


async def _member(bot: RunningBot, user: Any) -> Any:
    from bot.storage.repositories import MemberRepository

    async with bot.database.read() as conn:
        return await MemberRepository().by_email(conn, user.email)


async def test_per_meeting_declarations_ask_only_new_items_and_amend_after_the_start(
    bot: RunningBot,
) -> None:
    service = bot.components.services.declarations
    await _open_chat(bot, MEMBER)
    meeting = await _schedule_now(bot, _soon(bot))
    bot.connector.clear()
    await service.plan_follow_ups()
    await bot.components.dispatcher.dispatch_due()
    [card] = [c for c in bot.connector.cards(CHAT) if "Conflits d’intérêts" in texts(c)[0]]
    assert "1. Plan d’action" in texts(card) and "2. Varia <b>" in texts(card)
    none = _button(card, "declarations.no_conflict")
    forged = await _invoke(bot, MEMBER, none["verb"], {**none["data"], "items": ["Autre réunion"]})
    assert "ne sont pas à l’ordre du jour de cette réunion" in " ".join(texts(forged))
    done = await _invoke(bot, MEMBER, none["verb"], none["data"])
    assert "Réponses enregistrées." in texts(done)
    await _invoke(bot, MEMBER, none["verb"], none["data"])
    assert len(await _per_meeting(bot)) == 1, "a second click adds nothing"

    # The agenda grows: only the new item is asked.
    from bot.features.meetings.rules import AgendaItem

    camille = await _member(bot, SECRETARIAT)
    agenda = [*meeting.plan.agenda, AgendaItem("Subventions aux organismes")]
    await bot.components.services.meetings.reschedule(
        meeting.id, meeting.plan.day, meeting.plan.start, meeting.plan.minutes, camille, agenda
    )
    await service.plan_follow_ups()
    await bot.components.dispatcher.dispatch_due()
    asked = next(c for c in reversed(bot.connector.cards(CHAT)) if "Conflits" in texts(c)[0])
    assert "1. Subventions aux organismes" in texts(asked)
    assert "L’ordre du jour a changé\u00a0: seuls les nouveaux points vous sont demandés." in texts(
        asked
    )
    assert "Varia <b>" not in " ".join(texts(asked))
    send = _button(asked, "declarations.meeting")
    no_description = await _invoke(
        bot, MEMBER, send["verb"], {**send["data"], "conflict_1": "direct", "description_1": ""}
    )
    assert "Point 1\u00a0: décrivez le conflit déclaré." in texts(no_description)
    assert _inputs(no_description)["conflict_1"] == "direct", "the card keeps what was chosen"
    declared = await _invoke(
        bot, MEMBER, send["verb"],
        {**send["data"], "conflict_1": "direct", "description_1": "Ma coalition en reçoit une."},
    )  # fmt: skip
    assert "Réponses enregistrées." in texts(declared)
    assert await service.conflicted(meeting.id, "Subventions aux organismes") == {
        (await _member(bot, MEMBER)).id
    }
    assert await service.conflicted(meeting.id, "Varia <b>") == set()
    await _say(bot, MEMBER, "prochaine réunion")
    assert any(
        "conflit d’intérêts sur\u00a0: Subventions" in t
        for t in texts(bot.connector.cards(CHAT)[-1])
    )

    # After the start: an amendment, dated, beside the original.
    bot.clock.now = meeting.starts_at + timedelta(minutes=30)
    amend = await _invoke(bot, MEMBER, "declarations.open_meeting", {"meeting": meeting.id})
    assert any("La réunion a commencé" in t for t in texts(amend))
    send = _button(amend, "declarations.meeting")
    answers = {f"conflict_{n}": "none" for n in range(1, 4)}
    amended = await _invoke(
        bot, MEMBER, send["verb"], {**send["data"], **answers, "conflict_2": "indirect",
                                    "description_2": "Un proche présente ce point."},
    )  # fmt: skip
    assert "Modification enregistrée" in " ".join(texts(amended))
    rows = await _per_meeting(bot)
    assert [r["after_start"] for r in rows] == [False, False, True], "nothing replaced"


async def test_the_secretariat_follows_up_and_a_measure_reaches_the_member(
    bot: RunningBot,
) -> None:
    service = bot.components.services.declarations
    await _open_chat(bot, MEMBER)
    await _open_chat(bot, SECRETARIAT)
    meeting = await _schedule_now(bot, _soon(bot))
    from bot.features.declarations.rules import Conflict, ItemAnswer

    amelie = await _member(bot, MEMBER)
    await service.declare_for_meeting(
        amelie, meeting.id,
        [ItemAnswer("Plan d’action", Conflict.NONE),
         ItemAnswer("Varia <b>", Conflict.DIRECT, "Mon employeur est visé.")],
    )  # fmt: skip
    bot.connector.clear()
    await _say(bot, SECRETARIAT, "déclarations")
    status = bot.connector.cards(f"personal-{SECRETARIAT.id}")[-1]
    shown = texts(status)
    assert "Jamais faite" in shown and "Conflit déclaré" in shown and "En attente" in shown
    assert "Mon employeur" not in " ".join(shown), "the table says who, not what"
    measure = next(a for e in status["body"] if e["type"] == "ActionSet" for a in e["actions"])
    form = await _invoke(bot, SECRETARIAT, measure["verb"], measure["data"])
    save = _button(form, "declarations.measure")
    refused = await _invoke(
        bot, SECRETARIAT, save["verb"], {**save["data"], "measure": "decision", "reason": ""}
    )
    assert "Donnez la raison de cette mesure." in texts(refused)
    await _invoke(
        bot, SECRETARIAT, save["verb"],
        {**save["data"], "measure": "decision", "reason": "Son employeur est directement visé."},
    )  # fmt: skip
    await bot.components.dispatcher.drain()
    told = texts(bot.connector.cards(CHAT)[-1])
    assert told[0] == "Suite donnée à votre déclaration de conflit"
    assert "Pour le point «\u00a0Varia <b>\u00a0»\u00a0: Se retire de la décision." in told
    forged = await _invoke(
        bot, SECRETARIAT, save["verb"],
        {**save["data"], "item": "Plan d’action", "measure": "none", "reason": "x"},
    )  # fmt: skip
    assert "Aucun conflit n’est déclaré" in " ".join(texts(forged))


async def test_a_due_declaration_is_asked_reminded_then_the_secretariat_told(
    bot: RunningBot,
) -> None:
    service = bot.components.services.declarations
    await _open_chat(bot, MEMBER)
    await _open_chat(bot, SECRETARIAT)
    bot.connector.clear()
    assert await service.plan_follow_ups() > 0
    assert await service.plan_follow_ups() == 0, "planned once"
    await bot.components.dispatcher.dispatch_due()
    assert texts(bot.connector.cards(CHAT)[0])[0] == "Votre déclaration d’intérêts est attendue"
    bot.clock.advance(days=3, minutes=1)
    await bot.components.dispatcher.dispatch_due()
    assert texts(bot.connector.cards(CHAT)[-1])[0] == "Rappel\u00a0: votre déclaration d’intérêts"
    # The secretariat declares; Amélie does not.
    await service.declare(await _member(bot, SECRETARIAT), [], True, "fr-CA")
    bot.clock.advance(days=11)
    await bot.components.dispatcher.dispatch_due()
    clerk = [texts(c) for c in bot.connector.cards(f"personal-{SECRETARIAT.id}")]
    overdue = [t for t in clerk if t[0] == "Déclaration d’intérêts en retard"]
    assert [t[1] for t in overdue] == [
        "Déclaration d’intérêts attendue depuis 14\u00a0jours et toujours pas faite\u00a0: "
        "Amélie Côté, Jean-François Bouchard, Mathieu Gagnon, Nadia Belkacem."
    ], "one card listing those who have not declared, never herself"
    bot.clock.advance(days=1)
    await bot.components.dispatcher.dispatch_due()
    assert len(bot.connector.cards(f"personal-{SECRETARIAT.id}")) == len(clerk), "once"
    assert len(bot.connector.cards(CHAT)) == 3, "the card and two reminders, no more"


def test_the_purge_lists_then_deletes_and_the_audit_chain_holds(cli: Cli, tmp_path: Path) -> None:
    """A member whose mandate ended more than seven years ago: listed by --dry-run, then
    deleted with one audit entry; `audit verify` still passes."""
    import asyncio

    from bot.services.build import build_services
    from bot.settings import load_settings
    from bot.storage.database import Database

    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    settings = load_settings()

    async def declare() -> None:
        database = Database(settings.database_url)
        services = build_services(settings, database)
        async with database.read() as conn:
            from bot.storage.repositories import MemberRepository

            amelie = await MemberRepository().by_email(conn, MEMBER.email)
        assert amelie is not None
        await services.declarations.declare(amelie, [_interest()], False, "fr-CA")
        await database.dispose()

    asyncio.run(declare())
    ended = ROSTER.read_text(encoding="utf-8").replace(
        f"{MEMBER.email},Amélie Côté,Coalition pour la transparence (exemple),societe_civile,member,oui,,2025-09-01,2027-08-31",
        f"{MEMBER.email},Amélie Côté,Coalition pour la transparence (exemple),societe_civile,member,non,,2013-09-01,2015-08-31",
    )  # fmt: skip
    roster = tmp_path / "ended.csv"
    roster.write_text(ended, encoding="utf-8")
    assert cli("members", "import", str(roster), "--by", SECRETARIAT.email)[0] == 0
    code, out, _ = cli("declarations", "purge", "--dry-run", "--by", SECRETARIAT.email)
    assert code == 0
    assert "Amélie Côté <amelie.cote@transparence.example.org>" in out and "2015-08-31" in out
    assert "(rien n’a été supprimé)" in out
    code, out, _ = cli("declarations", "purge", "--by", SECRETARIAT.email)
    assert "Déclarations supprimées pour 1\u00a0membre\u00a0;" in out
    assert (
        "0\u00a0membre dont"
        in cli("declarations", "purge", "--dry-run", "--by", SECRETARIAT.email)[1]
    )
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "intègre" in out


async def test_a_forged_member_id_and_a_retried_invoke_record_one_version_for_the_sender(
    bot: RunningBot,
) -> None:
    from tests.support import activities
    from tests.test_confidentiality import _who

    await _open_chat(bot, MEMBER)
    camille = await _member(bot, SECRETARIAT)
    data = {"rows": 1, "nothing": "true", "member_id": camille.id, "member": camille.id}
    activity = activities.card_action(
        bot.connector.service_url, "declarations.submit", data, **_who(MEMBER)
    )
    first = await bot.post(activity)
    second = await bot.post(activity)  # Teams retries the same invoke
    assert first.status == second.status == 200
    assert (await first.json()) == (await second.json())
    [declared] = await _general(bot)
    assert declared["member_id"] == (await _member(bot, MEMBER)).id, "the sender, not the card"


async def test_members_who_have_not_answered_are_reminded_before_the_meeting(
    bot: RunningBot,
) -> None:
    service = bot.components.services.declarations
    await _open_chat(bot, MEMBER)
    await _open_chat(bot, SECRETARIAT)
    meeting = await _schedule_now(bot, _soon(bot))
    await service.declare(await _member(bot, MEMBER), [], True, "fr-CA")
    await service.declare(await _member(bot, SECRETARIAT), [], True, "fr-CA")
    await service.plan_follow_ups()
    await bot.components.dispatcher.dispatch_due()
    camille = await _member(bot, SECRETARIAT)
    from bot.features.declarations.rules import Conflict, ItemAnswer

    items = [item.title for item in meeting.plan.agenda]
    await service.declare_for_meeting(
        camille, meeting.id, [ItemAnswer(i, Conflict.NONE) for i in items]
    )
    bot.connector.clear()
    bot.clock.now = meeting.starts_at - timedelta(days=2, minutes=-1)
    await bot.components.dispatcher.dispatch_due()
    reminded = [texts(c)[0] for c in bot.connector.cards(CHAT)]
    assert "Rappel\u00a0: conflits d’intérêts pour la réunion" in reminded
    hers = [texts(c)[0] for c in bot.connector.cards(f"personal-{SECRETARIAT.id}")]
    assert not [t for t in hers if "pour la réunion" in t], "she answered: no reminder"


async def test_the_secretariat_exports_the_follow_up_without_contents(bot: RunningBot) -> None:
    import csv
    import io

    from tests.support import activities
    from tests.test_confidentiality import _who

    await _open_chat(bot, SECRETARIAT)
    await bot.components.services.declarations.declare(
        await _member(bot, MEMBER), [_interest()], False, "fr-CA"
    )
    status = await _invoke(bot, SECRETARIAT, "declarations.status", {})
    export = _button(status, "declarations.export")
    await _invoke(bot, SECRETARIAT, export["verb"])
    offer = next(
        a for r in bot.connector.replies() for a in r.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    )  # fmt: skip
    consent = activities.file_consent_accepted(
        bot.connector.service_url,
        offer["content"]["acceptContext"],
        {"name": offer["name"], "uploadUrl": bot.connector.base_url + "/upload/decl.csv",
         "contentUrl": "https://contoso.sharepoint.com/decl.csv", "uniqueId": "f"},
        **_who(SECRETARIAT),
    )  # fmt: skip
    assert (await bot.post(consent)).status == 200
    text = bot.connector.uploads["decl.csv"].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Membre", "Organisation", "Statut", "Dernière déclaration"]
    amelie = next(r for r in rows if r[0] == "Amélie Côté")
    assert amelie[2] == "À jour"
    assert "Administratrice" not in text, "who declared, never what"


async def test_asked_in_a_group_chat_the_declaration_goes_to_the_personal_chat(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, MEMBER)
    bot.connector.clear()
    group = "19:group-chat-with-the-bot@thread.v2"
    await _say(bot, MEMBER, "déclarer", conversation_id=group, conversation_type="groupChat")
    await bot.connector.wait_for_replies(2)
    assert bot.connector.cards(group) == [], "nothing of a declaration in the group"
    [said] = [r["text"] for r in bot.connector.replies(group)]
    assert said.startswith("Je vous ai répondu en privé")
    assert texts(bot.connector.cards(CHAT)[-1])[0] == "Déclaration d’intérêts"


async def test_a_stale_conflicts_card_never_undoes_a_newer_answer(bot: RunningBot) -> None:
    """The agenda changes: the earlier card is redrawn in place as replaced, with no live
    button, and the new one asks only the new item. She declares a direct conflict on the new
    card, then presses « Aucun conflit » on the old one: nothing changes, and she sees what is
    in force."""
    from bot.features.meetings.rules import AgendaItem

    service = bot.components.services.declarations
    await _open_chat(bot, MEMBER)
    meeting = await _schedule_now(bot, _soon(bot))
    bot.connector.clear()
    await service.plan_follow_ups()
    await bot.components.dispatcher.dispatch_due()
    [first] = [c for c in bot.connector.calls if "Conflits d’intérêts" in str(c.body)]
    old_card = first.body["attachments"][0]["content"]
    old_none = _button(old_card, "declarations.no_conflict")

    camille = await _member(bot, SECRETARIAT)
    agenda = [*meeting.plan.agenda, AgendaItem("Subventions aux organismes")]
    await bot.components.services.meetings.reschedule(
        meeting.id, meeting.plan.day, meeting.plan.start, meeting.plan.minutes, camille, agenda
    )
    await service.plan_follow_ups()
    await bot.components.dispatcher.dispatch_due()
    [redrawn] = [
        c for c in bot.connector.calls
        if c.method == "PUT" and c.path.endswith(f"/activities/{first.answered_id}")
    ]  # fmt: skip
    replaced = redrawn.body["attachments"][0]["content"]
    assert "Une carte plus récente remplace celle-ci" in " ".join(texts(replaced))
    assert not replaced.get("actions"), "no live button on the replaced card"

    new = next(c for c in reversed(bot.connector.cards(CHAT)) if "Conflits" in texts(c)[0])
    send = _button(new, "declarations.meeting")
    assert "3. Subventions aux organismes" in texts(new), "never answered: every item"
    declared = await _invoke(
        bot, MEMBER, send["verb"],
        {**send["data"], "conflict_1": "none", "conflict_2": "none", "conflict_3": "direct",
         "description_3": "Ma coalition en reçoit une."},
    )  # fmt: skip
    assert "Réponses enregistrées." in texts(declared)
    amelie = (await _member(bot, MEMBER)).id
    assert await service.conflicted(meeting.id, "Subventions aux organismes") == {amelie}
    rows = len(await _per_meeting(bot))

    stale = await _invoke(bot, MEMBER, old_none["verb"], old_none["data"])
    said = " ".join(texts(stale))
    assert "Cette carte était plus ancienne que votre réponse du" in said
    assert "rien n’a été changé" in said
    assert "Subventions aux organismes" in said, "the answers in force are shown"
    assert len(await _per_meeting(bot)) == rows, "nothing recorded"
    assert await service.conflicted(meeting.id, "Subventions aux organismes") == {amelie}
