"""Scheduling meetings: from the command line on both databases, then into the organiser's
calendar through a loopback Graph that throttles, refuses and vanishes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain.meetings import AgendaItem, CalendarState, MeetingKind, MeetingPlan
from bot.storage import tables
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
    assert cli("members", "import", str(ROSTER))[0] == 0
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
    assert code == 1 and "Cette date est un jour férié au Québec." in err
    assert _schedule(cli, "--confirm", day="2030-06-24")[0] == 0
    code, _, err = cli(
        "meetings", "schedule", "--date", "2030-01-23", "--start", "13:30", "--duration", "60",
        "--title", "x", "--agenda", "y", "--by", "amelie.cote@transparence.example.org",
    )  # fmt: skip
    assert code == 1 and "n’est pas un membre du Secrétariat en fonction" in err


# --- into the organiser's calendar ----------------------------------------------------------


@pytest.fixture
async def graph() -> AsyncIterator[LoopbackGraph]:
    from tests.conftest import APP_ID, APP_PASSWORD

    loopback = LoopbackGraph(APP_ID, APP_PASSWORD)
    await loopback.start()
    yield loopback
    await loopback.stop()


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
    from tests.support.cards import texts
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

    holiday = {**values, "date": "2030-06-24", "agenda": "Plan d’action — Secrétariat\nVaria"}
    warned = await _press(bot, "meetings.schedule", holiday)
    assert "Cette date est un jour férié au Québec." in texts(warned)
    confirm = warned["actions"][0]
    assert confirm["title"] == "Confirmer cette date"
    done = await _press(bot, confirm["verb"], confirm["data"])
    assert texts(done)[0] == "Réunion planifiée"
    await bot.components.dispatcher.drain()
    [event] = graph.events.values()
    assert event["start"]["dateTime"] == "2030-06-24T13:30:00"
    assert "<li>Plan d’action (Secrétariat)</li>" in event["body"]["content"]


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
