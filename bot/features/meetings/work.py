"""What the meetings' use cases answer, and what each outbox delivery reads of a meeting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.members import Member
from bot.domain.problems import Problem
from bot.features.meetings.rules import (
    Attendance,
    AttendanceCount,
    Meeting,
)
from bot.storage.committee import CommitteeTeam

# The outbox kinds of meetings.
CALENDAR = "meetings.calendar"
# A cancelled meeting's event cancelled in the organiser's calendar (attendees are told).
CALENDAR_CANCEL = "meetings.calendar_cancel"
# A moved meeting's event moved in the organiser's calendar.
CALENDAR_MOVE = "meetings.calendar_move"
# The meeting's card in the committee channel, then its redrawing in place after a change.
CHANNEL = "meetings.channel"
CHANNEL_REFRESH = "meetings.channel_refresh"
# In each member's personal chat: the invitation, the reminders, a move or a cancellation.
INVITATION = "meetings.invitation"
REMINDER = "meetings.reminder"
CHANGE_NOTICE = "meetings.change_notice"
# To each member of the secretariat: Graph refused, a permission is missing.
PERMISSION_NOTICE = "meetings.permission_notice"


@dataclass(frozen=True)
class ScheduleOutcome:
    """The meeting saved; or nothing saved, with the problems to fix or the warnings to
    confirm (a weekend, a holiday)."""

    meeting: Meeting | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AttendanceOutcome:
    """The member's answer recorded (or refused: the meeting is over or cancelled)."""

    meeting: Meeting | None
    answer: Attendance | None = None
    count: AttendanceCount | None = None
    # From a card drawn before the meeting or the answer changed: nothing recorded, and
    # `answer` is the one in force.
    stale: bool = False


@dataclass(frozen=True)
class ChannelWork:
    """What the channel card needs: where to post, what to show, what to replace."""

    meeting: Meeting
    count: AttendanceCount
    team: CommitteeTeam
    activity_id: str | None = None


@dataclass(frozen=True)
class MemberWork:
    """A personal card about a meeting: to whom, and what they answered so far."""

    meeting: Meeting
    member: Member
    answer: Attendance | None
    change: str = ""
    # What the change was: where the meeting was before a move, the items added and removed.
    was: datetime | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    # The earlier cards about this meeting in the member's chat that this one replaces.
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttendanceRow:
    member: Member
    answer: Attendance | None


@dataclass(frozen=True)
class CalendarWork:
    """What the calendar delivery needs: the meeting, and who is invited."""

    meeting: Meeting
    attendees: list[Member]
