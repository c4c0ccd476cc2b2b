"""What a member, the secretariat and a stranger see when they talk to the bot."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage import tables
from bot.teams.cards import buttons_of
from tests.conftest import MEMBER, OUTSIDER, SECRETARIAT, RunningBot
from tests.support import activities
from tests.support.cards import texts
from tests.support.connector import TeamsUser


def _who(user: TeamsUser, **extra: Any) -> dict[str, Any]:
    return {"user_id": user.id, "aad_object_id": user.aad_object_id, **extra}


async def test_installing_greets_the_member_once_in_french(bot: RunningBot) -> None:
    install = activities.installed(bot.connector.service_url, **_who(MEMBER))
    responses = await asyncio.gather(*(bot.post(a) for a in install))
    assert [r.status for r in responses] == [200, 200]
    # Both posts have been answered, so every reply of both turns has been sent by now.
    cards = bot.connector.cards()
    assert len(cards) == 1, "conversationUpdate and installationUpdate must give one welcome"
    assert "Bonjour Amélie Côté, bienvenue\u00a0!" in texts(cards[0])
    assert cards[0]["actions"][0] == {
        "type": "Action.Execute",
        "title": "Voir l’aide",
        "verb": "help.show",
    }


async def test_an_english_client_is_greeted_in_english(bot: RunningBot) -> None:
    for activity in activities.installed(bot.connector.service_url, **_who(MEMBER, locale="en-US")):
        await bot.post(activity)
    await bot.connector.wait_for_replies(1)
    assert "Hello Amélie Côté, welcome!" in texts(bot.connector.cards()[0])


async def test_a_client_without_locale_gets_french(bot: RunningBot) -> None:
    response = await bot.post(
        activities.card_action(bot.connector.service_url, "help", **_who(MEMBER, locale=None))
    )
    assert texts((await response.json())["value"])[0] == "Ce que je peux faire"


async def test_a_stranger_is_refused_politely_and_told_whom_to_contact(bot: RunningBot) -> None:
    await bot.post(activities.message(bot.connector.service_url, "aide", **_who(OUTSIDER)))
    await bot.connector.wait_for_replies(1)
    text = "\n".join(texts(bot.connector.cards()[0]))
    assert "réservé aux membres inscrits" in text
    assert "[Camille Tremblay](mailto:camille.tremblay@sct.example.org)" in text
    # French first, then the same in English: nobody knows the stranger's language.
    assert text.index("réservé aux membres inscrits") < text.index("reserved for registered")
    # Learns nothing about the committee: no member names, no commands.
    assert "Amélie" not in text and "confidentialité" not in text.lower().replace(
        "confidentialite", ""
    )


async def test_a_stranger_pressing_a_card_button_gets_the_refusal(bot: RunningBot) -> None:
    response = await bot.post(
        activities.card_action(bot.connector.service_url, "help", **_who(OUTSIDER, locale="en-US"))
    )
    body = await response.json()
    assert "Reserved for committee members" in texts(body["value"])


async def test_help_shows_secretariat_commands_only_to_the_secretariat(bot: RunningBot) -> None:
    await bot.post(activities.message(bot.connector.service_url, "Aide", **_who(MEMBER)))
    await bot.post(activities.message(bot.connector.service_url, "AIDE", **_who(SECRETARIAT)))
    await bot.connector.wait_for_replies(2)
    member_card = bot.connector.cards(f"personal-{MEMBER.id}")[0]
    secretariat_card = bot.connector.cards(f"personal-{SECRETARIAT.id}")[0]
    assert "confidentialité statut" not in texts(member_card)
    assert (
        "Votre rôle\u00a0: membre du comité. Touchez un bouton, ou écrivez l’une de ces commandes\u00a0:"
        in texts(member_card)
    )
    buttons = {a["title"]: a["data"] for a in buttons_of(member_card)}
    assert buttons == {
        "Langue": {"command": "language"},
        "Mon engagement": {"command": "confidentiality"},
        "Réunions": {"command": "meetings"},
        "Déclarer": {"command": "declare"},
        "Documents": {"command": "documents"},
        "Consultation": {"command": "consultation"},
    }
    assert "confidentialité statut" in texts(secretariat_card)


async def test_a_channel_mention_is_understood(bot: RunningBot) -> None:
    activity = activities.message(
        bot.connector.service_url,
        "<at>Comité</at> help",
        **_who(
            MEMBER,
            conversation_id="19:channel@thread.tacv2",
            conversation_type="channel",
            locale="en-CA",
        ),
    )
    await bot.post(activity)
    await bot.connector.wait_for_replies(1)
    assert texts(bot.connector.cards()[0])[0] == "What I can do"


async def test_an_unknown_message_says_so_and_shows_help(bot: RunningBot) -> None:
    text = "pouvez-vous m’aider avec le budget?"
    await bot.post(activities.message(bot.connector.service_url, text, **_who(MEMBER)))
    replies = await bot.connector.wait_for_replies(2)
    assert replies[0]["text"].startswith("Je n’ai pas compris")
    assert replies[1]["attachments"][0]["content"]["body"][0]["text"] == "Ce que je peux faire"


async def test_a_member_is_recognised_by_email_on_first_contact_and_linked(bot: RunningBot) -> None:
    # The roster has no aadObjectId: Teams' member lookup gives the e-mail, then the id is kept.
    await bot.post(activities.message(bot.connector.service_url, "aide", **_who(MEMBER)))
    await bot.connector.wait_for_replies(1)
    lookups = [
        c
        for c in bot.connector.calls
        if c.method == "GET" and c.path.endswith(f"/members/{MEMBER.id}")
    ]
    assert len(lookups) == 1
    async with bot.database.transaction() as conn:
        row = (
            (
                await conn.execute(
                    select(tables.members).where(tables.members.c.email == MEMBER.email)
                )
            )
            .mappings()
            .one()
        )
        references = (await conn.execute(select(tables.conversation_references))).mappings().all()
    assert row["aad_object_id"] == MEMBER.aad_object_id
    assert row["preferred_locale"] == "fr-CA"
    assert [r["member_id"] for r in references] == [row["id"]]
    bot.connector.clear()
    await bot.post(activities.message(bot.connector.service_url, "aide", **_who(MEMBER)))
    await bot.connector.wait_for_replies(1)
    assert not [c for c in bot.connector.calls if c.method == "GET"], (
        "second contact needs no lookup"
    )


async def test_the_card_button_round_trip_replaces_the_card(bot: RunningBot) -> None:
    response = await bot.post(
        activities.card_action(
            bot.connector.service_url, "help", **_who(SECRETARIAT, locale="en-US")
        )
    )
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert texts(body["value"])[0] == "What I can do"


async def test_an_unknown_button_gets_a_clear_message_not_an_error(bot: RunningBot) -> None:
    response = await bot.post(
        activities.card_action(bot.connector.service_url, "no-such-verb", **_who(MEMBER))
    )
    assert response.status == 200
    assert "Ce bouton n’est plus valide" in "\n".join(texts((await response.json())["value"]))


async def test_adding_the_bot_to_the_committees_team_greets_the_channel_once(
    bot: RunningBot,
) -> None:
    channel = {"conversation_id": "19:general@thread.tacv2", "conversation_type": "channel"}
    for activity in activities.installed(bot.connector.service_url, **_who(SECRETARIAT, **channel)):
        await bot.post(activity)
    # Each post returns once its turn is over: nothing more can come.
    [welcome] = bot.connector.cards("19:general@thread.tacv2")
    assert texts(welcome)[:2] == [
        "Comité en gouvernement ouvert",
        "Bonjour à toutes et à tous\u00a0!",
    ]
    # A whole team reads it: the English follows the French.
    assert "Hello everyone!" in texts(welcome)


async def test_a_french_speaker_on_an_english_client_gets_french_once_she_types_it(
    bot: RunningBot,
) -> None:
    english_client = _who(MEMBER, locale="en-US")
    await bot.post(activities.message(bot.connector.service_url, "help", **english_client))
    assert texts(bot.connector.cards()[-1])[0] == "What I can do", "first contact: her client's"
    await bot.post(activities.message(bot.connector.service_url, "aide", **english_client))
    assert texts(bot.connector.cards()[-1])[0] == "Ce que je peux faire", "French words: French"
    # Kept: a button pressed later on the same English client answers in French.
    response = await bot.post(
        activities.card_action(bot.connector.service_url, "help", **english_client)
    )
    assert texts((await response.json())["value"])[0] == "Ce que je peux faire"


async def test_the_language_command_switches_and_the_choice_is_kept(bot: RunningBot) -> None:
    await bot.post(activities.message(bot.connector.service_url, "langue", **_who(MEMBER)))
    choice = bot.connector.cards()[-1]
    assert [a["title"] for a in choice["actions"]] == ["Français", "English"]
    english = next(a for a in choice["actions"] if a["title"] == "English")
    response = await bot.post(
        activities.card_action(
            bot.connector.service_url, english["verb"], english["data"], **_who(MEMBER)
        )
    )
    assert texts((await response.json())["value"]) == [
        "Language",
        "Noted: I will answer you in English from now on.",
    ]
    # Her Teams speaks French, her choice stays English.
    help_again = await bot.post(
        activities.card_action(bot.connector.service_url, "help", **_who(MEMBER))
    )
    assert texts((await help_again.json())["value"])[0] == "What I can do"


@pytest.mark.parametrize(
    ("said", "title"),
    [
        ("Bonjour!", "Bonjour Amélie Côté\u00a0!"),
        ("allo", "Bonjour Amélie Côté\u00a0!"),
        ("hi", "Hello Amélie Côté!"),
    ],
)
async def test_a_greeting_gets_a_greeting_and_the_buttons(
    bot: RunningBot, said: str, title: str
) -> None:
    await bot.post(activities.message(bot.connector.service_url, said, **_who(MEMBER)))
    [reply] = bot.connector.replies()
    assert "text" not in reply or not reply["text"], "no « I did not understand »"
    card = reply["attachments"][0]["content"]
    assert texts(card)[0] == title
    assert buttons_of(card), "what she can do, as buttons"


async def test_a_typo_gets_the_closest_command_with_a_button_that_runs_it(
    bot: RunningBot,
) -> None:
    await bot.post(
        activities.message(bot.connector.service_url, "confidentialty stauts", **_who(SECRETARIAT))
    )
    card = bot.connector.cards()[-1]
    assert texts(card) == ["Vouliez-vous dire «\u00a0confidentialité statut\u00a0»\u00a0?"]
    run = buttons_of(card)[0]
    bot.connector.clear()
    response = await bot.post(
        activities.card_action(
            bot.connector.service_url, run["verb"], run["data"], **_who(SECRETARIAT)
        )
    )
    assert texts((await response.json())["value"])[0] == "Ce que je peux faire"
    assert texts(bot.connector.cards()[-1])[0] == "Suivi de l’engagement de confidentialité"


async def test_every_help_button_reaches_its_command(bot: RunningBot) -> None:
    await bot.post(activities.message(bot.connector.service_url, "aide", **_who(SECRETARIAT)))
    help_card = bot.connector.cards()[-1]
    assert [a["title"] for a in buttons_of(help_card)] == [
        "Langue",
        "Mon engagement",
        "Statut",
        "Publier…",
        "Réunions",
        "Planifier…",
        "Déclarer",
        "Documents",
        "Consultation",
    ]
    for button in buttons_of(help_card):
        bot.connector.clear()
        response = await bot.post(
            activities.card_action(
                bot.connector.service_url, button["verb"], button["data"], **_who(SECRETARIAT)
            )
        )
        assert texts((await response.json())["value"])[0] == "Ce que je peux faire"
        assert len(bot.connector.cards()) == 1, f"{button['title']} answered below the help"


async def test_the_welcome_keeps_its_text_when_help_is_pressed(bot: RunningBot) -> None:
    for activity in activities.installed(bot.connector.service_url, **_who(MEMBER)):
        await bot.post(activity)
    [welcome] = bot.connector.cards()
    button = welcome["actions"][0]
    response = await bot.post(
        activities.card_action(bot.connector.service_url, button["verb"], **_who(MEMBER))
    )
    assert texts((await response.json())["value"]) == texts(welcome)
    assert texts(bot.connector.cards()[-1])[0] == "Ce que je peux faire"


async def test_a_newcomer_is_welcomed_with_what_waited_not_flooded(bot: RunningBot) -> None:
    """Before she opened the chat: the commitment was published, a meeting scheduled then
    moved, her conflicts for it and her declaration asked. On first contact she gets at
    most three messages: the welcome, and one card listing what is expected of her, in
    order, each with its button; the « moved » notice about a time she never saw is not
    sent, and each button opens the current card."""
    from datetime import time

    from bot.storage.repositories import MemberRepository
    from tests.test_confidentiality import _invoke, _open_chat, _publish
    from tests.test_meetings import _schedule_now, _soon

    services = bot.components.services
    await _publish(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    async with bot.database.read() as conn:
        camille = await MemberRepository().by_email(conn, SECRETARIAT.email)
    assert camille is not None
    await services.meetings.reschedule(
        meeting.id, meeting.plan.day, time(15, 0), meeting.plan.minutes, camille
    )
    await services.declarations.plan_follow_ups()
    await bot.components.dispatcher.dispatch_due()  # she cannot be reached: all of it waits
    chat = f"personal-{MEMBER.id}"
    assert bot.connector.cards(chat) == []

    await _open_chat(bot, MEMBER)
    await bot.components.dispatcher.dispatch_due()
    shown = bot.connector.cards(chat)
    assert len(shown) <= 3, [texts(c)[0] for c in shown]
    assert texts(shown[0])[0] == "Comité en gouvernement ouvert"
    [todo] = [c for c in shown if texts(c)[0] == "Ce qui vous attend"]
    lines = [t for t in texts(todo) if t[:2] in ("1.", "2.", "3.", "4.")]
    assert lines[0].startswith("1. Lire et accepter l’engagement de confidentialité")
    assert lines[1] == "2. Faire votre déclaration d’intérêts."
    assert lines[2].startswith("3. Dire si vous serez à la réunion")
    assert "15 h" in lines[2], "the meeting as it is now"
    assert lines[3].startswith("4. Déclarer vos conflits d’intérêts pour la réunion du")
    assert not any("déplacée" in " ".join(texts(c)).lower() for c in shown), "no moved notice"

    buttons = [b for e in todo["body"] if e["type"] == "ActionSet" for b in e["actions"]]
    assert [b["title"] for b in buttons] == [
        "Lire l’engagement", "Déclarer mes intérêts", "Voir la réunion",
        "Mes conflits d’intérêts",
    ]  # fmt: skip
    opened = [await _invoke(bot, MEMBER, b["verb"], b.get("data", {})) for b in buttons]
    assert texts(opened[0])[0] == "Engagement de confidentialité — version 1"
    assert any("15 h" in t for t in texts(opened[2])), "the meeting's own card, as it is now"
    assert texts(opened[3])[0].startswith("Conflits d’intérêts")

    # Nothing of what was folded goes out later on its own.
    await bot.components.dispatcher.dispatch_due()
    assert len(bot.connector.cards(chat)) == len(shown)
