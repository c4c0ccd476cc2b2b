"""The committee's meetings: what a valid meeting is, when the next one should be, and what
calendars receive. No I/O here; the meetings service stores and sends.

Times: a meeting is decided in Quebec's local time (America/Toronto by default) and stored as
an instant (UTC). What Graph receives is the local wall-clock time with its time zone, so a
meeting planned at 13:30 stays at 13:30 across the November and March clock changes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.problems import Problem

# A meeting lasts at least a quarter of an hour and at most a working day.
MIN_MINUTES = 15
MAX_MINUTES = 8 * 60
MAX_TITLE = 200
MAX_AGENDA_ITEMS = 30
MAX_ITEM_TITLE = 300
# The OGP participation standard: the forum meets at least every six months.
MAX_GAP = timedelta(days=183)
# A proposed slot leaves members at least this much notice.
NOTICE = timedelta(days=14)
PROPOSED_START = time(13, 30)
PROPOSED_MINUTES = 120


class MeetingKind(StrEnum):
    REGULAR = "reguliere"
    EXTRAORDINARY = "extraordinaire"


@dataclass(frozen=True)
class AgendaItem:
    title: str
    presenter: str | None = None


@dataclass(frozen=True)
class MeetingPlan:
    """A meeting as the secretariat asks for it, before it is checked and saved."""

    title: str
    kind: MeetingKind
    day: date
    start: time
    minutes: int
    agenda: Sequence[AgendaItem]
    note: str = ""

    def starts_at(self, zone: ZoneInfo) -> datetime:
        """The instant it starts (aware, UTC), from the local wall-clock time."""
        return datetime.combine(self.day, self.start, tzinfo=zone).astimezone(UTC)

    @property
    def fingerprint(self) -> str:
        """What an answer is about: the time, the length and the agenda. A card carries it,
        so an answer pressed on a card drawn before a move is not taken for the new time."""
        about = [self.day.isoformat(), self.start.strftime("%H:%M"), str(self.minutes)]
        about += [item.title for item in self.agenda]
        return hashlib.sha256("\n".join(about).encode()).hexdigest()[:16]


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class CalendarState(StrEnum):
    """Where a meeting stands in the organiser's calendar."""

    NONE = "none"  # Graph is not configured: announced without a Teams link
    PENDING = "pending"  # saved; the calendar event is on its way (or being retried)
    CREATED = "created"
    REFUSED = "refused"  # Graph refused: a permission is missing
    CANCELLED = "cancelled"  # the event was cancelled: attendees were told by their calendar


MAX_DECISION = 2000


@dataclass(frozen=True)
class Decision:
    """What the committee decided, and why (the secretariat records both)."""

    text: str
    reason: str


def parse_decisions(lines: str) -> tuple[list[Decision], list[int]]:
    """« Décision — raison », one per line: the decisions, and the numbers of the lines that
    lack a reason or are too long (to name them)."""
    found: list[Decision] = []
    wrong: list[int] = []
    for number, line in enumerate([x for x in lines.splitlines() if x.strip()], start=1):
        text, _, reason = line.partition(" — ")
        if not reason.strip():
            text, _, reason = line.partition(" - ")
        if not text.strip() or not reason.strip() or len(line) > MAX_DECISION:
            wrong.append(number)
        else:
            found.append(Decision(text.strip(), reason.strip()))
    return found, wrong


def minutes_link_ok(url: str) -> bool:
    """A link members can open: https, a host, no spaces."""
    url = url.strip()
    return url.startswith("https://") and len(url) > len("https://x.y") and " " not in url


class Attendance(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"


@dataclass(frozen=True)
class AttendanceCount:
    """How a meeting's attendance stands: answers, and whether enough will be there."""

    present: int
    absent: int
    serving: int
    quorum: int

    @property
    def silent(self) -> int:
        return max(self.serving - self.present - self.absent, 0)

    @property
    def reached(self) -> bool:
        return self.present >= self.quorum


def quorum(serving: int, configured: int = 0) -> int:
    """Members present for the meeting to hold: as configured, else a majority of those
    serving (5 of 8, 6 of 10, 6 of 11)."""
    return configured if configured > 0 else serving // 2 + 1


@dataclass(frozen=True)
class Meeting:
    """A meeting as saved."""

    id: int
    plan: MeetingPlan
    starts_at: datetime
    status: MeetingStatus
    calendar: CalendarState
    created_by: str
    event_id: str | None = None
    join_url: str | None = None
    calendar_error: str | None = None
    revision: int = 0
    minutes_url: str | None = None
    minutes_adopted_on: date | None = None
    decisions: Sequence[Decision] = ()

    @property
    def transaction_id(self) -> str:
        """The same for every attempt to create its event: Graph creates it once."""
        return f"committee-meeting-{self.id}"


def problems(plan: MeetingPlan, now: datetime, zone: ZoneInfo) -> list[Problem]:
    """Everything that prevents saving this meeting, field by field (empty: it can be saved)."""
    found: list[Problem] = []
    if not plan.title.strip():
        found.append(Problem("title", "meetings.error.title_empty"))
    elif len(plan.title) > MAX_TITLE:
        found.append(Problem("title", "meetings.error.title_long"))
    if plan.starts_at(zone) <= now:
        found.append(Problem("date", "meetings.error.past"))
    if not MIN_MINUTES <= plan.minutes <= MAX_MINUTES:
        found.append(Problem("duration", "meetings.error.duration"))
    if not [item for item in plan.agenda if item.title.strip()]:
        found.append(Problem("agenda", "meetings.error.no_agenda"))
    else:
        found += agenda_problems(plan.agenda)
    return found


def agenda_problems(agenda: Sequence[AgendaItem]) -> list[Problem]:
    """The bounds of an agenda, the same wherever one is written (a meeting, a poll)."""
    items = [item for item in agenda if item.title.strip()]
    if len(items) > MAX_AGENDA_ITEMS or any(len(i.title) > MAX_ITEM_TITLE for i in items):
        return [Problem("agenda", "meetings.error.agenda_long")]
    return []


def warnings(plan: MeetingPlan) -> list[str]:
    """What deserves a confirmation, not a refusal: a weekend, a Quebec public holiday."""
    found = []
    if plan.day.weekday() >= 5:
        found.append("meetings.warning.weekend")
    holiday = quebec_holidays(plan.day.year).get(plan.day)
    if holiday is not None:
        found.append(f"meetings.warning.holiday.{holiday}")
    return found


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


# Each holiday's name, as its warning says it (meetings.warning.holiday.NAME).
HOLIDAYS = (
    "new_year", "new_year_2", "good_friday", "easter_monday", "patriots", "fete_nationale",
    "canada_day", "labour_day", "thanksgiving", "christmas", "boxing_day",
)  # fmt: skip


def quebec_holidays(year: int) -> dict[date, str]:
    """The days Quebec's public service does not work, by name (Loi sur la fête nationale, Loi
    sur les normes du travail, and the public service's own 2 January and 26 December)."""
    sunday = easter(year)
    may_24 = date(year, 5, 24)
    return {
        date(year, 1, 1): "new_year",
        date(year, 1, 2): "new_year_2",
        sunday - timedelta(days=2): "good_friday",
        sunday + timedelta(days=1): "easter_monday",
        may_24 - timedelta(days=may_24.weekday()): "patriots",  # the Monday before 25 May
        date(year, 6, 24): "fete_nationale",
        date(year, 7, 1): "canada_day",
        _nth_weekday(year, 9, 0, 1): "labour_day",
        _nth_weekday(year, 10, 0, 2): "thanksgiving",
        date(year, 12, 25): "christmas",
        date(year, 12, 26): "boxing_day",
    }


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


@dataclass(frozen=True)
class ProposedMeeting:
    """What the schedule form proposes: a day, and the day of the last meeting held when its
    minutes are still to be adopted (their adoption is then the agenda's first item)."""

    day: date
    minutes_to_adopt: date | None = None


def proposed_day(held_or_planned: Iterable[date], today: date) -> date:
    """The first calendar quarter without a meeting, from this one on: in it, the first
    Wednesday at least two weeks away that is not a public holiday."""
    taken = {quarter_of(day) for day in held_or_planned}
    year, quarter = quarter_of(today)
    for _ in range(12):
        if (year, quarter) not in taken:
            start = max(date(year, 3 * quarter - 2, 1), today + NOTICE)
            day = start + timedelta(days=(2 - start.weekday()) % 7)
            while day in quebec_holidays(day.year):
                day += timedelta(days=7)
            if quarter_of(day) == (year, quarter):
                return day
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return today + NOTICE


@dataclass(frozen=True)
class CadenceWarning:
    message: str
    urgent: bool


def cadence(meetings: Iterable[datetime], today: date, zone: ZoneInfo) -> list[CadenceWarning]:
    """What the secretariat is told about the rhythm of meetings: none planned this quarter;
    and, earlier and more urgently, six months without a meeting coming near."""
    days = sorted(moment.astimezone(zone).date() for moment in meetings)
    found = []
    if quarter_of(today) not in {quarter_of(day) for day in days}:
        found.append(CadenceWarning("meetings.cadence.quarter", urgent=False))
    past = [day for day in days if day <= today]
    upcoming = [day for day in days if day > today]
    if past:
        deadline = past[-1] + MAX_GAP
        if not upcoming or upcoming[0] > deadline:
            urgent = deadline - today <= timedelta(days=45)
            found.append(CadenceWarning("meetings.cadence.six_months", urgent=urgent))
    return found


def graph_event(
    plan: MeetingPlan,
    zone: ZoneInfo,
    attendees: Sequence[tuple[str, str]],
    body_html: str,
    transaction_id: str,
) -> dict[str, object]:
    """The event Graph creates in the organiser's calendar, a Teams meeting attached
    (`POST /users/{organizer}/events`). `transactionId` makes a retried creation the same
    event, never a second one."""
    start = datetime.combine(plan.day, plan.start)
    end = start + timedelta(minutes=plan.minutes)
    return {
        "subject": plan.title,
        "body": {"contentType": "html", "content": body_html},
        "start": {"dateTime": start.isoformat(timespec="seconds"), "timeZone": zone.key},
        "end": {"dateTime": end.isoformat(timespec="seconds"), "timeZone": zone.key},
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
        "allowNewTimeProposals": False,
        "attendees": [
            {"emailAddress": {"address": address, "name": name}, "type": "required"}
            for address, name in attendees
        ],
        "transactionId": transaction_id,
    }


# --- date polls for an extra meeting --------------------------------------------------------

MIN_SLOTS, MAX_SLOTS = 2, 5


class Availability(StrEnum):
    YES = "yes"  # disponible
    MAYBE = "maybe"  # si nécessaire
    NO = "no"


@dataclass(frozen=True)
class Slot:
    position: int
    day: date
    start: time

    def starts_at(self, zone: ZoneInfo) -> datetime:
        return datetime.combine(self.day, self.start, tzinfo=zone).astimezone(UTC)


class PollStatus(StrEnum):
    OPEN = "open"
    SCHEDULED = "scheduled"


@dataclass(frozen=True)
class Poll:
    id: int
    title: str
    minutes: int
    agenda: Sequence[AgendaItem]
    slots: Sequence[Slot]
    status: PollStatus
    created_by: str
    meeting_id: int | None = None


@dataclass(frozen=True)
class SlotTally:
    slot: Slot
    yes: int
    maybe: int
    no: int


def poll_problems(
    title: str,
    minutes: int,
    agenda: Sequence[AgendaItem],
    slots: Sequence[Slot],
    now: datetime,
    zone: ZoneInfo,
) -> list[Problem]:
    """What prevents sending this poll, field by field (its agenda may still be empty)."""
    found: list[Problem] = agenda_problems(agenda)
    if not title.strip():
        found.append(Problem("title", "meetings.error.title_empty"))
    elif len(title) > MAX_TITLE:
        found.append(Problem("title", "meetings.error.title_long"))
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        found.append(Problem("duration", "meetings.error.duration"))
    if not MIN_SLOTS <= len(slots) <= MAX_SLOTS:
        found.append(Problem("slots", "polls.error.slot_count"))
    if any(slot.starts_at(zone) <= now for slot in slots):
        found.append(Problem("slots", "polls.error.slot_past"))
    if len({(s.day, s.start) for s in slots}) != len(slots):
        found.append(Problem("slots", "polls.error.slot_twice"))
    return found


def best_slot(tallies: Sequence[SlotTally]) -> SlotTally | None:
    """The slot most can attend: most « disponible », then most « si nécessaire », then the
    fewest « non », then the earliest."""
    if not tallies:
        return None
    return max(
        tallies,
        key=lambda t: (
            t.yes,
            t.maybe,
            -t.no,
            -t.slot.day.toordinal(),
            -(t.slot.start.hour * 60 + t.slot.start.minute),
        ),
    )


# « 2 h », « 2h30 », « 1 h 30 min », « 90 min », « 1:30 », « 120 »: how people write a length.
_DURATION = re.compile(
    r"^\s*(?:(?P<hours>\d{1,2})\s*(?:h|heures?|hours?|hrs?)\s*(?P<and>\d{1,2})?\s*(?:min(?:utes?)?)?"
    r"|(?P<clock_h>\d{1,2}):(?P<clock_m>\d{2})"
    r"|(?P<minutes>\d{1,4})\s*(?:min(?:utes?)?|m)?)\s*$",
    re.IGNORECASE,
)


def parse_duration(text: str) -> int | None:
    """Minutes from what a person typed in a duration field; None when it is no duration.
    A bare number is minutes (the field's unit)."""
    found = _DURATION.match(text or "")
    if found is None:
        return None
    if found["hours"] is not None:
        return int(found["hours"]) * 60 + int(found["and"] or 0)
    if found["clock_h"] is not None:
        return int(found["clock_h"]) * 60 + int(found["clock_m"])
    return int(found["minutes"])


def agenda_item(line: str, known: Sequence[AgendaItem] = ()) -> AgendaItem:
    """One line of the agenda, kept as it was written (« Plan d’action — état d’avancement »
    stays that, everywhere: the cards, the conflicts asked, the documents' folders). A line
    the form showed for an item already on the agenda is that item, unchanged (an item saved
    with its presenter is shown « item — presenter »)."""
    for item in known:
        if line.strip() == agenda_label(item):
            return item
    return AgendaItem(line.strip())


def agenda_label(item: AgendaItem) -> str:
    return item.title + (f" — {item.presenter}" if item.presenter else "")
