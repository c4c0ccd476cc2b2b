"""The committee's meeting rules, without I/O: what a valid meeting is, holidays, the next
proposed day, the six-month rhythm, and the event calendars receive (through DST changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.features.meetings.rules import (
    AgendaItem,
    MeetingKind,
    MeetingPlan,
    cadence,
    easter,
    graph_event,
    problems,
    proposed_day,
    quebec_holidays,
    warnings,
)
from tests.support.graph import _event_problem

ZONE = ZoneInfo("America/Toronto")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def _plan(**changes: object) -> MeetingPlan:
    values: dict[str, object] = {
        "title": "Réunion régulière",
        "kind": MeetingKind.REGULAR,
        "day": date(2027, 1, 20),
        "start": time(13, 30),
        "minutes": 120,
        "agenda": [AgendaItem("Plan d’action 2027-2029", "Secrétariat")],
    }
    values.update(changes)
    return MeetingPlan(**values)  # type: ignore[arg-type]


def test_a_sound_meeting_has_no_problem_and_no_warning() -> None:
    assert problems(_plan(), NOW, ZONE) == []
    assert warnings(_plan()) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"day": date(2026, 11, 23), "start": time(9, 0)}, "date", "meetings.error.past"),
        ({"minutes": 0}, "duration", "meetings.error.duration"),
        ({"minutes": 481}, "duration", "meetings.error.duration"),
        ({"agenda": [AgendaItem("  ")]}, "agenda", "meetings.error.no_agenda"),
        ({"title": " "}, "title", "meetings.error.title_empty"),
    ],
)
def test_each_problem_names_its_field(changes: dict[str, object], field: str, message: str) -> None:
    [found] = problems(_plan(**changes), NOW, ZONE)
    assert (found.field, found.message) == (field, message)


@pytest.mark.parametrize(
    ("day", "warning"),
    [
        (date(2027, 1, 23), "meetings.warning.weekend"),
        (date(2027, 6, 24), "meetings.warning.holiday.fete_nationale"),  # a Thursday
        (date(2027, 3, 29), "meetings.warning.holiday.easter_monday"),
    ],
)
def test_a_weekend_or_a_quebec_holiday_asks_to_confirm(day: date, warning: str) -> None:
    assert warning in warnings(_plan(day=day))


def test_easter_and_the_moving_holidays() -> None:
    assert [easter(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]
    assert date(2026, 5, 18) in quebec_holidays(2026)  # patriotes: the Monday before 25 May
    assert date(2027, 5, 24) in quebec_holidays(2027)
    assert date(2026, 10, 12) in quebec_holidays(2026)  # Thanksgiving
    assert date(2026, 9, 7) in quebec_holidays(2026)  # Labour Day


def test_the_local_time_holds_across_the_november_clock_change() -> None:
    before = _plan(day=date(2026, 10, 28))
    after = _plan(day=date(2026, 11, 4))
    assert before.starts_at(ZONE) == datetime(2026, 10, 28, 17, 30, tzinfo=UTC)
    assert after.starts_at(ZONE) == datetime(2026, 11, 4, 18, 30, tzinfo=UTC)
    event = graph_event(after, ZONE, [("amelie@x.org", "Amélie")], "<p>Ordre du jour</p>", "m-1")
    assert event["start"] == {"dateTime": "2026-11-04T13:30:00", "timeZone": "America/Toronto"}
    assert event["end"] == {"dateTime": "2026-11-04T15:30:00", "timeZone": "America/Toronto"}


def test_the_event_is_one_graph_accepts() -> None:
    event = graph_event(_plan(), ZONE, [("amelie@x.org", "Amélie Côté")], "<p>…</p>", "m-7")
    assert _event_problem(event) is None
    assert event["isOnlineMeeting"] is True
    assert event["onlineMeetingProvider"] == "teamsForBusiness"
    assert event["transactionId"] == "m-7"


def test_the_proposed_day_is_in_the_first_quarter_without_a_meeting() -> None:
    today = date(2026, 11, 23)
    assert proposed_day([], today) == date(2026, 12, 9), "two weeks' notice, a Wednesday"
    assert proposed_day([date(2026, 10, 14)], today) == date(2027, 1, 6)
    first_wednesday = proposed_day([date(2026, 10, 14), date(2027, 1, 20)], today)
    assert first_wednesday == date(2027, 4, 7)


def test_cadence_warns_of_an_empty_quarter_and_urgently_of_six_months_without_meeting() -> None:
    june = datetime(2026, 6, 10, 17, 30, tzinfo=UTC)
    found = cadence([june], date(2026, 11, 23), ZONE)
    assert [(w.message, w.urgent) for w in found] == [
        ("meetings.cadence.quarter", False),
        ("meetings.cadence.six_months", True),
    ]
    planned = datetime(2026, 12, 9, 18, 30, tzinfo=UTC)
    assert cadence([june, planned], date(2026, 11, 23), ZONE) == []
