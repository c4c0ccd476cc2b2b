"""Scheduling meetings: from the command line on both databases, then into the organiser's
calendar through a loopback Graph that throttles, refuses and vanishes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.features.meetings import tables as meetings_tables
from bot.features.meetings.rules import AgendaItem, CalendarState, MeetingKind, MeetingPlan
from bot.storage import tables
from bot.storage.committee import CommitteeTeamRepository
from tests.conftest import (
    ROSTER,
    SECRETARIAT,
    Cli,
    RunningBot,
    import_roster,
    serve,
    signed_settings,
)
from tests.support.connector import LoopbackConnector
from tests.support.graph import LoopbackGraph

ORGANIZER = "comite@sct.example.org"
BY = SECRETARIAT.email


@pytest.fixture
def cli(cli: Cli) -> Cli:
    """The command line, on a database holding the demo committee."""
    assert cli("members", "import", str(ROSTER), "--by", SECRETARIAT.email)[0] == 0
    return cli


def _schedule(cli: Cli, *extra: str, day: str = "2030-01-23") -> tuple[int, str, str]:
    return cli(
        "meetings", "schedule", "--date", day, "--start", "13:30", "--duration", "120",
        "--title", "Réunion régulière", "--agenda", "Plan d’action 2030-2032",
        "--agenda", "Varia", "--by", BY, *extra,
    )  # fmt: skip


def test_a_meeting_is_scheduled_listed_and_cancelled_from_the_command_line(cli: Cli) -> None:
    code, out, _ = _schedule(cli)
    assert code == 0
    assert out == "Réunion 1 planifiée le 23 janvier 2030 à 13 h 30 (heure de l’Est).\n"
    code, out, _ = cli("meetings", "list", "--lang", "en")
    assert out.startswith("1: January 23, 2030 at 1:30 PM (Eastern Time) — Réunion régulière")
    assert "calendar: no Graph" in out, "without Graph it is saved and said so"
    assert cli("meetings", "cancel", "1", "--by", BY)[1] == "Réunion 1 annulée.\n"
    assert cli("meetings", "cancel", "1", "--by", BY)[0] == 1, "once"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        (["--date", "2020-01-22"], "Date\u00a0: Cette date et cette heure sont déjà passées."),
        (
            ["--duration", "0"],
            "Durée, en minutes\u00a0: La durée doit être de 15 minutes à 8 heures.",
        ),
    ],
)
def test_a_meeting_that_cannot_be_is_named_by_field_and_nothing_is_saved(
    cli: Cli, database_url: str, changes: list[str], said: str
) -> None:
    args = [
        "meetings", "schedule", "--date", "2030-01-23", "--start", "13:30",
        "--duration", "120", "--title", "Réunion", "--by", BY,
    ]  # fmt: skip
    for flag, value in zip(changes[::2], changes[1::2], strict=True):
        args[args.index(flag) + 1] = value
    code, _, err = cli(*args)
    assert code == 1
    assert said in err
    assert "un point par ligne\u00a0: Ajoutez au moins un point à l’ordre du jour." in err
    assert "duration" not in err and "agenda\u00a0" not in err, "fields named in French"
    assert cli("meetings", "list")[1] == "Aucune réunion.\n"


def test_a_holiday_asks_to_confirm_and_a_member_cannot_schedule(cli: Cli) -> None:
    code, _, err = _schedule(cli, day="2030-06-24")
    assert code == 1 and "Le 24 juin est la fête nationale du Québec." in err
    assert _schedule(cli, "--confirm", day="2030-06-24")[0] == 0
    code, _, err = cli(
        "meetings", "schedule", "--date", "2030-01-23", "--start", "13:30", "--duration", "60",
        "--title", "x", "--agenda", "y", "--by", "amelie.cote@transparence.example.org",
    )  # fmt: skip
    assert code == 1 and "n’est pas un membre du secrétariat en fonction" in err


# --- into the organiser's calendar ----------------------------------------------------------


@pytest.fixture
async def bot_with_graph(
    connector: LoopbackConnector, database_url: str, graph: LoopbackGraph
) -> AsyncIterator[RunningBot]:
    await import_roster(database_url)
    settings = signed_settings(
        connector,
        database_url,
        GRAPH_BASE_URL=graph.api_url,
        GRAPH_TOKEN_URL=graph.token_url,
        COMMITTEE_ORGANIZER=ORGANIZER,
    )
    async with serve(settings, connector) as running:
        yield running


async def _schedule_now(bot: RunningBot, day: date | None = None) -> Any:
    from bot.storage.repositories import MemberRepository

    async with bot.database.read() as conn:
        camille = await MemberRepository().by_email(conn, BY)
    assert camille is not None
    plan = MeetingPlan(
        "Réunion régulière",
        MeetingKind.REGULAR,
        day or date(2030, 11, 6),  # after the November clock change
        time(13, 30),
        120,
        [AgendaItem("Plan d’action", "Secrétariat"), AgendaItem("Varia <b>")],
    )
    outcome = await bot.components.services.meetings.schedule(plan, camille)
    assert outcome.meeting is not None
    return outcome.meeting


async def _outbox(bot: RunningBot) -> list[dict[str, Any]]:
    async with bot.database.read() as conn:
        return [dict(r) for r in (await conn.execute(select(tables.outbox))).mappings()]


async def _meeting(bot: RunningBot, meeting_id: int) -> Any:
    [found] = [m for m in await bot.components.services.meetings.all() if m.id == meeting_id]
    return found


async def test_a_meeting_goes_into_the_organisers_calendar_with_its_teams_link(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    meeting = await _schedule_now(bot)
    await bot.components.dispatcher.dispatch_due()
    [event] = graph.events.values()
    assert event["start"] == {"dateTime": "2030-11-06T13:30:00", "timeZone": "America/Toronto"}
    assert event["end"]["dateTime"] == "2030-11-06T15:30:00"
    assert event["isOnlineMeeting"] is True
    assert event["transactionId"] == f"committee-meeting-{meeting.id}"
    assert len(event["attendees"]) == 5, "every serving member"
    assert "<li>Varia &lt;b&gt;</li>" in event["body"]["content"], "escaped"
    assert event["body"]["content"].index("Ordre du jour") < event["body"]["content"].index(
        "Agenda"
    )
    [call] = [c for c in graph.calls if c.method == "POST"]
    assert call.path == f"/v1.0/users/{ORGANIZER}/events"
    saved = await _meeting(bot, meeting.id)
    assert saved.calendar is CalendarState.CREATED
    assert saved.join_url.startswith("https://teams.microsoft.com/")


async def test_graph_down_then_back_creates_the_event_once(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    meeting = await _schedule_now(bot)
    graph.fail_next(503, retry_after=30)
    await bot.components.dispatcher.dispatch_due()
    assert graph.events == {}
    [row] = [r for r in await _outbox(bot) if r["kind"] == "meetings.calendar"]
    assert "HTTP 503" in row["last_error"], "postponed as Graph said, not waited out"
    assert (await _meeting(bot, meeting.id)).calendar is CalendarState.PENDING, "saved, not lost"
    await graph.vanish()
    bot.clock.advance(minutes=3)
    await bot.components.dispatcher.dispatch_due()
    await graph.come_back()
    bot.clock.advance(minutes=5)
    await bot.components.dispatcher.dispatch_due()
    bot.clock.advance(hours=2)
    await bot.components.dispatcher.dispatch_due()
    assert len(graph.events) == 1
    assert (await _meeting(bot, meeting.id)).calendar is CalendarState.CREATED


async def test_a_refused_permission_is_recorded_and_not_retried(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    meeting = await _schedule_now(bot)
    graph.fail_next(403)
    await bot.components.dispatcher.dispatch_due()
    saved = await _meeting(bot, meeting.id)
    assert saved.calendar is CalendarState.REFUSED
    assert "Calendars.ReadWrite" in saved.calendar_error
    bot.clock.advance(days=1)
    await bot.components.dispatcher.dispatch_due()
    assert graph.events == {} and len([c for c in graph.calls if c.method == "POST"]) == 1


async def test_cancelling_a_meeting_cancels_its_event_and_attendees_are_told(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    from bot.storage.repositories import MemberRepository

    bot = bot_with_graph
    meeting = await _schedule_now(bot)
    await bot.components.dispatcher.dispatch_due()
    async with bot.database.read() as conn:
        camille = await MemberRepository().by_email(conn, BY)
    assert camille is not None
    await bot.components.services.meetings.cancel(meeting.id, camille)
    graph.fail_next(503, retry_after=10)  # Graph busy: the cancellation waits, is not lost
    await bot.components.dispatcher.dispatch_due()
    [event] = graph.events.values()
    assert "isCancelled" not in event
    bot.clock.advance(minutes=2)
    await bot.components.dispatcher.dispatch_due()
    await bot.components.dispatcher.dispatch_due()
    assert event["isCancelled"] is True
    assert event["cancellationComment"] == (
        "La réunion «\u00a0Réunion régulière\u00a0» est annulée. / "
        "The meeting “Réunion régulière” is cancelled."
    )
    cancels = [c for c in graph.calls if c.path.endswith("/cancel")]
    assert len(cancels) == 2, "one refused by Graph, one taken; never a third"
    assert (await _meeting(bot, meeting.id)).calendar is CalendarState.CANCELLED


async def test_a_meeting_cancelled_before_its_event_is_never_put_in_a_calendar(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    bot = bot_with_graph
    meeting = await _schedule_now(bot)
    from bot.storage.repositories import MemberRepository

    async with bot.database.read() as conn:
        camille = await MemberRepository().by_email(conn, BY)
    assert camille is not None
    await bot.components.services.meetings.cancel(meeting.id, camille)
    await bot.components.dispatcher.dispatch_due()
    assert graph.events == {}
    async with bot.database.read() as conn:
        audited = await conn.execute(
            select(func.count())
            .select_from(tables.audit_log)
            .where(tables.audit_log.c.action.like("meeting.%"))
        )
        assert audited.scalar_one() == 2


# --- in Teams ------------------------------------------------------------------------------


async def _press(bot: RunningBot, verb: str, data: dict[str, Any] | None = None) -> Any:
    from tests.support import activities
    from tests.test_confidentiality import _who

    response = await bot.post(
        activities.card_action(bot.connector.service_url, verb, data, **_who(SECRETARIAT))
    )
    assert response.status == 200
    return (await response.json())["value"]


async def test_the_secretariat_schedules_from_a_prefilled_card(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    from tests.support import activities
    from tests.support.cards import below, texts
    from tests.test_confidentiality import _who

    bot = bot_with_graph
    await bot.post(activities.message(bot.connector.service_url, "planifier", **_who(SECRETARIAT)))
    form = bot.connector.cards()[-1]
    values = {e["id"]: e.get("value") for e in form["body"] if e["type"].startswith("Input.")}
    proposed = date.fromisoformat(values["date"])
    assert proposed.weekday() == 2 and values["start"] == "13:30" and values["duration"] == "120"
    assert all(e.get("label") for e in form["body"] if e["type"].startswith("Input."))

    typed = {**values, "agenda": "", "date": "2020-01-22"}
    refused = await _press(bot, "meetings.schedule", typed)
    shown = texts(refused)
    assert "Cette date et cette heure sont déjà passées." in shown
    assert "Ajoutez au moins un point à l’ordre du jour." in shown
    kept = {e["id"]: e.get("value") for e in refused["body"] if e["type"].startswith("Input.")}
    assert kept["date"] == "2020-01-22", "the card keeps what was typed"
    beside = below(refused)
    assert beside["date"] == "Cette date et cette heure sont déjà passées."
    assert beside["agenda"] == "Ajoutez au moins un point à l’ordre du jour.", "beside its field"

    holiday = {**values, "date": "2030-06-24", "agenda": "Plan d’action — Secrétariat\nVaria"}
    warned = await _press(bot, "meetings.schedule", holiday)
    assert "Le 24 juin est la fête nationale du Québec." in texts(warned), "the holiday named"
    confirm, changed = warned["actions"]
    assert (confirm["title"], changed["title"]) == (
        "Planifier quand même à cette date",
        "Planifier à la date modifiée ci-dessus",
    ), "each button says what it does"
    done = await _press(bot, confirm["verb"], confirm["data"])
    assert texts(done)[0] == "Réunion planifiée"
    await bot.components.dispatcher.drain()
    [event] = graph.events.values()
    assert event["start"]["dateTime"] == "2030-06-24T13:30:00"
    assert (
        "<li>Plan d’action — Secrétariat</li>" in event["body"]["content"]
    )  # as written, never rewritten


async def test_members_see_what_is_coming_with_the_teams_link(
    bot_with_graph: RunningBot,
) -> None:
    from tests.conftest import MEMBER
    from tests.support import activities
    from tests.support.cards import texts
    from tests.test_confidentiality import _who

    bot = bot_with_graph
    await bot.post(activities.message(bot.connector.service_url, "réunions", **_who(MEMBER)))
    assert "Aucune réunion n’est prévue pour le moment." in texts(bot.connector.cards()[-1])
    await _schedule_now(bot)
    await bot.components.dispatcher.dispatch_due()
    await bot.post(
        activities.message(bot.connector.service_url, "prochaine réunion", **_who(MEMBER))
    )
    card = bot.connector.cards()[-1]
    assert texts(card)[:2] == ["Prochaine réunion", "**Réunion régulière**"]
    assert card["actions"][0]["type"] == "Action.OpenUrl"
    assert card["actions"][0]["url"].startswith("https://teams.microsoft.com/")


# --- announced in the committee channel and to each member ----------------------------------

TEAM = "19:committee-general@thread.tacv2"
GROUP = "5b1e9f0c-0000-4000-8000-00000000c0de"


def _soon(bot: RunningBot, days: int = 20) -> date:
    """A working day about `days` ahead of the bot's clock (mandates in the roster end in
    2027: a meeting years away would have nobody serving to invite)."""
    from bot.features.meetings.rules import quebec_holidays

    day = (bot.clock.now + timedelta(days=days)).date()
    while day.weekday() >= 5 or day in quebec_holidays(day.year):
        day += timedelta(days=1)
    return day


async def _install_in_team(bot: RunningBot, user: Any) -> None:
    from tests.support import activities
    from tests.test_confidentiality import _who

    for activity in activities.installed_in_team(
        bot.connector.service_url, TEAM, GROUP, **_who(user)
    ):
        assert (await bot.post(activity)).status == 200
    await bot.components.dispatcher.drain()


async def _committee(bot: RunningBot) -> None:
    """The secretariat installed the bot in the committee's team; two people opened a chat."""
    from tests.conftest import MEMBER
    from tests.test_confidentiality import _open_chat

    await _install_in_team(bot, SECRETARIAT)
    for user in (MEMBER, SECRETARIAT):
        await _open_chat(bot, user)
    bot.connector.clear()


def _attend_button(card: dict[str, Any], answer: str) -> dict[str, Any]:
    [button] = [
        a for a in card["actions"] if a.get("verb") == "meetings.attend"
        and a["data"]["answer"] == answer
    ]  # fmt: skip
    found: dict[str, Any] = button
    return found


async def test_only_the_secretariat_makes_a_team_the_committees_channel(
    bot_with_graph: RunningBot,
) -> None:
    from tests.conftest import MEMBER

    bot = bot_with_graph
    await _install_in_team(bot, MEMBER)
    assert await bot.components.services.meetings.team() is None, "a member's other team"
    await _install_in_team(bot, SECRETARIAT)
    team = await bot.components.services.meetings.team()
    assert team is not None and (team.group_id, team.channel_id) == (GROUP, TEAM)
    assert any(
        "Ce canal recevra les annonces" in (reply.get("text") or "")
        for reply in bot.connector.replies(TEAM)
    )


async def test_a_meeting_is_announced_in_the_channel_and_to_each_member_once(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    from tests.conftest import MEMBER
    from tests.support.cards import texts

    bot = bot_with_graph
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    await bot.components.dispatcher.dispatch_due()
    [posted] = bot.connector.cards(TEAM)
    shown = texts(posted)
    assert shown[0] == "Réunion du comité" and "Committee meeting" in shown, "both languages"
    assert posted["actions"][0]["url"].startswith("https://teams.microsoft.com/"), (
        "the event was created first: the card has its join button"
    )
    assert "Présences\u00a0: 0 présent·e, 0 absent·e, 5 sans réponse." in " ".join(shown)
    [invitation] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(invitation)[0] == "Vous êtes convoqué·e à une réunion du comité"
    assert invitation["actions"][0]["title"] == "Rejoindre la réunion"
    await bot.components.dispatcher.dispatch_due()
    bot.clock.advance(hours=1)
    await bot.components.dispatcher.dispatch_due()
    assert (
        len(bot.connector.cards(TEAM)) == 1
        and len(bot.connector.cards(f"personal-{MEMBER.id}")) == 1
    ), "once each"
    assert meeting.id == 1


async def test_attendance_answers_redraw_the_channel_card_and_show_the_quorum(
    bot_with_graph: RunningBot,
) -> None:
    from tests.conftest import MEMBER, OUTSIDER
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke

    bot = bot_with_graph
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    await bot.components.dispatcher.dispatch_due()
    [posted] = bot.connector.cards(TEAM)
    posted_id = bot.connector.id_of(posted, TEAM)
    [invitation] = bot.connector.cards(f"personal-{MEMBER.id}")

    present = _attend_button(invitation, "present")
    answered = await _invoke(bot, MEMBER, present["verb"], present["data"])
    assert "Vous avez répondu\u00a0: présent·e." in texts(answered)
    again = await _invoke(bot, MEMBER, present["verb"], present["data"])
    assert texts(again) == texts(answered), "a second click changes nothing"
    # The secretariat answers from the channel card.
    absent = _attend_button(posted, "absent")
    in_channel = await _invoke(
        bot, SECRETARIAT, absent["verb"], absent["data"],
        conversation_id=TEAM, conversation_type="channel",
    )  # fmt: skip
    assert "Vous avez répondu\u00a0: absent·e." in texts(in_channel)
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    assert len(bot.connector.cards(TEAM)) == 1, "redrawn in place, never a new post"
    last = bot.connector.updates()[-1]
    assert last.path.endswith(f"/conversations/{TEAM}/activities/{posted_id}")
    redrawn = texts(last.body["attachments"][0]["content"])
    assert "Présences\u00a0: 1 présent·e, 1 absent·e, 3 sans réponse." in " ".join(redrawn)

    table = await _invoke(bot, SECRETARIAT, "meetings.attendance", {"meeting": meeting.id})
    shown = texts(table)
    assert "Quorum (3) pas encore atteint." in " ".join(shown)
    assert shown.index("Sans réponse") < shown.index("Absent·e") < shown.index("Présent·e")
    # The table replaced the list: « Retour à la liste » brings the secretariat's buttons back.
    back = next(b for b in table["actions"] if b["title"] == "Retour à la liste")
    listed = await _invoke(bot, SECRETARIAT, back["verb"], back.get("data", {}))
    assert texts(listed)[0] == "Réunions du comité"
    assert "meetings.move_form" in str(listed), "Modifier is there again"
    refused = await _invoke(bot, OUTSIDER, present["verb"], present["data"])
    assert "Sans réponse" not in texts(refused)
    member_table = await _invoke(bot, MEMBER, "meetings.attendance", {"meeting": meeting.id})
    assert "Amélie Côté" not in texts(member_table), "members do not see who answered what"
    async with bot.database.read() as conn:
        answers = (await conn.execute(select(meetings_tables.meeting_attendance))).mappings().all()
    assert sorted(a["answer"] for a in answers) == ["absent", "present"]


async def test_reminders_come_7_and_1_days_before_and_follow_a_moved_meeting(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    from tests.conftest import MEMBER
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke

    bot = bot_with_graph
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    await bot.components.dispatcher.dispatch_due()
    chat = f"personal-{MEMBER.id}"
    bot.clock.now = meeting.starts_at - timedelta(days=7, minutes=-1)
    await bot.components.dispatcher.dispatch_due()
    assert texts(bot.connector.cards(chat)[-1])[0] == (
        "Rappel\u00a0: réunion du comité dans 7\u00a0jours"
    )
    # Moved two days later from the secretariat's card: Graph, the channel, members follow.
    later = meeting.plan.day + timedelta(days=2)
    form = await _invoke(bot, SECRETARIAT, "meetings.move_form", {"meeting": meeting.id})
    values = {e["id"]: e.get("value") for e in form["body"] if e["type"].startswith("Input.")}
    moved = await _invoke(
        bot, SECRETARIAT, "meetings.move",
        {"meeting": meeting.id, **values, "date": later.isoformat()},
    )  # fmt: skip
    assert texts(moved)[0] == "Réunion modifiée"
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    [event] = graph.events.values()
    assert event["start"]["dateTime"] == f"{later.isoformat()}T13:30:00"
    assert texts(bot.connector.cards(chat)[-1])[0] == "La réunion a été déplacée"
    assert bot.connector.updates(), "the channel card shows the new date in place"
    # Reminders planned for the old time find the meeting moved; those of the new time come,
    # each saying how many days are really left.
    before = len(bot.connector.cards(chat))
    bot.clock.now = meeting.starts_at - timedelta(days=1, minutes=-1)
    await bot.components.dispatcher.dispatch_due()
    assert [texts(c)[0] for c in bot.connector.cards(chat)[before:]] == [
        "Rappel\u00a0: réunion du comité dans 3\u00a0jours"
    ], "the new 7-day reminder, late; not the old 1-day one"
    bot.clock.now = meeting.starts_at + timedelta(days=1, minutes=1)
    await bot.components.dispatcher.dispatch_due()
    assert [texts(c)[0] for c in bot.connector.cards(chat)[before + 1 :]] == [
        "Rappel\u00a0: réunion du comité dans 1\u00a0jour"
    ]


async def test_a_member_who_will_be_absent_gets_no_reminder(bot_with_graph: RunningBot) -> None:
    from tests.conftest import MEMBER
    from tests.test_confidentiality import _invoke

    bot = bot_with_graph
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    await bot.components.dispatcher.dispatch_due()
    chat = f"personal-{MEMBER.id}"
    await _invoke(bot, MEMBER, "meetings.attend", {"meeting": meeting.id, "answer": "absent"})
    before = len(bot.connector.cards(chat))
    bot.clock.now = meeting.starts_at - timedelta(hours=23)
    await bot.components.dispatcher.dispatch_due()
    assert len(bot.connector.cards(chat)) == before
    assert len(bot.connector.cards(f"personal-{SECRETARIAT.id}")) >= 2, "others are reminded"


async def test_cancelling_from_the_card_asks_first_then_tells_everyone(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    from tests.conftest import MEMBER
    from tests.support import activities
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke, _who

    bot = bot_with_graph
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    await bot.components.dispatcher.dispatch_due()
    await bot.post(activities.message(bot.connector.service_url, "réunions", **_who(SECRETARIAT)))
    listed = bot.connector.cards(f"personal-{SECRETARIAT.id}")[-1]
    [manage] = [e for e in listed["body"] if e["type"] == "ActionSet"]
    ask = next(a for a in manage["actions"] if a["verb"] == "meetings.cancel_ask")
    question = await _invoke(bot, SECRETARIAT, ask["verb"], ask["data"])
    assert texts(question)[0] == "Annuler cette réunion\u00a0?"
    assert all("isCancelled" not in e for e in graph.events.values()), "nothing yet"
    confirm, keep = question["actions"]
    assert (confirm["title"], keep["title"]) == (
        "Oui, annuler la réunion",
        "Non, garder la réunion",
    )
    kept = await _invoke(bot, SECRETARIAT, keep["verb"], keep["data"])
    assert texts(kept)[0] == "Réunion maintenue, rien n’a changé"
    assert all("isCancelled" not in e for e in graph.events.values()), "kept"
    question = await _invoke(bot, SECRETARIAT, ask["verb"], ask["data"])
    done = await _invoke(bot, SECRETARIAT, confirm["verb"], confirm["data"])
    assert texts(done)[0] == "Réunion annulée"
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    assert texts(bot.connector.cards(f"personal-{MEMBER.id}")[-1])[0] == ("La réunion est annulée")
    redrawn = bot.connector.updates()[-1].body["attachments"][0]["content"]
    assert texts(redrawn)[0] == "Réunion annulée" and not redrawn.get("actions")
    [event] = graph.events.values()
    assert event["isCancelled"] is True
    again = await _invoke(bot, SECRETARIAT, confirm["verb"], confirm["data"])
    assert "n’existe plus ou a été annulée" in " ".join(texts(again))
    # Reminders of a cancelled meeting never go.
    before = len(bot.connector.cards(f"personal-{MEMBER.id}"))
    bot.clock.now = meeting.starts_at - timedelta(hours=23)
    await bot.components.dispatcher.dispatch_due()
    assert len(bot.connector.cards(f"personal-{MEMBER.id}")) == before


async def test_a_refused_permission_tells_the_secretariat_and_its_button_tries_again(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke

    bot = bot_with_graph
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    graph.fail_next(403)
    await bot.components.dispatcher.dispatch_due()
    await bot.components.dispatcher.dispatch_due()
    chat = f"personal-{SECRETARIAT.id}"
    [notice] = [c for c in bot.connector.cards(chat) if "agenda" in texts(c)[0]]
    assert "Calendars.ReadWrite" in " ".join(texts(notice))
    retry = notice["actions"][0]
    answered = await _invoke(bot, SECRETARIAT, retry["verb"], retry["data"])
    assert "demandé à nouveau" in " ".join(texts(answered))
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    assert len(graph.events) == 1
    assert (await _meeting(bot, meeting.id)).calendar is CalendarState.CREATED
    again = await _invoke(bot, SECRETARIAT, retry["verb"], retry["data"])
    assert "Rien à réessayer" in " ".join(texts(again)), "a second press creates nothing"


async def test_without_graph_the_invitation_offers_an_ics_that_keeps_the_local_hour(
    bot: RunningBot,
) -> None:
    """No Graph: saved and announced all the same; the member takes an .ics whose time,
    read back, is 13:30 in Montréal — on a day after the November clock change."""
    from icalendar import Calendar

    from tests.conftest import MEMBER
    from tests.support import activities
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke, _open_chat, _who

    await _open_chat(bot, MEMBER)
    bot.connector.clear()
    # Planned in October (daylight time) for November (standard time), within the mandates.
    bot.clock.now = datetime(2026, 10, 20, 15, tzinfo=UTC)
    day = date(2026, 11, 11)
    meeting = await _schedule_now(bot, day)
    await bot.components.dispatcher.dispatch_due()
    [invitation] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert "Le lien Teams viendra quand le robot sera relié" in " ".join(texts(invitation))
    ics = next(a for a in invitation["actions"] if a.get("verb") == "meetings.ics")
    await _invoke(bot, MEMBER, ics["verb"], ics["data"])
    offer = bot.connector.replies()[-1]["attachments"][0]
    assert offer["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    assert offer["name"] == f"reunion-comite-{day.isoformat()}.ics"
    consent = activities.file_consent_accepted(
        bot.connector.service_url,
        offer["content"]["acceptContext"],
        {
            "name": offer["name"],
            "uploadUrl": bot.connector.base_url + "/upload/meeting.ics",
            "contentUrl": "https://contoso.sharepoint.com/personal/amelie/meeting.ics",
            "uniqueId": "file-2",
        },
        **_who(MEMBER),
    )
    assert (await bot.post(consent)).status == 200
    parsed = Calendar.from_ical(bot.connector.uploads["meeting.ics"])
    [event] = parsed.walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (13, 30, "America/Toronto")
    assert start.utcoffset() == timedelta(hours=-5), "standard time, after the change"
    assert event.decoded("dtend") - start == timedelta(minutes=120)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["America/Toronto"]
    assert "Plan d’action" in str(event["description"])
    assert str(event["uid"]) == f"committee-meeting-{meeting.id}@committee-bot"
    info = bot.connector.replies()[-1]["attachments"][0]
    assert info["content"]["fileType"] == "ics"


async def test_the_secretariat_is_told_once_when_the_rhythm_of_meetings_slips(
    bot: RunningBot,
) -> None:
    """A frozen calendar: a meeting held in March; in August nothing is planned for the
    quarter, and six months since March come within weeks — both said once, urgently."""
    from tests.conftest import MEMBER
    from tests.support.cards import texts
    from tests.test_confidentiality import _open_chat

    for user in (SECRETARIAT, MEMBER):
        await _open_chat(bot, user)
    service = bot.components.services.meetings
    bot.clock.now = datetime(2026, 3, 2, 15, tzinfo=UTC)
    await _schedule_now(bot, date(2026, 3, 18))
    await bot.components.dispatcher.dispatch_due()
    assert await service.plan_cadence_notices() == 0, "this quarter has its meeting"
    bot.connector.clear()

    bot.clock.now = datetime(2026, 8, 10, 13, tzinfo=UTC)
    assert await service.plan_cadence_notices() == 4, "two notices to each of two clerks"
    assert await service.plan_cadence_notices() == 0, "said once"
    await bot.components.dispatcher.dispatch_due()
    told = [texts(c) for c in bot.connector.cards(f"personal-{SECRETARIAT.id}")]
    assert sorted(t[0] for t in told if "réunion" in t[0]) == [
        "Prochaine réunion à planifier",
        "Urgent\u00a0: planifiez la prochaine réunion",
    ]
    assert bot.connector.cards(f"personal-{MEMBER.id}") == [], "members are not bothered"
    # A meeting planned: nothing more to say.
    bot.clock.now = datetime(2026, 8, 10, 14, tzinfo=UTC)
    await _schedule_now(bot, date(2026, 9, 2))
    assert await service.plan_cadence_notices() == 0


async def test_after_the_meeting_the_minutes_and_decisions_reach_every_member(
    bot: RunningBot,
) -> None:
    from tests.conftest import MEMBER
    from tests.support import activities
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke, _open_chat, _who

    for user in (SECRETARIAT, MEMBER):
        await _open_chat(bot, user)
    meeting = await _schedule_now(bot, _soon(bot))
    early = await _invoke(
        bot, SECRETARIAT, "meetings.minutes",
        {"meeting": meeting.id, "decisions": "Adopter le plan — consensus"},
    )  # fmt: skip
    assert "Cette réunion n’a pas encore eu lieu" in " ".join(texts(early))

    bot.clock.now = meeting.starts_at + timedelta(hours=3)
    await bot.components.dispatcher.dispatch_due()
    bot.connector.clear()
    await bot.post(activities.message(bot.connector.service_url, "réunions", **_who(SECRETARIAT)))
    listed = bot.connector.cards()[-1]
    button = next(
        a for e in listed["body"] if e["type"] == "ActionSet" for a in e["actions"]
        if a.get("verb") == "meetings.minutes_form"
    )  # fmt: skip
    form = await _invoke(bot, SECRETARIAT, button["verb"], button["data"])
    assert texts(form)[0] == "Procès-verbal et décisions"
    typed = {
        "meeting": meeting.id,
        "minutes_url": "http://intranet/pv.docx",
        "decisions": "Adopter le plan de travail — consensus\nReporter le point 3",
    }
    refused = await _invoke(bot, SECRETARIAT, "meetings.minutes", typed)
    said = " ".join(texts(refused))
    assert "commence par https://" in said and "(ligne 2)" in said
    kept = {e["id"]: e.get("value") for e in refused["body"] if e["type"].startswith("Input.")}
    assert kept["decisions"] == typed["decisions"], "the card keeps what was typed"

    good = {
        **typed,
        "minutes_url": "https://contoso.sharepoint.com/sites/cgo/pv.docx",
        "decisions": "Adopter le plan de travail — consensus\nReporter le point 3 — attendre l’avis",
    }
    await _invoke(bot, SECRETARIAT, "meetings.minutes", good)
    await bot.components.dispatcher.drain()
    [told] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(told)[0] == "Décisions de la réunion et projet de procès-verbal"
    assert "Reporter le point 3 (raison\u00a0: attendre l’avis)" in texts(told)[2]
    assert told["actions"][0]["url"] == good["minutes_url"]
    await bot.post(activities.message(bot.connector.service_url, "réunions", **_who(MEMBER)))
    shown = bot.connector.cards(f"personal-{MEMBER.id}")[-1]
    assert "Adopter le plan de travail (raison\u00a0: consensus)" in " ".join(texts(shown))
    assert "meetings.minutes_form" not in str(shown), "members read, the secretariat records"


def test_meetings_are_exported_for_the_public_repository(cli: Cli, tmp_path: Any) -> None:
    import csv
    import io

    assert _schedule(cli)[0] == 0
    target = tmp_path / "reunions.csv"
    code, out, _ = cli("meetings", "export", "--csv", str(target))
    assert code == 0 and "1\u00a0réunion exportée" in out
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Date", "Heure", "Durée (minutes)", "Titre"]
    assert rows[1][:4] == ["2030-01-23", "13:30", "120", "Réunion régulière"]
    assert rows[1][6] == "Plan d’action 2030-2032 | Varia"


# --- a date poll for an extra meeting -------------------------------------------------------


async def test_a_poll_becomes_a_meeting_and_only_the_silent_are_reminded(
    bot: RunningBot,
) -> None:
    from tests.conftest import MEMBER, OUTSIDER
    from tests.support import activities
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke, _open_chat, _who

    for user in (SECRETARIAT, MEMBER):
        await _open_chat(bot, user)
    bot.connector.clear()
    await bot.post(activities.message(bot.connector.service_url, "sondage", **_who(SECRETARIAT)))
    form = bot.connector.cards()[-1]
    assert texts(form)[0] == "Sondage de disponibilités"
    first, second = _soon(bot, 21), _soon(bot, 28)
    typed = {
        "title": "Réunion extraordinaire — consultation",
        "duration": "1 h 30",  # as people write it: 90 minutes
        "agenda": "Consultation sur le plan d’action",
        "slot1_date": first.isoformat(),
        "slot1_start": "10:00",
        "slot2_date": second.isoformat(),
        "slot2_start": "13:30",
        "slot3_date": "le 3 mars",
        "slot3_start": "",
    }
    refused = await _invoke(bot, SECRETARIAT, "polls.open", typed)
    assert "Créneau 3\u00a0: indiquez une date et une heure." in texts(refused)
    kept = {e["id"]: e.get("value") for e in refused["body"] if e["type"].startswith("Input.")}
    assert kept["slot3_date"] == "le 3 mars", "the card keeps what was typed"
    sent = await _invoke(bot, SECRETARIAT, "polls.open", {**typed, "slot3_date": ""})
    assert "Le sondage est envoyé aux membres en fonction." in texts(sent)
    await bot.components.dispatcher.drain()

    [card] = bot.connector.cards(f"personal-{MEMBER.id}")
    assert texts(card)[0] == "Quand pouvez-vous participer\u00a0?"
    choices = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert [c["id"] for c in choices] == ["slot_1", "slot_2"]
    assert any(
        t.startswith("Ordre du jour\n1. Consultation sur le plan d’action") for t in texts(card)
    ), "members see what the meeting is for"
    assert [c["title"] for c in choices[0]["choices"]] == ["Disponible", "Si nécessaire", "Non"]
    button = card["actions"][0]
    forged = await _invoke(bot, MEMBER, button["verb"], {**button["data"], "slot_9": "yes"})
    assert "Rien n’a été enregistré" in " ".join(texts(forged)), "no slot of this poll"
    answered = await _invoke(
        bot, MEMBER, button["verb"], {**button["data"], "slot_1": "yes", "slot_2": "no"}
    )
    assert "Merci, vos disponibilités sont enregistrées." in texts(answered)
    # The first card again, pressed after her answer: nothing is recorded, the answers in
    # force are shown; on the card she got back, the same press is taken.
    stale = await _invoke(
        bot, MEMBER, button["verb"], {**button["data"], "slot_1": "no", "slot_2": "no"}
    )
    assert "Cette carte n’était plus à jour" in " ".join(texts(stale))
    kept = {e["id"]: e.get("value") for e in stale["body"] if e["type"] == "Input.ChoiceSet"}
    assert kept == {"slot_1": "yes", "slot_2": "no"}
    current = answered["actions"][0]
    again = await _invoke(
        bot, MEMBER, current["verb"], {**current["data"], "slot_1": "yes", "slot_2": "no"}
    )
    assert "Merci, vos disponibilités sont enregistrées." in texts(again)
    outsider = await _invoke(bot, OUTSIDER, button["verb"], {**button["data"], "slot_1": "no"})
    assert texts(outsider)[0] == "Accès réservé aux membres du comité"

    poll_id = button["data"]["poll"]
    results = await _invoke(bot, SECRETARIAT, "polls.results", {"poll": poll_id})
    shown = texts(results)
    assert shown.index("Camille Tremblay") < shown.index("Amélie Côté"), "the silent first"
    assert "1\u00a0Dispo. · 2\u00a0Non" in shown
    assert any(t.startswith("1. ") for t in shown) and any(t.startswith("2. ") for t in shown), (
        "the slots numbered as the answers refer to them"
    )
    assert any(s.startswith("Meilleur créneau\u00a0: ") for s in shown)

    # Three days later: one reminder, to those who said nothing.
    bot.clock.advance(days=3, minutes=1)
    await bot.components.dispatcher.dispatch_due()
    assert len(bot.connector.cards(f"personal-{MEMBER.id}")) == 1
    assert texts(bot.connector.cards(f"personal-{SECRETARIAT.id}")[-1])[0] == (
        "Rappel\u00a0: indiquez vos disponibilités"
    )

    [plan_first, *_] = [
        a for e in results["body"] if e["type"] == "ActionSet" for a in e["actions"]
    ]
    assert plan_first["title"] == "Planifier le créneau 1", "the best slot first"
    preview = await _invoke(bot, SECRETARIAT, plan_first["verb"], plan_first["data"])
    assert texts(preview)[:2] == [
        "Planifier ce créneau\u00a0?",
        "**Réunion extraordinaire — consultation**",
    ]
    assert "Les 5 membres en fonction recevront l’invitation." in texts(preview)
    assert "4 membres n’ont pas répondu au sondage." in texts(preview)
    assert not await bot.components.services.meetings.all(), "nothing scheduled by a preview"
    confirm, back = preview["actions"]
    assert back["title"] == "Retour aux résultats"
    assert texts(await _invoke(bot, SECRETARIAT, back["verb"], back["data"]))[0] == (
        "Sondage de disponibilités — résultats"
    )
    second_slot = await _invoke(
        bot, SECRETARIAT, "polls.schedule", {"poll": poll_id, "position": 2}
    )
    assert "Ont dit ne pas pouvoir venir\u00a0: Amélie Côté" in texts(second_slot)
    assert confirm["title"] == "Planifier et envoyer les invitations"
    done = await _invoke(bot, SECRETARIAT, confirm["verb"], confirm["data"])
    assert texts(done)[0] == "Réunion planifiée"
    again = await _invoke(bot, SECRETARIAT, confirm["verb"], confirm["data"])
    assert "Ce sondage est terminé" in " ".join(texts(again)), "never two meetings"
    late_preview = await _invoke(bot, SECRETARIAT, plan_first["verb"], plan_first["data"])
    assert "Ce sondage est terminé" in " ".join(texts(late_preview))
    [meeting] = await bot.components.services.meetings.all()
    assert (meeting.plan.day, meeting.plan.kind.value) == (first, "extraordinaire")
    assert meeting.plan.minutes == 90
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    assert texts(bot.connector.cards(f"personal-{MEMBER.id}")[-1])[0] == (
        "Vous êtes convoqué·e à une réunion du comité"
    ), "announced like any meeting"
    late = await _invoke(bot, MEMBER, button["verb"], {**button["data"], "slot_2": "yes"})
    assert "Rien n’a été enregistré" in " ".join(texts(late)), "a closed poll records nothing"
    async with bot.database.read() as conn:
        recorded = (await conn.execute(select(meetings_tables.poll_answers))).mappings().all()
    assert sorted((r["position"], r["answer"]) for r in recorded) == [(1, "yes"), (2, "no")]


async def test_changing_the_agenda_patches_the_event_and_tells_members_what_changed(
    bot_with_graph: RunningBot, graph: LoopbackGraph
) -> None:
    from tests.conftest import MEMBER
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke

    bot = bot_with_graph
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    await bot.components.dispatcher.dispatch_due()
    form = await _invoke(bot, SECRETARIAT, "meetings.move_form", {"meeting": meeting.id})
    values = {e["id"]: e.get("value") for e in form["body"] if e["type"].startswith("Input.")}
    assert values["agenda"] == "Plan d’action — Secrétariat\nVaria <b>", "pre-filled"
    empty = await _invoke(
        bot, SECRETARIAT, "meetings.move", {"meeting": meeting.id, **values, "agenda": " "}
    )
    assert "Ajoutez au moins un point à l’ordre du jour." in texts(empty)
    changed = {**values, "agenda": values["agenda"] + "\nBilan de la consultation — Nadia"}
    done = await _invoke(bot, SECRETARIAT, "meetings.move", {"meeting": meeting.id, **changed})
    assert texts(done)[0] == "Réunion modifiée"
    await bot.components.dispatcher.drain()
    await bot.components.dispatcher.dispatch_due()
    [event] = graph.events.values()
    assert "<li>Bilan de la consultation — Nadia</li>" in event["body"]["content"]
    assert event["start"]["dateTime"].endswith("T13:30:00"), "the time did not move"
    told = bot.connector.cards(f"personal-{MEMBER.id}")[-1]
    assert texts(told)[0] == "L’ordre du jour de la réunion a changé"
    assert "3. Bilan de la consultation — Nadia" in " ".join(texts(told))
    assert (
        "Ajouté à l’ordre du jour\u00a0: «\u00a0Bilan de la consultation — Nadia\u00a0»."
        in texts(told)
    ), "the item added, by name, and nothing else"
    # The same form sent again changes nothing and tells nobody again.
    before = len(bot.connector.cards(f"personal-{MEMBER.id}"))
    await _invoke(bot, SECRETARIAT, "meetings.move", {"meeting": meeting.id, **changed})
    await bot.components.dispatcher.drain()
    assert len(bot.connector.cards(f"personal-{MEMBER.id}")) == before
    async with bot.database.read() as conn:
        actions = [
            row.action
            for row in await conn.execute(
                select(tables.audit_log.c.action).where(tables.audit_log.c.object_type == "meeting")
            )
        ]
    assert actions.count("meeting.changed") == 1


async def test_an_ics_consent_naming_no_meeting_uploads_nothing_and_says_so(
    bot: RunningBot,
) -> None:
    """The consent's parameters come back from the client: a forged meeting id is refused in
    words, with no upload and no error trace."""
    from tests.conftest import MEMBER
    from tests.support import activities
    from tests.test_confidentiality import _open_chat, _who

    await _open_chat(bot, MEMBER)
    bot.connector.clear()
    context = {"offer": "meetings.ics", "locale": "fr-CA", "params": {"meeting": "999"}}
    consent = activities.file_consent_accepted(
        bot.connector.service_url,
        context,
        {"name": "x.ics", "uploadUrl": bot.connector.base_url + "/upload/forged.ics",
         "contentUrl": "https://contoso.sharepoint.com/x.ics", "uniqueId": "f"},
        **_who(MEMBER),
    )  # fmt: skip
    assert (await bot.post(consent)).status == 200
    assert "forged.ics" not in bot.connector.uploads
    [said] = [r.get("text") for r in bot.connector.replies(f"personal-{MEMBER.id}")]
    assert said == "Je ne sais plus de quel fichier il s’agit. Demandez-le de nouveau."


async def test_with_committee_team_id_only_that_team_becomes_the_committees_channel(
    connector: LoopbackConnector, sqlite_url: str
) -> None:
    """COMMITTEE_TEAM_ID set: a secretariat member adding the bot to another team changes
    nothing; a plain member adding it to the named team makes that team the channel."""
    from tests.conftest import MEMBER
    from tests.support import activities
    from tests.test_confidentiality import _who

    await import_roster(sqlite_url)
    settings = signed_settings(connector, sqlite_url, COMMITTEE_TEAM_ID=GROUP)
    async with serve(settings, connector) as bot:
        other = "19:another-team@thread.tacv2"
        for activity in activities.installed_in_team(
            connector.service_url, other, "7c2e0000-0000-4000-8000-00000000beef",
            **_who(SECRETARIAT),
        ):  # fmt: skip
            assert (await bot.post(activity)).status == 200
        async with bot.database.read() as conn:
            assert await CommitteeTeamRepository().get(conn) is None
        for activity in activities.installed_in_team(
            connector.service_url, TEAM, GROUP, **_who(MEMBER)
        ):
            assert (await bot.post(activity)).status == 200
        async with bot.database.read() as conn:
            team = await CommitteeTeamRepository().get(conn)
        assert team is not None and (team.group_id, team.channel_id) == (GROUP, TEAM)


async def test_an_answer_on_a_card_drawn_before_a_move_is_not_taken_for_the_new_time(
    bot_with_graph: RunningBot,
) -> None:
    """The invitation was for 13 h 30; the meeting moved and her « moved » card shows the new
    time, where she answers present. Pressing « Absent·e » on the old invitation records
    nothing: she sees the meeting as it is now, with her answer in force."""
    from datetime import time

    from bot.storage.repositories import MemberRepository
    from tests.conftest import MEMBER
    from tests.support.cards import texts
    from tests.test_confidentiality import _invoke

    bot = bot_with_graph
    await _committee(bot)
    meeting = await _schedule_now(bot, _soon(bot))
    await bot.components.dispatcher.dispatch_due()
    chat = f"personal-{MEMBER.id}"
    [invitation] = bot.connector.cards(chat)
    async with bot.database.read() as conn:
        camille = await MemberRepository().by_email(conn, BY)
    assert camille is not None
    moved = await bot.components.services.meetings.reschedule(
        meeting.id, meeting.plan.day, time(15, 0), meeting.plan.minutes, camille
    )
    assert moved.meeting is not None
    await bot.components.dispatcher.dispatch_due()
    notice = bot.connector.cards(chat)[-1]
    said = " ".join(texts(notice))
    assert "Déplacée du " in said and " à 13 h 30 (heure de l’Est) au " in said, said
    assert "à 15 h 00 (heure de l’Est)." in said, "from what to what"
    assert "jusqu’à 17 h 00" in said, "the end time on the card"
    # The invitation for 13 h 30 is redrawn in place as replaced, with no live button.
    invited = next(c for c in bot.connector.calls if c.method == "POST" and c.body
                   and c.body.get("attachments") and "invitation_title" not in str(c.body)
                   and c.body["attachments"][0]["content"] == invitation)  # fmt: skip
    [redrawn] = [
        c for c in bot.connector.calls
        if c.method == "PUT" and c.path.endswith(f"/activities/{invited.answered_id}")
    ]  # fmt: skip
    replaced = redrawn.body["attachments"][0]["content"]
    assert "La réunion a changé depuis cette carte" in " ".join(texts(replaced))
    assert not replaced.get("actions")
    present = await _invoke(
        bot, MEMBER, "meetings.attend", _attend_button(notice, "present")["data"]
    )
    assert "Vous avez répondu\u00a0: présent·e." in texts(present)

    stale = await _invoke(
        bot, MEMBER, "meetings.attend", _attend_button(invitation, "absent")["data"]
    )
    said = " ".join(texts(stale))
    assert "Cette carte n’était plus à jour" in said and "rien n’a été enregistré" in said
    assert "Vous avez répondu\u00a0: présent·e." in texts(stale)
    assert "15 h" in said, "the meeting as it is now"
    _, _, count = await bot.components.services.meetings.attendance(meeting.id)
    assert count is not None and (count.present, count.absent) == (1, 0)

    # On the current card, changing her mind is taken at once.
    absent = await _invoke(
        bot, MEMBER, "meetings.attend", _attend_button(present, "absent")["data"]
    )
    assert "Vous avez répondu\u00a0: absent·e." in texts(absent)


async def test_an_agenda_line_is_kept_as_it_was_written(bot: RunningBot) -> None:
    """« Plan d’action — état d’avancement » is one item, shown as typed on every card and
    asked as such in the conflicts card: never split into a title and a presenter."""
    from tests.support import activities
    from tests.test_confidentiality import _open_chat, _who

    await _open_chat(bot, SECRETARIAT)
    await bot.post(activities.message(bot.connector.service_url, "planifier", **_who(SECRETARIAT)))
    form = bot.connector.cards()[-1]
    values = {e["id"]: e.get("value") for e in form["body"] if e["type"].startswith("Input.")}
    line = "Plan d’action — état d’avancement"
    done = await _press(bot, "meetings.schedule", {**values, "agenda": f"{line}\nVaria"})
    assert "Réunion planifiée" in str(done)
    [meeting] = await bot.components.services.meetings.all()
    assert [item.title for item in meeting.plan.agenda] == [line, "Varia"]
    await bot.components.services.declarations.plan_follow_ups()
    await bot.components.dispatcher.dispatch_due()
    asked = [c for c in bot.connector.cards() if "Conflits d’intérêts" in str(c)]
    assert asked and f"1. {line}" in str(asked[-1])


def test_a_poll_named_like_its_cards_heading_is_not_said_twice() -> None:
    from zoneinfo import ZoneInfo

    from bot.features.meetings import poll_cards
    from bot.features.meetings.poll_service import PollResults
    from bot.features.meetings.rules import Poll, PollStatus, Slot
    from bot.locale import FRENCH, Catalogues
    from tests.support.cards import texts

    tr = Catalogues().for_locale(FRENCH)
    zone = ZoneInfo("America/Toronto")
    slots = [Slot(1, date(2030, 1, 9), time(10))]
    named = Poll(1, "Sondage de disponibilités", 90, [], slots, PollStatus.OPEN, "s@x")
    shown = texts(poll_cards.results(tr, PollResults(named, [], [], None), zone))
    assert shown[0] == "Sondage de disponibilités — résultats"
    assert "**Sondage de disponibilités**" not in shown, "the name is in the heading already"
    other = Poll(1, "Réunion sur le plan", 90, [], slots, PollStatus.OPEN, "s@x")
    shown = texts(poll_cards.results(tr, PollResults(other, [], [], None), zone))
    assert shown[:2] == ["Sondage de disponibilités — résultats", "**Réunion sur le plan**"]
