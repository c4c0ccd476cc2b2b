"""Delivery as Teams really behaves: it refuses, throttles, fails and vanishes. A message is
recorded sent only once Teams took it; a failed turn is never remembered as the answer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.features.confidentiality import tables as confidentiality_tables
from bot.storage import tables
from bot.storage.database import from_db
from bot.teams import cards
from bot.teams.platform import Action, Command, DuplicateRegistration, FeatureSpec, NoData, Turn
from tests.conftest import (
    MEMBER,
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
from tests.test_confidentiality import TEXT_EN, TEXT_FR, _invoke, _open_chat, _publish, _who

MATHIEU = TeamsUser(
    "29:mathieu",
    "00000000-0000-0000-0000-0000000000a1",
    "Mathieu Gagnon",
    "mathieu.gagnon@sct.example.org",
)


async def _plan(bot: RunningBot) -> None:
    """A version published and its cards planned, none sent yet (the service, not the card,
    which would send at once)."""
    await bot.components.confidentiality.publish(TEXT_FR, TEXT_EN, SECRETARIAT.email)


async def _rows(bot: RunningBot, kind: str = "confidentiality.card") -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        query = select(tables.outbox).where(tables.outbox.c.kind == kind)
        return [dict(row) for row in (await conn.execute(query)).mappings()]


async def _member_id(bot: RunningBot, user: TeamsUser) -> int:
    async with bot.database.read() as conn:
        query = select(tables.members.c.id).where(tables.members.c.email == user.email)
        return int((await conn.execute(query)).scalar_one())


async def _register_people(
    database_url: str, folder: Path, prefix: str, count: int
) -> list[TeamsUser]:
    """The demo committee and `count` more members, each with their Entra id."""
    people = [
        TeamsUser(
            f"29:{prefix}{n}",
            f"00000000-0000-0000-{sum(map(ord, prefix)) % 10000:04d}-{n:012d}",
            f"Membre {prefix} {n:02d}",
            f"{prefix}{n}@example.org",
        )
        for n in range(1, count + 1)
    ]
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    lines += [
        f"{p.email},{p.name},Organisme {p.name},societe_civile,member,oui,{p.aad_object_id},"
        "2025-09-01,2027-08-31"
        for p in people
    ]
    roster = folder / f"{prefix}.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await import_roster(database_url, roster)
    return people


def _commitment_cards(bot: RunningBot, user: TeamsUser) -> list[dict[str, Any]]:
    return [
        card
        for card in bot.connector.cards(f"personal-{user.id}")
        if texts(card)[0].startswith("Engagement de confidentialité — version")
    ]


async def test_a_card_sent_while_teams_is_unreachable_is_retried_not_recorded_sent(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, MEMBER)
    await _plan(bot)
    await bot.connector.vanish()
    await bot.components.dispatcher.dispatch_due()
    [row] = [r for r in await _rows(bot) if r["member_id"] == await _member_id(bot, MEMBER)]
    assert row["sent_at"] is None and row["outcome"] is None
    assert row["attempts"] == 1
    assert "unreachable" in row["last_error"]

    await bot.connector.come_back()
    await bot.components.dispatcher.dispatch_due()
    assert _commitment_cards(bot, MEMBER) == [], "not before its back-off"
    bot.clock.advance(minutes=3)
    await bot.components.dispatcher.dispatch_due()
    await bot.components.dispatcher.dispatch_due()
    assert len(_commitment_cards(bot, MEMBER)) == 1
    [row] = [r for r in await _rows(bot) if r["member_id"] == await _member_id(bot, MEMBER)]
    assert row["outcome"] == "sent"


@pytest.mark.parametrize(
    ("status", "retry_after", "earliest", "latest"),
    [
        (429, 30.0, timedelta(seconds=30), timedelta(seconds=33)),
        (500, None, timedelta(minutes=1), timedelta(minutes=1, seconds=6)),
        (503, 5.0, timedelta(seconds=5), timedelta(seconds=5.5)),
        (403, None, timedelta(hours=1), timedelta(hours=1, minutes=6)),
    ],
)
async def test_a_refused_throttled_or_failed_send_waits_as_teams_says_then_goes_out_once(
    bot: RunningBot,
    status: int,
    retry_after: float | None,
    earliest: timedelta,
    latest: timedelta,
) -> None:
    await _open_chat(bot, MEMBER)
    await _plan(bot)
    bot.connector.fail_next(status, retry_after=retry_after)
    tried_at = bot.clock.now
    # Only her chat is open: the one send that reaches the connector is hers.
    await bot.components.dispatcher.dispatch_due()
    member_id = await _member_id(bot, MEMBER)
    [row] = [r for r in await _rows(bot) if r["member_id"] == member_id]
    assert (row["sent_at"], row["attempts"]) == (None, 1)
    assert f"HTTP {status}" in row["last_error"]
    wait = from_db(row["due_at"]) - tried_at
    assert earliest <= wait <= latest, wait
    assert _commitment_cards(bot, MEMBER) == []

    bot.clock.now = tried_at + latest + timedelta(seconds=1)
    await bot.components.dispatcher.dispatch_due()
    await bot.components.dispatcher.dispatch_due()
    assert len(_commitment_cards(bot, MEMBER)) == 1


async def test_under_throttling_every_member_gets_exactly_one_card(
    connector: LoopbackConnector, database_url: str, tmp_path: Path
) -> None:
    """Teams allows a few sends a second and answers 429 beyond: nobody is lost or doubled."""
    people = await _register_people(database_url, tmp_path, "member", 20)
    async with serve(signed_settings(connector, database_url), connector) as bot:
        for person in people:
            await _open_chat(bot, person)
        bot.connector.clear()
        # Publishing starts the sending at once: already under Teams' budget, and nothing
        # it sends may be cleared away.
        bot.connector.budget = 3
        await _publish(bot)
        for _ in range(60):
            bot.connector.budget = 3
            await bot.components.dispatcher.dispatch_due()
            bot.clock.advance(seconds=2)
            if all(len(_commitment_cards(bot, p)) for p in people):
                break
        assert bot.connector.refused > 0, "the connector did throttle"
        assert [len(_commitment_cards(bot, p)) for p in people] == [1] * len(people)
        ids = {await _member_id(bot, p) for p in people}
        outcomes = {r["outcome"] for r in await _rows(bot) if r["member_id"] in ids}
        assert outcomes == {"sent"}


async def test_a_reply_teams_refused_is_not_remembered_and_the_retry_is_answered(
    bot: RunningBot,
) -> None:
    activity = activities.message(bot.connector.service_url, "aide", **_who(MEMBER))
    bot.connector.fail_next(500)
    first = await bot.post(activity)
    assert first.status == 503, "Teams is asked to deliver it again"
    assert bot.connector.cards() == []
    again = await bot.post(activity)
    assert again.status == 200
    assert texts(bot.connector.cards()[-1])[0] == "Ce que je peux faire"


async def test_a_failed_card_action_is_told_and_its_retry_gets_a_real_second_attempt(
    bot: RunningBot,
) -> None:
    attempts: list[int] = []

    async def flaky(turn: Turn, _data: NoData) -> cards.Card:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("a bug on the first try")
        return cards.notice(turn.tr, "welcome.title", "fine now")

    bot.components.transport.registry.install(
        FeatureSpec("flaky", actions=[Action("test.flaky", NoData, flaky)])
    )
    activity = activities.card_action(bot.connector.service_url, "test.flaky", **_who(MEMBER))
    first = await bot.post(activity)
    assert first.status == 200
    told = texts((await first.json())["value"])
    assert told[0] == "Un problème est survenu"
    assert "Traceback" not in " ".join(told) and "RuntimeError" not in " ".join(told)
    again = await bot.post(activity)
    assert texts((await again.json())["value"]) == ["Comité en gouvernement ouvert", "fine now"]
    assert len(attempts) == 2


async def test_each_secretariat_member_gets_the_escalation_once_when_reachable(
    bot: RunningBot,
) -> None:
    bot.connector.users[MATHIEU.id] = MATHIEU
    await _open_chat(bot, SECRETARIAT)
    await _publish(bot)
    dispatcher = bot.components.dispatcher
    await dispatcher.dispatch_due()
    bot.clock.advance(days=14, minutes=1)
    bot.connector.fail_next(500)  # Camille's escalation fails once
    await dispatcher.dispatch_due()
    bot.clock.advance(minutes=5)
    await dispatcher.dispatch_due()

    def escalations(user: TeamsUser) -> list[dict[str, Any]]:
        return [
            c
            for c in bot.connector.cards(f"personal-{user.id}")
            if texts(c)[0] == "Engagement de confidentialité en attente"
        ]

    assert len(escalations(SECRETARIAT)) == 1
    assert escalations(MATHIEU) == []
    await _open_chat(bot, MATHIEU)  # what waited for him goes out at once
    [his] = escalations(MATHIEU)
    assert "Amélie Côté" in texts(his)[2]
    bot.clock.advance(days=1)
    await dispatcher.dispatch_due()
    assert len(escalations(SECRETARIAT)) == len(escalations(MATHIEU)) == 1


async def test_private_secretariat_buttons_are_refused_outside_personal_chat(
    bot: RunningBot,
) -> None:
    channel: dict[str, Any] = {
        "conversation_id": "19:committee@thread.tacv2",
        "conversation_type": "channel",
    }
    table = await _invoke(bot, SECRETARIAT, "confidentiality.table", **channel)
    assert texts(table) == [
        "Action non permise",
        "Cette commande s’utilise dans votre conversation privée avec moi.",
    ]
    published = await _invoke(
        bot,
        SECRETARIAT,
        "confidentiality.publish",
        {"text_fr": "Texte", "text_en": "Text"},
        **channel,
    )
    assert texts(published)[0] == "Action non permise"
    async with bot.database.read() as conn:
        assert (
            await conn.execute(select(confidentiality_tables.commitment_versions))
        ).first() is None


@pytest.mark.parametrize(
    "data",
    [
        {"version": True},
        {"version": "1"},
        {"version": 1, "language": ["en"]},
    ],
)
async def test_button_data_of_the_wrong_type_records_nothing_and_says_so(
    bot: RunningBot, data: dict[str, Any]
) -> None:
    await _publish(bot)
    card = await _invoke(bot, MEMBER, "confidentiality.accept", data)
    assert texts(card) == [
        "Un problème est survenu",
        "Ce bouton a transmis des données que je ne peux pas lire. Rien n’a été enregistré.",
    ]
    async with bot.database.read() as conn:
        assert (await conn.execute(select(confidentiality_tables.acceptances))).first() is None


async def test_a_second_feature_cannot_take_a_verb_a_command_or_an_outbox_kind(
    bot: RunningBot,
) -> None:
    registry = bot.components.transport.registry

    async def handler(turn: Turn, _data: NoData) -> cards.Card:
        return cards.notice(turn.tr, "error.title", "")

    async def command(turn: Turn) -> None:
        return None

    async def delivery(*_: Any) -> str:
        return "sent"

    with pytest.raises(DuplicateRegistration, match=r"confidentiality\.accept"):
        registry.install(
            FeatureSpec("copy", actions=[Action("confidentiality.accept", NoData, handler)])
        )
    with pytest.raises(DuplicateRegistration, match="confidentialite"):
        registry.install(
            FeatureSpec(
                "copy", commands=[Command("other", "Confidentialité", "privacy", "x", command)]
            )
        )
    with pytest.raises(ValueError, match=r"confidentiality\.card"):
        registry.install(FeatureSpec("copy", deliveries={"confidentiality.card": delivery}))


# --- the outbox's lease: no lock held during a send, replicas, a crashed dispatcher ----------


async def test_a_card_action_is_answered_while_a_send_waits_on_teams(bot: RunningBot) -> None:
    """The outbox sends outside any transaction: on SQLite the write lock is free while Teams
    takes its time, so a member's click is answered (it writes: claim and answer)."""
    import asyncio

    await _open_chat(bot, MEMBER)
    await _plan(bot)
    bot.connector.hold = asyncio.Event()
    sending = asyncio.create_task(bot.components.dispatcher.dispatch_due())
    for _ in range(1000):
        if bot.connector.held or sending.done():
            break
        await asyncio.sleep(0.01)
    assert bot.connector.held, "a send is waiting on Teams"
    clicked = activities.card_action(bot.connector.service_url, "help", **_who(MEMBER))
    response = await asyncio.wait_for(bot.post(clicked), timeout=15)
    assert response.status == 200
    assert texts((await response.json())["value"])[0] == "Ce que je peux faire"
    bot.connector.hold.set()
    await sending
    assert len(_commitment_cards(bot, MEMBER)) == 1


async def test_two_replicas_on_one_database_send_each_card_once(
    connector: LoopbackConnector, database_url: str, tmp_path: Path
) -> None:
    import asyncio

    people = await _register_people(database_url, tmp_path, "replica", 30)
    settings = signed_settings(connector, database_url)
    async with serve(settings, connector) as first, serve(settings, connector) as second:
        for person in people:
            await _open_chat(first, person)
        await _plan(first)
        connector.clear()
        await asyncio.gather(
            first.components.dispatcher.dispatch_due(),
            second.components.dispatcher.dispatch_due(),
        )
        assert [len(_commitment_cards(first, p)) for p in people] == [1] * len(people)


async def test_a_message_claimed_by_a_dispatcher_that_died_goes_out_when_its_lease_ends(
    bot: RunningBot,
) -> None:
    from bot.storage.outbox import Outbox

    await _open_chat(bot, MEMBER)
    await _plan(bot)
    bot.connector.clear()
    # Another process claimed Amélie's card and died before sending it.
    async with bot.database.transaction() as conn:
        claimed = await Outbox().claim_batch(
            conn, bot.clock.now, bot.clock.now + timedelta(minutes=5), 10
        )
    assert await _member_id(bot, MEMBER) in {m.member_id for m in claimed}
    await bot.components.dispatcher.dispatch_due()
    assert _commitment_cards(bot, MEMBER) == [], "held by its lease"
    bot.clock.advance(minutes=5, seconds=1)
    await bot.components.dispatcher.dispatch_due()
    await bot.components.dispatcher.dispatch_due()
    assert len(_commitment_cards(bot, MEMBER)) == 1, "taken again, once"


def test_the_pace_stays_within_teams_limit_in_any_second_and_slows_after_a_429() -> None:
    from bot.services.pace import TokenBucket

    now = [0.0]
    bucket = TokenBucket(50, lambda: now[0])
    sent = 0
    for _ in range(100):  # one simulated second, in hundredths
        while bucket.take() == 0.0:
            sent += 1
        now[0] += 0.01
    assert 45 <= sent <= 50, "never more than Teams allows in a second"
    while bucket.take() == 0.0:
        pass
    assert 0 < bucket.take() <= 1 / 47.5, "then a fraction of a second to wait"
    bucket.slow_down()
    assert bucket.rate == 23.75
    for _ in range(10):
        bucket.slow_down()
    assert bucket.rate == pytest.approx(4.75), "never below a tenth"
    for _ in range(100):
        bucket.recover()
    assert bucket.rate == 47.5, "back to the configured pace, not above"


async def test_a_429_storm_stops_the_round_and_each_card_goes_out_once_after(
    connector: LoopbackConnector, database_url: str, tmp_path: Path
) -> None:
    people = await _register_people(database_url, tmp_path, "storm", 20)
    async with serve(signed_settings(connector, database_url), connector) as bot:
        for person in people:
            await _open_chat(bot, person)
        await _plan(bot)
        connector.clear()
        connector.fail_next(429, count=3, retry_after=2)
        await bot.components.dispatcher.dispatch_due()
        tried = len(connector.replies())
        # Only what was already on the wire was refused; what waited its turn held back.
        assert 1 <= connector.refused <= 3 and tried == 0
        bot.clock.advance(seconds=1)
        await bot.components.dispatcher.dispatch_due()
        assert len(connector.replies()) == tried, "nothing inside Retry-After"
        for _ in range(5):
            bot.clock.advance(seconds=2.5)
            await bot.components.dispatcher.dispatch_due()
        assert connector.refused == 3
        assert [len(_commitment_cards(bot, p)) for p in people] == [1] * len(people)


# --- people Teams cannot reach -------------------------------------------------------------


async def test_who_cannot_be_reached_is_told_to_the_secretariat_once_and_served_on_return(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, SECRETARIAT)
    await _plan(bot)  # Amélie and the others have never opened a chat with the bot
    bot.connector.clear()
    await bot.components.dispatcher.dispatch_due()
    bot.clock.advance(minutes=2)
    await bot.components.dispatcher.dispatch_due()
    told = [
        texts(c) for c in bot.connector.cards(f"personal-{SECRETARIAT.id}")
        if texts(c)[0] == "Teams ne peut pas joindre certains membres"
    ]  # fmt: skip
    assert len(told) == 1, "one card listing them all"
    lines = " ".join(told[0])
    assert "Amélie Côté\u00a0: n’a jamais ouvert de conversation avec le robot" in lines
    assert (
        "Côté\u00a0: n’a jamais ouvert de conversation avec le robot\u00a0; 4\u00a0messages en attente"
        in lines
    )
    assert "Camille Tremblay" not in lines, "not about herself"
    bot.clock.advance(hours=2)
    await bot.components.dispatcher.dispatch_due()
    assert len([c for c in bot.connector.cards(f"personal-{SECRETARIAT.id}")
                if texts(c)[0] == "Teams ne peut pas joindre certains membres"]) == 1  # fmt: skip
    # Amélie installs the app: the commitment goes at once, and she is no longer listed.
    await _open_chat(bot, MEMBER)
    assert len(_commitment_cards(bot, MEMBER)) == 1
    remaining = await bot.components.services.reachability.all()
    assert MEMBER.email not in {u.member.email for u in remaining}


async def test_a_member_who_blocked_the_bot_is_listed_and_served_when_installing_again(
    bot: RunningBot,
) -> None:
    await _open_chat(bot, SECRETARIAT)
    await _open_chat(bot, MEMBER)
    await _plan(bot)
    bot.connector.clear()
    bot.connector.blocked.add(f"personal-{MEMBER.id}")  # she blocked the bot
    await bot.components.dispatcher.dispatch_due()
    [found] = [
        u for u in await bot.components.services.reachability.all()
        if u.member.email == MEMBER.email
    ]  # fmt: skip
    assert found.reason == "removed_or_blocked"
    bot.clock.advance(minutes=2)
    await bot.components.dispatcher.dispatch_due()
    notice = [
        texts(c) for c in bot.connector.cards(f"personal-{SECRETARIAT.id}")
        if texts(c)[0] == "Teams ne peut pas joindre certains membres"
    ]  # fmt: skip
    assert any("Amélie Côté\u00a0: Teams refuse les messages" in line for line in notice[0])
    # She installs the app again, in the same chat: what waited goes now.
    assert _commitment_cards(bot, MEMBER) == []
    bot.connector.blocked.clear()
    await _open_chat(bot, MEMBER)
    assert len(_commitment_cards(bot, MEMBER)) == 1


async def test_the_secretariat_sees_what_fails_and_tries_again(bot: RunningBot) -> None:
    await _open_chat(bot, SECRETARIAT)
    await _open_chat(bot, MEMBER)
    await _plan(bot)
    bot.connector.clear()
    bot.connector.fail_next(500, count=2)
    await bot.components.dispatcher.dispatch_due()
    await _invoke(bot, SECRETARIAT, "help")
    overview = await _invoke(bot, SECRETARIAT, "outbox.overview")
    shown = texts(overview)
    assert shown[0] == "Rappels et messages du robot"
    assert shown[1].startswith("2\u00a0en échec · 3\u00a0personnes pas encore jointes"), shown[1]
    failing = shown[shown.index("En échec") + 1 :]
    assert any(line.startswith("Engagement de confidentialité — ") for line in failing)
    retries = [a for e in overview["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    assert len(retries) == 2
    for retry in retries:
        again = await _invoke(bot, SECRETARIAT, retry["verb"], retry["data"])
    assert texts(again)[1] == "Nouvel essai\u00a0: envoyé.", "Réessayer says what it did"
    assert "En échec" not in texts(again)
    assert (
        len(_commitment_cards(bot, MEMBER)) == 1 and len(_commitment_cards(bot, SECRETARIAT)) == 1
    ), "both sent, once, without waiting for the back-off"
    member_view = await _invoke(bot, MEMBER, "outbox.overview")
    assert "Rappels et messages du robot" not in texts(member_view)


async def test_with_graph_a_member_who_never_opened_the_app_gets_it_installed_and_the_card(
    connector: LoopbackConnector, database_url: str, tmp_path: Path
) -> None:
    from tests.conftest import APP_ID, APP_PASSWORD
    from tests.support.graph import LoopbackGraph

    graph = LoopbackGraph(APP_ID, APP_PASSWORD)
    await graph.start()
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    amelie = "amelie.cote@transparence.example.org"
    lines = [
        line.replace(",oui,,", f",oui,{MEMBER.aad_object_id},") if line.startswith(amelie) else line
        for line in lines
    ]
    roster = tmp_path / "with-aad.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await import_roster(database_url, roster)
    settings = signed_settings(
        connector, database_url,
        GRAPH_BASE_URL=graph.api_url, GRAPH_TOKEN_URL=graph.token_url,
        TEAMS_APP_CATALOG_ID="e3b0c442-98fc-1c14-9afb-4c8996fb9242",
        TEAMS_SERVICE_URL=connector.service_url,
    )  # fmt: skip
    try:
        async with serve(settings, connector) as bot:
            await _plan(bot)
            graph.installed["00000000-0000-0000-0000-0000000000a0"] = "x"  # Camille: 409
            await bot.components.dispatcher.dispatch_due()
            assert graph.installed[MEMBER.aad_object_id] == "e3b0c442-98fc-1c14-9afb-4c8996fb9242"
            created = [c for c in connector.calls if c.path == "/v3/conversations"]
            assert created[0].body["members"] == [{"id": MEMBER.aad_object_id}]
            tenant = bot.components.settings.microsoft_app_tenant_id
            assert created[0].body["channelData"] == {"tenant": {"id": tenant}}
            [card] = connector.cards(f"personal-{MEMBER.aad_object_id}")
            assert texts(card)[0].startswith("Engagement de confidentialité — version 1")
            # Her chat is known now: the next message needs no installation.
            bot.clock.advance(days=3, minutes=1)
            await bot.components.dispatcher.dispatch_due()
            installs = [c for c in graph.calls if c.path.endswith("/teamwork/installedApps")]
            assert len([c for c in installs if MEMBER.aad_object_id in c.path]) == 1
            assert len(connector.cards(f"personal-{MEMBER.aad_object_id}")) == 2
            # Members without an Entra id in the registry stay unreachable, and are listed.
            listed = {u.member.email for u in await bot.components.services.reachability.all()}
            assert "jf.bouchard@donneesouvertes.example.org" in listed
            assert amelie not in listed
    finally:
        await graph.stop()


async def test_when_graph_refuses_to_install_the_member_is_unreachable(
    connector: LoopbackConnector, database_url: str, tmp_path: Path
) -> None:
    from tests.conftest import APP_ID, APP_PASSWORD
    from tests.support.graph import LoopbackGraph

    graph = LoopbackGraph(APP_ID, APP_PASSWORD)
    await graph.start()
    lines = [
        line.replace(",oui,,", f",oui,{MEMBER.aad_object_id},")
        if line.startswith("amelie") else line
        for line in ROSTER.read_text(encoding="utf-8").splitlines()
    ]  # fmt: skip
    roster = tmp_path / "with-aad.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await import_roster(database_url, roster)
    settings = signed_settings(
        connector, database_url,
        GRAPH_BASE_URL=graph.api_url, GRAPH_TOKEN_URL=graph.token_url,
        TEAMS_APP_CATALOG_ID="e3b0c442-98fc-1c14-9afb-4c8996fb9242",
        TEAMS_SERVICE_URL=connector.service_url,
    )  # fmt: skip
    try:
        async with serve(settings, connector) as bot:
            await _plan(bot)
            graph.fail_next(403, count=10)
            await bot.components.dispatcher.dispatch_due()
            assert connector.cards(f"personal-{MEMBER.aad_object_id}") == []
            [found] = [
                u for u in await bot.components.services.reachability.all()
                if u.member.email == MEMBER.email
            ]  # fmt: skip
            assert found.reason == "never_installed"
    finally:
        await graph.stop()


async def test_reminders_say_who_is_not_reached_yet_and_list_nothing_already_answered(
    bot: RunningBot,
) -> None:
    """Amélie never opened the chat: she is « pas encore jointe », with no « Réessayer » that
    would do nothing visible. Camille accepted: her reminders are not listed any more."""
    await _open_chat(bot, SECRETARIAT)
    await _plan(bot)
    await bot.components.dispatcher.dispatch_due()
    camille = next(iter(_commitment_cards(bot, SECRETARIAT)))
    accept = camille["actions"][0]
    await _invoke(bot, SECRETARIAT, accept["verb"], accept["data"])
    overview = await _invoke(bot, SECRETARIAT, "outbox.overview")
    shown = texts(overview)
    assert shown[1].startswith("0\u00a0en échec · "), shown[1]
    assert "En échec" not in shown
    assert any(
        (line.startswith("Amélie Côté") and "ouvre la conversation avec le robot" in line)
        or "Amélie Côté\u00a0:" in line
        for line in shown
    ), shown
    retries = [a for e in overview["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    assert retries == [], "nothing to retry: it goes by itself once she opens the chat"
    details = next(a for a in overview["actions"] if a["type"] == "Action.ShowCard")["card"]
    coming = " ".join(texts(details))
    assert (
        "Engagement de confidentialité — Camille Tremblay"
        not in coming.split("Derniers envoyés")[0]
    ), "her question is answered"
    assert "Personne injoignable — concernant Amélie Côté (envoyé à Camille Tremblay)" in coming, (
        "each row names the person it is about"
    )
