"""The confidentiality commitment, as members and the secretariat live it, through signed Teams
traffic on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.features.confidentiality import tables as confidentiality_tables
from bot.features.confidentiality.rules import fingerprint, normalise_text
from bot.storage import tables
from tests.conftest import (
    MEMBER,
    OUTSIDER,
    ROSTER,
    SECRETARIAT,
    RunningBot,
    import_roster,
    serve,
    signed_settings,
)
from tests.support import activities
from tests.support.cards import texts
from tests.support.connector import LoopbackConnector, TeamsUser
from tests.support.postgres import free_port

TEXT_FR = (
    "Je m’engage à ne pas divulguer ni utiliser les renseignements obtenus dans le cadre des "
    "travaux du comité.\n\nJ’agis avec discrétion et je déclare « tout conflit d’intérêts », direct ou indirect."
)
TEXT_EN = (
    "I undertake not to disclose or use information obtained through the committee’s work.\n\n"
    "I act with discretion and declare any “conflict of interest”, direct or indirect."
)


def _roster_with(folder: Path, who: str, mandate: str, replacement: str) -> Path:
    """The demo roster with one person's mandate dates changed."""
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    changed = [
        line.replace(mandate, replacement) if line.startswith(who) else line for line in lines
    ]
    path = folder / f"{who}-{replacement[:10]}.csv"
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    return path


def _who(user: TeamsUser, **extra: Any) -> dict[str, Any]:
    return {"user_id": user.id, "aad_object_id": user.aad_object_id, **extra}


async def _invoke(
    bot: RunningBot, user: TeamsUser, verb: str, data: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    activity = activities.card_action(bot.connector.service_url, verb, data, **_who(user, **extra))
    response = await bot.post(activity)
    assert response.status == 200
    body = await response.json()
    card: dict[str, Any] = body["value"]
    return card


async def _say(bot: RunningBot, user: TeamsUser, text: str, **extra: Any) -> None:
    response = await bot.post(
        activities.message(bot.connector.service_url, text, **_who(user, **extra))
    )
    assert response.status == 200


async def _publish(
    bot: RunningBot, text_fr: str = TEXT_FR, text_en: str = TEXT_EN, **extra: Any
) -> dict[str, Any]:
    """The secretariat's way: the form's texts previewed, then « Publier » on the preview."""
    form = {
        "text_fr": text_fr,
        "text_en": text_en,
        "summary_fr": "Ce qui change.",
        "summary_en": "What changed.",
    }
    preview = await _invoke(bot, SECRETARIAT, "confidentiality.preview", form, **extra)
    buttons = preview.get("actions", [])
    if not buttons or buttons[0]["verb"] != "confidentiality.publish":
        return preview  # refused: the form again with what is wrong, or no access
    publish = preview["actions"][0]
    done = await _invoke(bot, SECRETARIAT, publish["verb"], publish["data"], **extra)
    if "la confirmation est plus bas" not in " ".join(texts(done)):
        return done  # refused: the form again, or the draft gone
    # The confirmation is sent below the samples, at the bottom of the conversation.
    confirmation: dict[str, Any] = bot.connector.cards()[-1]
    return confirmation


async def _acceptances(bot: RunningBot) -> list[dict[str, Any]]:
    async with bot.database.transaction() as conn:
        return [
            dict(r)
            for r in (await conn.execute(select(confidentiality_tables.acceptances))).mappings()
        ]


async def _open_chat(bot: RunningBot, user: TeamsUser, locale: str = "fr-CA") -> None:
    """The member installs the bot: from then on it can write to them."""
    for activity in activities.installed(bot.connector.service_url, **_who(user, locale=locale)):
        await bot.post(activity)
    await bot.components.dispatcher.drain()


async def test_publish_then_the_member_gets_the_card_and_accepts_it(bot: RunningBot) -> None:
    await _open_chat(bot, MEMBER)
    bot.connector.clear()
    published = await _publish(bot)
    assert texts(published)[0] == "Version 1 publiée"
    await bot.components.dispatcher.dispatch_due()

    member_cards = bot.connector.cards(f"personal-{MEMBER.id}")
    assert len(member_cards) == 1
    card = member_cards[0]
    assert "« tout conflit d’intérêts »" in "\n".join(texts(card))
    accept = card["actions"][0]
    assert (accept["title"], accept["verb"], accept["data"]) == (
        "J’ai lu et j’accepte",
        "confidentiality.accept",
        {"version": 1, "language": "fr-CA"},
    )

    replaced = await _invoke(bot, MEMBER, accept["verb"], accept["data"])
    line = texts(replaced)[1]
    assert line.startswith("Accepté le ") and line.endswith(" — version 1")

    [row] = await _acceptances(bot)
    assert row["version"] == 1
    assert row["language"] == "fr-CA"
    assert row["text_sha256"] == fingerprint(normalise_text(TEXT_FR))
    assert row["activity_id"]
    async with bot.database.transaction() as conn:
        actions = [r.action for r in await conn.execute(select(tables.audit_log.c.action))]
    assert actions[-1] == "confidentiality.accepted"

    # Nothing more goes out once accepted: the reminders are dropped, not sent.
    bot.connector.clear()
    bot.clock.advance(days=15)
    report = await bot.components.dispatcher.dispatch_due()
    assert report.skipped == 3, "her reminders at 3 and 7 days and the escalation are dropped"
    assert bot.connector.cards(f"personal-{MEMBER.id}") == []


async def test_an_english_member_reads_and_accepts_the_english_text(bot: RunningBot) -> None:
    await _publish(bot)
    card = await _invoke(bot, MEMBER, "confidentiality.view", locale="en-US")
    assert "I undertake not to disclose" in "\n".join(texts(card))
    assert card["actions"][0]["title"] == "I have read and accept"
    replaced = await _invoke(bot, MEMBER, "confidentiality.accept", {"version": 1}, locale="en-US")
    assert texts(replaced)[1].startswith("Accepted on ")
    [row] = await _acceptances(bot)
    assert (row["language"], row["text_sha256"]) == ("en", fingerprint(normalise_text(TEXT_EN)))


async def test_double_click_and_retried_invoke_record_once_with_the_same_answer(
    bot: RunningBot,
) -> None:
    await _publish(bot)
    retried = activities.card_action(
        bot.connector.service_url, "confidentiality.accept", {"version": 1}, **_who(MEMBER)
    )
    double = activities.card_action(
        bot.connector.service_url, "confidentiality.accept", {"version": 1}, **_who(MEMBER)
    )
    answers = await asyncio.gather(bot.post(retried), bot.post(retried), bot.post(double))
    bodies = [await a.json() for a in answers]
    assert len(await _acceptances(bot)) == 1
    assert bodies[0] == bodies[1] == bodies[2]


async def test_accepting_from_an_old_card_records_nothing_and_leaves_one_live_card(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, MEMBER)
    await _publish(bot)
    await _publish(bot, TEXT_FR + "\n\nVersion révisée.", TEXT_EN + "\n\nRevised version.")
    card = await _invoke(bot, MEMBER, "confidentiality.accept", {"version": 1})
    assert texts(card) == [
        "Engagement de confidentialité — version 1",
        "Cette version a été remplacée par la version 2, que vous trouverez plus bas dans "
        "cette conversation. Rien n’a été enregistré avec ce bouton.",
    ]
    assert "actions" not in card, "no live button on the old card"
    assert await _acceptances(bot) == []
    # The version in force reaches her once, as its own card: one live card of it.
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    live = [
        c
        for c in bot.connector.cards(f"personal-{MEMBER.id}")
        if c.get("actions") and c["actions"][0].get("data", {}).get("version") == 2
    ]
    assert len(live) == 1
    assert "Version révisée." in "\n".join(texts(live[0]))


async def test_a_non_member_pressing_the_button_is_refused_and_nothing_is_recorded(
    bot: RunningBot,
) -> None:
    await _publish(bot)
    card = await _invoke(bot, OUTSIDER, "confidentiality.accept", {"version": 1})
    assert "Accès réservé aux membres du comité" in texts(card)
    assert await _acceptances(bot) == []


async def test_a_member_whose_mandate_ended_is_refused(
    connector: LoopbackConnector, tmp_path: Path, sqlite_url: str
) -> None:
    ended = _roster_with(tmp_path, "amelie", "2025-09-01,2027-08-31", "2023-09-01,2025-08-31")
    await import_roster(sqlite_url, ended)
    async with serve(signed_settings(connector, sqlite_url), connector) as bot:
        await _publish(bot)
        card = await _invoke(bot, MEMBER, "confidentiality.accept", {"version": 1})
        assert "Seuls les membres dont le mandat est en cours" in "\n".join(texts(card))
        assert await _acceptances(bot) == []


async def test_the_identity_is_the_activitys_never_the_cards(bot: RunningBot) -> None:
    await _publish(bot)
    forged = {
        "version": 1,
        "member_id": 1,
        "aadObjectId": SECRETARIAT.aad_object_id,
        "email": SECRETARIAT.email,
    }
    await _invoke(bot, MEMBER, "confidentiality.accept", forged)
    async with bot.database.transaction() as conn:
        member_id = (
            await conn.execute(
                select(tables.members.c.id).where(tables.members.c.email == MEMBER.email)
            )
        ).scalar_one()
    [row] = await _acceptances(bot)
    assert row["member_id"] == member_id


async def test_reminders_after_3_and_7_days_then_the_secretariat_after_14(bot: RunningBot) -> None:
    await _open_chat(bot, SECRETARIAT)
    await _open_chat(bot, MEMBER)
    await _say(bot, SECRETARIAT, "aide")
    await _publish(bot)
    # The secretariat accepts at once; the member does not.
    await _invoke(bot, SECRETARIAT, "confidentiality.accept", {"version": 1})
    dispatcher = bot.components.dispatcher
    await dispatcher.dispatch_due()
    bot.connector.clear()

    member_chat, secretariat_chat = f"personal-{MEMBER.id}", f"personal-{SECRETARIAT.id}"

    def to_secretariat() -> list[dict[str, Any]]:
        # The others never opened the app: the secretariat is told that too, on its own card.
        return [
            c for c in bot.connector.cards(secretariat_chat)
            if texts(c)[0] != "Teams ne peut pas joindre certains membres"
        ]  # fmt: skip

    published_at = bot.clock.now
    for days, expected in ((2, 0), (3, 1), (6, 1), (7, 2), (13, 2)):
        bot.clock.now = published_at + timedelta(days=days, minutes=1)
        await dispatcher.dispatch_due()
        assert len(bot.connector.cards(member_chat)) == expected, f"day {days}"
    reminder = bot.connector.cards(member_chat)[0]
    assert (
        texts(reminder)[1] == "Rappel\u00a0: l’engagement attend votre acceptation depuis 3 jours."
    )
    assert reminder["actions"][0]["verb"] == "confidentiality.accept"
    assert to_secretariat() == []
    bot.clock.now = published_at + timedelta(days=14, minutes=1)
    await dispatcher.dispatch_due()
    [escalation] = to_secretariat()
    assert (
        texts(escalation)[1]
        == "4 membres n’ont toujours pas accepté la version 1 de l’engagement, 14 jours après l’envoi\u00a0:"
    )
    assert "- Amélie Côté (Coalition pour la transparence (exemple))" in texts(escalation)[2].split(
        "\n"
    )
    table = await _invoke(bot, SECRETARIAT, escalation["actions"][0]["verb"])
    assert texts(table)[0] == "Suivi de l’engagement de confidentialité"
    # Sent once: later ticks send nothing more.
    bot.clock.now = published_at + timedelta(days=20)
    await dispatcher.dispatch_due()
    assert len(to_secretariat()) == 1
    assert len(bot.connector.cards(member_chat)) == 2


async def test_a_member_who_installs_later_gets_the_card_at_once(bot: RunningBot) -> None:
    await _publish(bot)
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    assert bot.connector.cards(f"personal-{MEMBER.id}") == [], "she has not opened a chat yet"
    await _open_chat(bot, MEMBER)
    cards = bot.connector.cards(f"personal-{MEMBER.id}")
    titles = [texts(c)[0] for c in cards]
    assert titles == ["Comité en gouvernement ouvert", "Engagement de confidentialité — version 1"]


async def test_planned_follow_ups_survive_a_restart_and_go_out_once(
    connector: LoopbackConnector, database_url: str
) -> None:
    await import_roster(database_url)
    settings = signed_settings(connector, database_url)
    async with serve(settings, connector) as bot:
        await _open_chat(bot, MEMBER)
        await _publish(bot)
        start = bot.clock.now
    # The process stops before anything was sent; a new one picks the plan up.
    async with serve(settings, connector) as restarted:
        restarted.clock.now = start
        await restarted.components.dispatcher.dispatch_due()
        await restarted.components.dispatcher.dispatch_due()
    async with serve(settings, connector) as again:
        again.clock.now = start
        await again.components.dispatcher.dispatch_due()
    commitment_cards = [
        c for c in connector.cards(f"personal-{MEMBER.id}") if texts(c)[0].startswith("Engagement")
    ]
    assert len(commitment_cards) == 1


async def test_a_new_version_and_a_renewed_mandate_each_ask_again(
    bot: RunningBot, tmp_path: Path
) -> None:
    await _publish(bot)
    await _invoke(bot, MEMBER, "confidentiality.accept", {"version": 1})
    service = bot.components.confidentiality
    member = await _member(bot, MEMBER)
    assert await service.has_accepted_current(member)
    await _publish(bot, TEXT_FR + "\n\nv2", TEXT_EN + "\n\nv2")
    assert not await service.has_accepted_current(member)
    await _invoke(bot, MEMBER, "confidentiality.accept", {"version": 2})
    assert await service.has_accepted_current(member)
    renewed = _roster_with(tmp_path, "amelie", "2025-09-01,2027-08-31", "2025-10-01,2027-09-30")
    await import_roster(bot.components.settings.database_url, renewed)
    assert not await service.has_accepted_current(await _member(bot, MEMBER))


async def _member(bot: RunningBot, user: TeamsUser) -> Any:
    async with bot.database.transaction() as conn:
        from bot.storage.repositories import MemberRepository

        return await MemberRepository().by_email(conn, user.email)


async def test_the_gate_refuses_until_accepted_and_its_button_opens_the_commitment(
    bot: RunningBot,
) -> None:
    from bot.features.confidentiality.cards import gate

    service = bot.components.confidentiality
    await _publish(bot)
    member = await _member(bot, MEMBER)
    assert not await service.has_accepted_current(member)
    gate_card = gate(bot.components.catalogues.for_locale("fr-CA"))
    button = gate_card["actions"][0]
    opened = await _invoke(bot, MEMBER, button["verb"], button.get("data"))
    assert texts(opened)[0] == "Engagement de confidentialité — version 1"
    await _invoke(bot, MEMBER, opened["actions"][0]["verb"], opened["actions"][0]["data"])
    assert await service.has_accepted_current(member)


async def test_the_command_shows_the_text_and_my_status(bot: RunningBot) -> None:
    await _say(bot, MEMBER, "Confidentialite")
    await bot.connector.wait_for_replies(1)
    assert "pas encore publié" in "\n".join(texts(bot.connector.cards()[0]))
    await _publish(bot)
    await _invoke(bot, MEMBER, "confidentiality.accept", {"version": 1})
    # The publication's cards go out in the background: done before listening for the answer.
    await bot.components.dispatcher.drain()
    bot.connector.clear()
    await _say(bot, MEMBER, "confidentialité")
    await bot.connector.wait_for_replies(1)
    shown = texts(bot.connector.cards()[0])
    assert shown[0] == "Engagement de confidentialité — version 1"
    assert shown[-1].startswith("Accepté le ")


async def test_in_a_channel_each_viewer_is_refreshed_to_their_own_status(bot: RunningBot) -> None:
    await _say(bot, MEMBER, "aide")
    await _publish(bot)
    bot.connector.clear()
    await _say(
        bot,
        MEMBER,
        "<at>Comité</at> confidentialité",
        conversation_id="19:committee@thread.tacv2",
        conversation_type="channel",
    )
    await bot.connector.wait_for_replies(1)
    card = bot.connector.cards("19:committee@thread.tacv2")[0]
    assert card["refresh"]["action"]["verb"] == "confidentiality.view"
    assert MEMBER.id in card["refresh"]["userIds"]
    mine = await _invoke(
        bot,
        MEMBER,
        "confidentiality.view",
        conversation_id="19:committee@thread.tacv2",
        conversation_type="channel",
    )
    assert mine["actions"][0]["verb"] == "confidentiality.accept"


async def test_secretariat_table_puts_pending_first_and_exports_a_csv_file(bot: RunningBot) -> None:
    await _publish(bot)
    await _invoke(bot, SECRETARIAT, "confidentiality.accept", {"version": 1})
    await _say(bot, SECRETARIAT, "confidentialité statut")
    await bot.connector.wait_for_replies(1)
    table = bot.connector.cards()[-1]
    rows = next(e for e in table["body"] if e["type"] == "Table")["rows"]
    names = [row["cells"][0]["items"][0]["text"] for row in rows[1:]]
    statuses = [row["cells"][1]["items"][0]["text"] for row in rows[1:]]
    assert names[-1] == "Camille Tremblay" and statuses[-1] == "✅ Acceptée"
    # Nobody had opened a chat with the bot: the card has reached none of the others yet.
    assert statuses[:-1] == ["✉ Pas encore joint"] * 4
    assert names[:-1] == sorted(names[:-1], key=str.casefold)

    bot.connector.clear()
    await _invoke(bot, SECRETARIAT, "confidentiality.export")
    [offer] = [a for r in bot.connector.replies() for a in r.get("attachments", [])]
    assert offer["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    consent = activities.file_consent_accepted(
        bot.connector.service_url,
        offer["content"]["acceptContext"],
        {
            "name": "suivi-confidentialite.csv",
            "uploadUrl": bot.connector.base_url + "/upload/report.csv",
            "contentUrl": "https://contoso.sharepoint.com/personal/camille/suivi-confidentialite.csv",
            "uniqueId": "file-1",
            "fileType": "csv",
        },
        **_who(SECRETARIAT),
    )
    response = await bot.post(consent)
    assert response.status == 200
    uploaded = bot.connector.uploads["report.csv"]
    assert uploaded.startswith("\ufeff".encode())
    rows_csv = list(csv.reader(io.StringIO(uploaded.decode("utf-8-sig")), delimiter=";"))
    assert rows_csv[0][:4] == ["Nom", "Courriel", "Organisation", "Statut"]
    assert rows_csv[1][:2] == ["Amélie Côté", "amelie.cote@transparence.example.org"]
    camille = next(r for r in rows_csv if r[0] == "Camille Tremblay")
    # Shown as people read it, and again in a column that sorts.
    assert camille[5].endswith("(heure de l’Est)")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", camille[6])
    info = bot.connector.replies()[-1]["attachments"][0]
    assert info["contentType"] == "application/vnd.microsoft.teams.card.file.info"


async def test_members_cannot_see_the_table_or_publish(bot: RunningBot) -> None:
    await _say(bot, MEMBER, "confidentialité statut")
    replies = await bot.connector.wait_for_replies(1)
    assert replies[0]["text"] == "Cette commande est réservée au secrétariat."
    card = await _invoke(bot, MEMBER, "confidentiality.publish", {"text_fr": "x", "text_en": "y"})
    assert "réservée au secrétariat" in "\n".join(texts(card))
    async with bot.database.transaction() as conn:
        assert (
            await conn.execute(select(confidentiality_tables.commitment_versions))
        ).first() is None


async def test_publishing_an_empty_text_keeps_the_form_and_says_which(bot: RunningBot) -> None:
    card = await _invoke(
        bot,
        SECRETARIAT,
        "confidentiality.preview",
        {"text_fr": TEXT_FR, "text_en": "   "},
        locale="en-US",
    )
    assert "The English text is empty." in texts(card)
    inputs = {e["id"]: e["value"] for e in card["body"] if e["type"] == "Input.Text"}
    assert inputs["text_fr"] == TEXT_FR
    async with bot.database.transaction() as conn:
        assert (
            await conn.execute(select(confidentiality_tables.commitment_versions))
        ).first() is None


async def test_the_longest_commitment_allowed_still_fits_in_one_teams_message(
    bot: RunningBot,
) -> None:
    from bot.features.confidentiality.rules import MAX_TEXT_CHARACTERS

    paragraph = (
        "Les membres s’engagent à préserver la confidentialité des échanges « à huis clos ». "
    )
    longest = (paragraph * (MAX_TEXT_CHARACTERS // len(paragraph) + 1))[:MAX_TEXT_CHARACTERS]
    await _open_chat(bot, MEMBER)
    published = await _publish(bot, longest, longest)
    assert texts(published)[0] == "Version 1 publiée"
    await bot.components.dispatcher.dispatch_due()
    [sent] = [
        c
        for c in bot.connector.calls
        if f"personal-{MEMBER.id}" in c.path
        and "Engagement" in json.dumps(c.body, ensure_ascii=False)
    ]
    assert sent.size < 28 * 1024, f"{sent.size} bytes on the wire"


async def test_the_report_is_never_uploaded_in_clear_to_another_host(bot: RunningBot) -> None:
    # Another port on loopback stands for another host: should the rule break, nothing leaves.
    elsewhere = f"http://127.0.0.1:{free_port()}/upload/x.csv"
    await _publish(bot)
    consent = activities.file_consent_accepted(
        bot.connector.service_url,
        {"report": "confidentiality"},
        {"name": "x.csv", "uploadUrl": elsewhere},
        **_who(SECRETARIAT),
    )
    response = await bot.post(consent)
    assert response.status == 400
    assert bot.connector.uploads == {}


async def test_the_acceptance_records_the_language_the_card_showed_not_the_clients(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, MEMBER)  # a French client: the commitment comes in French
    await _publish(bot)
    await bot.components.dispatcher.dispatch_due()
    [card] = [c for c in bot.connector.cards(f"personal-{MEMBER.id}") if "version 1" in texts(c)[0]]
    button = card["actions"][0]
    assert button["data"] == {"version": 1, "language": "fr-CA"}
    # She clicks from a client now set to English.
    replaced = await _invoke(bot, MEMBER, button["verb"], button["data"], locale="en-US")
    assert texts(replaced)[1].startswith("Accepté le ")
    [row] = await _acceptances(bot)
    assert (row["language"], row["text_sha256"]) == ("fr-CA", fingerprint(normalise_text(TEXT_FR)))


async def test_an_unknown_language_in_card_data_falls_back_to_the_client(bot: RunningBot) -> None:
    await _publish(bot)
    await _invoke(
        bot, MEMBER, "confidentiality.accept", {"version": 1, "language": "de"}, locale="en-US"
    )
    [row] = await _acceptances(bot)
    assert row["language"] == "en"


async def test_someone_marked_inactive_loses_access_secretariat_rights_included(
    connector: LoopbackConnector, tmp_path: Path, sqlite_url: str
) -> None:
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    left = [
        line.replace(",oui,", ",non,") if line.startswith("camille") else line for line in lines
    ]
    roster = tmp_path / "left.csv"
    roster.write_text("\n".join(left) + "\n", encoding="utf-8")
    await import_roster(sqlite_url, roster)
    async with serve(signed_settings(connector, sqlite_url), connector) as bot:
        card = await _publish(bot)
        assert texts(card)[0] == "Accès réservé aux membres du comité"
        await _say(bot, SECRETARIAT, "confidentialité statut")
        await bot.connector.wait_for_replies(1)
        assert texts(bot.connector.cards()[0])[0] == "Accès réservé aux membres du comité"
        async with bot.database.transaction() as conn:
            assert (
                await conn.execute(select(confidentiality_tables.commitment_versions))
            ).first() is None


async def test_publishing_says_who_gets_the_card_now_and_who_cannot_be_reached_yet(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, MEMBER)
    published = await _publish(bot)
    shown = texts(published)
    assert shown[:3] == [
        "Version 1 publiée",
        "La carte part maintenant vers 2 membres.",
        "3 membres ne peuvent pas encore être joints, car ils n’ont jamais ouvert de conversation "
        "avec moi\u00a0: Jean-François Bouchard, Mathieu Gagnon, Nadia Belkacem. La carte leur "
        "parviendra dès qu’ils m’écriront ou installeront l’application dans Teams.",
    ]
    await bot.components.dispatcher.drain()
    table = await _invoke(bot, SECRETARIAT, "confidentiality.table")
    rows = next(e for e in table["body"] if e["type"] == "Table")["rows"]
    status = {
        r["cells"][0]["items"][0]["text"]: r["cells"][1]["items"][0]["text"] for r in rows[1:]
    }
    assert status["Amélie Côté"] == "⏳ En attente", "her card was delivered"
    assert status["Nadia Belkacem"] == "✉ Pas encore joint"


async def test_nothing_is_published_before_the_preview_is_confirmed(bot: RunningBot) -> None:
    await _open_chat(bot, SECRETARIAT)
    bot.connector.clear()
    form = {"text_fr": TEXT_FR, "text_en": TEXT_EN}
    preview = await _invoke(bot, SECRETARIAT, "confidentiality.preview", form)
    assert texts(preview)[0] == "Aperçu de la version 1"
    assert [a["title"] for a in preview["actions"]] == ["Publier", "Modifier"]
    # The two cards members will receive, French and English, shown to her first.
    shown = [texts(c)[0] for c in bot.connector.cards(f"personal-{SECRETARIAT.id}")]
    assert shown == [
        "Engagement de confidentialité — version 1",
        "Confidentiality commitment — version 1",
    ]
    assert "I undertake not to disclose" in "\n".join(texts(bot.connector.cards()[-1]))
    async with bot.database.read() as conn:
        assert (
            await conn.execute(select(confidentiality_tables.commitment_versions))
        ).first() is None
    edit = preview["actions"][1]
    form_again = await _invoke(bot, SECRETARIAT, edit["verb"], edit["data"])
    assert {e["id"]: e["value"] for e in form_again["body"] if e["type"] == "Input.Text"} == {
        "text_fr": normalise_text(TEXT_FR),
        "text_en": normalise_text(TEXT_EN),
    }
    publish = preview["actions"][0]
    first = await _invoke(bot, SECRETARIAT, publish["verb"], publish["data"])
    again = await _invoke(bot, SECRETARIAT, publish["verb"], publish["data"])
    assert texts(first) == texts(again), "a double click publishes once"
    assert "Publiée\u00a0: la confirmation est plus bas." in texts(first)
    assert not first.get("actions"), "the preview keeps no live button"
    assert texts(bot.connector.cards()[-1])[0] == "Version 1 publiée", "at the bottom"
    async with bot.database.read() as conn:
        assert (
            len((await conn.execute(select(confidentiality_tables.commitment_versions))).all()) == 1
        )


def _acceptable(bot: RunningBot, user: TeamsUser) -> list[dict[str, Any]]:
    """The commitment cards in this person's chat that have a live « accept » button."""
    return [
        c
        for c in bot.connector.cards(f"personal-{user.id}")
        if any(a.get("verb") == "confidentiality.accept" for a in c.get("actions", []))
    ]


async def test_a_new_version_says_what_changed_and_older_cards_say_they_are_superseded(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, MEMBER)
    await _publish(bot)
    await bot.components.dispatcher.drain()
    [first_card] = _acceptable(bot, MEMBER)
    first_id = bot.connector.id_of(first_card, f"personal-{MEMBER.id}")
    bot.connector.clear()
    await _publish(bot, TEXT_FR + "\n\nDeuxième.", TEXT_EN + "\n\nSecond.")
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    # Hers, and the secretariat's own (Camille's chat is open too).
    [update] = [u for u in bot.connector.updates() if f"personal-{MEMBER.id}" in u.path]
    assert update.path.endswith(f"/activities/{first_id}"), "her version 1 card, in place"
    replaced = update.body["attachments"][0]["content"]
    assert texts(replaced)[1].startswith("Cette version a été remplacée par la version 2")
    assert "actions" not in replaced
    [second] = _acceptable(bot, MEMBER)
    shown = texts(second)
    assert shown[1:3] == ["Ce qui change depuis la version 1\u00a0:", "Ce qui change."]
    assert first_card["actions"][0]["data"]["version"] == 1
    # Planned once: later ticks update nothing more.
    updates = len(bot.connector.updates())
    await bot.components.dispatcher.dispatch_due()
    assert len(bot.connector.updates()) == updates


async def test_a_second_version_asks_what_changed(bot: RunningBot) -> None:
    await _publish(bot)
    form = {"text_fr": TEXT_FR + " Modifié.", "text_en": TEXT_EN + " Changed."}
    refused = await _invoke(bot, SECRETARIAT, "confidentiality.preview", form)
    assert (
        "Dites en français ce qui change depuis la version en vigueur\u00a0: les membres qui "
        "l’ont acceptée le liront en premier." in texts(refused)
    )
    ids = [e["id"] for e in refused["body"] if e["type"] == "Input.Text"]
    assert ids == ["text_fr", "text_en", "summary_fr", "summary_en"]
