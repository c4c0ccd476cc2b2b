"""A meeting as an iCalendar invitation (.ics), for calendars Graph does not reach."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.features.meetings.rules import Meeting, MeetingStatus


def ics_invitation(meeting: Meeting, zone: ZoneInfo, description: str, domain: str) -> bytes:
    """Local wall-clock times with their VTIMEZONE, so a calendar in another zone (or after
    a clock change) shows the hour the committee decided. The UID stays the same for the
    meeting, so importing it again updates the entry instead of adding one."""
    start = datetime.combine(meeting.plan.day, meeting.plan.start, tzinfo=zone)
    end = (
        datetime.combine(meeting.plan.day, meeting.plan.start)
        + timedelta(minutes=meeting.plan.minutes)
    ).replace(tzinfo=zone)
    calendar = Calendar()
    calendar.add("prodid", "-//Comite gouvernement ouvert//committee-bot//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"committee-meeting-{meeting.id}@{domain}")
    event.add("summary", meeting.plan.title)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("dtstamp", datetime.now(tz=ZoneInfo("UTC")))
    event.add("sequence", meeting.revision)
    event.add("description", description)
    if meeting.join_url:
        event.add("url", meeting.join_url)
    event.add("status", "CANCELLED" if meeting.status is MeetingStatus.CANCELLED else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
